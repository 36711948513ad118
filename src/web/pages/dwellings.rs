//! The corporation's dwellings: list with filters, create and edit with the errors next
//! to the fields, publish and withdraw, and the CSV upload with its per-row report.
//! Coordinators and municipalities see the list read-only.

use super::{euros, ok, page_of, redirect, run, Fields, Frame, PageError, PageResult, Pager, Problems, Visitor};
use crate::domain::{text, DwellingKind, DwellingStatus, FieldError, Role};
use crate::store::rows::Dwelling;
use crate::web::AppState;
use crate::workflow::{self, dwelling_import, dwellings as wf, register, table, Caller};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/woningen", web::get().to(list))
        .route("/woningen/nieuw", web::get().to(new_form))
        .route("/woningen/nieuw", web::post().to(create))
        .route("/woningen/upload", web::get().to(upload_form))
        .route("/woningen/upload", web::post().to(upload))
        .route("/woningen/voorbeeld.csv", web::get().to(example))
        .route("/woningen/{id}", web::get().to(show))
        .route("/woningen/{id}", web::post().to(update))
        .route("/woningen/{id}/publiceren", web::post().to(publish))
        .route("/woningen/{id}/intrekken", web::post().to(withdraw));
}

/// The largest CSV file the upload takes (1000 rows fit well within it).
const MAX_UPLOAD: usize = 1024 * 1024;

#[derive(Template)]
#[template(path = "dwellings/list.html")]
struct ListPage {
    frame: Frame,
    can_write: bool,
    query: Fields,
    items: Vec<Dwelling>,
    pager: Pager,
    municipalities: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "dwellings/form.html")]
struct FormPage {
    frame: Frame,
    csrf: String,
    /// `None` for a new dwelling.
    dwelling: Option<Dwelling>,
    editable: bool,
    form: Fields,
    errors: Problems,
    municipalities: Vec<(String, String)>,
    providers: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    saved: bool,
}

#[derive(Template)]
#[template(path = "dwellings/upload.html")]
struct UploadPage {
    frame: Frame,
    csrf: String,
    columns: &'static [(&'static str, &'static str)],
    providers: Vec<(String, String)>,
    /// (line, column, message) per broken cell.
    report: Vec<(String, String, String)>,
    file_name: String,
    stored: Option<usize>,
}

fn status_label(s: &str) -> &'static str {
    DwellingStatus::parse("status", s).map(|s| s.label()).unwrap_or("onbekend")
}

fn kind_label(s: &str) -> &'static str {
    DwellingKind::parse("kind", s).map(|k| k.label()).unwrap_or("onbekend")
}

/// The choices a dwelling form offers, from the register.
/// (value, words) pairs for a choice list.
type Options = Vec<(String, String)>;

fn choices(conn: &mut crate::store::Conn, caller: &Caller) -> Result<(Options, Options), workflow::Error> {
    let municipalities = table::municipality_names(conn, caller)?.into_iter().collect();
    let providers = register::organisations(conn, caller, Some("provider"))?.into_iter().map(|o| (o.id.to_string(), o.name)).collect();
    Ok((municipalities, providers))
}

async fn list(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let query = Fields(q.into_inner());
    let page = page_of(&query)?;
    let (caller, f) = (v.caller.clone(), query.clone());
    let (paged, municipalities) = run(&state, move |c| {
        let (status, kind, municipality, sort) = (f.opt("status"), f.opt("soort"), f.opt("gemeente"), f.opt("sorteer"));
        let lq = wf::ListQuery {
            sort: sort.as_deref(),
            status: status.as_deref(),
            kind: kind.as_deref(),
            municipality: municipality.as_deref(),
            corporation_id: None,
        };
        Ok((wf::list(c, &caller, lq, page)?, table::municipality_names(c, &caller)?.into_iter().collect()))
    })
    .await?;
    let pager = Pager::new("/woningen", &paged, &query);
    let statuses = DwellingStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect();
    ok(ListPage {
        frame: v.frame("/woningen"),
        can_write: v.caller.role == Role::Corporation,
        query,
        items: paged.items,
        pager,
        municipalities,
        statuses,
    })
}

fn kinds() -> Vec<(String, String)> {
    DwellingKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
}

