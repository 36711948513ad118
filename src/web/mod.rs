//! The HTTP face of the service: the JSON API (`api`), the pages (`pages`), extractors,
//! and the one error mapping (`error`).

pub mod api;
pub mod cache;
pub mod error;
pub mod extract;
pub mod pages;

use crate::config::Config;
use crate::domain::FieldError;
use crate::store::Db;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpResponse};
use error::ApiError;
use std::sync::Arc;
use utoipa_actix_web::{scope, service_config::ServiceConfig, AppExt};

/// What every handler can reach. Holds no mutable state: everything that matters is in
/// the database, so several instances can serve one PostgreSQL.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The database was made with `--demo`: every page says so.
    pub is_demo: bool,
    /// Callers of recently used API tokens.
    pub tokens: extract::TokenCache,
    /// Dwelling list pages served in the last moments.
    pub dwelling_pages: cache::PageCache,
}

/// The API handlers, registered once for the server and once for the OpenAPI document,
/// so the document always matches what is served.
fn api_v1(cfg: &mut ServiceConfig) {
    use api::{clients, contingents, dwellings, follow_ups, monitor, notifications, proposals, register, responsibility, rounds};
    cfg.service(register::me)
        .service(register::create_token)
        .service(register::list_tokens)
        .service(register::revoke_token)
        .service(register::locate)
        .service(register::municipalities)
        .service(register::municipality)
        .service(register::boundary)
        .service(register::organisations)
        .service(register::create_organisation)
        .service(register::audit)
        .service(dwellings::list)
        .service(dwellings::create_batch)
        .service(dwellings::create)
        .service(dwellings::get)
        .service(dwellings::update)
        .service(dwellings::publish)
        .service(dwellings::withdraw)
        .service(clients::list)
        .service(clients::create)
        .service(clients::get)
        .service(clients::update)
        .service(clients::ready)
        .service(clients::pause)
        .service(clients::resume)
        .service(clients::withdraw)
        .service(clients::urgency)
        .service(responsibility::request)
        .service(responsibility::assess)
        .service(responsibility::settle)
        .service(responsibility::get)
        .service(contingents::list)
        .service(contingents::create)
        .service(contingents::get)
        .service(contingents::set_cap)
        .service(contingents::ledger)
        .service(notifications::recent)
        .service(notifications::preferences)
        .service(notifications::set_preferences)
        .service(notifications::outbox)
        .service(rounds::run)
        .service(rounds::list)
        .service(rounds::get)
        .service(proposals::list)
        .service(proposals::get)
        .service(proposals::approve)
        .service(proposals::reject)
        .service(proposals::offer)
        .service(proposals::accept)
        .service(proposals::decline)
        .service(proposals::lease)
        .service(proposals::plan_flip)
        .service(proposals::flip)
        .service(proposals::withdraw_placement)
        .service(follow_ups::list)
        .service(follow_ups::record)
        .service(monitor::figures)
        .service(monitor::csv)
        .service(monitor::fairness);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "uitstroomtafel", description = "The register of a regional outflow table. Authenticate with `Authorization: Bearer <token>` (POST /api/v1/tokens) or a browser session; a session-authenticated change also needs `X-CSRF-Token`. Errors are application/problem+json."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        api.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The OpenAPI 3 document of `/api/v1`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let (_, api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).service(scope::scope("/api/v1").configure(api_v1)).split_for_parts();
    api
}

/// Builds the application; `main` and the tests both start it through `startup`.
pub fn app(
    state: web::Data<AppState>,
    openapi: Arc<utoipa::openapi::OpenApi>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Served over TLS (secure cookies on): browsers must keep to HTTPS.
    let hsts = state.config.secure_cookies;
    let app = App::new()
        .app_data(state)
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NoRoute.into()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::Body(FieldError::new("query", "format", e.to_string())).into()))
        .app_data(web::FormConfig::default().limit(16 * 1024))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")),
        )
        .wrap(actix_web::middleware::Condition::new(
            hsts,
            DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")),
        ))
        .wrap(actix_web::middleware::Compress::default())
        .into_utoipa_app()
        .service(
            scope::scope("/api/v1")
                .route("/openapi.json", web::get().to(move || serve_openapi(openapi.clone())))
                .configure(api_v1)
                .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::NoRoute) })),
        )
        .into_app();
    app.route("/healthz", web::get().to(healthz))
        .configure(pages::routes)
        .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::NoRoute) }))
}

async fn serve_openapi(api: Arc<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(&*api)
}

/// Liveness and database reachability, for the load balancer.
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let backend = if state.db.url().is_postgres() { "postgres" } else { "sqlite" };
    state
        .db
        .run(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("SELECT 1").map_err(crate::store::StoreError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": backend})))
}
