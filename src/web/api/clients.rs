//! `/api/v1/clients`: a provider's clients, pseudonymous. Every read is audited by the
//! workflow.

use super::{etag, PageOf, PageQuery};
use crate::domain::{ClientFields, NewClient};
use crate::store::rows::{AnchorRow, Client, ExclusionZoneRow};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{if_match, ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::clients::{self as wf, ClientRecord};
use crate::workflow::today;
use actix_web::{get, http::header, http::StatusCode, post, put, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedsInput {
    pub min_rooms: i64,
    /// Highest monthly rent the client can pay, in euro cents.
    pub max_rent_cents: i64,
    #[serde(default)]
    pub ground_floor: bool,
    #[serde(default)]
    pub lift: bool,
    #[serde(default)]
    pub wheelchair: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    pub lat: f64,
    pub lon: f64,
    /// 50 to 50,000 metres.
    pub radius_m: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    /// network, treatment, work or school.
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

/// A client as the provider registers them. There is no field for a name, a BSN or a
/// diagnosis, and unknown fields are refused, so none can be sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub birth_year: i64,
    pub household_size: i64,
    /// CBS code of the municipality the client is bound to (woonplaatsbeginsel).
    #[schema(example = "GM0202")]
    pub binding_municipality: String,
    pub wish_municipality: Option<String>,
    /// urgent, priority or regular.
    pub urgency: String,
    /// light, moderate or intensive.
    pub support_level: String,
    pub needs: NeedsInput,
    #[serde(default)]
    pub exclusion_zones: Vec<ZoneInput>,
    #[serde(default)]
    pub anchors: Vec<AnchorInput>,
}

impl ClientInput {
    fn parse(&self) -> Result<NewClient, Vec<crate::domain::FieldError>> {
        NewClient::parse(
            ClientFields {
                birth_year: self.birth_year,
                household_size: self.household_size,
                binding_municipality: &self.binding_municipality,
                wish_municipality: self.wish_municipality.as_deref(),
                urgency: &self.urgency,
                support_level: &self.support_level,
                min_rooms: self.needs.min_rooms,
                max_rent_cents: self.needs.max_rent_cents,
                ground_floor: self.needs.ground_floor,
                lift: self.needs.lift,
                wheelchair: self.needs.wheelchair,
                exclusion_zones: self.exclusion_zones.iter().map(|z| (z.lat, z.lon, z.radius_m)).collect(),
                anchors: self.anchors.iter().map(|a| (a.kind.as_str(), a.lat, a.lon)).collect(),
            },
            today(),
        )
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: i32,
    pub provider_id: i32,
    /// The pseudonymous reference: the only way the client is named anywhere.
    pub reference: String,
    pub birth_year: i32,
    pub household_size: i32,
    pub binding_municipality: String,
    pub wish_municipality: Option<String>,
    pub urgency: String,
    pub support_level: String,
    pub needs: NeedsInput,
    pub status: String,
    pub ready_since: Option<NaiveDate>,
    /// Days since `ready_since`, when ready.
    pub waiting_days: Option<i64>,
    pub paused_until: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Only on a single client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion_zones: Option<Vec<ZoneInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchors: Option<Vec<AnchorInput>>,
}

impl ClientView {
    fn new(c: Client, zones: Option<Vec<ExclusionZoneRow>>, anchors: Option<Vec<AnchorRow>>) -> Self {
        let today = today();
        ClientView {
            waiting_days: c.ready_since.filter(|_| c.status == "ready" || c.status == "proposed").map(|d| (today - d).num_days()),
            id: c.id,
            provider_id: c.provider_id,
            reference: c.reference,
            birth_year: c.birth_year,
            household_size: c.household_size,
            binding_municipality: c.binding_municipality,
            wish_municipality: c.wish_municipality,
            urgency: c.urgency,
            support_level: c.support_level,
            needs: NeedsInput {
                min_rooms: c.min_rooms.into(),
                max_rent_cents: c.max_rent_cents.into(),
                ground_floor: c.needs_ground_floor,
                lift: c.needs_lift,
                wheelchair: c.needs_wheelchair,
            },
            status: c.status,
            ready_since: c.ready_since,
            paused_until: c.paused_until,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
            exclusion_zones: zones
                .map(|zs| zs.into_iter().map(|z| ZoneInput { lat: z.lat, lon: z.lon, radius_m: z.radius_m.into() }).collect()),
            anchors: anchors.map(|a| a.into_iter().map(|a| AnchorInput { kind: a.kind, lat: a.lat, lon: a.lon }).collect()),
        }
    }
}

fn one(r: ClientRecord, status: StatusCode) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.insert_header(etag(r.client.version));
    if status == StatusCode::CREATED {
        resp.insert_header((header::LOCATION, format!("/api/v1/clients/{}", r.client.id)));
    }
    resp.json(ClientView::new(r.client, Some(r.exclusion_zones), Some(r.anchors)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ClientListQuery {
    /// registered, ready, proposed, placed, paused or withdrawn.
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub binding_municipality: Option<String>,
}

/// The clients the caller may see: a provider its own, a municipality those bound to
/// it, a coordinator the region's.
#[utoipa::path(tag = "clients", params(ClientListQuery, PageQuery), responses((status = 200, body = PageOf<ClientView>), (status = 403, body = Problem)))]
#[get("/clients")]
pub async fn list(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    f: web::Query<ClientListQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let f = f.into_inner();
    let paged = state
        .db
        .run(move |c| {
            let q = wf::ListQuery {
                status: f.status.as_deref(),
                urgency: f.urgency.as_deref(),
                binding_municipality: f.binding_municipality.as_deref(),
            };
            wf::list(c, &caller, q, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, |c| ClientView::new(c, None, None))))
}

/// Registers a client under a new pseudonymous reference (providers only).
#[utoipa::path(tag = "clients", request_body = ClientInput, responses((status = 201, body = ClientView), (status = 422, body = Problem)))]
#[post("/clients")]
pub async fn create(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<ClientInput>) -> Result<HttpResponse, ApiError> {
    let c = body.0.parse()?;
    let r = state.db.run(move |conn| wf::register(conn, &caller, &c)).await?;
    Ok(one(r, StatusCode::CREATED))
}

#[utoipa::path(tag = "clients", responses((status = 200, body = ClientView), (status = 404, body = Problem)))]
#[get("/clients/{id}")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let r = state.db.run(move |c| wf::get(c, &caller, id)).await?;
    Ok(one(r, StatusCode::OK))
}

/// Replaces the client's needs and places. Send the ETag of your last GET in `If-Match`.
#[utoipa::path(tag = "clients", request_body = ClientInput,
    params(("If-Match" = String, Header, description = "the version being changed, e.g. \"3\"")),
    responses((status = 200, body = ClientView), (status = 409, body = Problem), (status = 428, body = Problem)))]
#[put("/clients/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    req: HttpRequest,
    id: web::Path<i32>,
    body: ApiJson<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req)?;
    let c = body.0.parse()?;
    let id = id.into_inner();
    let r = state.db.run(move |conn| wf::update(conn, &caller, id, version, &c)).await?;
    Ok(one(r, StatusCode::OK))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadyInput {
    /// The day from which the client is ready to live on their own; today or earlier.
    pub ready_since: NaiveDate,
}

/// Flags the client *uitstroomklaar*.
#[utoipa::path(tag = "clients", request_body = ReadyInput, responses((status = 200, body = ClientView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/clients/{id}/ready")]
pub async fn ready(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<ReadyInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, since) = (id.into_inner(), body.0.ready_since);
    let r = state.db.run(move |c| wf::flag_ready(c, &caller, id, since, today())).await?;
    Ok(one(r, StatusCode::OK))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseInput {
    /// The pause ends on this day: after today, within a year.
    pub until: NaiveDate,
}

/// Parks the client until a date; parked clients are not matched.
#[utoipa::path(tag = "clients", request_body = PauseInput, responses((status = 200, body = ClientView), (status = 409, body = Problem)))]
#[post("/clients/{id}/pause")]
pub async fn pause(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<PauseInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, until) = (id.into_inner(), body.0.until);
    let r = state.db.run(move |c| wf::pause(c, &caller, id, until, today())).await?;
    Ok(one(r, StatusCode::OK))
}

