//! Contingents and their use, a contingent's ledger, and a municipality's requests for
//! landelijke toegang to assess.

use super::{ok, redirect, run, Fields, Frame, PageResult, Visitor};
use crate::domain::responsibility::Criteria;
use crate::store::proposals::LedgerEntry;
use crate::store::responsibility::LtRow;
use crate::web::AppState;
use crate::workflow::{self, contingents as wf, responsibility, table};
use actix_web::web;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contingenten", web::get().to(list))
        .route("/contingenten/{id}", web::get().to(show))
        .route("/landelijke-toegang", web::get().to(requests))
        .route("/landelijke-toegang/{client}", web::post().to(assess));
}

pub struct Line {
    pub contingent: crate::store::rows::Contingent,
    pub municipality: String,
    pub corporation: String,
}

#[derive(Template)]
#[template(path = "contingents/list.html")]
struct ListPage {
    frame: Frame,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "contingents/ledger.html")]
struct LedgerPage {
    frame: Frame,
    line: Line,
    entries: Vec<LedgerEntry>,
}

#[derive(Template)]
#[template(path = "contingents/requests.html")]
struct RequestsPage {
    frame: Frame,
    csrf: String,
    requests: Vec<(LtRow, String)>,
}

/// Names for the codes and ids of contingents.
fn lines(
    conn: &mut crate::store::Conn,
    caller: &workflow::Caller,
    ks: Vec<crate::store::rows::Contingent>,
) -> Result<Vec<Line>, workflow::Error> {
    let names = table::municipality_names(conn, caller)?;
    let corps: std::collections::HashMap<i32, String> =
        workflow::register::organisations(conn, caller, Some("corporation"))?.into_iter().map(|o| (o.id, o.name)).collect();
    Ok(ks
        .into_iter()
        .map(|k| Line {
            municipality: names.get(&k.municipality_code).cloned().unwrap_or_else(|| k.municipality_code.clone()),
            corporation: corps.get(&k.corporation_id).cloned().unwrap_or_default(),
            contingent: k,
        })
        .collect())
}

async fn list(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let lines = run(&state, move |c| {
        let paged = wf::list(c, &caller, workflow::Page { page: 1, per_page: workflow::Page::MAX_PER_PAGE })?;
        lines(c, &caller, paged.items)
    })
    .await?;
    ok(ListPage { frame: v.frame("/contingenten"), lines })
}

async fn show(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>) -> PageResult {
    let (caller, id) = (v.caller.clone(), id.into_inner());
    let (line, entries) = run(&state, move |c| {
        let (k, entries) = wf::ledger(c, &caller, id)?;
        Ok((lines(c, &caller, vec![k])?.remove(0), entries))
    })
    .await?;
    ok(LedgerPage { frame: v.frame("/contingenten"), line, entries })
}

async fn requests(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let requests = run(&state, move |c| responsibility::requests(c, &caller)).await?;
    ok(RequestsPage { frame: v.frame("/landelijke-toegang"), csrf: v.csrf.clone(), requests })
}

async fn assess(state: web::Data<AppState>, v: Visitor, client: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let criteria = Criteria {
        social_network: form.checked("social_network"),
        work_or_school: form.checked("work_or_school"),
        treatment: form.checked("treatment"),
        safety_risk_at_origin: form.checked("safety_risk_at_origin"),
        specific_facilities: form.checked("specific_facilities"),
    };
    let agrees = match form.get("instemming").as_str() {
        "ja" => true,
        "nee" => false,
        _ => return Err(workflow::Error::invalid("instemming", "required", "kies of de gemeente instemt").into()),
    };
    let (caller, id) = (v.caller.clone(), client.into_inner());
    run(&state, move |c| responsibility::assess(c, &caller, id, criteria, agrees, workflow::today())).await?;
    Ok(redirect("/landelijke-toegang"))
}
