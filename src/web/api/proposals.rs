//! `/api/v1/proposals`: the review of proposals, step by step, with staged disclosure.

use super::{PageOf, PageQuery};
use crate::domain::{Reason, Role};
use crate::store::rounds::ProposalRow;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::proposals::{self as wf, Detail};
use crate::workflow::{today, Caller};
use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What the caller may see of the client: a corporation only the needs summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSummary {
    pub reference: String,
    pub household_size: i32,
    pub min_rooms: i32,
    pub needs_ground_floor: bool,
    pub needs_lift: bool,
    pub needs_wheelchair: bool,
    /// Not shown to a corporation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rent_cents: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DwellingSummary {
    pub id: i32,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub rooms: i32,
    pub rent_cents: i32,
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: i32,
    pub round_id: i32,
    /// proposed, approved, rejected, offered, accepted, declined, placed, expired
    pub status: String,
    pub tier: i32,
    pub score: i32,
    pub reason: Option<String>,
    pub reason_note: Option<String>,
    pub offer_deadline: Option<NaiveDate>,
    pub contingent_id: Option<i32>,
    pub client_id: i32,
    pub dwelling_id: i32,
    /// Unchanged longer than the region's stall interval (7 days by default).
    pub stalled: bool,
    /// Omklap: the conditions for the lease to flip to the client, the planned and the
    /// actual date.
    pub flip_conditions: Option<String>,
    pub planned_flip_on: Option<NaiveDate>,
    pub flipped_on: Option<NaiveDate>,
    /// Set when the coordinator withdrew the placement.
    pub placement_withdrawn_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dwelling: Option<DwellingSummary>,
    /// The matcher's explanation and what it saw; for coordinators.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub explanation: Option<serde_json::Value>,
}

fn base(p: &ProposalRow, stalled: bool) -> ProposalView {
    ProposalView {
        stalled,
        flip_conditions: p.flip_conditions.clone(),
        planned_flip_on: p.planned_flip_on,
        flipped_on: p.flipped_on,
        placement_withdrawn_on: p.placement_withdrawn_on,
        id: p.id,
        round_id: p.round_id,
        status: p.status.clone(),
        tier: p.tier,
        score: p.score,
        reason: p.reason.clone(),
        reason_note: p.reason_note.clone(),
        offer_deadline: p.offer_deadline,
        contingent_id: p.contingent_id,
        client_id: p.client_id,
        dwelling_id: p.dwelling_id,
        client: None,
        dwelling: None,
        explanation: None,
    }
}

fn detail_view(caller: &Caller, d: Detail) -> ProposalView {
    let mut v = base(&d.proposal, d.stalled);
    let full = caller.role != Role::Corporation;
    let c = d.client;
    v.client = Some(ClientSummary {
        reference: c.reference,
        household_size: c.household_size,
        min_rooms: c.min_rooms,
        needs_ground_floor: c.needs_ground_floor,
        needs_lift: c.needs_lift,
        needs_wheelchair: c.needs_wheelchair,
        urgency: full.then_some(c.urgency),
        support_level: full.then_some(c.support_level),
        binding_municipality: full.then_some(c.binding_municipality),
        max_rent_cents: full.then_some(c.max_rent_cents),
    });
    let dw = d.dwelling;
    v.dwelling = Some(DwellingSummary {
        id: dw.id,
        street: dw.street,
        house_number: dw.house_number,
        postcode: dw.postcode,
        city: dw.city,
        rooms: dw.rooms,
        rent_cents: dw.rent_cents,
        kind: dw.kind,
    });
    if caller.role == Role::Coordinator {
        v.explanation = serde_json::from_str(&d.proposal.explanation).ok();
    }
    v
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProposalQuery {
    pub status: Option<String>,
}

/// Proposals in the caller's scope: coordinators all, a provider those of its clients, a
/// corporation those for its dwellings once approved.
#[utoipa::path(tag = "proposals", params(ProposalQuery, PageQuery), responses((status = 200, body = PageOf<ProposalView>), (status = 403, body = Problem)))]
#[get("/proposals")]
pub async fn list(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<ProposalQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let status = q.into_inner().status;
    let paged = state.db.run(move |c| wf::list(c, &caller, status.as_deref(), page)).await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, |(p, stalled)| base(&p, stalled))))
}

