//! The server-rendered pages: login, logout and the home page per role.

use super::error::ApiError;
use super::extract::SESSION_COOKIE;
use super::AppState;
use crate::notify::Delivery;
use crate::store::notifications::NotificationRow;
use crate::workflow::{self, auth, notifications, register, Caller};
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/voorkeuren", web::get().to(preferences_form))
        .route("/voorkeuren", web::post().to(save_preferences))
        .route("/static/app.css", web::get().to(stylesheet));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    is_demo: bool,
    error: Option<String>,
    username: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    is_demo: bool,
    username: String,
    role_label: &'static str,
    organisation: String,
    csrf_token: String,
    tiles: Vec<(String, i64)>,
    notifications: Vec<NotificationRow>,
}

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    is_demo: bool,
    username: String,
    role_label: &'static str,
    organisation: String,
    csrf_token: String,
    rows: Vec<PreferenceRow>,
    saved: bool,
    error: Option<String>,
}

struct PreferenceRow {
    kind: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str, bool)>,
}

fn html(status: actix_web::http::StatusCode, t: impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("Er ging iets mis aan onze kant.")
        }
    }
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

/// The caller of a page request and their session's CSRF token, if logged in.
async fn viewer(state: &AppState, req: &HttpRequest) -> Result<Option<(Caller, String)>, ApiError> {
    let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    Ok(state.db.run(move |c| auth::caller_for_session(c, &secret)).await?)
}

async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let Some((caller, csrf_token)) = viewer(&state, &req).await? else {
        return Ok(redirect("/login"));
    };
    let c2 = caller.clone();
    let (tiles, notifications) =
        state.db.run(move |c| Ok::<_, workflow::Error>((register::overview(c, &c2)?, notifications::recent(c, &c2, 10)?))).await?;
    Ok(html(
        actix_web::http::StatusCode::OK,
        HomePage {
            is_demo: state.is_demo,
            username: caller.username,
            role_label: caller.role.label(),
            organisation: caller.organisation_name,
            csrf_token,
            tiles,
            notifications,
        },
    ))
}

async fn render_preferences(
    state: &AppState,
    caller: Caller,
    csrf_token: String,
    saved: bool,
    error: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let c2 = caller.clone();
    let prefs = state.db.run(move |c| notifications::preferences(c, &c2)).await?;
    let rows = prefs
        .into_iter()
        .map(|(k, current)| PreferenceRow {
            kind: k.as_str(),
            label: k.label(),
            options: Delivery::ALL.iter().filter(|d| k.allows(**d)).map(|d| (d.as_str(), d.label(), *d == current)).collect(),
        })
        .collect();
    let status = if error.is_some() { actix_web::http::StatusCode::UNPROCESSABLE_ENTITY } else { actix_web::http::StatusCode::OK };
    Ok(html(
        status,
        PreferencesPage {
            is_demo: state.is_demo,
            username: caller.username,
            role_label: caller.role.label(),
            organisation: caller.organisation_name,
            csrf_token,
            rows,
            saved,
            error,
        },
    ))
}

async fn preferences_form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let Some((caller, csrf)) = viewer(&state, &req).await? else { return Ok(redirect("/login")) };
    render_preferences(&state, caller, csrf, false, None).await
}

async fn save_preferences(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let Some((caller, csrf)) = viewer(&state, &req).await? else { return Ok(redirect("/login")) };
    let mut fields = form.into_inner();
    let token = fields.iter().position(|(k, _)| k == "csrf_token").map(|i| fields.remove(i).1);
    if token.as_deref() != Some(csrf.as_str()) {
        return Err(ApiError::Csrf);
    }
    let c2 = caller.clone();
    match state.db.run(move |c| notifications::set_preferences(c, &c2, &fields)).await {
        Ok(_) => render_preferences(&state, caller, csrf, true, None).await,
        Err(workflow::Error::Invalid(errs)) => {
            let msg = errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
            render_preferences(&state, caller, csrf, false, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn login_form(state: web::Data<AppState>) -> HttpResponse {
    html(actix_web::http::StatusCode::OK, LoginPage { is_demo: state.is_demo, error: None, username: String::new() })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

async fn login(state: web::Data<AppState>, form: web::Form<LoginForm>) -> Result<HttpResponse, ApiError> {
    let LoginForm { username, password } = form.into_inner();
    let hours = state.config.session_hours;
    let name = username.clone();
    match state.db.run(move |c| auth::login(c, &name, &password, hours)).await {
        Ok(session) => {
            let cookie = Cookie::build(SESSION_COOKIE, session.secret)
                .path("/")
                .http_only(true)
                .secure(state.config.secure_cookies)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::hours(i64::from(hours)))
                .finish();
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).cookie(cookie).finish())
        }
        Err(workflow::Error::Unauthenticated) => Ok(html(
            actix_web::http::StatusCode::UNAUTHORIZED,
            LoginPage {
                is_demo: state.is_demo,
                error: Some("Deze combinatie van gebruikersnaam en wachtwoord kennen we niet.".into()),
                username,
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

async fn logout(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LogoutForm>) -> Result<HttpResponse, ApiError> {
    if let Some((_, expected)) = viewer(&state, &req).await? {
        if form.csrf_token != expected {
            return Err(ApiError::Csrf);
        }
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
        state.db.run(move |c| auth::logout(c, &secret)).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).cookie(gone).finish())
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../templates/static/app.css"))
}
