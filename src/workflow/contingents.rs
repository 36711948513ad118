//! Contingent agreements: corporation K makes N dwellings in municipality M available
//! per period for outflow clients bound to M.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{FieldError, MunicipalityCode, OrgKind, RegionPolicy, Role};
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::contingents as q;
use crate::store::rows::{Contingent, NewContingentRow};
use crate::store::{audit, municipalities, organisations, Conn};
use chrono::NaiveDate;

/// A contingent as asked for, each field checked on its own.
#[derive(Debug, Clone)]
pub struct NewContingent {
    pub municipality: MunicipalityCode,
    pub corporation_id: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub cap: i32,
}

impl NewContingent {
    pub fn parse(
        municipality: &str,
        corporation_id: i32,
        period_start: NaiveDate,
        period_end: NaiveDate,
        cap: i64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errs = crate::domain::Errors::new();
        let m = errs.check(MunicipalityCode::parse("municipality", municipality));
        if period_end <= period_start {
            errs.push(FieldError::new("period_end", "after_start", "het einde van de periode ligt na het begin"));
        } else if period_end - period_start > chrono::Duration::days(3 * 366) {
            errs.push(FieldError::new("period_end", "range", "een periode duurt ten hoogste drie jaar"));
        }
        let cap = errs.check(parse_cap(cap));
        errs.into_result()?;
        Ok(NewContingent { municipality: m.expect("checked"), corporation_id, period_start, period_end, cap: cap.expect("checked") })
    }
}

fn parse_cap(cap: i64) -> Result<i32, FieldError> {
    if !(0..=10_000).contains(&cap) {
        return Err(FieldError::new("cap", "range", "het aantal woningen moet tussen 0 en 10000 liggen"));
    }
    Ok(cap as i32)
}

pub fn create(conn: &mut Conn, caller: &Caller, c: &NewContingent) -> Result<Contingent, Error> {
    caller.allow(Capability::WriteContingents)?;
    let mut errs = Vec::new();
    if !municipalities::region_has(conn, caller.region_id, c.municipality.as_str())? {
        errs.push(FieldError::new("municipality", "in_region", format!("gemeente {} hoort niet bij deze uitstroomtafel", c.municipality)));
    }
    let corp_ok = organisations::find_organisation(conn, c.corporation_id)?
        .is_some_and(|o| o.region_id == caller.region_id && o.kind == OrgKind::Corporation.as_str());
    if !corp_ok {
        errs.push(FieldError::new(
            "corporation_id",
            "corporation_in_region",
            format!("organisatie {} is geen woningcorporatie van deze uitstroomtafel", c.corporation_id),
        ));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let row = NewContingentRow {
        region_id: caller.region_id,
        municipality_code: c.municipality.as_str().into(),
        corporation_id: c.corporation_id,
        period_start: c.period_start,
        period_end: c.period_end,
        cap: c.cap,
    };
    crate::store::write_tx(conn, |conn| {
        let existing = q::list(conn, &q::ContingentScope::Corporation(c.corporation_id), 0, 10_000)?.0;
        if let Some(e) = existing
            .iter()
            .find(|e| e.municipality_code == row.municipality_code && e.period_start < row.period_end && row.period_start < e.period_end)
        {
            return Err(Error::Conflict(format!(
                "er is al een contingent voor deze gemeente en corporatie dat deze periode overlapt ({} tot {})",
                e.period_start, e.period_end
            )));
        }
        let created = q::insert(conn, &row)?;
        audit::record(conn, caller, "contingent.create", "contingent", Some(created.id), &format!("cap={}", created.cap))?;
        Ok(created)
    })
}

/// Sets a new cap; never below what is already used in the period.
pub fn set_cap(conn: &mut Conn, caller: &Caller, id: i32, cap: i64) -> Result<Contingent, Error> {
    caller.allow(Capability::WriteContingents)?;
    let cap = parse_cap(cap)?;
    let current = q::find(conn, &caller.contingent_scope()?, id)?.ok_or(Error::NotFound("contingent"))?;
    if cap < current.used {
        return Err(Error::invalid(
            "cap",
            "at_least_used",
            format!("er zijn al {} woningen uit dit contingent gebruikt; lager kan niet", current.used),
        ));
    }
    crate::store::write_tx(conn, |conn| {
        let updated = q::set_cap(conn, id, cap)?;
        audit::record(conn, caller, "contingent.cap", "contingent", Some(id), &format!("{} -> {}", current.cap, cap))?;
        alert_if_low(conn, &current, &updated)?;
        Ok(updated)
    })
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Contingent, Error> {
    q::find(conn, &caller.contingent_scope()?, id)?.ok_or(Error::NotFound("contingent"))
}

pub fn list(conn: &mut Conn, caller: &Caller, page: Page) -> Result<Paged<Contingent>, Error> {
    let (items, total) = q::list(conn, &caller.contingent_scope()?, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}

/// Tells the municipality and the coordinators when a change brings a contingent to the
/// policy's alert level; only on the change that crosses it, so it is said once.
pub fn alert_if_low(conn: &mut Conn, before: &Contingent, after: &Contingent) -> diesel::QueryResult<()> {
    let region = organisations::find_region(conn, after.region_id)?;
    let policy = RegionPolicy::from_json(&region.policy);
    let was_low = policy.contingent_is_low(before.cap, before.cap - before.used);
    let remaining = after.cap - after.used;
    if was_low || !policy.contingent_is_low(after.cap, remaining) {
        return Ok(());
    }
    let corporation = organisations::find_organisation(conn, after.corporation_id)?.map(|o| o.name).unwrap_or_default();
    let event = Event {
        kind: EventKind::ContingentNearlyUsed,
        region_id: after.region_id,
        title: format!(
            "Contingent {} met {} ({} tot {}) bijna op: nog {} van {}",
            after.municipality_code, corporation, after.period_start, after.period_end, remaining, after.cap
        ),
        link: format!("/contingenten/{}", after.id),
        to: vec![Audience::Role(Role::Coordinator), Audience::Municipality(after.municipality_code.clone())],
    };
    notify::emit(conn, &event).map(|_| ())
}

/// A contingent with its ledger: every use and return with its reason, the client's
/// reference and where the dwelling lies. The caller must see the contingent.
pub fn ledger(conn: &mut Conn, caller: &Caller, id: i32) -> Result<(Contingent, Vec<crate::store::proposals::LedgerEntry>), Error> {
    let k = q::find(conn, &caller.contingent_scope()?, id)?.ok_or(Error::NotFound("contingent"))?;
    let entries = crate::store::proposals::entries(conn, id)?;
    if entries.iter().any(|e| e.client_reference.is_some()) {
        audit::record(conn, caller, "contingent.ledger.read", "contingent", Some(id), "")?;
    }
    Ok((k, entries))
}
