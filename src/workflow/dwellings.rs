//! A corporation's dwellings: create, edit, publish, withdraw, list.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{DwellingKind, DwellingStatus, FieldError, NewDwelling, OrgKind, Role};
use crate::geo::MunicipalityIndex;
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::dwellings::{self as q, DwellingFilter, DwellingSort};
use crate::store::rows::{Dwelling, DwellingFieldsRow};
use crate::store::{audit, municipalities, organisations, Conn};

/// Where the dwelling lies, checked against the register: the coordinates must be in
/// the Netherlands; without a municipality the coordinates decide it; either way it must
/// belong to the caller's region.
///
/// The row to store, or the fields that break a rule (`Error::Invalid`). A database that
/// fails on the lookups is not the caller's mistake: its error goes up as it is (a 503
/// when the database is away, not a 422 naming the municipality).
fn placed_row(conn: &mut Conn, caller: &Caller, d: &NewDwelling) -> Result<DwellingFieldsRow, Error> {
    let mut errs = Vec::new();
    let located = MunicipalityIndex::shipped().locate(d.location);
    let municipality = match (&d.municipality, located) {
        (_, None) => {
            errs.push(FieldError::new("lat", "in_netherlands", "de coördinaten liggen niet in Nederland"));
            None
        }
        (Some(given), Some(_)) => Some(given.as_str().to_string()),
        (None, Some(found)) => Some(found.to_string()),
    };
    if let Some(code) = &municipality {
        if !municipalities::region_has(conn, caller.region_id, code)? {
            errs.push(FieldError::new("municipality", "in_region", format!("gemeente {code} hoort niet bij deze uitstroomtafel")));
        }
    }
    if let Some(pid) = d.omklap_provider_id {
        let ok = organisations::find_organisation(conn, pid)?
            .is_some_and(|o| o.region_id == caller.region_id && o.kind == OrgKind::Provider.as_str());
        if !ok {
            errs.push(FieldError::new(
                "omklap_provider_id",
                "provider_in_region",
                format!("organisatie {pid} is geen zorgaanbieder van deze uitstroomtafel"),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    Ok(DwellingFieldsRow {
        municipality_code: municipality.expect("set when no error"),
        kind: d.kind.as_str().into(),
        external_ref: d.external_ref.clone(),
        street: d.street.clone(),
        house_number: d.house_number.clone(),
        postcode: d.postcode.as_str().into(),
        city: d.city.clone(),
        lat: d.location.lat(),
        lon: d.location.lon(),
        rooms: d.rooms.get(),
        max_household: d.max_household.get(),
        rent_cents: d.rent.cents(),
        floor: d.floor,
        has_lift: d.has_lift,
        wheelchair_accessible: d.wheelchair_accessible,
        available_from: d.available_from,
        omklap_provider_id: d.omklap_provider_id,
    })
}

/// The most dwellings one batch may register.
pub const MAX_BATCH: usize = 1000;

/// Registers a dwelling as a draft of the caller's corporation.
pub fn create(conn: &mut Conn, caller: &Caller, d: &NewDwelling) -> Result<Dwelling, Error> {
    create_many(conn, caller, std::slice::from_ref(d)).map(|mut v| v.remove(0))
}

/// Registers several dwellings at once: all of them, or, when any row breaks a rule or
/// the database refuses one, none. Errors name the row: `[3].postcode`.
pub fn create_many(conn: &mut Conn, caller: &Caller, ds: &[NewDwelling]) -> Result<Vec<Dwelling>, Error> {
    caller.allow(Capability::WriteDwellings)?;
    if ds.is_empty() || ds.len() > MAX_BATCH {
        return Err(Error::invalid("body", "length", format!("stuur 1 tot {MAX_BATCH} woningen")));
    }
    let mut rows = Vec::with_capacity(ds.len());
    let mut errs = Vec::new();
    for (i, d) in ds.iter().enumerate() {
        match placed_row(conn, caller, d) {
            Ok(r) => rows.push(r),
            Err(Error::Invalid(es)) => errs.extend(es.into_iter().map(|e| {
                if ds.len() > 1 {
                    let f = format!("[{i}].{}", e.field);
                    e.at(f)
                } else {
                    e
                }
            })),
            Err(other) => return Err(other),
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    crate::store::write_tx(conn, |conn| {
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let d = q::insert(conn, caller.organisation_id, row, DwellingStatus::Draft.as_str())?;
            audit::record(conn, caller, "dwelling.create", "dwelling", Some(d.id), "")?;
            out.push(d);
        }
        Ok(out)
    })
}

fn own(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Dwelling, Error> {
    caller.allow(Capability::WriteDwellings)?;
    q::find(conn, &caller.dwelling_scope()?, id)?.ok_or(Error::NotFound("dwelling"))
}

/// Changes a dwelling's details; only while it is a draft or published, and only when
/// `version` is still current (else someone changed it in between).
pub fn update(conn: &mut Conn, caller: &Caller, id: i32, version: i32, d: &NewDwelling) -> Result<Dwelling, Error> {
    let current = own(conn, caller, id)?;
    let status = DwellingStatus::parse("status", &current.status)?;
    if !status.is_editable() {
        return Err(Error::Transition {
            entity: "dwelling",
            action: "edit",
            from: status.as_str().into(),
            why: format!("een woning die {} is, kan niet meer worden gewijzigd", status.label()),
        });
    }
    let row = placed_row(conn, caller, d)?;
    crate::store::write_tx(conn, |conn| {
        let updated = q::update(conn, id, version, &row)?.ok_or_else(|| {
            Error::Conflict(format!(
                "de woning is intussen gewijzigd (versie {} in plaats van {version}); laad haar opnieuw",
                current.version
            ))
        })?;
        audit::record(conn, caller, "dwelling.update", "dwelling", Some(id), "")?;
        Ok(updated)
    })
}

/// Moves a dwelling to `to` when its life cycle allows it; `then` runs in the same
/// transaction (for its notifications).
fn transition(
    conn: &mut Conn,
    caller: &Caller,
    id: i32,
    to: DwellingStatus,
    action: &'static str,
    then: impl FnOnce(&mut Conn, &Dwelling) -> diesel::QueryResult<()>,
) -> Result<Dwelling, Error> {
    let current = own(conn, caller, id)?;
    let from = DwellingStatus::parse("status", &current.status)?;
    if !from.may_become(to) {
        return Err(Error::Transition {
            entity: "dwelling",
            action,
            from: from.as_str().into(),
            why: format!("een woning die {} is, kan niet {} worden", from.label(), to.label()),
        });
    }
    crate::store::write_tx(conn, |conn| {
        let d = q::set_status(conn, id, from.as_str(), to.as_str())?
            .ok_or_else(|| Error::Conflict("de status van de woning is intussen veranderd; laad haar opnieuw".into()))?;
        audit::record(conn, caller, &format!("dwelling.{action}"), "dwelling", Some(id), "")?;
        then(conn, &d)?;
        Ok(d)
    })
}

/// Publishes a draft; the coordinators hear of it (in their digest by default).
pub fn publish(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Dwelling, Error> {
    transition(conn, caller, id, DwellingStatus::Published, "publish", |conn, d| {
        let kind = DwellingKind::parse("kind", &d.kind).map(|k| k.label()).unwrap_or("woning");
        let event = Event {
            kind: EventKind::DwellingPublished,
            region_id: caller.region_id,
            title: format!("{} gepubliceerd: {} {}, {} ({} kamers)", capitalise(kind), d.street, d.house_number, d.city, d.rooms),
            link: format!("/woningen/{}", d.id),
            to: vec![Audience::Role(Role::Coordinator)],
        };
        notify::emit(conn, &event).map(|_| ())
    })
}

pub fn withdraw(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Dwelling, Error> {
    transition(conn, caller, id, DwellingStatus::Withdrawn, "withdraw", |_, _| Ok(()))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Dwelling, Error> {
    q::find(conn, &caller.dwelling_scope()?, id)?.ok_or(Error::NotFound("dwelling"))
}

/// Raw list filters as the query string gives them.
#[derive(Debug, Default, Clone)]
pub struct ListQuery<'a> {
    /// `beschikbaar`, `huur` or `gemeente`; registration order otherwise.
    pub sort: Option<&'a str>,
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub municipality: Option<&'a str>,
    pub corporation_id: Option<&'a str>,
}

pub fn list(conn: &mut Conn, caller: &Caller, f: ListQuery<'_>, page: Page) -> Result<Paged<Dwelling>, Error> {
    let scope = caller.dwelling_scope()?;
    let mut errs = crate::domain::Errors::new();
    let sort = match f.sort {
        None | Some("") => DwellingSort::Registered,
        Some("beschikbaar") => DwellingSort::AvailableFrom,
        Some("huur") => DwellingSort::Rent,
        Some("gemeente") => DwellingSort::Municipality,
        Some(_) => {
            errs.push(FieldError::new("sort", "one_of", "sorteer op beschikbaar, huur of gemeente"));
            DwellingSort::Registered
        }
    };
    let filter = DwellingFilter {
        sort,
        status: f.status.and_then(|s| errs.check(DwellingStatus::parse("status", s))).map(|s| s.as_str().into()),
        kind: f.kind.and_then(|k| errs.check(DwellingKind::parse("kind", k))).map(|k| k.as_str().into()),
        municipality: f
            .municipality
            .and_then(|m| errs.check(crate::domain::MunicipalityCode::parse("municipality", m)))
            .map(|m| m.as_str().into()),
        corporation_id: f
            .corporation_id
            .and_then(|c| errs.check(super::parse_int("corporation_id", Some(c), 0, 1, i64::from(i32::MAX))))
            .map(|c| c as i32),
    };
    errs.into_result()?;
    let (items, total) = q::list(conn, &scope, &filter, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}
