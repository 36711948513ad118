//! Rows as the database holds them. Enum columns are text here; the workflow turns
//! them into domain types.

use super::schema::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct Region {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub policy: String,
    pub is_demo: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub population: i32,
    pub households: i32,
    pub centroid_lon: f64,
    pub centroid_lat: f64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i32,
    pub region_id: i32,
    pub kind: String,
    pub name: String,
    pub municipality_code: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub organisation_id: i32,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contingents)]
pub struct Contingent {
    pub id: i32,
    pub region_id: i32,
    pub municipality_code: String,
    pub corporation_id: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub cap: i32,
    pub used: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contingents)]
pub struct NewContingentRow {
    pub region_id: i32,
    pub municipality_code: String,
    pub corporation_id: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub cap: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dwellings)]
pub struct Dwelling {
    pub id: i32,
    pub corporation_id: i32,
    pub municipality_code: String,
    pub kind: String,
    pub status: String,
    pub external_ref: Option<String>,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub rooms: i32,
    pub max_household: i32,
    pub rent_cents: i32,
    pub floor: i32,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    pub omklap_provider_id: Option<i32>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a corporation sets; used for both insert and update.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = dwellings, treat_none_as_null = true)]
pub struct DwellingFieldsRow {
    pub municipality_code: String,
    pub kind: String,
    pub external_ref: Option<String>,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub rooms: i32,
    pub max_household: i32,
    pub rent_cents: i32,
    pub floor: i32,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    pub omklap_provider_id: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: i32,
    pub provider_id: i32,
    pub reference: String,
    pub birth_year: i32,
    pub household_size: i32,
    pub binding_municipality: String,
    pub wish_municipality: Option<String>,
    pub urgency: String,
    pub support_level: String,
    pub min_rooms: i32,
    pub max_rent_cents: i32,
    pub needs_ground_floor: bool,
    pub needs_lift: bool,
    pub needs_wheelchair: bool,
    pub status: String,
    pub ready_since: Option<NaiveDate>,
    pub paused_until: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a provider sets about a client's needs; insert and update.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub struct ClientNeedsRow {
    pub birth_year: i32,
    pub household_size: i32,
    pub binding_municipality: String,
    pub wish_municipality: Option<String>,
    pub urgency: String,
    pub support_level: String,
    pub min_rooms: i32,
    pub max_rent_cents: i32,
    pub needs_ground_floor: bool,
    pub needs_lift: bool,
    pub needs_wheelchair: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_exclusion_zones)]
pub struct ExclusionZoneRow {
    pub id: i32,
    pub client_id: i32,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_anchors)]
pub struct AnchorRow {
    pub id: i32,
    pub client_id: i32,
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    pub detail: String,
    /// The address the request came from; none for the service's own jobs.
    pub address: Option<String>,
}
