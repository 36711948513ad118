//! Proposals and offers, each party seeing its own: the coordinator reviews, the
//! corporation offers and records the lease, the provider records the client's answer.
//! The page shows the proposal on the map.

use super::{ok, page_of, redirect, run, Fields, Frame, PageResult, Pager, Visitor};
use crate::domain::{ProposalStatus, Reason, Role};
use crate::geo::map::{self, Area, Map, Marker};
use crate::store::rounds::ProposalRow;
use crate::web::AppState;
use crate::workflow::{self, access::Capability, clients, proposals as wf, table};
use actix_web::web;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/voorstellen", web::get().to(list))
        .route("/voorstellen/{id}", web::get().to(show))
        .route("/voorstellen/{id}/{actie}", web::post().to(act));
}

#[derive(Template)]
#[template(path = "proposals/list.html")]
struct ListPage {
    frame: Frame,
    heading: &'static str,
    query: Fields,
    items: Vec<(ProposalRow, bool)>,
    pager: Pager,
    statuses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "proposals/show.html")]
struct ShowPage {
    frame: Frame,
    csrf: String,
    role: Role,
    /// What the visitor may do now (see `workflow::proposals::actions`).
    actions: Vec<&'static str>,
    detail: wf::Detail,
    explained: Option<solver::model::Proposal>,
    reasons: Vec<(String, String)>,
    map: Map,
    today: String,
}

fn status_label(s: &str) -> &'static str {
    ProposalStatus::parse("status", s).map(|s| s.label()).unwrap_or("onbekend")
}

async fn list(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let query = Fields(q.into_inner());
    let page = page_of(&query)?;
    let (caller, status) = (v.caller.clone(), query.opt("status"));
    let paged = run(&state, move |c| wf::list(c, &caller, status.as_deref(), page)).await?;
    let pager = Pager::new("/voorstellen", &paged, &query);
    let heading = if v.caller.role == Role::Coordinator { "Voorstellen" } else { "Aanbiedingen" };
    ok(ListPage {
        frame: v.frame("/voorstellen"),
        heading,
        query,
        items: paged.items,
        pager,
        statuses: ProposalStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect(),
    })
}

async fn show(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>) -> PageResult {
    let (caller, id) = (v.caller.clone(), id.into_inner());
    let (detail, reasons, names, anchors) = run(&state, move |c| {
        let detail = wf::get(c, &caller, id)?;
        // The network anchor is client data: only for those who may read the client.
        let anchors = if caller.allow(Capability::ReadClients).is_ok() {
            clients::get(c, &caller, detail.client.id).map(|r| r.anchors).unwrap_or_default()
        } else {
            vec![]
        };
        Ok((detail, wf::reasons(c, &caller)?, table::municipality_names(c, &caller)?, anchors))
    })
    .await?;
    let explained = serde_json::from_str::<serde_json::Value>(&detail.proposal.explanation)
        .ok()
        .and_then(|v| serde_json::from_value::<solver::model::Proposal>(v.get("proposal")?.clone()).ok());
    let binding = detail.client.binding_municipality.clone();
    let areas = names
        .into_iter()
        .map(|(code, name)| Area {
            highlight: code == binding,
            lines: if code == binding { vec!["binding cliënt".into()] } else { vec![] },
            code,
            name,
        })
        .collect();
    let mut markers = vec![Marker {
        lat: detail.dwelling.lat,
        lon: detail.dwelling.lon,
        label: format!("{} {}", detail.dwelling.street, detail.dwelling.house_number),
        kind: "dwelling",
    }];
    markers.extend(anchors.iter().filter(|a| a.kind == "network").map(|a| Marker {
        lat: a.lat,
        lon: a.lon,
        label: "netwerk".into(),
        kind: "anchor",
    }));
    ok(ShowPage {
        frame: v.frame("/voorstellen"),
        csrf: v.csrf.clone(),
        role: v.caller.role,
        actions: wf::actions(&v.caller, &detail.proposal),
        explained,
        reasons: reasons.iter().map(|r| (r.as_str().to_string(), r.label().to_string())).collect(),
        map: map::draw(areas, markers),
        detail,
        today: workflow::today().to_string(),
    })
}

async fn act(state: web::Data<AppState>, v: Visitor, path: web::Path<(i32, String)>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let (id, action) = path.into_inner();
    let reason = || {
        let note = form.opt("toelichting");
        Reason::parse(&form.get("reden"), note.as_deref()).map_err(workflow::Error::Invalid)
    };
    let caller = v.caller.clone();
    let today = workflow::today();
    match action.as_str() {
        "goedkeuren" => run(&state, move |c| wf::approve(c, &caller, id)).await?,
        "afwijzen" => {
            let r = reason()?;
            run(&state, move |c| wf::reject(c, &caller, id, &r)).await?
        }
        "aanbieden" => run(&state, move |c| wf::offer(c, &caller, id, today)).await?,
        "accepteren" => run(&state, move |c| wf::accept(c, &caller, id)).await?,
        "weigeren" => {
            let r = reason()?;
            run(&state, move |c| wf::decline(c, &caller, id, &r)).await?
        }
        "huurcontract" => {
            let signed = crate::domain::text::date("signed_on", &form.get("signed_on")).map_err(|e| workflow::Error::Invalid(vec![e]))?;
            run(&state, move |c| wf::sign_lease(c, &caller, id, signed, today)).await?
        }
        _ => return Err(crate::web::error::ApiError::NoRoute.into()),
    };
    Ok(redirect(&format!("/voorstellen/{id}")))
}
