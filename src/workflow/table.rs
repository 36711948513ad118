//! The table's own view: who waits and how long, what is free, what the contingents
//! have left, which proposals are open and for how long; and the counts for the map.

use super::access::Capability;
use super::{Caller, Error};
use crate::domain::{ProposalStatus, RegionPolicy};
use crate::store::clients::ClientScope;
use crate::store::dwellings::DwellingScope;
use crate::store::proposals::ProposalScope;
use crate::store::{clients, contingents, dwellings, municipalities, organisations, proposals, Conn};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// Waiting-time bands for the histogram, in days since *uitstroomklaar*.
pub const BANDS: &[(i64, i64, &str)] =
    &[(0, 30, "tot 1 maand"), (31, 90, "1 tot 3 maanden"), (91, 180, "3 tot 6 maanden"), (181, i64::MAX, "meer dan 6 maanden")];

/// A client waiting, as the table sees them: pseudonymous.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub client_id: i32,
    pub reference: String,
    pub binding: String,
    pub urgency: String,
    pub days: i64,
    /// Waiting past the region's escalation age.
    pub long: bool,
}

#[derive(Debug, Clone)]
pub struct ContingentLine {
    pub id: i32,
    pub municipality: String,
    pub corporation: String,
    pub cap: i32,
    pub used: i32,
    pub left: i32,
    /// At or under the policy's alert ratio.
    pub low: bool,
}

#[derive(Debug, Clone)]
pub struct OpenProposal {
    pub id: i32,
    pub round_id: i32,
    pub reference: String,
    pub status: ProposalStatus,
    pub age_days: i64,
    pub stalled: bool,
}

#[derive(Debug, Clone)]
pub struct Overview {
    /// Per band: label and count.
    pub bands: Vec<(&'static str, i64)>,
    /// How many clients are ready.
    pub waiting_count: usize,
    /// The longest waiting, longest first.
    pub longest: Vec<Waiting>,
    pub free_dwellings: i64,
    /// The contingents of the period with the smallest share left first, at most
    /// `CONTINGENTS_SHOWN`; `contingent_count` says how many there are in all.
    pub contingents: Vec<ContingentLine>,
    pub contingent_count: usize,
    pub open: Vec<OpenProposal>,
}

/// The overview lists the longest waiting clients and the tightest contingents; the
/// full lists have pages of their own.
pub const LONGEST_SHOWN: i64 = 10;
pub const CONTINGENTS_SHOWN: usize = 15;

/// Days between two dates, never negative.
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days().max(0)
}

/// The coordinator's overview of the region on `today`.
pub fn overview(conn: &mut Conn, caller: &Caller, today: NaiveDate) -> Result<Overview, Error> {
    caller.allow(Capability::RunRounds)?;
    let region = organisations::find_region(conn, caller.region_id)?;
    let policy = RegionPolicy::from_json(&region.policy);
    let names = municipality_names(conn, caller)?;
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let (days, first) = clients::waiting(conn, &ClientScope::Region(caller.region_id), LONGEST_SHOWN)?;
    let waited: Vec<i64> = days.iter().map(|d| d.map(|d| days_between(d, today)).unwrap_or(0)).collect();
    let bands = BANDS.iter().map(|(lo, hi, label)| (*label, waited.iter().filter(|d| (*lo..=*hi).contains(*d)).count() as i64)).collect();
    let longest = first
        .iter()
        .map(|c| {
            let days = c.ready_since.map(|d| days_between(d, today)).unwrap_or(0);
            Waiting {
                client_id: c.id,
                reference: c.reference.clone(),
                binding: name(&c.binding_municipality),
                urgency: c.urgency.clone(),
                days,
                long: days > policy.escalation_days,
            }
        })
        .collect();
    let free_dwellings = dwellings::published_count(conn, &DwellingScope::Region(caller.region_id))?;
    let corps: HashMap<i32, String> =
        organisations::organisations_in_region(conn, caller.region_id, Some("corporation"))?.into_iter().map(|o| (o.id, o.name)).collect();
    let (ks, _) = contingents::list(conn, &caller.contingent_scope()?, 0, 10_000)?;
    let mut contingents: Vec<ContingentLine> = ks
        .into_iter()
        .filter(|k| k.period_start <= today && today <= k.period_end)
        .map(|k| {
            let left = k.cap - k.used;
            ContingentLine {
                id: k.id,
                municipality: name(&k.municipality_code),
                corporation: corps.get(&k.corporation_id).cloned().unwrap_or_default(),
                cap: k.cap,
                used: k.used,
                left,
                low: f64::from(left) <= policy.contingent_alert_ratio * f64::from(k.cap),
            }
        })
        .collect();
    let contingent_count = contingents.len();
    contingents.sort_by(|a, b| (f64::from(a.left) / f64::from(a.cap.max(1))).total_cmp(&(f64::from(b.left) / f64::from(b.cap.max(1)))));
    contingents.truncate(CONTINGENTS_SHOWN);
    let now = crate::store::now();
    let mut rows = Vec::new();
    for status in ProposalStatus::ALL.iter().filter(|s| s.is_open()) {
        let (found, _) = proposals::list(conn, &ProposalScope::Region(caller.region_id), Some(status.as_str()), 0, 1_000)?;
        rows.extend(found.into_iter().map(|p| (*status, p)));
    }
    let ids: Vec<i32> = rows.iter().map(|(_, p)| p.client_id).collect();
    let refs: HashMap<i32, String> = clients::references(conn, &ids)?.into_iter().collect();
    let mut open: Vec<OpenProposal> = rows
        .into_iter()
        .map(|(status, p)| OpenProposal {
            id: p.id,
            round_id: p.round_id,
            reference: refs.get(&p.client_id).cloned().unwrap_or_default(),
            status,
            age_days: (now - p.updated_at).num_days().max(0),
            stalled: super::proposals::is_stalled(&p, policy.stall_days, now),
        })
        .collect();
    open.sort_by_key(|p| std::cmp::Reverse(p.age_days));
    Ok(Overview { bands, waiting_count: waited.len(), longest, free_dwellings, contingents, contingent_count, open })
}

/// The region's municipalities by CBS code with their names.
pub fn municipality_names(conn: &mut Conn, caller: &Caller) -> Result<BTreeMap<String, String>, Error> {
    caller.allow(Capability::ReadRegister)?;
    Ok(municipalities::names_in_region(conn, caller.region_id)?.into_iter().collect())
}

/// Per municipality of the region: clients waiting (bound to it) and dwellings free in it.
/// Counts only, so every role of the table may see them.
pub fn map_counts(conn: &mut Conn, caller: &Caller) -> Result<BTreeMap<String, (i64, i64)>, Error> {
    let mut out: BTreeMap<String, (i64, i64)> = municipality_names(conn, caller)?.into_keys().map(|c| (c, (0, 0))).collect();
    for (code, n) in clients::ready_by_binding(conn, caller.region_id)? {
        if let Some(e) = out.get_mut(&code) {
            e.0 = n;
        }
    }
    for (code, n) in dwellings::published_by_municipality(conn, caller.region_id)? {
        if let Some(e) = out.get_mut(&code) {
            e.1 = n;
        }
    }
    Ok(out)
}
