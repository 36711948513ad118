//! De uitstroommonitor: the region's (or one municipality's) outflow in figures and
//! charts, as a page and as CSV; and, for the coordinator, the fairness figures.

use super::charts::{self, Series};
use super::{ok, run, Fields, Frame, PageResult, Visitor};
use crate::domain::Role;
use crate::web::AppState;
use crate::workflow::monitor::{self as wf, Fairness, Monitor};
use crate::workflow::{self, table};
use actix_web::web;
use askama::Template;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/monitor", web::get().to(show))
        .route("/monitor.csv", web::get().to(csv))
        .route("/monitor/eerlijkheid", web::get().to(fairness))
        .route("/monitor/vergelijking", web::get().to(comparison));
}

#[derive(Template)]
#[template(path = "monitor/index.html")]
struct MonitorPage {
    frame: Frame,
    m: Monitor,
    /// The municipality shown, by name; None for the region.
    scope: Option<String>,
    /// The coordinator may choose a municipality: (code, name, selected).
    choices: Vec<(String, String, bool)>,
    csv_link: String,
    waiting_chart: String,
    quarter_chart: String,
    contingent_chart: String,
    /// Per municipality: name, agreed, used, left.
    contingent_rows: Vec<(String, i32, i32, i32)>,
    crossings: Vec<(String, i64, i64)>,
    is_coordinator: bool,
    names: BTreeMap<String, String>,
}

impl MonitorPage {
    pub fn name(&self, code: &str) -> String {
        self.names.get(code).cloned().unwrap_or_else(|| code.to_string())
    }
    pub fn percent(&self, share: Option<f64>) -> String {
        share.map_or("–".into(), |s| format!("{:.0} %", s * 100.0))
    }
    /// The Housing First reference figures (same dwelling, not homeless again).
    pub fn housing_first(&self) -> (String, String) {
        (self.percent(Some(wf::HOUSING_FIRST_SAME_DWELLING)), self.percent(Some(wf::HOUSING_FIRST_NOT_HOMELESS)))
    }
    pub fn two_years_share(&self) -> String {
        let t = &self.m.two_years;
        self.percent((t.cohort > 0).then(|| t.left as f64 / t.cohort as f64))
    }
}

fn chosen(v: &Visitor, q: &Fields) -> Option<String> {
    (v.caller.role == Role::Coordinator).then(|| q.get("gemeente")).filter(|g| !g.is_empty())
}

async fn load(state: &web::Data<AppState>, v: &Visitor, q: &Fields) -> Result<(Monitor, BTreeMap<String, String>), super::PageError> {
    let (caller, gemeente) = (v.caller.clone(), chosen(v, q));
    run(state, move |c| {
        let m = wf::monitor(c, &caller, gemeente.as_deref(), workflow::today())?;
        Ok((m, table::municipality_names(c, &caller)?))
    })
    .await
}

async fn show(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let q = Fields(q.into_inner());
    let (m, names) = load(&state, &v, &q).await?;
    let name = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let waiting_chart = charts::bars(
        "Wachtende cliënten naar wachttijd",
        &m.waiting.iter().map(|w| w.0.to_string()).collect::<Vec<_>>(),
        &[Series { name: "wachtend", colour: charts::BLUE, values: m.waiting.iter().map(|w| w.1).collect() }],
    );
    let quarters: Vec<_> = m.quarters.iter().rev().take(8).rev().collect();
    let quarter_chart = charts::bars(
        "Plaatsingen per kwartaal en soort woning",
        &quarters.iter().map(|q| q.label.clone()).collect::<Vec<_>>(),
        &[
            Series { name: "contingentwoning", colour: charts::BLUE, values: quarters.iter().map(|q| q.contingent).collect() },
            Series { name: "omklapwoning", colour: charts::ORANGE, values: quarters.iter().map(|q| q.omklap).collect() },
        ],
    );
    let contingent_rows: Vec<(String, i32, i32, i32)> =
        m.contingents_per_municipality().into_iter().map(|(code, a, u, l)| (name(&code), a, u, l)).collect();
    let contingent_chart = charts::bars(
        "Contingenten: afgesproken en gebruikt",
        &contingent_rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        &[
            Series { name: "afgesproken", colour: charts::GREY, values: contingent_rows.iter().map(|r| i64::from(r.1)).collect() },
            Series { name: "gebruikt", colour: charts::BLUE, values: contingent_rows.iter().map(|r| i64::from(r.2)).collect() },
        ],
    );
    let crossings = m.crossings.iter().map(|c| (name(&c.code), c.housed_elsewhere, c.housed_here_from_elsewhere)).collect();
    let selected = m.municipality.clone();
    let choices = if v.caller.role == Role::Coordinator {
        names.iter().map(|(code, n)| (code.clone(), n.clone(), selected.as_deref() == Some(code))).collect()
    } else {
        vec![]
    };
    let csv_link = match &selected {
        Some(code) if v.caller.role == Role::Coordinator => format!("/monitor.csv?gemeente={code}"),
        _ => "/monitor.csv".into(),
    };
    let scope = selected.as_deref().map(name);
    ok(MonitorPage {
        frame: v.frame("/monitor"),
        scope,
        choices,
        csv_link,
        waiting_chart,
        quarter_chart,
        contingent_chart,
        contingent_rows,
        crossings,
        is_coordinator: v.caller.role == Role::Coordinator,
        m,
        names,
    })
}

async fn csv(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let q = Fields(q.into_inner());
    let (m, names) = load(&state, &v, &q).await?;
    Ok(crate::web::api::monitor::csv_response(wf::csv(&m, &names)))
}

#[derive(Template)]
#[template(path = "monitor/fairness.html")]
struct FairnessPage {
    frame: Frame,
    f: Fairness,
    /// Per attribute, its groups.
    dimensions: Vec<(&'static str, Vec<wf::Group>)>,
    min_group: usize,
}

impl FairnessPage {
    pub fn percent(&self, x: &f64) -> String {
        format!("{:.0} %", x * 100.0)
    }
}

async fn fairness(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let f = run(&state, move |c| wf::fairness_of_region(c, &caller, workflow::today())).await?;
    let dimensions = wf::DIMENSIONS.iter().map(|d| (*d, f.groups.iter().filter(|g| g.dimension == *d).cloned().collect())).collect();
    ok(FairnessPage { frame: v.frame("/monitor"), f, dimensions, min_group: wf::MIN_GROUP })
}

#[derive(Template)]
#[template(path = "monitor/comparison.html")]
struct ComparisonPage {
    frame: Frame,
    c: workflow::comparison::Comparison,
}

impl ComparisonPage {
    pub fn percent(&self, x: &f64) -> String {
        format!("{:.0} %", x * 100.0)
    }
    pub fn policy_label(&self, name: &str) -> &'static str {
        match name {
            "optimiser" => "de matcher van de tafel",
            "greedy" => "moeilijkste woning eerst",
            _ => "wie het langst wacht eerst",
        }
    }
}

async fn comparison(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let c = run(&state, move |conn| workflow::comparison::compare(conn, &caller, workflow::today())).await?;
    ok(ComparisonPage { frame: v.frame("/monitor"), c })
}
