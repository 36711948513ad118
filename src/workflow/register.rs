//! The register's reference data: municipalities, organisations, the audit log.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{Coordinates, MunicipalityCode, OrgKind};
use crate::geo::MunicipalityIndex;
use crate::store::rows::{AuditEntry, Municipality, Organisation};
use crate::store::{audit, municipalities, organisations, Conn};

pub fn municipality(conn: &mut Conn, caller: &Caller, code: &str) -> Result<Municipality, Error> {
    caller.allow(Capability::ReadRegister)?;
    let code = MunicipalityCode::parse("code", code)?;
    municipalities::find(conn, code.as_str())?.ok_or(Error::NotFound("municipality"))
}

pub fn search_municipalities(conn: &mut Conn, caller: &Caller, search: Option<&str>, page: Page) -> Result<Paged<Municipality>, Error> {
    caller.allow(Capability::ReadRegister)?;
    let (items, total) = municipalities::search(conn, search, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}

/// The municipality a point lies in; refuses points outside the Netherlands.
pub fn locate(conn: &mut Conn, caller: &Caller, lat: f64, lon: f64) -> Result<Municipality, Error> {
    caller.allow(Capability::ReadRegister)?;
    let at = Coordinates::parse("lat", lat, lon)?;
    let code = MunicipalityIndex::shipped()
        .locate(at)
        .ok_or_else(|| Error::invalid("lat", "in_netherlands", "de coördinaten liggen niet in Nederland"))?;
    municipalities::find(conn, code)?.ok_or(Error::NotFound("municipality"))
}

/// The municipalities of the caller's region.
pub fn region_municipalities(conn: &mut Conn, caller: &Caller) -> Result<Vec<String>, Error> {
    caller.allow(Capability::ReadRegister)?;
    Ok(municipalities::in_region(conn, caller.region_id)?)
}

pub fn organisations(conn: &mut Conn, caller: &Caller, kind: Option<&str>) -> Result<Vec<Organisation>, Error> {
    caller.allow(Capability::ReadRegister)?;
    let kind = kind.map(|k| OrgKind::parse("kind", k)).transpose()?;
    Ok(organisations::organisations_in_region(conn, caller.region_id, kind.map(|k| k.as_str()))?)
}

/// Adds an organisation to the caller's region.
pub fn create_organisation(
    conn: &mut Conn,
    caller: &Caller,
    kind: OrgKind,
    name: &str,
    municipality: Option<&str>,
) -> Result<Organisation, Error> {
    caller.allow(Capability::WriteOrganisations)?;
    let name = crate::domain::parse_text("name", name, 200)?;
    let municipality = match (kind, municipality) {
        (OrgKind::Municipality, Some(m)) => {
            let m = MunicipalityCode::parse("municipality", m)?;
            if !municipalities::region_has(conn, caller.region_id, m.as_str())? {
                return Err(Error::invalid("municipality", "in_region", format!("gemeente {m} hoort niet bij deze uitstroomtafel")));
            }
            Some(m)
        }
        (OrgKind::Municipality, None) => {
            return Err(Error::invalid("municipality", "required", "een gemeente-organisatie hoort bij een gemeente"))
        }
        (_, Some(_)) => {
            return Err(Error::invalid("municipality", "not_allowed", "alleen een gemeente-organisatie hoort bij een gemeente"))
        }
        (_, None) => None,
    };
    if organisations::find_organisation_by_name(conn, &name)?.is_some() {
        return Err(Error::invalid("name", "unique", format!("er is al een organisatie '{name}'")));
    }
    let id = organisations::create_organisation(conn, caller.region_id, kind.as_str(), &name, municipality.as_ref().map(|m| m.as_str()))?;
    audit::record(conn, caller, "organisation.create", "organisation", Some(id), &name)?;
    organisations::find_organisation(conn, id)?.ok_or(Error::NotFound("organisation"))
}

pub fn audit_log(conn: &mut Conn, caller: &Caller, entity: Option<(&str, i32)>, page: Page) -> Result<Paged<AuditEntry>, Error> {
    caller.allow(Capability::ReadAudit)?;
    let (items, total) = audit::list(conn, entity, page.offset(), page.per_page)?;
    Ok(Paged { items, page, total })
}

/// The figures on the caller's home page: counts only, no client detail, so reading
/// them is not a read of client data.
pub fn overview(conn: &mut Conn, caller: &Caller) -> Result<Vec<(String, i64)>, Error> {
    use crate::domain::{ClientStatus, DwellingStatus};
    use crate::store::{clients, contingents, dwellings};
    let mut tiles = Vec::new();
    if let Ok(scope) = caller.client_scope() {
        for (status, n) in clients::count_by_status(conn, &scope)? {
            let label = ClientStatus::parse("status", &status).map(|s| s.label()).unwrap_or("onbekend");
            tiles.push((format!("cliënten {label}"), n));
        }
    }
    if let Ok(scope) = caller.dwelling_scope() {
        for (status, n) in dwellings::count_by_status(conn, &scope)? {
            let label = DwellingStatus::parse("status", &status).map(|s| s.label()).unwrap_or("onbekend");
            tiles.push((format!("woningen {label}"), n));
        }
    }
    if let Ok(scope) = caller.contingent_scope() {
        let (items, _) = contingents::list(conn, &scope, 0, 10_000)?;
        let (cap, used): (i64, i64) = items.iter().fold((0, 0), |(c, u), k| (c + i64::from(k.cap), u + i64::from(k.used)));
        tiles.push(("contingentwoningen afgesproken".into(), cap));
        tiles.push(("contingentwoningen nog vrij".into(), cap - used));
    }
    if caller.allow(Capability::ReadOutbox).is_ok() {
        let (_, failed) = crate::store::notifications::list_outbox(conn, Some("failed"), 0, 1)?;
        tiles.push(("e-mails niet verstuurd (zie /api/v1/outbox?status=failed)".into(), failed));
    }
    Ok(tiles)
}

/// A municipality's boundary as a GeoJSON geometry, for maps.
pub fn boundary(conn: &mut Conn, caller: &Caller, code: &str) -> Result<String, Error> {
    caller.allow(Capability::ReadRegister)?;
    let code = MunicipalityCode::parse("code", code)?;
    municipalities::boundary(conn, code.as_str())?.ok_or(Error::NotFound("municipality"))
}