async fn form_page(
    state: &AppState,
    v: &Visitor,
    dwelling: Option<Dwelling>,
    form: Fields,
    errors: Vec<FieldError>,
    saved: bool,
) -> PageResult {
    let caller = v.caller.clone();
    let (municipalities, mut providers) = run(state, move |c| choices(c, &caller)).await?;
    providers.insert(0, (String::new(), "geen (contingentwoning)".into()));
    let editable = v.caller.role == Role::Corporation
        && dwelling.as_ref().is_none_or(|d| DwellingStatus::parse("status", &d.status).map(|s| s.is_editable()).unwrap_or(false));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut municipalities: Vec<(String, String)> = municipalities;
    municipalities.insert(0, (String::new(), "volgens de coördinaten".into()));
    Ok(super::html(
        status,
        FormPage {
            frame: v.frame("/woningen"),
            csrf: v.csrf.clone(),
            dwelling,
            editable,
            form,
            errors: Problems(errors),
            municipalities,
            providers,
            kinds: kinds(),
            saved,
        },
    ))
}

/// A stored dwelling as the form shows it.
fn fields_of(d: &Dwelling) -> Fields {
    let yes = |b: bool| if b { "on" } else { "" }.to_string();
    Fields(vec![
        ("kind".into(), d.kind.clone()),
        ("external_ref".into(), d.external_ref.clone().unwrap_or_default()),
        ("street".into(), d.street.clone()),
        ("house_number".into(), d.house_number.clone()),
        ("postcode".into(), d.postcode.clone()),
        ("city".into(), d.city.clone()),
        ("lat".into(), d.lat.to_string()),
        ("lon".into(), d.lon.to_string()),
        ("municipality".into(), d.municipality_code.clone()),
        ("rooms".into(), d.rooms.to_string()),
        ("max_household".into(), d.max_household.to_string()),
        ("rent".into(), euros(d.rent_cents).trim_start_matches("€ ").to_string()),
        ("floor".into(), d.floor.to_string()),
        ("has_lift".into(), yes(d.has_lift)),
        ("wheelchair_accessible".into(), yes(d.wheelchair_accessible)),
        ("available_from".into(), d.available_from.to_string()),
        ("omklap_provider_id".into(), d.omklap_provider_id.map(|p| p.to_string()).unwrap_or_default()),
        ("version".into(), d.version.to_string()),
    ])
}

async fn new_form(state: web::Data<AppState>, v: Visitor) -> PageResult {
    v.caller.allow(workflow::access::Capability::WriteDwellings)?;
    let mut form = Fields::default();
    form.set("kind", "contingent");
    form.set("available_from", workflow::today().to_string());
    form.set("floor", "0");
    form_page(&state, &v, None, form, vec![], false).await
}

async fn create(state: web::Data<AppState>, v: Visitor, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let parsed = text::dwelling(|k| form.get(k));
    let caller = v.caller.clone();
    let result = match parsed {
        Ok(d) => state.db.run(move |c| wf::create(c, &caller, &d)).await,
        Err(errs) => Err(workflow::Error::Invalid(errs)),
    };
    match result {
        Ok(d) => Ok(redirect(&format!("/woningen/{}?opgeslagen=1", d.id))),
        Err(workflow::Error::Invalid(errs)) => form_page(&state, &v, None, form, errs, false).await,
        Err(e) => Err(e.into()),
    }
}

async fn show(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let (caller, id) = (v.caller.clone(), id.into_inner());
    let d = run(&state, move |c| wf::get(c, &caller, id)).await?;
    let saved = Fields(q.into_inner()).is("opgeslagen", "1");
    form_page(&state, &v, Some(d.clone()), fields_of(&d), vec![], saved).await
}

async fn update(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let id = id.into_inner();
    let caller = v.caller.clone();
    let current = run(&state, move |c| wf::get(c, &caller, id)).await?;
    let version = form.get("version").parse::<i32>().unwrap_or(current.version);
    let parsed = text::dwelling(|k| form.get(k));
    let caller = v.caller.clone();
    let result = match parsed {
        Ok(d) => state.db.run(move |c| wf::update(c, &caller, id, version, &d)).await,
        Err(errs) => Err(workflow::Error::Invalid(errs)),
    };
    match result {
        Ok(d) => Ok(redirect(&format!("/woningen/{}?opgeslagen=1", d.id))),
        Err(workflow::Error::Invalid(errs)) => form_page(&state, &v, Some(current), form, errs, false).await,
        Err(e) => Err(e.into()),
    }
}

