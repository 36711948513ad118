//! Login, logout, the home page per role and the notification preferences.

use super::{html, ok, run, Fields, Frame, PageError, PageResult, Visitor};
use crate::notify::Delivery;
use crate::store::notifications::NotificationRow;
use crate::web::extract::SESSION_COOKIE;
use crate::web::AppState;
use crate::workflow::{self, auth, notifications, register, table, Caller};
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/voorkeuren", web::get().to(preferences_form))
        .route("/voorkeuren", web::post().to(save_preferences));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    error: Option<String>,
    username: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    caller: Caller,
    tiles: Vec<(String, i64)>,
    notifications: Vec<NotificationRow>,
    table: Option<table::Overview>,
}

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    frame: Frame,
    csrf: String,
    rows: Vec<PreferenceRow>,
    saved: bool,
    error: Option<String>,
}

struct PreferenceRow {
    kind: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str, bool)>,
}

async fn home(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let (tiles, notifications, table) = run(&state, move |c| {
        let table =
            if caller.role == crate::domain::Role::Coordinator { Some(table::overview(c, &caller, workflow::today())?) } else { None };
        Ok((register::overview(c, &caller)?, notifications::recent(c, &caller, 10)?, table))
    })
    .await?;
    ok(HomePage { frame: v.frame("/"), caller: v.caller, tiles, notifications, table })
}

async fn render_preferences(state: &AppState, v: Visitor, saved: bool, error: Option<String>) -> PageResult {
    let caller = v.caller.clone();
    let prefs = run(state, move |c| notifications::preferences(c, &caller)).await?;
    let rows = prefs
        .into_iter()
        .map(|(k, current)| PreferenceRow {
            kind: k.as_str(),
            label: k.label(),
            options: Delivery::ALL.iter().filter(|d| k.allows(**d)).map(|d| (d.as_str(), d.label(), *d == current)).collect(),
        })
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(html(status, PreferencesPage { frame: v.frame("/voorkeuren"), csrf: v.csrf.clone(), rows, saved, error }))
}

async fn preferences_form(state: web::Data<AppState>, v: Visitor) -> PageResult {
    render_preferences(&state, v, false, None).await
}

async fn save_preferences(state: web::Data<AppState>, v: Visitor, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let fields: Vec<(String, String)> = form.0.into_iter().filter(|(k, _)| k != "csrf_token").collect();
    let caller = v.caller.clone();
    match state.db.run(move |c| notifications::set_preferences(c, &caller, &fields)).await {
        Ok(_) => render_preferences(&state, v, true, None).await,
        Err(workflow::Error::Invalid(errs)) => {
            let msg = errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
            render_preferences(&state, v, false, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn login_form(state: web::Data<AppState>) -> HttpResponse {
    html(StatusCode::OK, LoginPage { frame: Frame { is_demo: state.is_demo, user: None }, error: None, username: String::new() })
}
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

async fn login(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LoginForm>) -> Result<HttpResponse, PageError> {
    let LoginForm { username, password } = form.into_inner();
    let hours = state.config.session_hours;
    let name = username.clone();
    let address = crate::web::extract::address(&req);
    // A new session id at every login: a session the browser had before ends here.
    let before = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    match state
        .db
        .run(move |c| {
            let session = auth::login(c, &name, &password, hours, &address)?;
            if let Some(old) = before {
                auth::logout(c, &old)?;
            }
            Ok::<_, workflow::Error>(session)
        })
        .await
    {
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
                frame: Frame { is_demo: state.is_demo, user: None },
                error: Some("Deze combinatie van gebruikersnaam en wachtwoord kennen we niet.".into()),
                username,
            },
        )),
        Err(workflow::Error::Throttled(secs)) => {
            let mut page = html(
                StatusCode::TOO_MANY_REQUESTS,
                LoginPage {
                    frame: Frame { is_demo: state.is_demo, user: None },
                    error: Some(format!("Te veel mislukte pogingen. Probeer het over {} minuten opnieuw.", secs.div_ceil(60))),
                    username,
                },
            );
            page.headers_mut().insert(header::RETRY_AFTER, secs.into());
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

async fn logout(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LogoutForm>) -> Result<HttpResponse, PageError> {
    let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    // A logout without a live session still clears the cookie.
    let found = match secret.clone() {
        Some(s) => state.db.run(move |c| auth::caller_for_session(c, &s)).await?,
        None => None,
    };
    if let Some((_, expected)) = found {
        if form.csrf_token != expected {
            return Err(crate::web::error::ApiError::Csrf.into());
        }
        let secret = secret.unwrap_or_default();
        state.db.run(move |c| auth::logout(c, &secret)).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).cookie(gone).finish())
}
