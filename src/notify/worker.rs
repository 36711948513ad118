//! The outbox worker: report long waits, assemble digests, send due mails. `run_once`
//! is one pass; `serve` runs it on an interval and `notify --once` from cron.

use super::mail::{self, DigestItem, Mailer, Payload, Recipient};
use super::{emit_at, Audience, Event, EventKind};
use crate::config::NotifyConfig;
use crate::domain::{RegionPolicy, Role};
use crate::store::{notifications as q, organisations, schema, Conn, StoreError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub escalated: usize,
    pub digests: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// How long a worker may hold a claimed mail before another may take it over.
pub const CLAIM_SECONDS: i64 = 300;

/// One pass at `now` (UTC). Without a mailer, mails wait in the outbox.
pub fn run_once(
    conn: &mut Conn,
    mailer: Option<&Mailer>,
    cfg: &NotifyConfig,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<Report, StoreError> {
    let mut report = Report { escalated: escalate(conn, now)?, digests: digests(conn, cfg, now)?, ..Report::default() };
    let Some(mailer) = mailer else { return Ok(report) };
    loop {
        let batch = q::claim(conn, now, now + Duration::seconds(CLAIM_SECONDS), 20)?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            let outcome = deliver(conn, mailer, public_url, &row);
            match outcome {
                Ok(()) => {
                    q::mark_sent(conn, row.id, now)?;
                    report.sent += 1;
                }
                Err(e) => {
                    let retry = (row.attempts < cfg.max_attempts).then(|| now + backoff(cfg.retry_base_seconds, row.attempts));
                    tracing::warn!(outbox = row.id, attempt = row.attempts, error = %e, "mail not sent");
                    q::mark_failed(conn, row.id, &e, retry)?;
                    if retry.is_some() {
                        report.retried += 1;
                    } else {
                        report.failed += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Exponential backoff: base, 2×base, 4×base, … capped at a day.
pub fn backoff(base_seconds: i64, attempt: i32) -> Duration {
    let factor = 1i64 << attempt.clamp(1, 16).saturating_sub(1);
    Duration::seconds((base_seconds * factor).min(86_400))
}

/// Renders and sends one claimed row.
pub fn deliver(conn: &mut Conn, mailer: &Mailer, public_url: &str, row: &q::OutboxRow) -> Result<(), String> {
    let payload: Payload = serde_json::from_str(&row.payload).map_err(|e| format!("unreadable payload: {e}"))?;
    let to = recipient(conn, row.recipient_user_id).map_err(|e| e.to_string())?;
    let rendered = mail::render(&payload, &to, public_url).map_err(|e| e.to_string())?;
    let message_id = format!("{}.{}", row.message_id.as_deref().unwrap_or("m"), row.id);
    mailer.send(&row.recipient_email, &rendered, &message_id)
}

fn recipient(conn: &mut Conn, user_id: Option<i32>) -> QueryResult<Recipient> {
    let Some(id) = user_id else { return Ok(Recipient { role_label: "ontvanger".into(), organisation: "de uitstroomtafel".into() }) };
    let (user, org) = organisations::user_with_org(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let role_label = Role::parse("role", &user.role).map(|r| r.label().to_string()).unwrap_or(user.role);
    Ok(Recipient { role_label, organisation: org.name })
}

/// Reports every client waiting past the region's escalation age, once.
fn escalate(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, StoreError> {
    let today = crate::workflow::today_at(now);
    let regions: Vec<(i32, String)> = schema::regions::table.select((schema::regions::id, schema::regions::policy)).load(conn)?;
    let mut n = 0;
    for (region_id, policy) in regions {
        let policy = RegionPolicy::from_json(&policy);
        let since = today - Duration::days(policy.escalation_days);
        for (client_id, reference, binding) in q::long_waiting(conn, region_id, since)? {
            crate::store::write_tx(conn, |conn| {
                let event = Event {
                    kind: EventKind::ClientWaitingLong,
                    region_id,
                    title: format!("Cliënt {reference} wacht al meer dan {} dagen op een woning", policy.escalation_days),
                    link: format!("/clienten/{client_id}"),
                    to: vec![Audience::Role(Role::Coordinator), Audience::Municipality(binding.clone())],
                };
                emit_at(conn, &event, now)?;
                q::mark_escalated(conn, client_id, today)
            })?;
            n += 1;
        }
    }
    Ok(n)
}

/// Once the digest hour of a day has passed, one mail per user with everything of
/// theirs marked for the digest before it. A digest is written once per user and day,
/// however many workers run (its message id is unique).
fn digests(conn: &mut Conn, cfg: &NotifyConfig, now: NaiveDateTime) -> Result<usize, StoreError> {
    let today = crate::workflow::today_at(now);
    let cutoff = crate::workflow::local_to_utc(today, cfg.digest_hour);
    if now < cutoff {
        return Ok(0);
    }
    let mut n = 0;
    for user_id in q::digest_due(conn, cutoff)? {
        let message_id = format!("digest-{user_id}-{today}");
        let written = crate::store::write_tx(conn, |conn| {
            if q::message_exists(conn, &message_id)? {
                return Ok::<bool, diesel::result::Error>(false);
            }
            let rows = q::digest_items(conn, user_id, cutoff)?;
            let items: Vec<DigestItem> = rows
                .iter()
                .filter_map(|r| {
                    Some(DigestItem { kind: EventKind::parse("kind", &r.kind).ok()?, title: r.title.clone(), link: r.link.clone() })
                })
                .collect();
            let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
            let payload = Payload::Digest { day: today, items };
            let email = q::user_email(conn, user_id)?;
            q::enqueue(conn, user_id, &email, "digest", "Dagelijks overzicht", &payload.to_json(), &message_id, now)?;
            q::mark_digested(conn, &ids, now)?;
            Ok(true)
        });
        match written {
            Ok(true) => n += 1,
            Ok(false) => {}
            // Another worker wrote this digest at the same moment; its transaction won.
            Err(e) if crate::store::is_constraint_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(60, 1), Duration::seconds(60));
        assert_eq!(backoff(60, 2), Duration::seconds(120));
        assert_eq!(backoff(60, 4), Duration::seconds(480));
        assert_eq!(backoff(60, 30), Duration::seconds(86_400));
    }
}