async fn publish(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    v.check(&Fields(form.into_inner()))?;
    let (caller, id) = (v.caller.clone(), id.into_inner());
    run(&state, move |c| wf::publish(c, &caller, id)).await?;
    Ok(redirect(&format!("/woningen/{id}")))
}

async fn withdraw(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    v.check(&Fields(form.into_inner()))?;
    let (caller, id) = (v.caller.clone(), id.into_inner());
    run(&state, move |c| wf::withdraw(c, &caller, id)).await?;
    Ok(redirect(&format!("/woningen/{id}")))
}

async fn upload_page(state: &AppState, v: &Visitor, report: Vec<FieldError>, file_name: String, stored: Option<usize>) -> PageResult {
    let caller = v.caller.clone();
    let (_, providers) = run(state, move |c| choices(c, &caller)).await?;
    let status = if report.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let report = report
        .into_iter()
        .map(|e| match e.field.strip_prefix('[').and_then(|f| f.split_once("].")) {
            Some((line, field)) => (line.to_string(), column_name(field).to_string(), e.message),
            None => ("–".into(), column_name(&e.field).to_string(), e.message),
        })
        .collect();
    Ok(super::html(
        status,
        UploadPage {
            frame: v.frame("/woningen/upload"),
            csrf: v.csrf.clone(),
            columns: dwelling_import::COLUMNS,
            providers,
            report,
            file_name,
            stored,
        },
    ))
}

/// The Dutch column a field error belongs to, as the file names it.
fn column_name(field: &str) -> &str {
    let field = match field {
        "rent_cents" => "rent",
        f => f,
    };
    dwelling_import::COLUMNS.iter().find(|(_, f)| *f == field).map(|(dutch, _)| *dutch).unwrap_or(field)
}

async fn upload_form(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    v.caller.allow(workflow::access::Capability::WriteDwellings)?;
    let stored = Fields(q.into_inner()).opt("opgeslagen").and_then(|n| n.parse().ok());
    upload_page(&state, &v, vec![], String::new(), stored).await
}

/// Reads the multipart form: the CSRF token and the file, within `MAX_UPLOAD`.
async fn read_upload(mut parts: Multipart) -> Result<(String, String, Vec<u8>), FieldError> {
    let (mut token, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| FieldError::new("bestand", "format", format!("het formulier is onleesbaar: {e}")))?;
        let field = part.name().unwrap_or_default().to_string();
        if field == "bestand" {
            name = part.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_string();
        }
        let mut data = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| FieldError::new("bestand", "format", format!("het bestand kwam niet goed over: {e}")))?;
            if data.len() + chunk.len() > MAX_UPLOAD {
                return Err(FieldError::new("bestand", "size", "het bestand is groter dan 1 MB; splits het in delen"));
            }
            data.extend_from_slice(&chunk);
        }
        match field.as_str() {
            "csrf_token" => token = String::from_utf8_lossy(&data).into_owned(),
            "bestand" => bytes = data,
            _ => {}
        }
    }
    Ok((token, name, bytes))
}

async fn upload(state: web::Data<AppState>, v: Visitor, parts: Multipart) -> PageResult {
    v.caller.allow(workflow::access::Capability::WriteDwellings)?;
    let (token, name, bytes) = match read_upload(parts).await {
        Ok(x) => x,
        Err(e) => return upload_page(&state, &v, vec![e], String::new(), None).await,
    };
    v.check(&Fields(vec![("csrf_token".into(), token)]))?;
    if bytes.is_empty() {
        let e = FieldError::new("bestand", "required", "kies een CSV-bestand om te uploaden");
        return upload_page(&state, &v, vec![e], name, None).await;
    }
    let caller = v.caller.clone();
    match state.db.run(move |c| dwelling_import::import(c, &caller, &bytes)).await {
        Ok(stored) => Ok(redirect(&format!("/woningen/upload?opgeslagen={}", stored.len()))),
        Err(workflow::Error::Invalid(errs)) => upload_page(&state, &v, errs, name, None).await,
        Err(e) => Err(PageError::from(e)),
    }
}

async fn example() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"woningen-voorbeeld.csv\""))
        .body(dwelling_import::example())
}
