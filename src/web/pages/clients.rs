//! A provider's clients: list, register, edit needs, flag *uitstroomklaar*, pause and
//! resume. Coordinators see the region's clients and a municipality those bound to it,
//! read-only. Every client read goes through the workflow, which audits it.

use super::{dutch_date, euros, ok, page_of, redirect, run, Fields, Frame, PageResult, Pager, Problems, Visitor};
use crate::domain::{text, AnchorKind, ClientStatus, FieldError, Role, SupportLevel, Urgency};
use crate::store::rows::Client;
use crate::web::AppState;
use crate::workflow::{self, clients as wf, table, Caller};
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/clienten", web::get().to(list))
        .route("/clienten/nieuw", web::get().to(new_form))
        .route("/clienten/nieuw", web::post().to(create))
        .route("/clienten/{id}", web::get().to(show))
        .route("/clienten/{id}", web::post().to(update))
        .route("/clienten/{id}/uitstroomklaar", web::post().to(ready))
        .route("/clienten/{id}/pauzeren", web::post().to(pause))
        .route("/clienten/{id}/hervatten", web::post().to(resume));
}

/// A client in a list: with the days waited since *uitstroomklaar*.
pub struct Row {
    pub client: Client,
    pub waiting_days: Option<i64>,
}

#[derive(Template)]
#[template(path = "clients/list.html")]
struct ListPage {
    frame: Frame,
    can_write: bool,
    query: Fields,
    items: Vec<Row>,
    pager: Pager,
    statuses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "clients/form.html")]
struct FormPage {
    frame: Frame,
    csrf: String,
    record: Option<wf::ClientRecord>,
    waiting_days: Option<i64>,
    editable: bool,
    form: Fields,
    errors: Problems,
    municipalities: Vec<(String, String)>,
    wish: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    supports: Vec<(String, String)>,
    today: String,
    saved: bool,
}

fn status_label(s: &str) -> &'static str {
    ClientStatus::parse("status", s).map(|s| s.label()).unwrap_or("onbekend")
}

fn urgency_label(s: &str) -> &'static str {
    Urgency::parse("urgency", s).map(|s| s.label()).unwrap_or("onbekend")
}

fn support_label(s: &str) -> &'static str {
    SupportLevel::parse("support_level", s).map(|s| s.label()).unwrap_or("onbekend")
}

fn waiting(c: &Client) -> Option<i64> {
    match ClientStatus::parse("status", &c.status) {
        Ok(ClientStatus::Ready | ClientStatus::Proposed) => c.ready_since.map(|d| table::days_between(d, workflow::today())),
        _ => None,
    }
}

async fn list(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let query = Fields(q.into_inner());
    let page = page_of(&query)?;
    let (caller, f) = (v.caller.clone(), query.clone());
    let paged = run(&state, move |c| {
        let (status, urgency) = (f.opt("status"), f.opt("urgentie"));
        wf::list(c, &caller, wf::ListQuery { status: status.as_deref(), urgency: urgency.as_deref(), binding_municipality: None }, page)
    })
    .await?;
    let pager = Pager::new("/clienten", &paged, &query);
    let items = paged.items.into_iter().map(|c| Row { waiting_days: waiting(&c), client: c }).collect();
    ok(ListPage {
        frame: v.frame("/clienten"),
        can_write: v.caller.role == Role::Provider,
        query,
        items,
        pager,
        statuses: ClientStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect(),
    })
}

