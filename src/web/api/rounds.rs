//! `/api/v1/rounds`: run a match round and read its proposals.

use super::{PageOf, PageQuery};
use crate::store::rounds::{ProposalRow, RoundRow};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::{rounds as wf, today};
use actix_web::{get, http::header, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// The day the round is for (default today): readiness, waiting days and contingent
    /// periods are taken at this date.
    pub round_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: i32,
    pub client_id: i32,
    pub dwelling_id: i32,
    pub status: String,
    pub tier: i32,
    pub score: i32,
    pub contingent_id: Option<i32>,
    /// Rules met, score parts, next-best alternatives, and what the matcher saw.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    pub id: i32,
    /// running, done or failed
    pub status: String,
    pub round_date: NaiveDate,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Counts, unmatched clients with their reason, contingents, solver figures.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposals: Option<Vec<ProposalView>>,
}

fn view(r: RoundRow, proposals: Option<Vec<ProposalRow>>) -> RoundView {
    RoundView {
        id: r.id,
        status: r.status,
        round_date: r.round_date,
        created_at: r.created_at,
        finished_at: r.finished_at,
        summary: serde_json::from_str(&r.summary).unwrap_or(serde_json::Value::Null),
        proposals: proposals.map(|ps| {
            ps.into_iter()
                .map(|p| ProposalView {
                    id: p.id,
                    client_id: p.client_id,
                    dwelling_id: p.dwelling_id,
                    status: p.status,
                    tier: p.tier,
                    score: p.score,
                    contingent_id: p.contingent_id,
                    explanation: serde_json::from_str(&p.explanation).unwrap_or(serde_json::Value::Null),
                })
                .collect()
        }),
    }
}

/// Runs a round for the caller's table (coordinators): ready clients and published
/// dwellings not under an open proposal, pairs rejected before left out. 409 while
/// another round runs.
#[utoipa::path(tag = "rounds", request_body = RoundInput, responses((status = 201, body = RoundView), (status = 409, body = Problem)))]
#[post("/rounds")]
pub async fn run(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<RoundInput>) -> Result<HttpResponse, ApiError> {
    let date = body.0.round_date.unwrap_or_else(today);
    let (round, proposals) = state.db.run(move |c| wf::run(c, &caller, date, solver::optimize::Limits::default())).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/rounds/{}", round.id))).json(view(round, Some(proposals))))
}

#[utoipa::path(tag = "rounds", params(PageQuery), responses((status = 200, body = PageOf<RoundView>)))]
#[get("/rounds")]
pub async fn list(state: web::Data<AppState>, Auth(caller): Auth, p: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let paged = state.db.run(move |c| wf::list(c, &caller, page)).await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, |r| view(r, None))))
}

#[utoipa::path(tag = "rounds", responses((status = 200, body = RoundView), (status = 404, body = Problem)))]
#[get("/rounds/{id}")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (round, proposals) = state.db.run(move |c| wf::get(c, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(view(round, Some(proposals))))
}
