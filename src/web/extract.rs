//! Request extractors: the authenticated caller, and JSON bodies whose errors name the
//! field that broke.

use super::error::ApiError;
use super::AppState;
use crate::domain::FieldError;
use crate::workflow::{self, auth, Caller};
use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "ut_sessie";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The address a request came from: the peer of the connection. (Behind a reverse proxy
/// that is the proxy; the service does not trust `X-Forwarded-For`, which anyone can send.)
pub fn address(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "onbekend".into())
}

/// The callers of bearer tokens used in the last few seconds, so a machine client's
/// burst of requests does not look its token up each time. A revocation on this instance
/// clears it at once; other instances see a revocation within `TOKEN_CACHE_TTL`. A
/// cached caller never outlives its token's expiry.
#[derive(Default)]
pub struct TokenCache {
    entries: parking_lot::Mutex<std::collections::HashMap<String, (Caller, std::time::Instant)>>,
}

/// How long a token's caller is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
/// Beyond this many tokens the cache starts over: a bound on memory, not a policy.
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    fn get(&self, hash: &str) -> Option<Caller> {
        let entries = self.entries.lock();
        entries.get(hash).filter(|(_, until)| std::time::Instant::now() < *until).map(|(c, _)| c.clone())
    }

    fn put(&self, hash: String, caller: Caller, expires: Option<chrono::NaiveDateTime>) {
        let mut until = std::time::Instant::now() + TOKEN_CACHE_TTL;
        if let Some(expires) = expires {
            // Negative when already expired: then not kept at all.
            let Ok(left) = (expires - crate::store::now()).to_std() else { return };
            until = until.min(std::time::Instant::now() + left);
        }
        let mut entries = self.entries.lock();
        if entries.len() >= TOKEN_CACHE_MAX {
            entries.clear();
        }
        entries.insert(hash, (caller, until));
    }

    /// Forgets every cached caller: after a revocation.
    pub fn clear(&self) {
        self.entries.lock().clear();
    }
}

/// The caller of an API request: a bearer token, or a browser session. A session-based
/// request that changes something must carry the session's CSRF token in `X-CSRF-Token`.
pub struct Auth(pub Caller);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned().expect("AppState is registered");
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let csrf = req.headers().get(CSRF_HEADER).and_then(|h| h.to_str().ok()).map(str::to_string);
        let from = address(req);
        Box::pin(async move {
            if let Some(token) = bearer {
                let hash = auth::hash_secret(&token);
                if let Some(c) = state.tokens.get(&hash) {
                    return Ok(Auth(Caller { address: Some(from), ..c }));
                }
                let key = hash.clone();
                let found = state.db.run(move |c| auth::caller_for_token_hash(c, &key)).await?;
                let (caller, expires) = found.ok_or(ApiError::Workflow(workflow::Error::Unauthenticated))?;
                state.tokens.put(hash, caller.clone(), expires);
                return Ok(Auth(Caller { address: Some(from), ..caller }));
            }
            let Some(secret) = cookie else {
                return Err(ApiError::Workflow(workflow::Error::Unauthenticated));
            };
            let found = state.db.run(move |c| auth::caller_for_session(c, &secret)).await?;
            let (caller, expected) = found.ok_or(ApiError::Workflow(workflow::Error::Unauthenticated))?;
            if unsafe_method && csrf.as_deref() != Some(expected.as_str()) {
                return Err(ApiError::Csrf);
            }
            Ok(Auth(Caller { address: Some(from), ..caller }))
        })
    }
}

/// A JSON body, size-limited, unknown fields refused (by the DTO's
/// `deny_unknown_fields`), and every error naming the field path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map(|s| s.config.body_limit_bytes).unwrap_or(256 * 1024);
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::MediaType);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::Body(FieldError::new("body", "read", "het verzoek kon niet gelezen worden")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::TooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            let de = &mut serde_json::Deserializer::from_slice(&body);
            serde_path_to_error::deserialize(de).map(ApiJson).map_err(|e| ApiError::Body(body_error(&e)))
        })
    }
}

/// Turns a serde error into the field it concerns and the rule it broke.
fn body_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let msg = e.inner().to_string();
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or("").to_string();
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    if msg.starts_with("unknown field") {
        let name = quoted(&msg);
        // serde_path_to_error already records the unknown key in the path.
        let field = if path.ends_with(&name) { path.clone() } else { join(&name) };
        FieldError::new(field, "unknown_field", format!("onbekend veld '{name}'"))
    } else if msg.starts_with("missing field") {
        FieldError::new(join(&quoted(&msg)), "required", "dit veld is verplicht")
    } else if e.inner().is_syntax() || e.inner().is_eof() {
        FieldError::new("body", "json", format!("geen geldige JSON: {msg}"))
    } else {
        let field = if path == "." { "body".into() } else { path };
        FieldError::new(field, "type", format!("verkeerd soort waarde: {}", msg.split(" at line").next().unwrap_or(&msg)))
    }
}

/// The version a client says it is changing, from `If-Match: "3"` (our ETags).
pub fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let raw = req.headers().get(header::IF_MATCH).and_then(|h| h.to_str().ok()).ok_or(ApiError::PreconditionRequired)?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| ApiError::Body(FieldError::new("If-Match", "format", "gebruik de ETag van de laatste GET, zoals \"3\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            user_id: 1,
            username: "corporatie".into(),
            role: crate::domain::Role::Corporation,
            organisation_id: 2,
            organisation_name: "Rijnstad".into(),
            region_id: 1,
            municipality: None,
            address: None,
        }
    }

    #[test]
    fn a_cached_caller_never_outlives_its_token_and_a_revocation_clears_all() {
        let cache = TokenCache::default();
        cache.put("lang".into(), caller(), Some(crate::store::now() + chrono::Duration::days(1)));
        cache.put("kort".into(), caller(), Some(crate::store::now() + chrono::Duration::milliseconds(50)));
        cache.put("verlopen".into(), caller(), Some(crate::store::now() - chrono::Duration::seconds(1)));
        assert!(cache.get("lang").is_some() && cache.get("kort").is_some());
        assert!(cache.get("verlopen").is_none(), "an expired token is not kept at all");
        std::thread::sleep(std::time::Duration::from_millis(120));
        assert!(cache.get("kort").is_none(), "gone with its token's expiry, before the TTL");
        assert!(cache.get("lang").is_some());
        cache.clear();
        assert!(cache.get("lang").is_none());
    }
}