fn options<T: Copy>(all: &[T], word: impl Fn(T) -> (&'static str, &'static str)) -> Vec<(String, String)> {
    all.iter().map(|t| word(*t)).map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn form_page(
    state: &AppState,
    v: &Visitor,
    record: Option<wf::ClientRecord>,
    form: Fields,
    errors: Vec<FieldError>,
    saved: bool,
) -> PageResult {
    let caller = v.caller.clone();
    let names = run(state, move |c| table::municipality_names(c, &caller)).await?;
    let municipalities: Vec<(String, String)> = names.into_iter().collect();
    let mut wish = municipalities.clone();
    wish.insert(0, (String::new(), "geen wensgemeente".into()));
    let editable = v.caller.role == Role::Provider
        && record
            .as_ref()
            .is_none_or(|r| !matches!(ClientStatus::parse("status", &r.client.status), Ok(ClientStatus::Placed | ClientStatus::Withdrawn)));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(super::html(
        status,
        FormPage {
            frame: v.frame("/clienten"),
            csrf: v.csrf.clone(),
            waiting_days: record.as_ref().and_then(|r| waiting(&r.client)),
            record,
            editable,
            form,
            errors: Problems(errors),
            municipalities,
            wish,
            urgencies: options(Urgency::ALL, |u| (u.as_str(), u.label())),
            supports: options(SupportLevel::ALL, |s| (s.as_str(), s.label())),
            today: workflow::today().to_string(),
            saved,
        },
    ))
}

fn fields_of(r: &wf::ClientRecord) -> Fields {
    let c = &r.client;
    let yes = |b: bool| if b { "on" } else { "" }.to_string();
    let network = r.anchors.iter().find(|a| a.kind == AnchorKind::Network.as_str());
    Fields(vec![
        ("birth_year".into(), c.birth_year.to_string()),
        ("household_size".into(), c.household_size.to_string()),
        ("binding_municipality".into(), c.binding_municipality.clone()),
        ("wish_municipality".into(), c.wish_municipality.clone().unwrap_or_default()),
        ("urgency".into(), c.urgency.clone()),
        ("support_level".into(), c.support_level.clone()),
        ("min_rooms".into(), c.min_rooms.to_string()),
        ("max_rent".into(), euros(c.max_rent_cents).trim_start_matches("€ ").to_string()),
        ("ground_floor".into(), yes(c.needs_ground_floor)),
        ("lift".into(), yes(c.needs_lift)),
        ("wheelchair".into(), yes(c.needs_wheelchair)),
        ("network_lat".into(), network.map(|a| a.lat.to_string()).unwrap_or_default()),
        ("network_lon".into(), network.map(|a| a.lon.to_string()).unwrap_or_default()),
        ("version".into(), c.version.to_string()),
    ])
}

/// The client from the form; the network anchor comes from the form, the other places
/// stay as they are stored.
fn parse(form: &Fields, record: Option<&wf::ClientRecord>) -> Result<crate::domain::NewClient, Vec<FieldError>> {
    let zones: Vec<(f64, f64, i64)> =
        record.map(|r| r.exclusion_zones.iter().map(|z| (z.lat, z.lon, i64::from(z.radius_m))).collect()).unwrap_or_default();
    let kept: Vec<(String, f64, f64)> = record
        .map(|r| r.anchors.iter().filter(|a| a.kind != AnchorKind::Network.as_str()).map(|a| (a.kind.clone(), a.lat, a.lon)).collect())
        .unwrap_or_default();
    let mut anchors: Vec<(&str, f64, f64)> = kept.iter().map(|(k, a, b)| (k.as_str(), *a, *b)).collect();
    let mut errs = Vec::new();
    match (form.opt("network_lat"), form.opt("network_lon")) {
        (None, None) => {}
        (lat, lon) => {
            let lat = text::decimal("network_lat", &lat.unwrap_or_default()).map_err(|e| errs.push(e)).ok();
            let lon = text::decimal("network_lon", &lon.unwrap_or_default()).map_err(|e| errs.push(e)).ok();
            if let (Some(lat), Some(lon)) = (lat, lon) {
                anchors.push((AnchorKind::Network.as_str(), lat, lon));
            }
        }
    }
    let parsed = text::client(|k| form.get(k), zones, anchors, workflow::today());
    match parsed {
        Ok(c) if errs.is_empty() => Ok(c),
        Ok(_) => Err(errs),
        Err(more) => {
            errs.extend(more.into_iter().map(|e| if e.field.starts_with("anchors[") { e.at("network_lat") } else { e }));
            Err(errs)
        }
    }
}

async fn new_form(state: web::Data<AppState>, v: Visitor) -> PageResult {
    v.caller.allow(workflow::access::Capability::WriteClients)?;
    let mut form = Fields::default();
    for (k, val) in [("household_size", "1"), ("min_rooms", "1"), ("urgency", "regular"), ("support_level", "light")] {
        form.set(k, val);
    }
    form_page(&state, &v, None, form, vec![], false).await
}

async fn create(state: web::Data<AppState>, v: Visitor, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let caller = v.caller.clone();
    let result = match parse(&form, None) {
        Ok(c) => state.db.run(move |conn| wf::register(conn, &caller, &c)).await,
        Err(errs) => Err(workflow::Error::Invalid(errs)),
    };
    match result {
        Ok(r) => Ok(redirect(&format!("/clienten/{}?opgeslagen=1", r.client.id))),
        Err(workflow::Error::Invalid(errs)) => form_page(&state, &v, None, form, errs, false).await,
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, caller: &Caller, id: i32) -> Result<wf::ClientRecord, super::PageError> {
    let caller = caller.clone();
    run(state, move |c| wf::get(c, &caller, id)).await
}

async fn show(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let r = load(&state, &v.caller, id.into_inner()).await?;
    let saved = Fields(q.into_inner()).is("opgeslagen", "1");
    let form = fields_of(&r);
    form_page(&state, &v, Some(r), form, vec![], saved).await
}

async fn update(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let id = id.into_inner();
    let current = load(&state, &v.caller, id).await?;
    let version = form.get("version").parse::<i32>().unwrap_or(current.client.version);
    let caller = v.caller.clone();
    let result = match parse(&form, Some(&current)) {
        Ok(c) => state.db.run(move |conn| wf::update(conn, &caller, id, version, &c)).await,
        Err(errs) => Err(workflow::Error::Invalid(errs)),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/clienten/{id}?opgeslagen=1"))),
        Err(workflow::Error::Invalid(errs)) => form_page(&state, &v, Some(current), form, errs, false).await,
        Err(e) => Err(e.into()),
    }
}

/// A status step with a date field; a bad date is shown on the client's page.
async fn step(
    state: &AppState,
    v: &Visitor,
    id: i32,
    form: Fields,
    field: &'static str,
    f: impl FnOnce(&mut crate::store::Conn, &Caller, chrono::NaiveDate) -> Result<wf::ClientRecord, workflow::Error> + Send + 'static,
) -> PageResult {
    v.check(&form)?;
    let caller = v.caller.clone();
    let result = match text::date(field, &form.get(field)) {
        Ok(day) => state.db.run(move |c| f(c, &caller, day)).await,
        Err(e) => Err(workflow::Error::Invalid(vec![e])),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/clienten/{id}?opgeslagen=1"))),
        Err(workflow::Error::Invalid(errs)) => {
            let r = load(state, &v.caller, id).await?;
            let fields = fields_of(&r);
            form_page(state, v, Some(r), fields, errs, false).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn ready(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let id = id.into_inner();
    step(&state, &v, id, Fields(form.into_inner()), "ready_since", move |c, caller, day| {
        wf::flag_ready(c, caller, id, day, workflow::today())
    })
    .await
}

async fn pause(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let id = id.into_inner();
    step(&state, &v, id, Fields(form.into_inner()), "until", move |c, caller, day| wf::pause(c, caller, id, day, workflow::today())).await
}

async fn resume(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    v.check(&Fields(form.into_inner()))?;
    let (caller, id) = (v.caller.clone(), id.into_inner());
    run(&state, move |c| wf::resume(c, &caller, id)).await?;
    Ok(redirect(&format!("/clienten/{id}")))
}

/// For the templates.
pub fn date(d: &Option<chrono::NaiveDate>) -> String {
    d.map(dutch_date).unwrap_or_else(|| "–".into())
}
