//! Nazorg: the provider answers, at 6 and 12 months after a placement, whether the
//! person still lives there; the coordinator reads the answers.

use super::{ok, redirect, run, Fields, Frame, PageResult, Visitor};
use crate::domain::{FollowUpOutcome, Role};
use crate::store::follow_ups::FollowUpLine;
use crate::web::AppState;
use crate::workflow::{self, follow_ups as wf};
use actix_web::web;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/nazorg", web::get().to(list)).route("/nazorg/{proposal}/{months}", web::post().to(record));
}

#[derive(Template)]
#[template(path = "follow_ups/list.html")]
struct ListPage {
    frame: Frame,
    csrf: String,
    may_record: bool,
    open: Vec<FollowUpLine>,
    answered: Vec<FollowUpLine>,
    outcomes: Vec<(&'static str, &'static str)>,
}

/// The Dutch label of a stored outcome.
pub fn outcome_label(stored: &Option<String>) -> &'static str {
    stored.as_deref().and_then(|o| FollowUpOutcome::parse("outcome", o).ok()).map_or("", FollowUpOutcome::label)
}

async fn list(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let lines = run(&state, move |c| wf::due(c, &caller, workflow::today(), false)).await?;
    let (answered, open): (Vec<_>, Vec<_>) = lines.into_iter().partition(|l| l.recorded_on.is_some());
    ok(ListPage {
        frame: v.frame("/nazorg"),
        csrf: v.csrf.clone(),
        may_record: v.caller.role == Role::Provider,
        open,
        answered,
        outcomes: FollowUpOutcome::ALL.iter().map(|o| (o.as_str(), o.label())).collect(),
    })
}

async fn record(state: web::Data<AppState>, v: Visitor, path: web::Path<(i32, u32)>, form: web::Form<Vec<(String, String)>>) -> PageResult {
    let form = Fields(form.into_inner());
    v.check(&form)?;
    let outcome = FollowUpOutcome::parse("uitkomst", &form.get("uitkomst")).map_err(|e| workflow::Error::Invalid(vec![e]))?;
    let (caller, (proposal, months)) = (v.caller.clone(), path.into_inner());
    run(&state, move |c| wf::record(c, &caller, proposal, months, outcome, workflow::today())).await?;
    Ok(redirect("/nazorg"))
}
