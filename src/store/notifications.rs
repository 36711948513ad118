//! Notifications, preferences and the outbox.

use super::schema::{clients, notification_preferences, notifications, organisations, outbox, users};
use super::Conn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamp};

pub fn users_with_role(conn: &mut Conn, region_id: i32, role: &str) -> QueryResult<Vec<(i32, String)>> {
    users::table
        .inner_join(organisations::table)
        .filter(organisations::region_id.eq(region_id))
        .filter(users::role.eq(role))
        .select((users::id, users::email))
        .load(conn)
}

pub fn users_of_organisation(conn: &mut Conn, org_id: i32) -> QueryResult<Vec<(i32, String)>> {
    users::table.filter(users::organisation_id.eq(org_id)).select((users::id, users::email)).load(conn)
}

pub fn users_of_municipality(conn: &mut Conn, region_id: i32, code: &str) -> QueryResult<Vec<(i32, String)>> {
    users::table
        .inner_join(organisations::table)
        .filter(organisations::region_id.eq(region_id))
        .filter(organisations::municipality_code.eq(code))
        .select((users::id, users::email))
        .load(conn)
}

pub fn preference(conn: &mut Conn, user_id: i32, kind: &str) -> QueryResult<Option<String>> {
    notification_preferences::table.find((user_id, kind)).select(notification_preferences::delivery).first(conn).optional()
}

pub fn preferences(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<(String, String)>> {
    notification_preferences::table
        .filter(notification_preferences::user_id.eq(user_id))
        .select((notification_preferences::kind, notification_preferences::delivery))
        .load(conn)
}

pub fn set_preference(conn: &mut Conn, user_id: i32, kind: &str, delivery: &str) -> QueryResult<()> {
    diesel::delete(notification_preferences::table.find((user_id, kind))).execute(conn)?;
    diesel::insert_into(notification_preferences::table)
        .values((
            notification_preferences::user_id.eq(user_id),
            notification_preferences::kind.eq(kind),
            notification_preferences::delivery.eq(delivery),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_notification(
    conn: &mut Conn,
    user_id: i32,
    kind: &str,
    title: &str,
    link: &str,
    delivery: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::user_id.eq(user_id),
            notifications::kind.eq(kind),
            notifications::title.eq(title),
            notifications::link.eq(link),
            notifications::delivery.eq(delivery),
            notifications::created_at.eq(now),
        ))
        .returning(notifications::id)
        .get_result(conn)
}

/// A user's notification as shown in the service.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i32,
    pub kind: String,
    pub title: String,
    pub link: String,
    pub delivery: String,
    pub created_at: NaiveDateTime,
}

pub fn recent(conn: &mut Conn, user_id: i32, limit: i64) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order(notifications::id.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Users with digest notifications not yet mailed, created before `cutoff`.
pub fn digest_due(conn: &mut Conn, cutoff: NaiveDateTime) -> QueryResult<Vec<i32>> {
    notifications::table
        .filter(notifications::delivery.eq("digest"))
        .filter(notifications::digested_at.is_null())
        .filter(notifications::created_at.lt(cutoff))
        .select(notifications::user_id)
        .distinct()
        .order(notifications::user_id.asc())
        .load(conn)
}

pub fn digest_items(conn: &mut Conn, user_id: i32, cutoff: NaiveDateTime) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::delivery.eq("digest"))
        .filter(notifications::digested_at.is_null())
        .filter(notifications::created_at.lt(cutoff))
        .order(notifications::id.asc())
        .select(NotificationRow::as_select())
        .load(conn)
}

pub fn mark_digested(conn: &mut Conn, ids: &[i32], now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids))).set(notifications::digested_at.eq(now)).execute(conn)
}

pub fn user_email(conn: &mut Conn, user_id: i32) -> QueryResult<String> {
    users::table.find(user_id).select(users::email).first(conn)
}

