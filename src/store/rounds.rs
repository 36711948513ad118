//! Match rounds and their proposals, and the register snapshot a round starts from.

use super::rows::{AnchorRow, Client, Contingent, Dwelling, ExclusionZoneRow};
use super::schema::{
    client_anchors, client_exclusion_zones, clients, contingents, dwellings, leases, match_rounds, organisations, proposals,
};
use super::Conn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = match_rounds)]
pub struct RoundRow {
    pub id: i32,
    pub region_id: i32,
    pub started_by: i32,
    pub status: String,
    pub round_date: NaiveDate,
    pub summary: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: i32,
    pub round_id: i32,
    pub client_id: i32,
    pub dwelling_id: i32,
    pub status: String,
    pub tier: i32,
    pub score: i32,
    pub explanation: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub contingent_id: Option<i32>,
    pub reason_note: Option<String>,
    pub offer_deadline: Option<NaiveDate>,
    pub flip_conditions: Option<String>,
    pub planned_flip_on: Option<NaiveDate>,
    pub flipped_on: Option<NaiveDate>,
    pub placement_withdrawn_on: Option<NaiveDate>,
}

/// Marks rounds that have run longer than `stale_before` allows as failed: a service that
/// died mid-round must not hold the region's lock for ever.
pub fn fail_stale(conn: &mut Conn, region_id: i32, stale_before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        match_rounds::table
            .filter(match_rounds::region_id.eq(region_id))
            .filter(match_rounds::status.eq("running"))
            .filter(match_rounds::created_at.lt(stale_before)),
    )
    .set((match_rounds::status.eq("failed"), match_rounds::finished_at.eq(super::now())))
    .execute(conn)
}

/// Takes the region's round lock; a unique violation means another round runs.
pub fn start(conn: &mut Conn, region_id: i32, user_id: i32, date: NaiveDate) -> QueryResult<i32> {
    diesel::insert_into(match_rounds::table)
        .values((
            match_rounds::region_id.eq(region_id),
            match_rounds::started_by.eq(user_id),
            match_rounds::status.eq("running"),
            match_rounds::round_date.eq(date),
            match_rounds::created_at.eq(super::now()),
        ))
        .returning(match_rounds::id)
        .get_result(conn)
}

