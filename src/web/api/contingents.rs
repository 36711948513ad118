//! `/api/v1/contingents`: contingent agreements per municipality, corporation and period.

use super::{PageOf, PageQuery};
use crate::store::rows::Contingent;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::contingents::{self as wf, NewContingent};
use actix_web::{get, http::header, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContingentInput {
    #[schema(example = "GM0202")]
    pub municipality: String,
    pub corporation_id: i32,
    pub period_start: NaiveDate,
    /// Exclusive: the first day after the period.
    pub period_end: NaiveDate,
    /// Dwellings agreed for the period, 0 to 10,000.
    pub cap: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapInput {
    pub cap: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContingentView {
    pub id: i32,
    pub municipality: String,
    pub corporation_id: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub cap: i32,
    pub used: i32,
    pub remaining: i32,
}

impl From<Contingent> for ContingentView {
    fn from(c: Contingent) -> Self {
        ContingentView {
            id: c.id,
            remaining: c.cap - c.used,
            municipality: c.municipality_code,
            corporation_id: c.corporation_id,
            period_start: c.period_start,
            period_end: c.period_end,
            cap: c.cap,
            used: c.used,
        }
    }
}

#[utoipa::path(tag = "contingents", params(PageQuery), responses((status = 200, body = PageOf<ContingentView>), (status = 403, body = Problem)))]
#[get("/contingents")]
pub async fn list(state: web::Data<AppState>, Auth(caller): Auth, p: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let paged = state.db.run(move |c| wf::list(c, &caller, page)).await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, ContingentView::from)))
}

/// Records a contingent agreement (coordinators and admins).
#[utoipa::path(tag = "contingents", request_body = ContingentInput, responses((status = 201, body = ContingentView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/contingents")]
pub async fn create(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<ContingentInput>) -> Result<HttpResponse, ApiError> {
    let i = body.0;
    let c = NewContingent::parse(&i.municipality, i.corporation_id, i.period_start, i.period_end, i.cap)?;
    let created = state.db.run(move |conn| wf::create(conn, &caller, &c)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/contingents/{}", created.id)))
        .json(ContingentView::from(created)))
}

#[utoipa::path(tag = "contingents", responses((status = 200, body = ContingentView), (status = 404, body = Problem)))]
#[get("/contingents/{id}")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let c = state.db.run(move |conn| wf::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(ContingentView::from(c)))
}

/// Changes the cap; never below what is already used.
#[utoipa::path(tag = "contingents", request_body = CapInput, responses((status = 200, body = ContingentView), (status = 422, body = Problem)))]
#[patch("/contingents/{id}")]
pub async fn set_cap(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<CapInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, cap) = (id.into_inner(), body.0.cap);
    let c = state.db.run(move |conn| wf::set_cap(conn, &caller, id, cap)).await?;
    Ok(HttpResponse::Ok().json(ContingentView::from(c)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    /// +1: a placement used a place; -1: a place came back.
    pub change: i32,
    pub reason: String,
    pub proposal_id: Option<i32>,
    pub at: chrono::NaiveDateTime,
    pub client_reference: Option<String>,
    /// Where the dwelling lies: not always the contingent's own municipality.
    pub dwelling_municipality: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    pub contingent: ContingentView,
    pub entries: Vec<LedgerEntryView>,
}

/// How a contingent was used: every booking, oldest first. `used` is their sum.
#[utoipa::path(tag = "contingents", responses((status = 200, body = LedgerView), (status = 404, body = Problem)))]
#[get("/contingents/{id}/ledger")]
pub async fn ledger(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (k, entries) = state.db.run(move |c| wf::ledger(c, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(LedgerView {
        contingent: ContingentView::from(k),
        entries: entries
            .into_iter()
            .map(|e| LedgerEntryView {
                change: e.change,
                reason: e.reason,
                proposal_id: e.proposal_id,
                at: e.created_at,
                client_reference: e.client_reference,
                dwelling_municipality: e.dwelling_municipality,
            })
            .collect(),
    }))
}
