//! The facts the outflow monitor and the fairness page count: one row per client of
//! the region, with their placement if they have one. No names, no needs.

use super::schema::{clients, dwellings, leases, organisations};
use super::Conn;
use chrono::NaiveDate;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable)]
pub struct FactRow {
    pub client_id: i32,
    pub provider: String,
    pub binding: String,
    pub household_size: i32,
    pub birth_year: i32,
    pub urgency: String,
    pub status: String,
    pub ready_since: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub placed_in: Option<String>,
    pub placed_kind: Option<String>,
}

/// Every client of the region's providers, with their lease and its dwelling.
pub fn facts(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<FactRow>> {
    clients::table
        .inner_join(organisations::table.on(organisations::id.eq(clients::provider_id)))
        .left_join(leases::table.on(leases::client_id.eq(clients::id)))
        .left_join(dwellings::table.on(dwellings::id.eq(leases::dwelling_id)))
        .filter(organisations::region_id.eq(region_id))
        .order(clients::id.asc())
        .select((
            clients::id,
            organisations::name,
            clients::binding_municipality,
            clients::household_size,
            clients::birth_year,
            clients::urgency,
            clients::status,
            clients::ready_since,
            leases::signed_on.nullable(),
            dwellings::municipality_code.nullable(),
            dwellings::kind.nullable(),
        ))
        .load(conn)
}
