//! Login attempts, for the rate limit and lockout.

use super::schema::login_attempts;
use super::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn record(conn: &mut Conn, username: &str, address: &str, succeeded: bool, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::username.eq(username),
            login_attempts::address.eq(address),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The times of failed attempts on an account since `since` and after its last success.
pub fn account_failures(conn: &mut Conn, username: &str, since: NaiveDateTime) -> QueryResult<Vec<NaiveDateTime>> {
    let last_ok: Option<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(true))
        .select(diesel::dsl::max(login_attempts::at))
        .first(conn)?;
    let from = last_ok.map_or(since, |t| t.max(since));
    login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(from))
        .order(login_attempts::at.asc())
        .select(login_attempts::at)
        .load(conn)
}

/// The times of failed attempts from an address since `since`.
pub fn address_failures(conn: &mut Conn, address: &str, since: NaiveDateTime) -> QueryResult<Vec<NaiveDateTime>> {
    login_attempts::table
        .filter(login_attempts::address.eq(address))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(since))
        .order(login_attempts::at.asc())
        .select(login_attempts::at)
        .load(conn)
}

/// Forgets attempts older than `before` (the sweep keeps the table small).
pub fn forget_before(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::at.lt(before))).execute(conn)
}
