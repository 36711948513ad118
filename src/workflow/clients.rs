//! A provider's clients: register, edit needs, flag ready, pause, resume, withdraw.
//! Every read and change of a client record writes an audit row.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{ClientStatus, FieldError, NewClient, ReferenceCode, Role, Urgency};
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::clients::{self as q, ClientFilter};
use crate::store::rows::{AnchorRow, Client, ClientNeedsRow, ExclusionZoneRow};
use crate::store::{audit, municipalities, write_tx, Conn};
use chrono::NaiveDate;

/// A client with their places.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub client: Client,
    pub exclusion_zones: Vec<ExclusionZoneRow>,
    pub anchors: Vec<AnchorRow>,
}

fn needs_row(conn: &mut Conn, caller: &Caller, c: &NewClient) -> Result<ClientNeedsRow, Error> {
    let mut errs = Vec::new();
    let binding = c.binding_municipality.as_str();
    if !municipalities::region_has(conn, caller.region_id, binding)? {
        errs.push(FieldError::new("binding_municipality", "in_region", format!("gemeente {binding} hoort niet bij deze uitstroomtafel")));
    }
    if let Some(w) = &c.wish_municipality {
        if municipalities::find(conn, w.as_str())?.is_none() {
            errs.push(FieldError::new("wish_municipality", "exists", format!("gemeente {w} bestaat niet")));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    Ok(ClientNeedsRow {
        birth_year: c.birth_year.get(),
        household_size: c.household_size.get(),
        binding_municipality: binding.into(),
        wish_municipality: c.wish_municipality.as_ref().map(|w| w.as_str().into()),
        urgency: c.urgency.as_str().into(),
        support_level: c.support_level.as_str().into(),
        min_rooms: c.needs.min_rooms.get(),
        max_rent_cents: c.needs.max_rent.cents(),
        needs_ground_floor: c.needs.ground_floor,
        needs_lift: c.needs.lift,
        needs_wheelchair: c.needs.wheelchair,
    })
}

/// Exclusion zones as (lat, lon, radius) and anchors as (kind, lat, lon), as stored.
type Places = (Vec<(f64, f64, i32)>, Vec<(&'static str, f64, f64)>);

fn places(c: &NewClient) -> Places {
    let zones = c.exclusion_zones.iter().map(|z| (z.centre.lat(), z.centre.lon(), z.radius_m)).collect();
    let anchors = c.anchors.iter().map(|a| (a.kind.as_str(), a.at.lat(), a.at.lon())).collect();
    (zones, anchors)
}

fn record(conn: &mut Conn, client: Client) -> Result<ClientRecord, Error> {
    let exclusion_zones = q::zones(conn, client.id)?;
    let anchors = q::anchors(conn, client.id)?;
    Ok(ClientRecord { client, exclusion_zones, anchors })
}

/// Registers a client of the caller's provider under a new pseudonymous reference.
pub fn register(conn: &mut Conn, caller: &Caller, c: &NewClient) -> Result<ClientRecord, Error> {
    caller.allow(Capability::WriteClients)?;
    let row = needs_row(conn, caller, c)?;
    let (zones, anchors) = places(c);
    crate::store::write_tx(conn, |conn| {
        let reference = ReferenceCode::generate(&mut rand::rng());
        let client = q::insert(conn, caller.organisation_id, reference.as_str(), &row)?;
        q::replace_places(conn, client.id, &zones, &anchors)?;
        audit::record(conn, caller, "client.create", "client", Some(client.id), "")?;
        record(conn, client)
    })
}

fn own(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Client, Error> {
    caller.allow(Capability::WriteClients)?;
    q::find(conn, &caller.client_scope()?, id)?.ok_or(Error::NotFound("client"))
}

/// Replaces the client's needs and places, while the client is not yet proposed or
/// placed, and only when `version` is still current.
pub fn update(conn: &mut Conn, caller: &Caller, id: i32, version: i32, c: &NewClient) -> Result<ClientRecord, Error> {
    let current = own(conn, caller, id)?;
    let status = ClientStatus::parse("status", &current.status)?;
    if !status.is_editable() {
        return Err(Error::Transition {
            entity: "client",
            action: "edit",
            from: status.as_str().into(),
            why: format!("de gegevens van een cliënt die {} is, kunnen niet meer worden gewijzigd", status.label()),
        });
    }
    let row = needs_row(conn, caller, c)?;
    let (zones, anchors) = places(c);
    crate::store::write_tx(conn, |conn| {
        let client = q::update_needs(conn, id, version, &row)?.ok_or_else(|| {
            Error::Conflict(format!("de cliënt is intussen gewijzigd (versie {} in plaats van {version}); laad opnieuw", current.version))
        })?;
        q::replace_places(conn, id, &zones, &anchors)?;
        audit::record(conn, caller, "client.update", "client", Some(id), "")?;
        record(conn, client)
    })
}

fn transition(
    conn: &mut Conn,
    caller: &Caller,
    id: i32,
    to: ClientStatus,
    action: &'static str,
    dates: impl FnOnce(&Client) -> (Option<NaiveDate>, Option<NaiveDate>),
    then: impl FnOnce(&mut Conn, &Client) -> diesel::QueryResult<()>,
) -> Result<ClientRecord, Error> {
    let current = own(conn, caller, id)?;
    let from = ClientStatus::parse("status", &current.status)?;
    if !from.may_become(to) {
        return Err(Error::Transition {
            entity: "client",
            action,
            from: from.as_str().into(),
            why: format!("een cliënt die {} is, kan niet {} worden", from.label(), to.label()),
        });
    }
    let (ready_since, paused_until) = dates(&current);
    crate::store::write_tx(conn, |conn| {
        let client = q::set_status(conn, id, from.as_str(), to.as_str(), ready_since, paused_until)?
            .ok_or_else(|| Error::Conflict("de status van de cliënt is intussen veranderd; laad opnieuw".into()))?;
        audit::record(conn, caller, &format!("client.{action}"), "client", Some(id), "")?;
        then(conn, &client)?;
        record(conn, client)
    })
}

fn nothing(_: &mut Conn, _: &Client) -> diesel::QueryResult<()> {
    Ok(())
}

/// Flags the client *uitstroomklaar* from `since`: a date that has passed or is today.
pub fn flag_ready(conn: &mut Conn, caller: &Caller, id: i32, since: NaiveDate, today: NaiveDate) -> Result<ClientRecord, Error> {
    if since > today {
        return Err(Error::invalid(
            "ready_since",
            "not_in_future",
            "uitstroomklaar kan niet in de toekomst liggen; meld de cliënt op die dag",
        ));
    }
    if since < today - chrono::Duration::days(5 * 365) {
        return Err(Error::invalid("ready_since", "range", "uitstroomklaar ligt meer dan vijf jaar terug; controleer de datum"));
    }
    transition(
        conn,
        caller,
        id,
        ClientStatus::Ready,
        "ready",
        |_| (Some(since), None),
        |conn, c| {
            let event = Event {
                kind: EventKind::ClientReady,
                region_id: caller.region_id,
                // The pseudonymous reference only: no needs, no household.
                title: format!("Cliënt {} is uitstroomklaar", c.reference),
                link: format!("/clienten/{}", c.id),
                to: vec![Audience::Role(Role::Coordinator)],
            };
            notify::emit(conn, &event).map(|_| ())
        },
    )
}

/// Parks the client until a later date (crisis, admission, treatment); parked clients
/// are not matched.
pub fn pause(conn: &mut Conn, caller: &Caller, id: i32, until: NaiveDate, today: NaiveDate) -> Result<ClientRecord, Error> {
    if until <= today {
        return Err(Error::invalid("until", "in_future", "de pauze moet na vandaag eindigen"));
    }
    if until > today + chrono::Duration::days(366) {
        return Err(Error::invalid("until", "range", "een pauze duurt ten hoogste een jaar"));
    }
    transition(conn, caller, id, ClientStatus::Paused, "pause", |c| (c.ready_since, Some(until)), nothing)
}

/// Ends a pause: back to ready when the client was ready before, else to registered.
pub fn resume(conn: &mut Conn, caller: &Caller, id: i32) -> Result<ClientRecord, Error> {
    let current = own(conn, caller, id)?;
    let to = if current.ready_since.is_some() { ClientStatus::Ready } else { ClientStatus::Registered };
    transition(conn, caller, id, to, "resume", |c| (c.ready_since, None), nothing)
}

pub fn withdraw(conn: &mut Conn, caller: &Caller, id: i32) -> Result<ClientRecord, Error> {
    transition(conn, caller, id, ClientStatus::Withdrawn, "withdraw", |c| (c.ready_since, None), nothing)
}

/// One client record; the read is audited.
pub fn get(conn: &mut Conn, caller: &Caller, id: i32) -> Result<ClientRecord, Error> {
    let client = q::find(conn, &caller.client_scope()?, id)?.ok_or(Error::NotFound("client"))?;
    crate::store::write_tx(conn, |conn| {
        audit::record(conn, caller, "client.read", "client", Some(id), "")?;
        record(conn, client)
    })
}

#[derive(Debug, Default, Clone)]
pub struct ListQuery<'a> {
    pub status: Option<&'a str>,
    pub urgency: Option<&'a str>,
    pub binding_municipality: Option<&'a str>,
}

/// A page of clients; the read is audited with the references shown.
pub fn list(conn: &mut Conn, caller: &Caller, f: ListQuery<'_>, page: Page) -> Result<Paged<Client>, Error> {
    let scope = caller.client_scope()?;
    let mut errs = crate::domain::Errors::new();
    let filter = ClientFilter {
        status: f.status.and_then(|s| errs.check(ClientStatus::parse("status", s))).map(|s| s.as_str().into()),
        urgency: f.urgency.and_then(|u| errs.check(Urgency::parse("urgency", u))).map(|u| u.as_str().into()),
        binding_municipality: f
            .binding_municipality
            .and_then(|m| errs.check(crate::domain::MunicipalityCode::parse("binding_municipality", m)))
            .map(|m| m.as_str().into()),
    };
    errs.into_result()?;
    let (items, total) = q::list(conn, &scope, &filter, page.offset(), page.per_page)?;
    if !items.is_empty() {
        let ids = items.iter().map(|c| c.id.to_string()).collect::<Vec<_>>().join(",");
        audit::record(conn, caller, "client.list", "client", None, &format!("ids={ids}"))?;
    }
    Ok(Paged { items, page, total })
}

/// A coordinator sets a client's urgency outside the provider's edit, e.g. to restore it
/// after the one-offer rule took it; the reason is required and logged.
pub fn override_urgency(conn: &mut Conn, caller: &Caller, id: i32, urgency: Urgency, reason: &str) -> Result<ClientRecord, Error> {
    caller.allow(Capability::ReviewProposals)?;
    let reason = crate::domain::parse_text("reason", reason, 500)?;
    let client = q::find(conn, &caller.client_scope()?, id)?.ok_or(Error::NotFound("client"))?;
    write_tx(conn, |conn| {
        q::set_urgency(conn, id, urgency.as_str())?;
        audit::record(
            conn,
            caller,
            "client.urgency_override",
            "client",
            Some(id),
            &format!("{} -> {}: {reason}", client.urgency, urgency.as_str()),
        )?;
        let updated = q::find(conn, &caller.client_scope()?, id)?.ok_or(Error::NotFound("client"))?;
        record(conn, updated)
    })
}
