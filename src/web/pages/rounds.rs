//! The coordinator's rounds: run one, read its proposals with their explanations,
//! approve or reject them one by one or several at once, see who stayed unmatched and
//! why, and print the agenda for the table meeting.

use super::{ok, page_of, redirect, run, Fields, Frame, PageResult, Pager, Visitor};
use crate::domain::{ProposalStatus, Reason};
use crate::store::rounds::RoundRow;
use crate::web::AppState;
use crate::workflow::{self, proposals, rounds as wf};
use actix_web::web;
use askama::Template;
use solver::model::Rule;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ronden", web::get().to(list))
        .route("/ronden", web::post().to(start))
        .route("/ronden/{id}", web::get().to(show))
        .route("/ronden/{id}/beoordelen", web::post().to(decide))
        .route("/ronden/{id}/agenda", web::get().to(agenda));
}

/// The Dutch words for a matcher rule, as the table says them.
pub fn rule_label(r: &Rule) -> &'static str {
    match r {
        Rule::Available => "op tijd beschikbaar",
        Rule::Location => "in de gemeente van binding of de wensgemeente",
        Rule::OutsideExclusionZones => "buiten de gebieden die de cliënt moet mijden",
        Rule::Size => "past bij het huishouden",
        Rule::Rent => "huur binnen de grens",
        Rule::Access => "toegankelijk genoeg",
        Rule::Omklap => "omklap bij de eigen zorgaanbieder",
        Rule::SupportDistance => "binnen bereik van het begeleidingsteam",
        Rule::ContingentAgreement => "contingent van de gemeente bij deze corporatie",
        Rule::NotRejectedBefore => "niet eerder afgewezen",
    }
}

fn status_label(s: &str) -> &'static str {
    ProposalStatus::parse("status", s).map(|s| s.label()).unwrap_or("onbekend")
}

/// A dwelling key of the matcher (`d12`) as the link and words a person reads.
pub fn dwelling_ref(key: &str) -> String {
    key.strip_prefix('d').map(|id| format!("woning {id}")).unwrap_or_else(|| key.to_string())
}

fn round_label(r: &RoundRow) -> String {
    format!("Matchronde {} van {}", r.id, super::dutch_date(r.round_date))
}

#[derive(Template)]
#[template(path = "rounds/list.html")]
struct ListPage {
    frame: Frame,
    csrf: String,
    items: Vec<RoundRow>,
    pager: Pager,
    today: String,
}

#[derive(Template)]
#[template(path = "rounds/show.html")]
struct ShowPage {
    frame: Frame,
    csrf: String,
    sheet: wf::Sheet,
    reasons: Vec<(String, String)>,
    /// Outcomes of the last bulk decision: (proposal, ok, words).
    outcomes: Vec<(i32, bool, String)>,
}

#[derive(Template)]
#[template(path = "rounds/agenda.html")]
struct AgendaPage {
    frame: Frame,
    sheet: wf::Sheet,
}

async fn list(state: web::Data<AppState>, v: Visitor, q: web::Query<Vec<(String, String)>>) -> PageResult {
    let query = Fields(q.into_inner());
    let page = page_of(&query)?;
    let caller = v.caller.clone();
    let paged = run(&state, move |c| wf::list(c, &caller, page)).await?;
    let pager = Pager::new("/ronden", &paged, &query);
    ok(ListPage { frame: v.frame("/ronden"), csrf: v.csrf.clone(), items: paged.items, pager, today: workflow::today().to_string() })
}

async fn start(state: web::Data<AppState>, v: Visitor, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let day = match form.opt("datum") {
        Some(d) => crate::domain::text::date("datum", &d).map_err(|e| workflow::Error::Invalid(vec![e]))?,
        None => workflow::today(),
    };
    let caller = v.caller.clone();
    let (round, _) = run(&state, move |c| wf::run(c, &caller, day, solver::optimize::Limits::default())).await?;
    Ok(redirect(&format!("/ronden/{}", round.id)))
}

async fn render(state: &AppState, v: &Visitor, id: i32, outcomes: Vec<(i32, bool, String)>) -> PageResult {
    let caller = v.caller.clone();
    let (sheet, reasons) = run(state, move |c| Ok((wf::sheet(c, &caller, id)?, proposals::reasons(c, &caller)?))).await?;
    let reasons = reasons.iter().map(|r| (r.as_str().to_string(), r.label().to_string())).collect();
    ok(ShowPage { frame: v.frame("/ronden"), csrf: v.csrf.clone(), sheet, reasons, outcomes })
}

