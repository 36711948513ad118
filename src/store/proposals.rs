//! Proposals under review, leases and the contingent ledger.

use super::rounds::ProposalRow;
use super::schema::{clients, contingent_ledger, contingents, dwellings, leases, match_rounds, proposals};
use super::Conn;
use chrono::NaiveDate;
use diesel::prelude::*;

/// Which proposals a caller may see.
#[derive(Debug, Clone)]
pub enum ProposalScope {
    Region(i32),
    /// A corporation: proposals for its dwellings, in the states disclosed to it.
    Corporation {
        organisation_id: i32,
        disclosed: Vec<&'static str>,
    },
    /// A provider: proposals for its clients.
    Provider(i32),
}

type Boxed<'a> = proposals::BoxedQuery<'a, super::MultiBackend>;

fn scoped<'a>(scope: &ProposalScope) -> Boxed<'a> {
    let q: Boxed<'a> = proposals::table.into_boxed();
    match scope {
        // A region's proposals are those of its rounds: a handful of rounds to look up,
        // where going through the region's clients probes the index once per client.
        ProposalScope::Region(r) => {
            q.filter(proposals::round_id.eq_any(match_rounds::table.filter(match_rounds::region_id.eq(*r)).select(match_rounds::id)))
        }
        ProposalScope::Corporation { organisation_id, disclosed } => q
            .filter(
                proposals::dwelling_id
                    .eq_any(dwellings::table.filter(dwellings::corporation_id.eq(*organisation_id)).select(dwellings::id)),
            )
            .filter(proposals::status.eq_any(disclosed.clone())),
        ProposalScope::Provider(org) => {
            q.filter(proposals::client_id.eq_any(clients::table.filter(clients::provider_id.eq(*org)).select(clients::id)))
        }
    }
}

