//! Follow-ups after placement: one row per placement and moment (6 or 12 months),
//! written when the lease is, answered by the provider.

use super::schema::{clients, dwellings, follow_ups, leases, match_rounds, proposals};
use super::Conn;
use chrono::NaiveDate;
use diesel::prelude::*;

/// A follow-up with what its list shows: the pseudonymous reference and the address.
#[derive(Debug, Clone, Queryable)]
pub struct FollowUpLine {
    pub proposal_id: i32,
    pub months: i32,
    pub due_on: NaiveDate,
    pub recorded_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub client_id: i32,
    pub reference: String,
    pub provider_id: i32,
    pub street: String,
    pub house_number: String,
    pub city: String,
    pub signed_on: NaiveDate,
}

/// Who sees which follow-ups.
#[derive(Debug, Clone, Copy)]
pub enum FollowUpScope {
    Region(i32),
    Provider(i32),
}

/// Writes the two moments of a new placement.
pub fn create_for(conn: &mut Conn, proposal_id: i32, moments: &[(i32, NaiveDate)]) -> QueryResult<()> {
    for (months, due) in moments {
        diesel::insert_into(follow_ups::table)
            .values((follow_ups::proposal_id.eq(proposal_id), follow_ups::months.eq(months), follow_ups::due_on.eq(due)))
            .execute(conn)?;
    }
    Ok(())
}

/// A withdrawn placement has nothing to follow up.
pub fn delete_for(conn: &mut Conn, proposal_id: i32) -> QueryResult<usize> {
    diesel::delete(follow_ups::table.filter(follow_ups::proposal_id.eq(proposal_id))).execute(conn)
}

/// The follow-ups in scope, due by `due_by` (any day when `None`), earliest first;
/// `open` leaves out those already answered; `only` picks one placement's moment.
pub fn list(
    conn: &mut Conn,
    scope: FollowUpScope,
    due_by: Option<NaiveDate>,
    open: bool,
    only: Option<(i32, i32)>,
) -> QueryResult<Vec<FollowUpLine>> {
    let mut q = follow_ups::table
        .inner_join(proposals::table.inner_join(clients::table).inner_join(dwellings::table))
        .inner_join(leases::table.on(leases::proposal_id.eq(follow_ups::proposal_id.nullable())))
        .select((
            follow_ups::proposal_id,
            follow_ups::months,
            follow_ups::due_on,
            follow_ups::recorded_on,
            follow_ups::outcome,
            clients::id,
            clients::reference,
            clients::provider_id,
            dwellings::street,
            dwellings::house_number,
            dwellings::city,
            leases::signed_on,
        ))
        .order((follow_ups::due_on.asc(), follow_ups::proposal_id.asc(), follow_ups::months.asc()))
        .into_boxed();
    q = match scope {
        FollowUpScope::Provider(p) => q.filter(clients::provider_id.eq(p)),
        FollowUpScope::Region(r) => {
            q.filter(proposals::round_id.eq_any(match_rounds::table.filter(match_rounds::region_id.eq(r)).select(match_rounds::id)))
        }
    };
    if let Some(day) = due_by {
        q = q.filter(follow_ups::due_on.le(day));
    }
    if open {
        q = q.filter(follow_ups::recorded_on.is_null());
    }
    if let Some((proposal, months)) = only {
        q = q.filter(follow_ups::proposal_id.eq(proposal)).filter(follow_ups::months.eq(months));
    }
    q.load(conn)
}

/// The outcome recorded at one moment of a placement, if any.
pub fn outcome_at(conn: &mut Conn, proposal_id: i32, months: i32) -> QueryResult<Option<String>> {
    Ok(follow_ups::table
        .filter(follow_ups::proposal_id.eq(proposal_id))
        .filter(follow_ups::months.eq(months))
        .select(follow_ups::outcome)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Records an answer, once: `false` when it was answered meanwhile.
pub fn record(conn: &mut Conn, proposal_id: i32, months: i32, outcome: &str, on: NaiveDate, user_id: Option<i32>) -> QueryResult<bool> {
    let n = diesel::update(
        follow_ups::table
            .filter(follow_ups::proposal_id.eq(proposal_id))
            .filter(follow_ups::months.eq(months))
            .filter(follow_ups::recorded_on.is_null()),
    )
    .set((follow_ups::recorded_on.eq(on), follow_ups::outcome.eq(outcome), follow_ups::recorded_by.eq(user_id)))
    .execute(conn)?;
    Ok(n == 1)
}

/// A follow-up that fell due and was not asked for yet.
#[derive(Debug, Clone, Queryable)]
pub struct Due {
    pub proposal_id: i32,
    pub months: i32,
    pub provider_id: i32,
    pub reference: String,
}

/// Due, unanswered and not yet reminded.
pub fn to_remind(conn: &mut Conn, today: NaiveDate) -> QueryResult<Vec<Due>> {
    follow_ups::table
        .inner_join(proposals::table.inner_join(clients::table))
        .filter(follow_ups::due_on.le(today))
        .filter(follow_ups::recorded_on.is_null())
        .filter(follow_ups::reminded_on.is_null())
        .order((follow_ups::due_on.asc(), follow_ups::id.asc()))
        .select((follow_ups::proposal_id, follow_ups::months, clients::provider_id, clients::reference))
        .load(conn)
}

pub fn mark_reminded(conn: &mut Conn, proposal_id: i32, months: i32, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(follow_ups::table.filter(follow_ups::proposal_id.eq(proposal_id)).filter(follow_ups::months.eq(months)))
        .set(follow_ups::reminded_on.eq(on))
        .execute(conn)
}

/// Every answered follow-up of a region: (binding municipality, months, outcome).
pub fn outcomes(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<(String, i32, String)>> {
    follow_ups::table
        .inner_join(proposals::table.inner_join(clients::table))
        .filter(proposals::round_id.eq_any(match_rounds::table.filter(match_rounds::region_id.eq(region_id)).select(match_rounds::id)))
        .filter(follow_ups::outcome.is_not_null())
        .select((clients::binding_municipality, follow_ups::months, follow_ups::outcome.assume_not_null()))
        .load(conn)
}
