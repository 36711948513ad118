//! Regions, organisations, users and API tokens.

use super::rows::{Organisation, Region, User};
use super::schema::{api_tokens, organisations, region_municipalities, regions, users};
use super::Conn;
use diesel::prelude::*;

pub fn create_region(conn: &mut Conn, code: &str, name: &str, policy: &str, is_demo: bool, municipalities: &[String]) -> QueryResult<i32> {
    let id = diesel::insert_into(regions::table)
        .values((
            regions::code.eq(code),
            regions::name.eq(name),
            regions::policy.eq(policy),
            regions::is_demo.eq(is_demo),
            regions::created_at.eq(super::now()),
        ))
        .returning(regions::id)
        .get_result(conn)?;
    for m in municipalities {
        diesel::insert_into(region_municipalities::table)
            .values((region_municipalities::region_id.eq(id), region_municipalities::municipality_code.eq(m)))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn find_region(conn: &mut Conn, id: i32) -> QueryResult<Region> {
    regions::table.find(id).select(Region::as_select()).first(conn)
}

pub fn all_regions(conn: &mut Conn) -> QueryResult<Vec<Region>> {
    regions::table.order(regions::id.asc()).select(Region::as_select()).load(conn)
}

pub fn find_region_by_code(conn: &mut Conn, code: &str) -> QueryResult<Option<Region>> {
    regions::table.filter(regions::code.eq(code)).select(Region::as_select()).first(conn).optional()
}

/// Whether any region was made as demo data: such a database says so on every page.
pub fn is_demo(conn: &mut Conn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(regions::table.filter(regions::is_demo.eq(true)))).get_result(conn)
}

pub fn create_organisation(conn: &mut Conn, region_id: i32, kind: &str, name: &str, municipality: Option<&str>) -> QueryResult<i32> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::region_id.eq(region_id),
            organisations::kind.eq(kind),
            organisations::name.eq(name),
            organisations::municipality_code.eq(municipality),
        ))
        .returning(organisations::id)
        .get_result(conn)
}

pub fn find_organisation(conn: &mut Conn, id: i32) -> QueryResult<Option<Organisation>> {
    organisations::table.find(id).select(Organisation::as_select()).first(conn).optional()
}

pub fn find_organisation_by_name(conn: &mut Conn, name: &str) -> QueryResult<Option<Organisation>> {
    organisations::table.filter(organisations::name.eq(name)).select(Organisation::as_select()).first(conn).optional()
}

pub fn organisations_in_region(conn: &mut Conn, region_id: i32, kind: Option<&str>) -> QueryResult<Vec<Organisation>> {
    let mut q = organisations::table.filter(organisations::region_id.eq(region_id)).into_boxed();
    if let Some(k) = kind {
        q = q.filter(organisations::kind.eq(k.to_string()));
    }
    q.order(organisations::name.asc()).select(Organisation::as_select()).load(conn)
}

pub fn create_user(
    conn: &mut Conn,
    organisation_id: i32,
    username: &str,
    email: &str,
    password_hash: &str,
    role: &str,
) -> QueryResult<i32> {
    diesel::insert_into(users::table)
        .values((
            users::organisation_id.eq(organisation_id),
            users::username.eq(username),
            users::email.eq(email),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::created_at.eq(super::now()),
        ))
        .returning(users::id)
        .get_result(conn)
}

pub fn find_user_by_name(conn: &mut Conn, username: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::username.eq(username)).select(User::as_select()).first(conn).optional()
}

/// A user with their organisation.
pub fn user_with_org(conn: &mut Conn, user_id: i32) -> QueryResult<Option<(User, Organisation)>> {
    users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(user_id))
        .select((User::as_select(), Organisation::as_select()))
        .first(conn)
        .optional()
}

pub fn create_token(conn: &mut Conn, user_id: i32, name: &str, token_hash: &str, expires: chrono::NaiveDateTime) -> QueryResult<i32> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(super::now()),
            api_tokens::expires_at.eq(Some(expires)),
        ))
        .returning(api_tokens::id)
        .get_result(conn)
}

/// An API token as its owner sees it: never its secret.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i32,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: Option<chrono::NaiveDateTime>,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

pub fn tokens_of(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table.filter(api_tokens::user_id.eq(user_id)).order(api_tokens::id.asc()).select(TokenRow::as_select()).load(conn)
}

/// Revokes the user's own live token; `false` when there is none with that id.
pub fn revoke_token(conn: &mut Conn, user_id: i32, id: i32, at: chrono::NaiveDateTime) -> QueryResult<bool> {
    diesel::update(api_tokens::table.find(id).filter(api_tokens::user_id.eq(user_id)).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(Some(at)))
        .execute(conn)
        .map(|n| n == 1)
}

/// The user holding a live token with this hash (not revoked, not expired), and when
/// the token expires.
pub fn user_for_token(conn: &mut Conn, token_hash: &str) -> QueryResult<Option<(i32, Option<chrono::NaiveDateTime>)>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(super::now()))
        .select((api_tokens::user_id, api_tokens::expires_at))
        .first(conn)
        .optional()
}

/// The region with this code, or the only region when no code is given; the message
/// says what to pass otherwise.
pub fn only_region(conn: &mut Conn, code: Option<&str>) -> Result<i32, String> {
    let codes: Vec<(i32, String)> =
        regions::table.select((regions::id, regions::code)).order(regions::id.asc()).load(conn).map_err(|e| e.to_string())?;
    match code {
        Some(c) => codes.iter().find(|r| r.1 == c).map(|r| r.0).ok_or_else(|| format!("--region '{c}': no such region")),
        None => match codes.as_slice() {
            [one] => Ok(one.0),
            [] => Err("the database holds no region".into()),
            _ => {
                Err(format!("--region: the database holds several: {}", codes.iter().map(|r| r.1.as_str()).collect::<Vec<_>>().join(", ")))
            }
        },
    }
}