pub fn find(conn: &mut Conn, scope: &ProposalScope, id: i32) -> QueryResult<Option<ProposalRow>> {
    scoped(scope).filter(proposals::id.eq(id)).select(ProposalRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut Conn, scope: &ProposalScope, status: Option<&str>, offset: i64, limit: i64) -> QueryResult<(Vec<ProposalRow>, i64)> {
    let base = || {
        let mut q = scoped(scope);
        if let Some(s) = status {
            q = q.filter(proposals::status.eq(s.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base().order(proposals::id.asc()).offset(offset).limit(limit).select(ProposalRow::as_select()).load(conn)?;
    Ok((items, total))
}

/// Moves a proposal from `from` to `to` with its reason and deadline; false when it was
/// not in `from` any more (someone else was first).
pub fn set_status(
    conn: &mut Conn,
    id: i32,
    from: &str,
    to: &str,
    reason: Option<(&str, Option<&str>)>,
    offer_deadline: Option<NaiveDate>,
) -> QueryResult<bool> {
    let n = diesel::update(proposals::table.filter(proposals::id.eq(id)).filter(proposals::status.eq(from)))
        .set((
            proposals::status.eq(to),
            proposals::reason.eq(reason.map(|r| r.0)),
            proposals::reason_note.eq(reason.and_then(|r| r.1)),
            proposals::offer_deadline.eq(offer_deadline),
            proposals::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Offers past their deadline.
pub fn offers_past(conn: &mut Conn, today: NaiveDate) -> QueryResult<Vec<ProposalRow>> {
    proposals::table
        .filter(proposals::status.eq("offered"))
        .filter(proposals::offer_deadline.lt(today))
        .order(proposals::id.asc())
        .select(ProposalRow::as_select())
        .load(conn)
}

pub fn insert_lease(conn: &mut Conn, dwelling_id: i32, client_id: i32, proposal_id: i32, signed_on: NaiveDate) -> QueryResult<()> {
    diesel::insert_into(leases::table)
        .values((
            leases::dwelling_id.eq(dwelling_id),
            leases::client_id.eq(client_id),
            leases::proposal_id.eq(proposal_id),
            leases::signed_on.eq(signed_on),
            leases::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Books one use (+1) or one return (-1) of a contingent: a ledger row and the running
/// sum, together. The database refuses a use beyond the cap.
pub fn book(
    conn: &mut Conn,
    contingent_id: i32,
    proposal_id: Option<i32>,
    change: i32,
    reason: &str,
    user_id: Option<i32>,
) -> QueryResult<()> {
    diesel::insert_into(contingent_ledger::table)
        .values((
            contingent_ledger::contingent_id.eq(contingent_id),
            contingent_ledger::proposal_id.eq(proposal_id),
            contingent_ledger::change.eq(change),
            contingent_ledger::reason.eq(reason),
            contingent_ledger::user_id.eq(user_id),
            contingent_ledger::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    diesel::update(contingents::table.find(contingent_id)).set(contingents::used.eq(contingents::used + change)).execute(conn)?;
    Ok(())
}

/// One booking of a contingent, with the client it concerned.
#[derive(Debug, Clone, Queryable)]
pub struct LedgerEntry {
    pub change: i32,
    pub reason: String,
    pub proposal_id: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    pub client_reference: Option<String>,
    pub dwelling_municipality: Option<String>,
}

/// A contingent's bookings, oldest first, with the client's reference and where the
/// dwelling lies (a client bound to the municipality may be housed elsewhere).
pub fn entries(conn: &mut Conn, contingent_id: i32) -> QueryResult<Vec<LedgerEntry>> {
    contingent_ledger::table
        .left_join(proposals::table.on(proposals::id.nullable().eq(contingent_ledger::proposal_id)))
        .left_join(clients::table.on(clients::id.eq(proposals::client_id)))
        .left_join(dwellings::table.on(dwellings::id.eq(proposals::dwelling_id)))
        .filter(contingent_ledger::contingent_id.eq(contingent_id))
        .order(contingent_ledger::id.asc())
        .select((
            contingent_ledger::change,
            contingent_ledger::reason,
            contingent_ledger::proposal_id,
            contingent_ledger::created_at,
            clients::reference.nullable(),
            dwellings::municipality_code.nullable(),
        ))
        .load(conn)
}

/// The ledger of a contingent, oldest first: (change, reason, proposal).
pub fn ledger(conn: &mut Conn, contingent_id: i32) -> QueryResult<Vec<(i32, String, Option<i32>)>> {
    contingent_ledger::table
        .filter(contingent_ledger::contingent_id.eq(contingent_id))
        .order(contingent_ledger::id.asc())
        .select((contingent_ledger::change, contingent_ledger::reason, contingent_ledger::proposal_id))
        .load(conn)
}

/// Open offers whose deadline falls on or before `warn_from` and whose answering party was
/// not warned yet.
pub fn offers_to_warn(conn: &mut Conn, warn_from: NaiveDate) -> QueryResult<Vec<ProposalRow>> {
    proposals::table
        .filter(proposals::status.eq("offered"))
        .filter(proposals::offer_deadline.le(warn_from))
        .filter(proposals::deadline_warned_on.is_null())
        .order(proposals::id.asc())
        .select(ProposalRow::as_select())
        .load(conn)
}

pub fn mark_warned(conn: &mut Conn, id: i32, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(proposals::table.find(id)).set(proposals::deadline_warned_on.eq(on)).execute(conn)
}

/// Proposals in an `open` state unchanged since before `before` whose current wait was
/// not reported.
pub fn stalled(conn: &mut Conn, before: chrono::NaiveDateTime, open: &[&'static str]) -> QueryResult<Vec<ProposalRow>> {
    let rows: Vec<(ProposalRow, Option<String>)> = proposals::table
        .filter(proposals::status.eq_any(open.to_vec()))
        .filter(proposals::updated_at.lt(before))
        .order(proposals::id.asc())
        .select((ProposalRow::as_select(), proposals::stall_warned_status))
        .load(conn)?;
    Ok(rows.into_iter().filter(|(p, warned)| warned.as_deref() != Some(p.status.as_str())).map(|(p, _)| p).collect())
}

pub fn mark_stall_warned(conn: &mut Conn, id: i32, status: &str) -> QueryResult<usize> {
    diesel::update(proposals::table.find(id)).set(proposals::stall_warned_status.eq(status)).execute(conn)
}

/// The omklap plan and flip of a placement: (conditions, planned, flipped).
pub fn flip_state(conn: &mut Conn, id: i32) -> QueryResult<(Option<String>, Option<NaiveDate>, Option<NaiveDate>)> {
    proposals::table.find(id).select((proposals::flip_conditions, proposals::planned_flip_on, proposals::flipped_on)).first(conn)
}

pub fn plan_flip(conn: &mut Conn, id: i32, conditions: &str, planned: NaiveDate) -> QueryResult<usize> {
    diesel::update(proposals::table.find(id))
        .set((
            proposals::flip_conditions.eq(conditions),
            proposals::planned_flip_on.eq(planned),
            proposals::flip_reminded_on.eq(None::<NaiveDate>),
        ))
        .execute(conn)
}

/// Records the flip once; false when it was recorded already.
pub fn record_flip(conn: &mut Conn, id: i32, on: NaiveDate) -> QueryResult<bool> {
    let n = diesel::update(proposals::table.filter(proposals::id.eq(id)).filter(proposals::flipped_on.is_null()))
        .set(proposals::flipped_on.eq(on))
        .execute(conn)?;
    Ok(n == 1)
}

/// Placements with a planned flip on or before `until` that are neither flipped nor reminded.
pub fn flips_to_remind(conn: &mut Conn, until: NaiveDate) -> QueryResult<Vec<(i32, i32, i32, NaiveDate)>> {
    let rows: Vec<(i32, i32, i32, Option<NaiveDate>)> = proposals::table
        .filter(proposals::status.eq("placed"))
        .filter(proposals::planned_flip_on.le(until))
        .filter(proposals::flipped_on.is_null())
        .filter(proposals::flip_reminded_on.is_null())
        .select((proposals::id, proposals::client_id, proposals::dwelling_id, proposals::planned_flip_on))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(a, b, c, d)| Some((a, b, c, d?))).collect())
}

pub fn mark_flip_reminded(conn: &mut Conn, id: i32, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(proposals::table.find(id)).set(proposals::flip_reminded_on.eq(on)).execute(conn)
}

/// The region's contingent for a binding municipality and corporation on a day.
pub fn contingent_on(conn: &mut Conn, region_id: i32, municipality: &str, corporation_id: i32, day: NaiveDate) -> QueryResult<Option<i32>> {
    contingents::table
        .filter(contingents::region_id.eq(region_id))
        .filter(contingents::municipality_code.eq(municipality))
        .filter(contingents::corporation_id.eq(corporation_id))
        .filter(contingents::period_start.le(day))
        .filter(contingents::period_end.gt(day))
        .select(contingents::id)
        .first(conn)
        .optional()
}

/// Marks a placement withdrawn, once; false when it was withdrawn already.
pub fn withdraw_placement(conn: &mut Conn, id: i32, on: NaiveDate, reason: &str, note: Option<&str>) -> QueryResult<bool> {
    let n = diesel::update(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::status.eq("placed"))
            .filter(proposals::placement_withdrawn_on.is_null()),
    )
    .set((
        proposals::placement_withdrawn_on.eq(on),
        proposals::reason.eq(reason),
        proposals::reason_note.eq(note),
        proposals::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_lease(conn: &mut Conn, proposal_id: i32) -> QueryResult<usize> {
    diesel::delete(leases::table.filter(leases::proposal_id.eq(proposal_id))).execute(conn)
}

/// What a proposal has booked on each contingent, net: (contingent, units).
pub fn booked(conn: &mut Conn, proposal_id: i32) -> QueryResult<Vec<(i32, i32)>> {
    let rows: Vec<(i32, i32)> = contingent_ledger::table
        .filter(contingent_ledger::proposal_id.eq(proposal_id))
        .select((contingent_ledger::contingent_id, contingent_ledger::change))
        .load(conn)?;
    let mut net: std::collections::BTreeMap<i32, i32> = Default::default();
    for (k, c) in rows {
        *net.entry(k).or_default() += c;
    }
    Ok(net.into_iter().filter(|(_, n)| *n != 0).collect())
}
