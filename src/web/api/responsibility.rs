//! `/api/v1/clients/{id}/lt…`: landelijke toegang — request, assessment, settlement, and
//! who is responsible now.

use crate::domain::responsibility::{Criteria, Party, Responsibility};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::responsibility::{self as wf, Body};
use crate::workflow::today;
use actix_web::{get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibilityView {
    /// CBS code of the responsible municipality.
    pub responsible: String,
    /// From when, when the wish municipality took over.
    pub since: Option<chrono::NaiveDate>,
    /// The steps of the decision tree, in Dutch.
    pub steps: Vec<String>,
}

fn view(r: Responsibility) -> HttpResponse {
    HttpResponse::Ok().json(ResponsibilityView { responsible: r.responsible, since: r.since, steps: r.steps })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LtRequestInput {
    pub wish_municipality: String,
}

/// Asks for a wish municipality (the client's provider or a coordinator); replaces an
/// earlier request.
#[utoipa::path(tag = "clients", request_body = LtRequestInput, responses((status = 200, body = ResponsibilityView), (status = 422, body = Problem)))]
#[post("/clients/{id}/lt")]
pub async fn request(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<LtRequestInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, wish) = (id.into_inner(), body.0.wish_municipality);
    Ok(view(state.db.run(move |c| wf::request(c, &caller, id, &wish, today())).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    #[serde(default)]
    pub social_network: bool,
    #[serde(default)]
    pub work_or_school: bool,
    #[serde(default)]
    pub treatment: bool,
    #[serde(default)]
    pub safety_risk_at_origin: bool,
    #[serde(default)]
    pub specific_facilities: bool,
    /// Whether the wish municipality agrees to take over after the first year.
    pub agrees: bool,
}

/// The wish municipality records its assessment on the LT criteria.
#[utoipa::path(tag = "clients", request_body = AssessmentInput, responses((status = 200, body = ResponsibilityView), (status = 403, body = Problem)))]
#[put("/clients/{id}/lt/assessment")]
pub async fn assess(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<AssessmentInput>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let criteria = Criteria {
        social_network: b.social_network,
        work_or_school: b.work_or_school,
        treatment: b.treatment,
        safety_risk_at_origin: b.safety_risk_at_origin,
        specific_facilities: b.specific_facilities,
    };
    let id = id.into_inner();
    Ok(view(state.db.run(move |c| wf::assess(c, &caller, id, criteria, b.agrees, today())).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementInput {
    /// regioadviseur or geschillencommissie
    pub body: String,
    /// origin or wish
    pub responsible: String,
}

/// The coordinator records the regioadviseur's advice, then (if needed) the
/// Geschillencommissie's ruling.
#[utoipa::path(tag = "clients", request_body = SettlementInput, responses((status = 200, body = ResponsibilityView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/clients/{id}/lt/settlement")]
pub async fn settle(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<i32>,
    body: ApiJson<SettlementInput>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::FieldError;
    let b = match body.0.body.as_str() {
        "regioadviseur" => Body::Regioadviseur,
        "geschillencommissie" => Body::Geschillencommissie,
        other => {
            return Err(vec![FieldError::new("body", "one_of", format!("'{other}': kies uit regioadviseur, geschillencommissie"))].into())
        }
    };
    let p = match body.0.responsible.as_str() {
        "origin" => Party::Origin,
        "wish" => Party::Wish,
        other => return Err(vec![FieldError::new("responsible", "one_of", format!("'{other}': kies uit origin, wish"))].into()),
    };
    let id = id.into_inner();
    Ok(view(state.db.run(move |c| wf::settle(c, &caller, id, b, p, today())).await?))
}

/// Who is responsible for the client now (landelijke toegang), and why.
#[utoipa::path(tag = "clients", responses((status = 200, body = ResponsibilityView), (status = 404, body = Problem)))]
#[get("/clients/{id}/responsibility")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Ok(view(state.db.run(move |c| wf::get(c, &caller, id, today())).await?))
}
