//! `/api/v1/follow-ups`: follow-up after placement.

use crate::domain::FollowUpOutcome;
use crate::store::follow_ups::FollowUpLine;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::{self, follow_ups as wf};
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub proposal_id: i32,
    /// 6 or 12.
    pub months: i32,
    pub due_on: NaiveDate,
    pub recorded_on: Option<NaiveDate>,
    /// still_housed, moved_on, eviction, admission or other.
    pub outcome: Option<String>,
    pub client_id: i32,
    pub reference: String,
    pub signed_on: NaiveDate,
}

impl From<FollowUpLine> for FollowUpView {
    fn from(l: FollowUpLine) -> Self {
        FollowUpView {
            proposal_id: l.proposal_id,
            months: l.months,
            due_on: l.due_on,
            recorded_on: l.recorded_on,
            outcome: l.outcome,
            client_id: l.client_id,
            reference: l.reference,
            signed_on: l.signed_on,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FollowUpQuery {
    /// `true`: only the unanswered ones.
    pub open: Option<bool>,
}

/// The follow-ups due by today: a provider's own, the coordinator's region.
#[utoipa::path(tag = "follow-ups", params(FollowUpQuery), responses((status = 200, body = Vec<FollowUpView>), (status = 403, body = Problem)))]
#[get("/follow-ups")]
pub async fn list(state: web::Data<AppState>, Auth(caller): Auth, q: web::Query<FollowUpQuery>) -> Result<HttpResponse, ApiError> {
    let open = q.open.unwrap_or(false);
    let lines = state.db.run(move |c| wf::due(c, &caller, workflow::today(), open)).await?;
    Ok(HttpResponse::Ok().json(lines.into_iter().map(FollowUpView::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// still_housed, moved_on, eviction, admission or other.
    pub outcome: String,
}

/// The provider records a follow-up: once, from its due day.
#[utoipa::path(tag = "follow-ups", request_body = FollowUpBody,
    responses((status = 200, body = FollowUpView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/follow-ups/{proposal_id}/{months}")]
pub async fn record(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    path: web::Path<(i32, u32)>,
    body: ApiJson<FollowUpBody>,
) -> Result<HttpResponse, ApiError> {
    let outcome = FollowUpOutcome::parse("outcome", &body.0.outcome).map_err(|e| workflow::Error::Invalid(vec![e]))?;
    let (proposal, months) = path.into_inner();
    let line = state.db.run(move |c| wf::record(c, &caller, proposal, months, outcome, workflow::today())).await?;
    Ok(HttpResponse::Ok().json(FollowUpView::from(line)))
}
