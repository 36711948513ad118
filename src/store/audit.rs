//! The audit log: who read or changed which client record, and when.

use super::rows::AuditEntry;
use super::schema::audit_log;
use super::Conn;
use diesel::prelude::*;

/// Who did an audited thing, and from where; the service's own jobs have neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    pub user_id: Option<i32>,
    pub address: Option<&'a str>,
}

impl Actor<'_> {
    pub const SYSTEM: Actor<'static> = Actor { user_id: None, address: None };
}

/// Appends one row; the database refuses to change or delete it afterwards.
pub fn record<'a>(
    conn: &mut Conn,
    actor: impl Into<Actor<'a>>,
    action: &str,
    entity: &str,
    entity_id: Option<i32>,
    detail: &str,
) -> QueryResult<()> {
    let actor = actor.into();
    super::sqlite_write(conn, |conn| {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::at.eq(super::now()),
                audit_log::user_id.eq(actor.user_id),
                audit_log::address.eq(actor.address),
                audit_log::action.eq(action),
                audit_log::entity.eq(entity),
                audit_log::entity_id.eq(entity_id),
                audit_log::detail.eq(detail),
            ))
            .execute(conn)
    })?;
    Ok(())
}

/// The newest entries first, optionally for one entity.
pub fn list(conn: &mut Conn, entity: Option<(&str, i32)>, offset: i64, limit: i64) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let base = || {
        let mut q = audit_log::table.into_boxed();
        if let Some((e, id)) = entity {
            q = q.filter(audit_log::entity.eq(e.to_string())).filter(audit_log::entity_id.eq(id));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base().order(audit_log::id.desc()).offset(offset).limit(limit).select(AuditEntry::as_select()).load(conn)?;
    Ok((items, total))
}