#[allow(clippy::too_many_arguments)]
pub fn enqueue(
    conn: &mut Conn,
    user_id: i32,
    email: &str,
    kind: &str,
    subject: &str,
    payload: &str,
    message_id: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::event_kind.eq(kind),
            outbox::recipient_user_id.eq(user_id),
            outbox::recipient_email.eq(email),
            outbox::payload.eq(payload),
            outbox::subject.eq(subject),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
            outbox::message_id.eq(message_id),
        ))
        .returning(outbox::id)
        .get_result(conn)
}

pub fn message_exists(conn: &mut Conn, message_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(outbox::table.filter(outbox::message_id.eq(message_id)))).get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub event_kind: String,
    pub recipient_user_id: Option<i32>,
    pub recipient_email: String,
    #[serde(skip)]
    pub payload: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub message_id: Option<String>,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Integer)]
    id: i32,
}

const CLAIM_PG: &str = "UPDATE outbox SET status = 'sending', claimed_until = $1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM outbox \
        WHERE (status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND claimed_until < $2) \
        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
    RETURNING id";

// SQLite has one writer at a time, so the UPDATE with its sub-select is the claim.
const CLAIM_SQLITE: &str = "UPDATE outbox SET status = 'sending', claimed_until = ?1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM outbox \
        WHERE (status = 'pending' AND next_attempt_at <= ?2) OR (status = 'sending' AND claimed_until < ?2) \
        ORDER BY id LIMIT ?3) \
    RETURNING id";

/// Claims up to `limit` due rows (pending, or claimed by a worker whose claim expired)
/// until `claim_until`; no two workers get the same row.
pub fn claim(conn: &mut Conn, now: NaiveDateTime, claim_until: NaiveDateTime, limit: i32) -> QueryResult<Vec<OutboxRow>> {
    let ids: Vec<Claimed> = match conn {
        Conn::Pg(c) => {
            diesel::sql_query(CLAIM_PG).bind::<Timestamp, _>(claim_until).bind::<Timestamp, _>(now).bind::<Integer, _>(limit).load(c)?
        }
        Conn::Sqlite(c) => {
            diesel::sql_query(CLAIM_SQLITE).bind::<Timestamp, _>(claim_until).bind::<Timestamp, _>(now).bind::<Integer, _>(limit).load(c)?
        }
    };
    let ids: Vec<i32> = ids.into_iter().map(|c| c.id).collect();
    outbox::table.filter(outbox::id.eq_any(ids)).order(outbox::id.asc()).select(OutboxRow::as_select()).load(conn)
}

pub fn mark_sent(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed attempt: try again at `retry_at`, or give up when `None`.
pub fn mark_failed(conn: &mut Conn, id: i32, error: &str, retry_at: Option<NaiveDateTime>) -> QueryResult<usize> {
    let status = if retry_at.is_some() { "pending" } else { "failed" };
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status),
            outbox::last_error.eq(error),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::next_attempt_at.eq(retry_at.unwrap_or_else(super::now)),
        ))
        .execute(conn)
}

pub fn list_outbox(conn: &mut Conn, status: Option<&str>, offset: i64, limit: i64) -> QueryResult<(Vec<OutboxRow>, i64)> {
    let base = || {
        let mut q = outbox::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(outbox::status.eq(s.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base().order(outbox::id.desc()).offset(offset).limit(limit).select(OutboxRow::as_select()).load(conn)?;
    Ok((items, total))
}

/// Ready (or proposed) clients whose wait reached `since` or earlier and who were not
/// reported yet: (client id, reference, binding municipality).
pub fn long_waiting(conn: &mut Conn, region_id: i32, since: NaiveDate) -> QueryResult<Vec<(i32, String, String)>> {
    clients::table
        .inner_join(organisations::table.on(organisations::id.eq(clients::provider_id)))
        .filter(organisations::region_id.eq(region_id))
        .filter(clients::status.eq_any(["ready", "proposed"]))
        .filter(clients::ready_since.le(since))
        .filter(clients::escalated_on.is_null())
        .order(clients::id.asc())
        .select((clients::id, clients::reference, clients::binding_municipality))
        .load(conn)
}

pub fn mark_escalated(conn: &mut Conn, client_id: i32, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(clients::table.find(client_id)).set(clients::escalated_on.eq(on)).execute(conn)
}
