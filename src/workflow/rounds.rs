//! Match rounds: snapshot the register, run the matcher, store the proposals with their
//! explanations. One round per region at a time, held by the database.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{RegionPolicy, Role};
use crate::matching;
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::rounds::{self as q, ProposalRow, RoundRow};
use crate::store::{audit, clients, dwellings, organisations, write_tx, Conn};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use solver::optimize::Limits;

/// A round that has run longer than this is taken to have died with its service.
const STALE_MINUTES: i64 = 30;

/// What a round stores about itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct Summary {
    pub clients_considered: usize,
    pub dwellings_considered: usize,
    pub proposed: usize,
    /// Proposals dropped because the client or dwelling changed while the round ran.
    pub skipped: usize,
    pub unmatched: Vec<solver::model::Unmatched>,
    pub contingents: Vec<solver::model::ContingentUse>,
    pub solver: SolverStats,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SolverStats {
    pub status: solver::optimize::Status,
    pub gap: f64,
    pub stages: Vec<solver::optimize::Stage>,
    pub nodes: usize,
    pub millis: u128,
}

/// Runs a round for the caller's region on `date`.
pub fn run(conn: &mut Conn, caller: &Caller, date: NaiveDate, limits: Limits) -> Result<(RoundRow, Vec<ProposalRow>), Error> {
    caller.allow(Capability::RunRounds)?;
    let region = organisations::find_region(conn, caller.region_id)?;
    let policy = RegionPolicy::from_json(&region.policy);
    let round_id = write_tx(conn, |conn| {
        q::fail_stale(conn, caller.region_id, crate::store::now() - chrono::Duration::minutes(STALE_MINUTES))?;
        match q::start(conn, caller.region_id, caller.user_id, date) {
            Err(e) if crate::store::is_constraint_violation(&e) => {
                Err(Error::Conflict("er loopt al een matchronde voor deze uitstroomtafel; wacht tot die klaar is".into()))
            }
            other => Ok(other?),
        }
    })?;
    match solve_and_store(conn, caller, round_id, date, &policy, limits) {
        Ok(()) => {}
        Err(e) => {
            // Release the lock; the round is kept as failed so the table sees it happened.
            let _ = q::finish(conn, round_id, "failed", &serde_json::json!({"error": e.to_string()}).to_string());
            return Err(e);
        }
    }
    get(conn, caller, round_id)
}