async fn show(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>) -> PageResult {
    render(&state, &v, id.into_inner(), vec![]).await
}

async fn decide(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let ids: Vec<i32> = form.all("voorstel").iter().filter_map(|s| s.parse().ok()).collect();
    let decision = match form.get("besluit").as_str() {
        "goedkeuren" => proposals::Decision::Approve,
        "afwijzen" => {
            let note = form.opt("toelichting");
            proposals::Decision::Reject(Reason::parse(&form.get("reden"), note.as_deref()).map_err(workflow::Error::Invalid)?)
        }
        _ => return Err(workflow::Error::invalid("besluit", "one_of", "kies goedkeuren of afwijzen").into()),
    };
    let caller = v.caller.clone();
    let results = run(&state, move |c| proposals::decide_many(c, &caller, &ids, &decision)).await?;
    let outcomes = results
        .into_iter()
        .map(|(pid, r)| match r {
            Ok(()) => (pid, true, "gelukt".to_string()),
            Err(workflow::Error::Conflict(why) | workflow::Error::Transition { why, .. }) => (pid, false, why),
            Err(workflow::Error::Invalid(errs)) => (pid, false, errs.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")),
            Err(e) => (pid, false, e.to_string()),
        })
        .collect();
    render(&state, &v, id.into_inner(), outcomes).await
}

async fn agenda(state: web::Data<AppState>, v: Visitor, id: web::Path<i32>) -> PageResult {
    let (caller, id) = (v.caller.clone(), id.into_inner());
    let sheet = run(&state, move |c| wf::sheet(c, &caller, id)).await?;
    ok(AgendaPage { frame: v.frame("/ronden"), sheet })
}

/// What one more place in a contingent would bring, per urgency level (a place more
/// may move a level up at the cost of more of a level below), and whether that is
/// proven.
pub fn one_more_label(m: &solver::model::Marginal) -> String {
    let placements = per_level(&m.extra_per_tier);
    if !m.re_solved {
        return format!("ten minste {placements}; score {:+} (niet herberekend: wat de plaats direct toelaat)", m.extra_score);
    }
    let proven = if m.exact { "" } else { " (niet bewezen: de herberekening vond dit in haar tijd)" };
    format!("{placements}; score {:+}{proven}", m.extra_score)
}

/// Extra placements per urgency level, the levels without a change left out.
pub fn per_level(extra_per_tier: &[i64]) -> String {
    let levels: Vec<String> =
        extra_per_tier.iter().enumerate().filter(|(_, d)| **d != 0).map(|(t, d)| format!("{d:+} op niveau {t}")).collect();
    if levels.is_empty() {
        "geen extra plaatsing".to_string()
    } else {
        levels.join(", ")
    }
}

/// The reason of an unmatched client in a few words.
pub fn unmatched_reason(r: &solver::model::Reason) -> &'static str {
    match r {
        solver::model::Reason::NoCandidate => "geen passende woning",
        solver::model::Reason::ContingentExhausted => "contingent op",
        solver::model::Reason::Outranked => "voorrang voor een ander",
    }
}

#[cfg(test)]
mod tests {
    use super::one_more_label;
    use solver::model::Marginal;

    #[test]
    fn one_more_says_each_level_and_whether_it_is_proven() {
        let m = |extra_per_tier: Vec<i64>, extra_score: i64, exact: bool| Marginal { extra_per_tier, extra_score, exact, re_solved: true };
        assert_eq!(one_more_label(&m(vec![0, 1, -2], -150, true)), "+1 op niveau 1, -2 op niveau 2; score -150");
        assert_eq!(one_more_label(&m(vec![1, 0, 0], 240, true)), "+1 op niveau 0; score +240");
        assert_eq!(one_more_label(&m(vec![0, 0, 0], 0, true)), "geen extra plaatsing; score +0");
        assert_eq!(
            one_more_label(&m(vec![0, 0, 1], 80, false)),
            "+1 op niveau 2; score +80 (niet bewezen: de herberekening vond dit in haar tijd)"
        );
        let at_once = Marginal { re_solved: false, ..m(vec![0, 1, 0], 95, false) };
        assert_eq!(one_more_label(&at_once), "ten minste +1 op niveau 1; score +95 (niet herberekend: wat de plaats direct toelaat)");
    }
}
