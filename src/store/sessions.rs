//! Browser sessions. Only a hash of the cookie's secret is stored, so a copy of the
//! database does not let anyone log in.

use super::schema::sessions;
use super::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn create(conn: &mut Conn, token_hash: &str, user_id: i32, csrf_token: &str, expires_at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(super::now()),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user and CSRF token of a session that has not expired.
pub fn live(conn: &mut Conn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<(i32, String)>> {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((sessions::user_id, sessions::csrf_token))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut Conn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

pub fn delete_expired(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