fn solve_and_store(
    conn: &mut Conn,
    caller: &Caller,
    round_id: i32,
    date: NaiveDate,
    policy: &RegionPolicy,
    limits: Limits,
) -> Result<(), Error> {
    let snapshot = q::snapshot(conn, caller.region_id, date, &crate::domain::ProposalStatus::open_words())?;
    let round = matching::round(&snapshot, policy, date);
    let outcome = solver::model::run_with(&round, limits).map_err(|e| Error::Conflict(format!("de matcher weigerde de invoer: {e}")))?;
    let needs: std::collections::HashMap<i32, &crate::store::rows::Client> = snapshot.clients.iter().map(|c| (c.id, c)).collect();
    let homes: std::collections::HashMap<i32, &crate::store::rows::Dwelling> = snapshot.dwellings.iter().map(|d| (d.id, d)).collect();
    write_tx(conn, |conn| {
        let mut proposed = 0;
        let mut skipped = 0;
        for p in &outcome.proposals {
            let (Some(cid), Some(did)) = (matching::parse_key(&p.client), matching::parse_key(&p.dwelling)) else { continue };
            // The dwelling must still be published and the client still ready (the status
            // guard makes this the last word): the register may have moved meanwhile.
            if !dwellings::is_published(conn, did)?
                || clients::set_status(conn, cid, "ready", "proposed", needs[&cid].ready_since, None)?.is_none()
            {
                skipped += 1;
                continue;
            }
            // What the matcher saw, kept with the proposal.
            let explanation = serde_json::json!({
                "proposal": p,
                "client": {"reference": needs[&cid].reference, "household_size": needs[&cid].household_size, "min_rooms": needs[&cid].min_rooms,
                           "max_rent_cents": needs[&cid].max_rent_cents, "urgency": needs[&cid].urgency, "support_level": needs[&cid].support_level,
                           "binding_municipality": needs[&cid].binding_municipality, "ready_since": needs[&cid].ready_since},
                "dwelling": {"municipality": homes[&did].municipality_code, "rooms": homes[&did].rooms, "rent_cents": homes[&did].rent_cents,
                             "kind": homes[&did].kind, "version": homes[&did].version},
                "contingent_remaining": p.contingent.as_ref().and_then(|k| round.contingents.iter().find(|c| &c.id == k)).map(|c| c.remaining),
                "policy": policy,
            });
            let contingent = p.contingent.as_deref().and_then(matching::parse_key);
            q::insert_proposal(
                conn,
                round_id,
                cid,
                did,
                p.tier as i32,
                p.score.clamp(i32::MIN.into(), i32::MAX.into()) as i32,
                &explanation.to_string(),
                contingent,
            )?;
            proposed += 1;
        }
        let summary = Summary {
            clients_considered: round.clients.len(),
            dwellings_considered: round.dwellings.len(),
            proposed,
            skipped,
            unmatched: outcome.unmatched.clone(),
            contingents: outcome.contingents.clone(),
            solver: SolverStats {
                status: outcome.solver.status,
                gap: outcome.solver.gap,
                stages: outcome.solver.stages.clone(),
                nodes: outcome.solver.nodes,
                millis: outcome.solver.millis,
            },
        };
        q::finish(conn, round_id, "done", &serde_json::to_string(&summary).expect("summary serialises"))?;
        audit::record(conn, caller, "round.run", "match_round", Some(round_id), &format!("proposed={proposed}"))?;
        notify::emit(
            conn,
            &Event {
                kind: EventKind::RoundReady,
                region_id: caller.region_id,
                title: format!("Matchronde {round_id} van {date}: {proposed} voorstellen om te beoordelen"),
                link: format!("/ronden/{round_id}"),
                to: vec![Audience::Role(Role::Coordinator)],
            },
        )?;
        Ok::<(), Error>(())
    })
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i32) -> Result<(RoundRow, Vec<ProposalRow>), Error> {
    caller.allow(Capability::ReadRounds)?;
    let round = q::find(conn, caller.region_id, id)?.ok_or(Error::NotFound("round"))?;
    let proposals = q::proposals_of(conn, id)?;
    audit::record(conn, caller, "round.read", "match_round", Some(id), "")?;
    Ok((round, proposals))
}

pub fn list(conn: &mut Conn, caller: &Caller, page: Page) -> Result<Paged<RoundRow>, Error> {
    caller.allow(Capability::ReadRounds)?;
    let (items, total) = q::list(conn, caller.region_id, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}

/// One proposal of a round with what the coordinator needs to judge it.
#[derive(Debug, Clone)]
pub struct SheetItem {
    pub proposal: ProposalRow,
    /// The matcher's explanation, as stored with the proposal.
    pub explained: Option<solver::model::Proposal>,
    pub dwelling: crate::store::rows::Dwelling,
    pub reference: String,
    /// Still open to the coordinator's approval or rejection.
    pub reviewable: bool,
}

/// A round as the coordinator reviews it.
#[derive(Debug)]
pub struct Sheet {
    pub round: RoundRow,
    /// `None` while it runs, or for a failed round.
    pub summary: Option<Summary>,
    pub items: Vec<SheetItem>,
}

/// The round with its proposals, explanations, dwellings and summary; the read is audited.
pub fn sheet(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Sheet, Error> {
    let (round, proposals) = get(conn, caller, id)?;
    let summary = serde_json::from_str::<Summary>(&round.summary).ok();
    let region = crate::store::clients::ClientScope::Region(caller.region_id);
    let homes = dwellings::DwellingScope::Region(caller.region_id);
    let mut items = Vec::with_capacity(proposals.len());
    for p in proposals {
        let explained = serde_json::from_str::<serde_json::Value>(&p.explanation)
            .ok()
            .and_then(|v| serde_json::from_value::<solver::model::Proposal>(v.get("proposal")?.clone()).ok());
        let dwelling = dwellings::find(conn, &homes, p.dwelling_id)?.ok_or(Error::NotFound("dwelling"))?;
        let reference = clients::find(conn, &region, p.client_id)?.map(|c| c.reference).unwrap_or_default();
        let reviewable =
            crate::domain::ProposalStatus::parse("status", &p.status).is_ok_and(|s| s.may_become(crate::domain::ProposalStatus::Rejected));
        items.push(SheetItem { proposal: p, explained, dwelling, reference, reviewable });
    }
    Ok(Sheet { round, summary, items })
}