/// Ends a pause early.
#[utoipa::path(tag = "clients", responses((status = 200, body = ClientView), (status = 409, body = Problem)))]
#[post("/clients/{id}/resume")]
pub async fn resume(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let r = state.db.run(move |c| wf::resume(c, &caller, id)).await?;
    Ok(one(r, StatusCode::OK))
}

/// Withdraws the client from the table.
#[utoipa::path(tag = "clients", responses((status = 200, body = ClientView), (status = 409, body = Problem)))]
#[post("/clients/{id}/withdraw")]
pub async fn withdraw(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let r = state.db.run(move |c| wf::withdraw(c, &caller, id)).await?;
    Ok(one(r, StatusCode::OK))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgencyInput {
    /// urgent, priority or regular
    pub urgency: String,
    /// Why; kept in the audit log.
    pub reason: String,
}

/// A coordinator sets the client's urgency (e.g. restores it after the one-offer rule);
/// the reason is logged.
#[utoipa::path(tag = "clients", request_body = UrgencyInput, responses((status = 200, body = ClientView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/clients/{id}/urgency")]
pub async fn urgency(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<UrgencyInput>,
) -> Result<HttpResponse, ApiError> {
    let urgency = crate::domain::Urgency::parse("urgency", &body.0.urgency).map_err(|e| vec![e])?;
    let (id, reason) = (id.into_inner(), body.0.reason);
    let r = state.db.run(move |c| wf::override_urgency(c, &caller, id, urgency, &reason)).await?;
    Ok(one(r, StatusCode::OK))
}
