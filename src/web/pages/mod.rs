//! The server-rendered pages of the table, in Dutch, working without JavaScript. Each
//! handler reads the request, calls the workflow and renders a template: no rule lives
//! here. Errors become an HTML page (or a redirect to the login), never a stack trace.

mod account;
mod charts;
mod clients;
mod contingents;
mod dwellings;
pub mod follow_ups;
mod map;
mod monitor;
mod proposals;
mod rounds;

use super::error::ApiError;
use super::extract::SESSION_COOKIE;
use super::AppState;
use crate::domain::{FieldError, Role};
use crate::workflow::{self, auth, Caller, Paged};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use futures_util::future::LocalBoxFuture;

pub fn routes(cfg: &mut web::ServiceConfig) {
    account::routes(cfg);
    dwellings::routes(cfg);
    clients::routes(cfg);
    rounds::routes(cfg);
    proposals::routes(cfg);
    contingents::routes(cfg);
    map::routes(cfg);
    follow_ups::routes(cfg);
    monitor::routes(cfg);
    cfg.route("/static/app.css", web::get().to(stylesheet));
}

/// What the frame around every page needs.
pub struct Frame {
    pub is_demo: bool,
    pub user: Option<UserBar>,
}

/// The logged-in user's bar: who, the role's menu, and the token for the logout form.
pub struct UserBar {
    pub username: String,
    pub role_label: &'static str,
    pub organisation: String,
    pub csrf_token: String,
    pub links: Vec<NavLink>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Each role's menu: the places it works in, in the order of its day.
fn menu(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Coordinator => &[
            ("/", "Overzicht"),
            ("/ronden", "Matchronden"),
            ("/voorstellen", "Voorstellen"),
            ("/clienten", "Cliënten"),
            ("/woningen", "Woningen"),
            ("/contingenten", "Contingenten"),
            ("/kaart", "Kaart"),
            ("/monitor", "Monitor"),
        ],
        Role::Corporation => &[
            ("/", "Overzicht"),
            ("/woningen", "Woningen"),
            ("/woningen/upload", "Uploaden"),
            ("/voorstellen", "Aanbiedingen"),
            ("/contingenten", "Contingenten"),
            ("/kaart", "Kaart"),
        ],
        Role::Provider => {
            &[("/", "Overzicht"), ("/clienten", "Cliënten"), ("/voorstellen", "Aanbiedingen"), ("/nazorg", "Nazorg"), ("/kaart", "Kaart")]
        }
        Role::Municipality => &[
            ("/", "Overzicht"),
            ("/contingenten", "Contingenten"),
            ("/clienten", "Cliënten"),
            ("/landelijke-toegang", "Landelijke toegang"),
            ("/woningen", "Woningen"),
            ("/kaart", "Kaart"),
            ("/monitor", "Monitor"),
        ],
        Role::Admin => &[("/", "Overzicht"), ("/contingenten", "Contingenten"), ("/kaart", "Kaart")],
    }
}

/// A logged-in visitor of a page.
pub struct Visitor {
    pub caller: Caller,
    pub csrf: String,
    pub is_demo: bool,
}

impl Visitor {
    /// The frame with the menu item for `current` marked.
    pub fn frame(&self, current: &str) -> Frame {
        Frame {
            is_demo: self.is_demo,
            user: Some(UserBar {
                username: self.caller.username.clone(),
                role_label: self.caller.role.label(),
                organisation: self.caller.organisation_name.clone(),
                csrf_token: self.csrf.clone(),
                links: menu(self.caller.role).iter().map(|(href, label)| NavLink { href, label, current: *href == current }).collect(),
            }),
        }
    }

    /// Refuses a form that does not carry this session's token.
    pub fn check(&self, form: &Fields) -> Result<(), PageError> {
        if form.get("csrf_token") == self.csrf {
            Ok(())
        } else {
            Err(PageError::Api(ApiError::Csrf))
        }
    }
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned().expect("AppState is registered");
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let from = super::extract::address(req);
        Box::pin(async move {
            let Some(secret) = secret else { return Err(PageError::Login) };
            match state.db.run(move |c| auth::caller_for_session(c, &secret)).await? {
                Some((caller, csrf)) => Ok(Visitor { caller: Caller { address: Some(from), ..caller }, csrf, is_demo: state.is_demo }),
                None => Err(PageError::Login),
            }
        })
    }
}

