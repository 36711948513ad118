//! The region's own past replayed: how the optimiser, greedy and first come first
//! served would have done on the last twelve months, against the hindsight optimum and
//! against what the table actually did.

use super::access::Capability;
use super::{Caller, Error};
use crate::domain::RegionPolicy;
use crate::store::{organisations, rounds, Conn};
use chrono::{Months, NaiveDate};
use solver::replay::{self, History, Options, Report, Strategy};

/// The replay of the region's last months.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub report: Report,
    /// Leases the table actually signed in the window.
    pub actual_placed: i64,
}

/// The window of `months` months ending `today`.
pub fn window(months: u32, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = today.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN) + chrono::Duration::days(1);
    (from, today)
}

/// The region's history of the window, as `export --history` writes it.
pub fn history(conn: &mut Conn, region_id: i32, from: NaiveDate, to: NaiveDate) -> Result<History, Error> {
    let region = organisations::find_region(conn, region_id)?;
    let policy = RegionPolicy::from_json(&region.policy);
    let snapshot = rounds::history_snapshot(conn, region_id, from, to)?;
    Ok(crate::matching::history(&snapshot, &policy, from, to))
}

/// Replays the caller's region over the last twelve months under every policy.
pub fn compare(conn: &mut Conn, caller: &Caller, today: NaiveDate) -> Result<Comparison, Error> {
    caller.allow(Capability::ReadFairness)?;
    let (from, to) = window(12, today);
    let h = history(conn, caller.region_id, from, to)?;
    let report = replay::replay(&h, &Strategy::ALL, &Options::default())
        .map_err(|e| Error::Conflict(format!("de herhaling weigerde de invoer: {e}")))?;
    let actual_placed = rounds::leases_between(conn, caller.region_id, from, to)?;
    Ok(Comparison { from, to, report, actual_placed })
}
