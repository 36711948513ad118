//! The error policy, in one place: every failure a request can meet becomes an
//! `application/problem+json` answer (RFC 9457) here. Validation errors list each field
//! and rule; server faults answer an opaque 500 and log the cause chain.

use crate::domain::FieldError;
use crate::workflow;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A problem details body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short Dutch summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What went wrong here, in Dutch.
    pub detail: String,
    /// For invalid input: every field and the rule it broke.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Workflow(#[from] workflow::Error),
    /// The body is not JSON of the expected shape.
    #[error("malformed body: {0:?}")]
    Body(FieldError),
    #[error("unsupported media type")]
    MediaType,
    #[error("body too large")]
    TooLarge(usize),
    #[error("If-Match header missing")]
    PreconditionRequired,
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("route not found")]
    NoRoute,
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Workflow(workflow::Error::Store(e))
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(e: Vec<FieldError>) -> Self {
        ApiError::Workflow(workflow::Error::Invalid(e))
    }
}

/// How long a client should wait before trying again when the database is unavailable.
const RETRY_SECONDS: &str = "5";

const BASE: &str = "https://uitstroomtafel.nl/problemen/";

impl ApiError {
    fn problem(&self) -> (StatusCode, &'static str, &'static str, String, Vec<FieldError>) {
        use workflow::Error as W;
        match self {
            ApiError::Workflow(W::Invalid(errs)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "ongeldige-invoer",
                "Ongeldige invoer",
                errs.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
                errs.clone(),
            ),
            ApiError::Workflow(W::Unauthenticated) => {
                (StatusCode::UNAUTHORIZED, "niet-ingelogd", "Niet ingelogd", "log in of stuur een geldig API-token mee".into(), vec![])
            }
            ApiError::Workflow(W::Forbidden(why)) => (StatusCode::FORBIDDEN, "geen-toegang", "Geen toegang", why.clone(), vec![]),
            ApiError::Workflow(W::NotFound(what)) => {
                (StatusCode::NOT_FOUND, "niet-gevonden", "Niet gevonden", format!("{what} niet gevonden, of niet zichtbaar voor u"), vec![])
            }
            ApiError::Workflow(W::Conflict(why)) => (StatusCode::CONFLICT, "conflict", "Conflict", why.clone(), vec![]),
            ApiError::Workflow(W::Transition { why, .. }) => {
                (StatusCode::CONFLICT, "ongeldige-overgang", "Deze stap is niet toegestaan", why.clone(), vec![])
            }
            ApiError::Workflow(W::Throttled(secs)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "te-veel-pogingen",
                "Te veel pogingen",
                format!("te veel mislukte pogingen om in te loggen; probeer het over {} minuten opnieuw", secs.div_ceil(60)),
                vec![],
            ),
            ApiError::Workflow(W::Store(e)) if e.unavailable().is_some() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "niet-beschikbaar",
                "Even niet beschikbaar",
                format!("{}; probeer het over enkele seconden opnieuw", e.unavailable().unwrap_or_default()),
                vec![],
            ),
            ApiError::Workflow(W::Store(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "serverfout",
                "Er ging iets mis",
                "er ging iets mis aan onze kant; probeer het later opnieuw".into(),
                vec![],
            ),
            ApiError::Body(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "ongeldige-invoer",
                "Ongeldige invoer",
                format!("{}: {}", e.field, e.message),
                vec![e.clone()],
            ),
            ApiError::MediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "mediatype",
                "Verkeerd mediatype",
                "stuur de gegevens als application/json".into(),
                vec![],
            ),
            ApiError::TooLarge(limit) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "te-groot", "Te groot", format!("het verzoek is groter dan {limit} bytes"), vec![])
            }
            ApiError::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "versie-vereist",
                "Versie vereist",
                "stuur de versie die u wijzigt mee in de kop If-Match".into(),
                vec![FieldError::new("If-Match", "required", "de versie uit de ETag van de laatste GET")],
            ),
            ApiError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf",
                "Geen toegang",
                "het formulier is verlopen of komt niet van deze site; laad de pagina opnieuw".into(),
                vec![],
            ),
            ApiError::NoRoute => {
                (StatusCode::NOT_FOUND, "niet-gevonden", "Niet gevonden", "deze pagina of dit adres bestaat niet".into(), vec![])
            }
        }
    }
}

impl ApiError {
    /// Status, Dutch title and detail, for an error page; a server fault is logged here.
    pub fn summary(&self) -> (StatusCode, &'static str, String) {
        let (status, _, title, detail, errors) = self.problem();
        if status.is_server_error() {
            self.log();
        }
        let detail = if errors.is_empty() { detail } else { errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ") };
        (status, title, detail)
    }

    /// The whole cause chain, for the engineer; the answer itself stays opaque.
    fn log(&self) {
        let mut chain = format!("{self}");
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            chain.push_str(&format!(": {s}"));
            source = s.source();
        }
        tracing::error!(error = %chain, "request failed");
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, kind, title, detail, errors) = self.problem();
        if status.is_server_error() {
            self.log();
        }
        let body = Problem { kind: format!("{BASE}{kind}"), title: title.into(), status: status.as_u16(), detail, errors };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::Workflow(workflow::Error::Throttled(secs)) = self {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.insert_header((header::RETRY_AFTER, RETRY_SECONDS));
        }
        resp.body(serde_json::to_string(&body).expect("problem serialises"))
    }
}