#[utoipa::path(tag = "proposals", responses((status = 200, body = ProposalView), (status = 404, body = Problem)))]
#[get("/proposals/{id}")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let c2 = caller.clone();
    let d = state.db.run(move |c| wf::get(c, &c2, id)).await?;
    Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// dwelling_does_not_fit, client_chose_other, client_not_ready, dwelling_let_otherwise, offer_expired, other
    pub reason: String,
    /// Required with `other`.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseInput {
    pub signed_on: NaiveDate,
}

macro_rules! step_handler {
    ($name:ident, $path:literal, $doc:literal, |$c:ident, $caller:ident, $id:ident| $call:expr) => {
        #[doc = $doc]
        #[utoipa::path(tag = "proposals", responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 403, body = Problem)))]
        #[post($path)]
        pub async fn $name(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
            let $id = id.into_inner();
            let $caller = caller.clone();
            let d = state.db.run(move |$c| $call).await?;
            Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
        }
    };
}

step_handler!(approve, "/proposals/{id}/approve", "The coordinator approves: the dwelling is reserved.", |c, caller, id| wf::approve(
    c, &caller, id
));
step_handler!(
    offer,
    "/proposals/{id}/offer",
    "The corporation offers the dwelling; the offer lapses after ten working days.",
    |c, caller, id| wf::offer(c, &caller, id, today())
);
step_handler!(accept, "/proposals/{id}/accept", "The provider records that the client accepts.", |c, caller, id| wf::accept(
    c, &caller, id
));

/// A step that takes a reason: parse it, run the step, show the result.
async fn with_reason(
    state: web::Data<AppState>,
    caller: Caller,
    id: i32,
    body: ReasonInput,
    run: fn(&mut crate::store::Conn, &Caller, i32, &Reason) -> Result<Detail, crate::workflow::Error>,
) -> Result<HttpResponse, ApiError> {
    let reason = Reason::parse(&body.reason, body.note.as_deref())?;
    let c2 = caller.clone();
    let d = state.db.run(move |c| run(c, &c2, id, &reason)).await?;
    Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
}

/// The coordinator rejects, with a reason; the pair never comes back.
#[utoipa::path(tag = "proposals", request_body = ReasonInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/proposals/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    with_reason(state, caller, id.into_inner(), body.0, wf::reject).await
}

/// The provider records that the client declines, with a reason.
#[utoipa::path(tag = "proposals", request_body = ReasonInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/proposals/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    with_reason(state, caller, id.into_inner(), body.0, wf::decline).await
}

/// The coordinator withdraws a placement, with a reason: the lease goes, the dwelling and
/// the client are free, the contingent gets its place back.
#[utoipa::path(tag = "proposals", request_body = ReasonInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/proposals/{id}/withdraw-placement")]
pub async fn withdraw_placement(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<ReasonInput>,
) -> Result<HttpResponse, ApiError> {
    with_reason(state, caller, id.into_inner(), body.0, |c, caller, id, reason| wf::withdraw_placement(c, caller, id, reason, today()))
        .await
}

/// The corporation records the signed lease: the dwelling is let, the client placed, the
/// contingent debited.
#[utoipa::path(tag = "proposals", request_body = LeaseInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/proposals/{id}/lease")]
pub async fn lease(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<LeaseInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, signed_on, c2) = (id.into_inner(), body.0.signed_on, caller.clone());
    let d = state.db.run(move |c| wf::sign_lease(c, &c2, id, signed_on, today())).await?;
    Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlipPlanInput {
    /// When the lease flips to the client (e.g. a year without incidents, budget coaching).
    pub conditions: String,
    pub planned_flip_on: NaiveDate,
}

/// The provider (main tenant of an omklap dwelling) records the flip conditions and date.
#[utoipa::path(tag = "proposals", request_body = FlipPlanInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/proposals/{id}/flip-plan")]
pub async fn plan_flip(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<FlipPlanInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, b, c2) = (id.into_inner(), body.0, caller.clone());
    let d = state
        .db
        .run(move |c| {
            wf::plan_flip(c, &c2, id, &b.conditions, b.planned_flip_on, today())?;
            wf::get(c, &c2, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlipInput {
    pub flipped_on: NaiveDate,
}

/// The corporation records that the lease went over to the client.
#[utoipa::path(tag = "proposals", request_body = FlipInput, responses((status = 200, body = ProposalView), (status = 409, body = Problem)))]
#[post("/proposals/{id}/flip")]
pub async fn flip(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<FlipInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, on, c2) = (id.into_inner(), body.0.flipped_on, caller.clone());
    let d = state
        .db
        .run(move |c| {
            wf::record_flip(c, &c2, id, on, today())?;
            wf::get(c, &c2, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_view(&caller, d)))
}
