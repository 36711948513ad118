//! Retention: a placed or withdrawn client's record is anonymised once the region's
//! `retention_days` have passed since the last change. Run by the sweep inside `serve`
//! and by `uitstroomtafel retention --run`.

use super::Error;
use crate::domain::{ClientStatus, RegionPolicy};
use crate::store::audit::Actor;
use crate::store::{audit, clients, organisations, write_tx, Conn};

/// Anonymises every client due at `now`, each in its own transaction; returns how many.
pub fn run(conn: &mut Conn, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let mut done = 0;
    for region in organisations::all_regions(conn)? {
        let policy = RegionPolicy::from_json(&region.policy);
        let before = now - chrono::Duration::days(policy.retention_days);
        // Only those who left the table: placed, or withdrawn.
        let done_with = [ClientStatus::Placed.as_str(), ClientStatus::Withdrawn.as_str()];
        for c in clients::due_for_anonymising(conn, region.id, &done_with, before)? {
            write_tx(conn, |conn| {
                // The decade keeps the age bands of the figures; the reference, binding
                // municipality and household stay for the same reason.
                clients::anonymise(conn, c.id, c.birth_year - c.birth_year % 10, now)?;
                audit::record(
                    conn,
                    Actor::SYSTEM,
                    "client.anonymised",
                    "client",
                    Some(c.id),
                    &format!("na {} dagen", policy.retention_days),
                )
            })?;
            done += 1;
        }
    }
    Ok(done)
}
