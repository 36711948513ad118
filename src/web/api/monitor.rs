//! `/api/v1/monitor`, `/api/v1/monitor.csv` and `/api/v1/fairness`: the outflow monitor
//! and the fairness figures. Figures only, never a client.

use crate::web::error::{ApiError, Problem};
use crate::web::extract::Auth;
use crate::web::AppState;
use crate::workflow::{self, monitor as wf, table};
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
pub struct MonitorQuery {
    /// CBS code (GM0363): one municipality's bound clients; a municipality user always
    /// gets its own.
    pub municipality: Option<String>,
}

/// The outflow monitor of the region or one municipality.
#[utoipa::path(tag = "monitor", params(MonitorQuery), responses((status = 200, description = "the monitor's figures"), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/monitor")]
pub async fn figures(state: web::Data<AppState>, Auth(caller): Auth, q: web::Query<MonitorQuery>) -> Result<HttpResponse, ApiError> {
    let m = state.db.run(move |c| wf::monitor(c, &caller, q.municipality.as_deref(), workflow::today())).await?;
    Ok(HttpResponse::Ok().json(m))
}

/// The same figures as CSV (semicolons, decimal comma, UTF-8 with BOM).
#[utoipa::path(tag = "monitor", params(MonitorQuery), responses((status = 200, description = "text/csv"), (status = 403, body = Problem)))]
#[get("/monitor.csv")]
pub async fn csv(state: web::Data<AppState>, Auth(caller): Auth, q: web::Query<MonitorQuery>) -> Result<HttpResponse, ApiError> {
    let body = state
        .db
        .run(move |c| {
            let m = wf::monitor(c, &caller, q.municipality.as_deref(), workflow::today())?;
            Ok::<_, workflow::Error>(wf::csv(&m, &table::municipality_names(c, &caller)?))
        })
        .await?;
    Ok(csv_response(body))
}

/// A CSV download named after the monitor.
pub fn csv_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"uitstroommonitor.csv\""))
        .body(body)
}

/// Waiting times and placement rates per provider, binding municipality, urgency,
/// household and age band, with the groups beyond the policy's threshold flagged.
#[utoipa::path(tag = "monitor", responses((status = 200, description = "the fairness figures"), (status = 403, body = Problem)))]
#[get("/fairness")]
pub async fn fairness(state: web::Data<AppState>, Auth(caller): Auth) -> Result<HttpResponse, ApiError> {
    let f = state.db.run(move |c| wf::fairness_of_region(c, &caller, workflow::today())).await?;
    Ok(HttpResponse::Ok().json(f))
}
