//! `/api/v1/notifications` and `/api/v1/outbox`.

use super::{PageOf, PageQuery};
use crate::store::notifications::OutboxRow;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::notifications as wf;
use actix_web::{get, put, web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i32,
    pub kind: String,
    pub title: String,
    pub link: String,
    /// How it reached the user: immediate, digest or off (in the service only).
    pub delivery: String,
    pub created_at: NaiveDateTime,
}

/// The caller's 50 most recent notifications.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Vec<NotificationView>)))]
#[get("/notifications")]
pub async fn recent(state: web::Data<AppState>, Auth(caller): Auth) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(move |c| wf::recent(c, &caller, 50)).await?;
    let views: Vec<NotificationView> = rows
        .into_iter()
        .map(|n| NotificationView { id: n.id, kind: n.kind, title: n.title, link: n.link, delivery: n.delivery, created_at: n.created_at })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Delivery per event kind: `immediate`, `digest` or `off`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dwelling_published": "immediate", "client_ready": "digest"}))]
pub struct Preferences(pub BTreeMap<String, String>);

fn view(prefs: Vec<(crate::notify::EventKind, crate::notify::Delivery)>) -> Preferences {
    Preferences(prefs.into_iter().map(|(k, d)| (k.as_str().to_string(), d.as_str().to_string())).collect())
}

/// The caller's preferences for every event kind their role receives.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Preferences)))]
#[get("/notifications/preferences")]
pub async fn preferences(state: web::Data<AppState>, Auth(caller): Auth) -> Result<HttpResponse, ApiError> {
    let prefs = state.db.run(move |c| wf::preferences(c, &caller)).await?;
    Ok(HttpResponse::Ok().json(view(prefs)))
}

/// Changes some preferences; events that ask for action cannot be `off`.
#[utoipa::path(tag = "notifications", request_body = Preferences, responses((status = 200, body = Preferences), (status = 422, body = Problem)))]
#[put("/notifications/preferences")]
pub async fn set_preferences(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<Preferences>) -> Result<HttpResponse, ApiError> {
    let changes: Vec<(String, String)> = body.0 .0.into_iter().collect();
    let prefs = state.db.run(move |c| wf::set_preferences(c, &caller, &changes)).await?;
    Ok(HttpResponse::Ok().json(view(prefs)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// pending, sending, sent or failed
    pub status: Option<String>,
}

/// The mail queue, newest first (admins): failed mails show here with their last error.
#[utoipa::path(tag = "notifications", params(OutboxQuery, PageQuery), responses((status = 200, body = PageOf<OutboxRow>), (status = 403, body = Problem)))]
#[get("/outbox")]
pub async fn outbox(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<OutboxQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let status = q.into_inner().status;
    let paged = state.db.run(move |c| wf::outbox(c, &caller, status.as_deref(), page)).await?;
    Ok(HttpResponse::Ok().json(PageOf::from(paged, |r| r)))
}