/// How a page request fails: to the login, or with an error page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not logged in")]
    Login,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<workflow::Error> for PageError {
    fn from(e: workflow::Error) -> Self {
        match e {
            workflow::Error::Unauthenticated => PageError::Login,
            e => PageError::Api(ApiError::Workflow(e)),
        }
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        PageError::Api(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    title: String,
    detail: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Login => StatusCode::SEE_OTHER,
            PageError::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Login => redirect("/login"),
            PageError::Api(e) => {
                // The API's mapping decides status and Dutch words (and logs server faults).
                let (status, title, detail) = e.summary();
                html(status, ErrorPage { frame: Frame { is_demo: false, user: None }, title: title.into(), detail })
            }
        }
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

pub fn html(status: StatusCode, t: impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("Er ging iets mis aan onze kant.")
        }
    }
}

pub fn ok(t: impl Template) -> PageResult {
    Ok(html(StatusCode::OK, t))
}

/// After a successful form: see the result (post/redirect/get).
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

/// Runs a workflow call on the pool.
pub async fn run<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut crate::store::Conn) -> Result<T, workflow::Error> + Send + 'static,
) -> Result<T, PageError> {
    Ok(state.db.run(f).await?)
}

/// Form fields or query parameters as sent, in order; a name may repeat (check boxes).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The value when it is present and not blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        (!v.trim().is_empty()).then(|| v.trim().to_string())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.get(name) == value
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name).as_str(), "on" | "true" | "1" | "ja")
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.into(), value.into()));
    }

    /// A page's query string with `name` replaced.
    pub fn query_with(&self, name: &str, value: &str) -> String {
        let mut f = self.clone();
        f.0.retain(|(k, v)| k != "csrf_token" && !v.is_empty());
        f.set(name, value);
        serde_urlencoded::to_string(&f.0).unwrap_or_default()
    }
}

/// The errors of a submitted form, shown next to their fields.
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }
}

/// Links to the neighbouring pages of a list.
pub struct Pager {
    pub first: i64,
    pub last: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new<T>(path: &str, paged: &Paged<T>, query: &Fields) -> Pager {
        let first = if paged.total == 0 { 0 } else { paged.page.offset() + 1 };
        let last = paged.page.offset() + paged.items.len() as i64;
        let link = |p: i64| format!("{path}?{}", query.query_with("pagina", &p.to_string()));
        Pager {
            first,
            last,
            total: paged.total,
            prev: (paged.page.page > 1).then(|| link(paged.page.page - 1)),
            next: (last < paged.total).then(|| link(paged.page.page + 1)),
        }
    }
}

/// The page number from `?pagina=`, 25 rows a page.
pub fn page_of(query: &Fields) -> Result<workflow::Page, PageError> {
    let page = query.opt("pagina");
    Ok(workflow::Page::parse(page.as_deref(), Some("25"))?)
}

/// Euro cents as `€ 725,50`.
pub fn euros(cents: impl std::borrow::Borrow<i32>) -> String {
    let c = i64::from(*cents.borrow());
    format!("€ {},{:02}", c / 100, (c % 100).abs())
}

/// A date as `1-12-2026`.
pub fn dutch_date(d: impl Day) -> String {
    d.day().format("%-d-%-m-%Y").to_string()
}

/// A date however deep a template holds it (`d`, `&d`, `&&d`).
pub trait Day {
    fn day(&self) -> chrono::NaiveDate;
}

impl Day for chrono::NaiveDate {
    fn day(&self) -> chrono::NaiveDate {
        *self
    }
}

impl<T: Day + ?Sized> Day for &T {
    fn day(&self) -> chrono::NaiveDate {
        (**self).day()
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../templates/static/app.css"))
}

/// A matcher rule in Dutch, for every template.
pub fn rounds_rule_label(r: &solver::model::Rule) -> &'static str {
    rounds::rule_label(r)
}
