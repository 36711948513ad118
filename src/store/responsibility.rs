//! Landelijke-toegang requests.

use super::schema::{dwellings, leases, lt_requests};
use super::Conn;
use chrono::NaiveDate;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lt_requests)]
pub struct LtRow {
    pub id: i32,
    pub client_id: i32,
    pub wish_municipality: String,
    pub requested_by: i32,
    pub requested_on: NaiveDate,
    pub assessed: bool,
    pub social_network: bool,
    pub work_or_school: bool,
    pub treatment: bool,
    pub safety_risk_at_origin: bool,
    pub specific_facilities: bool,
    pub wish_agrees: Option<bool>,
    pub regioadviseur: Option<String>,
    pub geschillencommissie: Option<String>,
}

pub fn find(conn: &mut Conn, client_id: i32) -> QueryResult<Option<LtRow>> {
    lt_requests::table.filter(lt_requests::client_id.eq(client_id)).select(LtRow::as_select()).first(conn).optional()
}

/// A new request replaces an earlier one for the client, assessment and all.
pub fn request(conn: &mut Conn, client_id: i32, wish: &str, user_id: i32, on: NaiveDate) -> QueryResult<()> {
    diesel::delete(lt_requests::table.filter(lt_requests::client_id.eq(client_id))).execute(conn)?;
    diesel::insert_into(lt_requests::table)
        .values((
            lt_requests::client_id.eq(client_id),
            lt_requests::wish_municipality.eq(wish),
            lt_requests::requested_by.eq(user_id),
            lt_requests::requested_on.eq(on),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn assess(conn: &mut Conn, client_id: i32, c: [bool; 5], agrees: bool) -> QueryResult<usize> {
    diesel::update(lt_requests::table.filter(lt_requests::client_id.eq(client_id)))
        .set((
            lt_requests::assessed.eq(true),
            lt_requests::social_network.eq(c[0]),
            lt_requests::work_or_school.eq(c[1]),
            lt_requests::treatment.eq(c[2]),
            lt_requests::safety_risk_at_origin.eq(c[3]),
            lt_requests::specific_facilities.eq(c[4]),
            lt_requests::wish_agrees.eq(agrees),
        ))
        .execute(conn)
}

pub fn set_regioadviseur(conn: &mut Conn, client_id: i32, party: &str) -> QueryResult<usize> {
    diesel::update(lt_requests::table.filter(lt_requests::client_id.eq(client_id))).set(lt_requests::regioadviseur.eq(party)).execute(conn)
}

pub fn set_geschillencommissie(conn: &mut Conn, client_id: i32, party: &str) -> QueryResult<usize> {
    diesel::update(lt_requests::table.filter(lt_requests::client_id.eq(client_id)))
        .set(lt_requests::geschillencommissie.eq(party))
        .execute(conn)
}

/// The day the client's lease in a municipality was signed, if any.
pub fn settled_on(conn: &mut Conn, client_id: i32, municipality: &str) -> QueryResult<Option<NaiveDate>> {
    leases::table
        .inner_join(dwellings::table.on(dwellings::id.eq(leases::dwelling_id)))
        .filter(leases::client_id.eq(client_id))
        .filter(dwellings::municipality_code.eq(municipality))
        .select(leases::signed_on)
        .first(conn)
        .optional()
}

/// The requests asking for one wish municipality, newest first.
pub fn for_wish(conn: &mut Conn, wish: &str) -> QueryResult<Vec<LtRow>> {
    lt_requests::table
        .filter(lt_requests::wish_municipality.eq(wish))
        .order(lt_requests::requested_on.desc())
        .select(LtRow::as_select())
        .load(conn)
}
