use super::rows::Municipality;
use super::schema::{municipalities, region_municipalities};
use super::Conn;
use diesel::prelude::*;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Inserts the shipped municipalities that the register does not have yet.
pub fn load_shipped(conn: &mut Conn) -> QueryResult<usize> {
    let have: Vec<String> = municipalities::table.select(municipalities::code).load(conn)?;
    let missing: Vec<_> = crate::geo::shipped_records().into_iter().filter(|r| !have.contains(&r.code)).collect();
    if missing.is_empty() {
        return Ok(0);
    }
    crate::store::write_tx(conn, |conn| {
        for r in &missing {
            diesel::insert_into(municipalities::table)
                .values((
                    municipalities::code.eq(&r.code),
                    municipalities::name.eq(&r.name),
                    municipalities::population.eq(r.population),
                    municipalities::households.eq(r.households),
                    municipalities::centroid_lon.eq(r.centroid_lon),
                    municipalities::centroid_lat.eq(r.centroid_lat),
                    municipalities::boundary.eq(&r.boundary),
                ))
                .execute(conn)?;
        }
        Ok(missing.len())
    })
}

pub fn find(conn: &mut Conn, code: &str) -> QueryResult<Option<Municipality>> {
    municipalities::table.find(code).select(Municipality::as_select()).first(conn).optional()
}

/// Municipalities whose name contains `search` (case-insensitive), by name.
pub fn search(conn: &mut Conn, search: Option<&str>, offset: i64, limit: i64) -> QueryResult<(Vec<Municipality>, i64)> {
    let pattern = format!("%{}%", search.unwrap_or("").to_lowercase().replace(['%', '_'], ""));
    let total = municipalities::table.filter(lower(municipalities::name).like(&pattern)).count().get_result(conn)?;
    let items = municipalities::table
        .filter(lower(municipalities::name).like(&pattern))
        .order(municipalities::name.asc())
        .offset(offset)
        .limit(limit)
        .select(Municipality::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn boundary(conn: &mut Conn, code: &str) -> QueryResult<Option<String>> {
    municipalities::table.find(code).select(municipalities::boundary).first(conn).optional()
}

pub fn in_region(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<String>> {
    region_municipalities::table
        .filter(region_municipalities::region_id.eq(region_id))
        .select(region_municipalities::municipality_code)
        .order(region_municipalities::municipality_code.asc())
        .load(conn)
}

/// The region's municipalities with their names, by code, in one query.
pub fn names_in_region(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<(String, String)>> {
    region_municipalities::table
        .inner_join(municipalities::table.on(municipalities::code.eq(region_municipalities::municipality_code)))
        .filter(region_municipalities::region_id.eq(region_id))
        .select((municipalities::code, municipalities::name))
        .order(municipalities::code.asc())
        .load(conn)
}

pub fn region_has(conn: &mut Conn, region_id: i32, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        region_municipalities::table
            .filter(region_municipalities::region_id.eq(region_id))
            .filter(region_municipalities::municipality_code.eq(code)),
    ))
    .get_result(conn)
}