pub fn finish(conn: &mut Conn, id: i32, status: &str, summary: &str) -> QueryResult<usize> {
    diesel::update(match_rounds::table.find(id))
        .set((match_rounds::status.eq(status), match_rounds::summary.eq(summary), match_rounds::finished_at.eq(super::now())))
        .execute(conn)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_proposal(
    conn: &mut Conn,
    round_id: i32,
    client_id: i32,
    dwelling_id: i32,
    tier: i32,
    score: i32,
    explanation: &str,
    contingent_id: Option<i32>,
) -> QueryResult<i32> {
    let now = super::now();
    diesel::insert_into(proposals::table)
        .values((
            proposals::round_id.eq(round_id),
            proposals::client_id.eq(client_id),
            proposals::dwelling_id.eq(dwelling_id),
            proposals::status.eq("proposed"),
            proposals::tier.eq(tier),
            proposals::score.eq(score),
            proposals::explanation.eq(explanation),
            proposals::contingent_id.eq(contingent_id),
            proposals::created_at.eq(now),
            proposals::updated_at.eq(now),
        ))
        .returning(proposals::id)
        .get_result(conn)
}

pub fn list(conn: &mut Conn, region_id: i32, offset: i64, limit: i64) -> QueryResult<(Vec<RoundRow>, i64)> {
    let total = match_rounds::table.filter(match_rounds::region_id.eq(region_id)).count().get_result(conn)?;
    let items = match_rounds::table
        .filter(match_rounds::region_id.eq(region_id))
        .order(match_rounds::id.desc())
        .offset(offset)
        .limit(limit)
        .select(RoundRow::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn find(conn: &mut Conn, region_id: i32, id: i32) -> QueryResult<Option<RoundRow>> {
    match_rounds::table
        .filter(match_rounds::region_id.eq(region_id))
        .filter(match_rounds::id.eq(id))
        .select(RoundRow::as_select())
        .first(conn)
        .optional()
}

pub fn proposals_of(conn: &mut Conn, round_id: i32) -> QueryResult<Vec<ProposalRow>> {
    proposals::table.filter(proposals::round_id.eq(round_id)).order(proposals::id.asc()).select(ProposalRow::as_select()).load(conn)
}

/// Everything a round looks at, for one region.
pub struct Snapshot {
    pub clients: Vec<Client>,
    pub zones: Vec<ExclusionZoneRow>,
    pub anchors: Vec<AnchorRow>,
    pub dwellings: Vec<Dwelling>,
    pub contingents: Vec<Contingent>,
    /// Open proposals per contingent.
    pub open_per_contingent: Vec<(i32, i64)>,
    /// Providers' team bases: (organisation id, lat, lon).
    pub bases: Vec<(i32, f64, f64)>,
    /// Pairs rejected or declined before.
    pub rejected: Vec<(i32, i32)>,
}

/// The clients' exclusion zones and network anchors.
fn places(conn: &mut Conn, ids: &[i32]) -> QueryResult<(Vec<ExclusionZoneRow>, Vec<AnchorRow>)> {
    let zones = client_exclusion_zones::table
        .filter(client_exclusion_zones::client_id.eq_any(ids))
        .select(ExclusionZoneRow::as_select())
        .load(conn)?;
    let anchors = client_anchors::table.filter(client_anchors::client_id.eq_any(ids)).select(AnchorRow::as_select()).load(conn)?;
    Ok((zones, anchors))
}

/// The region's providers' team bases, where they have one: (organisation, lat, lon).
fn team_bases(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<(i32, f64, f64)>> {
    let bases: Vec<(i32, Option<f64>, Option<f64>)> = organisations::table
        .filter(organisations::region_id.eq(region_id))
        .filter(organisations::kind.eq("provider"))
        .select((organisations::id, organisations::base_lat, organisations::base_lon))
        .load(conn)?;
    Ok(bases.into_iter().filter_map(|(id, lat, lon)| Some((id, lat?, lon?))).collect())
}

/// The region's contingents whose period overlaps `from..=to` (a round: the one day).
fn overlapping_contingents(conn: &mut Conn, region_id: i32, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Contingent>> {
    contingents::table
        .filter(contingents::region_id.eq(region_id))
        .filter(contingents::period_start.le(to))
        .filter(contingents::period_end.gt(from))
        .order(contingents::id.asc())
        .select(Contingent::as_select())
        .load(conn)
}

/// `open`: the proposal states that hold a client and a dwelling (the workflow's rule).
pub fn snapshot(conn: &mut Conn, region_id: i32, date: NaiveDate, open: &[&'static str]) -> QueryResult<Snapshot> {
    let region_orgs = || organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id);
    let held_clients = || proposals::table.filter(proposals::status.eq_any(open.to_vec())).select(proposals::client_id);
    let held_dwellings = || proposals::table.filter(proposals::status.eq_any(open.to_vec())).select(proposals::dwelling_id);
    let clients: Vec<Client> = clients::table
        .filter(clients::provider_id.eq_any(region_orgs()))
        .filter(clients::status.eq("ready"))
        .filter(clients::id.ne_all(held_clients()))
        .order(clients::id.asc())
        .select(Client::as_select())
        .load(conn)?;
    let ids: Vec<i32> = clients.iter().map(|c| c.id).collect();
    let (zones, anchors) = places(conn, &ids)?;
    let dwellings: Vec<Dwelling> = dwellings::table
        .filter(dwellings::corporation_id.eq_any(region_orgs()))
        .filter(dwellings::status.eq("published"))
        .filter(dwellings::id.ne_all(held_dwellings()))
        .order(dwellings::id.asc())
        .select(Dwelling::as_select())
        .load(conn)?;
    let contingents = overlapping_contingents(conn, region_id, date, date)?;
    let mut open_per_contingent = Vec::new();
    for k in &contingents {
        let n: i64 = proposals::table
            .filter(proposals::contingent_id.eq(k.id))
            .filter(proposals::status.eq_any(open.to_vec()))
            .count()
            .get_result(conn)?;
        open_per_contingent.push((k.id, n));
    }
    let bases = team_bases(conn, region_id)?;
    let rejected = proposals::table
        .filter(proposals::status.eq_any(["rejected", "declined"]))
        .filter(proposals::client_id.eq_any(&ids))
        .select((proposals::client_id, proposals::dwelling_id))
        .load(conn)?;
    Ok(Snapshot { clients, zones, anchors, dwellings, contingents, open_per_contingent, bases, rejected })
}

pub fn set_base(conn: &mut Conn, organisation_id: i32, lat: f64, lon: f64) -> QueryResult<usize> {
    diesel::update(organisations::table.find(organisation_id))
        .set((organisations::base_lat.eq(lat), organisations::base_lon.eq(lon)))
        .execute(conn)
}

/// What a table had in `[from, to]`, for the replay: every client who was ready by `to`
/// and had not left before `from` (withdrawn, or placed before it), every dwelling free
/// by `to` that was not let before `from`, and the contingents that overlap the window.
pub fn history_snapshot(conn: &mut Conn, region_id: i32, from: NaiveDate, to: NaiveDate) -> QueryResult<Snapshot> {
    let region_orgs = || organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id);
    let placed_before = || leases::table.filter(leases::signed_on.lt(from)).select(leases::client_id);
    let let_before = || leases::table.filter(leases::signed_on.lt(from)).select(leases::dwelling_id);
    let clients: Vec<Client> = clients::table
        .filter(clients::provider_id.eq_any(region_orgs()))
        .filter(clients::ready_since.le(to))
        .filter(clients::status.ne("withdrawn"))
        .filter(clients::id.ne_all(placed_before()))
        .order(clients::id.asc())
        .select(Client::as_select())
        .load(conn)?;
    let ids: Vec<i32> = clients.iter().map(|c| c.id).collect();
    let (zones, anchors) = places(conn, &ids)?;
    let dwellings: Vec<Dwelling> = dwellings::table
        .filter(dwellings::corporation_id.eq_any(region_orgs()))
        .filter(dwellings::status.eq_any(["published", "reserved", "let"]))
        .filter(dwellings::available_from.le(to))
        .filter(dwellings::id.ne_all(let_before()))
        .order(dwellings::id.asc())
        .select(Dwelling::as_select())
        .load(conn)?;
    let contingents = overlapping_contingents(conn, region_id, from, to)?;
    let bases = team_bases(conn, region_id)?;
    Ok(Snapshot { clients, zones, anchors, dwellings, contingents, open_per_contingent: vec![], bases, rejected: vec![] })
}

/// Placements whose lease was signed in `[from, to]`.
pub fn leases_between(conn: &mut Conn, region_id: i32, from: NaiveDate, to: NaiveDate) -> QueryResult<i64> {
    let region_orgs = organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id);
    leases::table
        .inner_join(dwellings::table.on(dwellings::id.eq(leases::dwelling_id)))
        .filter(dwellings::corporation_id.eq_any(region_orgs))
        .filter(leases::signed_on.ge(from))
        .filter(leases::signed_on.le(to))
        .count()
        .get_result(conn)
}

/// The summaries of the region's finished rounds since `since`, with their dates.
pub fn summaries_since(conn: &mut Conn, region_id: i32, since: NaiveDate) -> QueryResult<Vec<(NaiveDate, String)>> {
    match_rounds::table
        .filter(match_rounds::region_id.eq(region_id))
        .filter(match_rounds::status.eq("done"))
        .filter(match_rounds::round_date.ge(since))
        .order(match_rounds::id.asc())
        .select((match_rounds::round_date, match_rounds::summary))
        .load(conn)
}
