//! A user's own notifications and preferences; the outbox for the admin.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::FieldError;
use crate::notify::{Delivery, EventKind};
use crate::store::notifications::{self as q, NotificationRow, OutboxRow};
use crate::store::Conn;

pub fn recent(conn: &mut Conn, caller: &Caller, limit: i64) -> Result<Vec<NotificationRow>, Error> {
    Ok(q::recent(conn, caller.user_id, limit)?)
}

/// The caller's delivery per event kind their role can receive.
pub fn preferences(conn: &mut Conn, caller: &Caller) -> Result<Vec<(EventKind, Delivery)>, Error> {
    let stored = q::preferences(conn, caller.user_id)?;
    Ok(EventKind::ALL
        .iter()
        .filter(|k| k.roles().contains(&caller.role))
        .map(|k| {
            let d = stored
                .iter()
                .find(|(kind, _)| kind == k.as_str())
                .and_then(|(_, d)| Delivery::parse("delivery", d).ok())
                .unwrap_or(k.default_delivery());
            (*k, d)
        })
        .collect())
}

/// Sets deliveries per kind; all or none. Kinds that ask for action cannot be off.
pub fn set_preferences(conn: &mut Conn, caller: &Caller, changes: &[(String, String)]) -> Result<Vec<(EventKind, Delivery)>, Error> {
    let mut errs = crate::domain::Errors::new();
    let mut parsed = Vec::new();
    for (kind, delivery) in changes {
        let k = errs.check(EventKind::parse(kind, kind));
        let d = errs.check(Delivery::parse(kind, delivery));
        if let (Some(k), Some(d)) = (k, d) {
            if !k.roles().contains(&caller.role) {
                errs.push(FieldError::new(kind, "not_for_role", format!("dit bericht is niet voor de rol {}", caller.role.label())));
            } else if !k.allows(d) {
                errs.push(FieldError::new(
                    kind,
                    "required_event",
                    "dit bericht vraagt om actie en kan niet uit; kies direct of dagelijks overzicht",
                ));
            } else {
                parsed.push((k, d));
            }
        }
    }
    errs.into_result()?;
    crate::store::write_tx(conn, |conn| {
        for (k, d) in &parsed {
            q::set_preference(conn, caller.user_id, k.as_str(), d.as_str())?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    preferences(conn, caller)
}

pub fn outbox(conn: &mut Conn, caller: &Caller, status: Option<&str>, page: Page) -> Result<Paged<OutboxRow>, Error> {
    caller.allow(Capability::ReadOutbox)?;
    if let Some(s) = status {
        if !["pending", "sending", "sent", "failed"].contains(&s) {
            return Err(Error::invalid("status", "one_of", "kies uit: pending, sending, sent, failed"));
        }
    }
    let (items, total) = q::list_outbox(conn, status, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}
