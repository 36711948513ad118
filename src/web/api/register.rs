//! Municipalities, organisations, the caller, tokens, the audit log, health.

use super::{PageOf, PageQuery};
use crate::domain::OrgKind;
use crate::store::rows::{AuditEntry, Municipality, Organisation};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::{auth, register as wf};
use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityView {
    #[schema(example = "GM0202")]
    pub code: String,
    pub name: String,
    pub population: i32,
    pub households: i32,
    pub centroid_lat: f64,
    pub centroid_lon: f64,
}

impl From<Municipality> for MunicipalityView {
    fn from(m: Municipality) -> Self {
        MunicipalityView {
            code: m.code,
            name: m.name,
            population: m.population,
            households: m.households,
            centroid_lat: m.centroid_lat,
            centroid_lon: m.centroid_lon,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MunicipalityQuery {
    /// Part of the name, any case.
    pub search: Option<String>,
}

#[utoipa::path(tag = "register", params(MunicipalityQuery, PageQuery), responses((status = 200, body = PageOf<MunicipalityView>)))]
#[get("/municipalities")]
pub async fn municipalities(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<MunicipalityQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let search = q.into_inner().search;
    let paged = state.db.run(move |c| wf::search_municipalities(c, &caller, search.as_deref(), page)).await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, MunicipalityView::from)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LocateQuery {
    pub lat: f64,
    pub lon: f64,
}

/// The municipality a point lies in; 422 for a point outside the Netherlands.
#[utoipa::path(tag = "register", params(LocateQuery), responses((status = 200, body = MunicipalityView), (status = 422, body = Problem)))]
#[get("/municipalities/locate")]
pub async fn locate(state: web::Data<AppState>, Auth(caller): Auth, q: web::Query<LocateQuery>) -> Result<HttpResponse, ApiError> {
    let LocateQuery { lat, lon } = q.into_inner();
    let m = state.db.run(move |c| wf::locate(c, &caller, lat, lon)).await?;
    Ok(HttpResponse::Ok().json(MunicipalityView::from(m)))
}

#[utoipa::path(tag = "register", responses((status = 200, body = MunicipalityView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/municipalities/{code}")]
pub async fn municipality(state: web::Data<AppState>, Auth(caller): Auth, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let m = state.db.run(move |c| wf::municipality(c, &caller, &code)).await?;
    Ok(HttpResponse::Ok().json(MunicipalityView::from(m)))
}

/// The municipality's boundary (CBS, simplified), a GeoJSON Polygon or MultiPolygon.
#[utoipa::path(tag = "register", responses((status = 200, description = "a GeoJSON geometry", content_type = "application/geo+json"), (status = 404, body = Problem)))]
#[get("/municipalities/{code}/boundary")]
pub async fn boundary(state: web::Data<AppState>, Auth(caller): Auth, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let geometry = state.db.run(move |c| wf::boundary(c, &caller, &code)).await?;
    Ok(HttpResponse::Ok().content_type("application/geo+json").body(geometry))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i32,
    /// region_office, corporation, provider or municipality.
    pub kind: String,
    pub name: String,
    pub municipality: Option<String>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        OrganisationView { id: o.id, kind: o.kind, name: o.name, municipality: o.municipality_code }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrganisationQuery {
    pub kind: Option<String>,
}

/// The organisations at the caller's table.
#[utoipa::path(tag = "register", params(OrganisationQuery), responses((status = 200, body = Vec<OrganisationView>)))]
#[get("/organisations")]
pub async fn organisations(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<OrganisationQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = q.into_inner().kind;
    let orgs = state.db.run(move |c| wf::organisations(c, &caller, kind.as_deref())).await?;
    Ok(HttpResponse::Ok().json(orgs.into_iter().map(OrganisationView::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    pub kind: String,
    pub name: String,
    /// Required for, and only for, a municipality.
    pub municipality: Option<String>,
}

/// Adds an organisation to the table (admins).
#[utoipa::path(tag = "register", request_body = OrganisationInput, responses((status = 201, body = OrganisationView), (status = 422, body = Problem)))]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: ApiJson<OrganisationInput>,
) -> Result<HttpResponse, ApiError> {
    let i = body.0;
    let kind = OrgKind::parse("kind", &i.kind).map_err(|e| vec![e])?;
    let o = state.db.run(move |c| wf::create_organisation(c, &caller, kind, &i.name, i.municipality.as_deref())).await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(o)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user_id: i32,
    pub username: String,
    pub role: String,
    pub organisation_id: i32,
    pub organisation: String,
    pub municipality: Option<String>,
    /// The CBS codes of the table's municipalities.
    pub region_municipalities: Vec<String>,
}

/// Who the caller is.
#[utoipa::path(tag = "register", responses((status = 200, body = MeView), (status = 401, body = Problem)))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, Auth(caller): Auth) -> Result<HttpResponse, ApiError> {
    let c2 = caller.clone();
    let region = state.db.run(move |c| wf::region_municipalities(c, &c2)).await?;
    Ok(HttpResponse::Ok().json(MeView {
        user_id: caller.user_id,
        username: caller.username,
        role: caller.role.as_str().into(),
        organisation_id: caller.organisation_id,
        organisation: caller.organisation_name,
        municipality: caller.municipality,
        region_municipalities: region,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What the token is for, e.g. "koppeling woonruimtesysteem".
    pub name: String,
    /// Days the token lives, 1 to 365; 90 when left out.
    pub days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i32,
    /// Shown once; send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// A token as its owner sees it later: never the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: Option<chrono::NaiveDateTime>,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

/// A new API token acting as the caller, for a machine client. The token is in this
/// answer only; the service keeps its hash.
#[utoipa::path(tag = "register", request_body = TokenInput, responses((status = 201, body = TokenView), (status = 422, body = Problem)))]
#[post("/tokens")]
pub async fn create_token(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<TokenInput>) -> Result<HttpResponse, ApiError> {
    let TokenInput { name, days } = body.0;
    let (id, token, expires_at) = state.db.run(move |c| auth::create_api_token(c, &caller, &name, days)).await?;
    Ok(HttpResponse::Created().json(TokenView { id, token, expires_at }))
}

/// The caller's own API tokens, without their secrets.
#[utoipa::path(tag = "register", responses((status = 200, body = Vec<TokenInfo>)))]
#[get("/tokens")]
pub async fn list_tokens(state: web::Data<AppState>, Auth(caller): Auth) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(move |c| auth::api_tokens(c, &caller)).await?;
    let view: Vec<TokenInfo> = rows
        .into_iter()
        .map(|t| TokenInfo { id: t.id, name: t.name, created_at: t.created_at, expires_at: t.expires_at, revoked_at: t.revoked_at })
        .collect();
    Ok(HttpResponse::Ok().json(view))
}

/// Revokes one of the caller's own tokens at once.
#[utoipa::path(tag = "register", responses((status = 204), (status = 404, body = Problem)))]
#[delete("/tokens/{id}")]
pub async fn revoke_token(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.db.run(move |c| auth::revoke_api_token(c, &caller, id)).await?;
    state.tokens.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// e.g. `client`
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
}

/// The audit log, newest first (admins).
#[utoipa::path(tag = "register", params(AuditQuery, PageQuery), responses((status = 200, body = PageOf<AuditEntry>), (status = 403, body = Problem)))]
#[get("/audit")]
pub async fn audit(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<AuditQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let AuditQuery { entity, entity_id } = q.into_inner();
    let paged = state
        .db
        .run(move |c| {
            let filter = entity.as_deref().zip(entity_id);
            wf::audit_log(c, &caller, filter, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, |e| e)))
}
