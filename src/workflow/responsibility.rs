//! Landelijke toegang: a provider or coordinator asks for a wish municipality, that
//! municipality assesses the LT criteria, the coordinator records the regioadviseur's
//! advice and the Geschillencommissie's ruling; the decision tree says who is responsible.

use super::access::Capability;
use super::{Caller, Error};
use crate::domain::responsibility::{decide, Criteria, Party, Request, Responsibility};
use crate::domain::{MunicipalityCode, Role};
use crate::store::clients::ClientScope;
use crate::store::responsibility as q;
use crate::store::{audit, clients, municipalities, write_tx, Conn};
use chrono::NaiveDate;

/// Who decides a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Regioadviseur,
    Geschillencommissie,
}

fn party_word(p: Party) -> &'static str {
    match p {
        Party::Origin => "origin",
        Party::Wish => "wish",
    }
}

fn party(s: Option<&str>) -> Option<Party> {
    match s {
        Some("origin") => Some(Party::Origin),
        Some("wish") => Some(Party::Wish),
        _ => None,
    }
}

/// A client the caller may see, or the wish municipality of its open request.
fn client_for(conn: &mut Conn, caller: &Caller, id: i32) -> Result<crate::store::rows::Client, Error> {
    if let Ok(scope) = caller.client_scope() {
        if let Some(c) = clients::find(conn, &scope, id)? {
            return Ok(c);
        }
    }
    if caller.role == Role::Municipality {
        let wish = q::find(conn, id)?.map(|r| r.wish_municipality);
        if wish.is_some() && wish == caller.municipality {
            return clients::find(conn, &ClientScope::Region(caller.region_id), id)?.ok_or(Error::NotFound("client"));
        }
    }
    Err(Error::NotFound("client"))
}

/// Asks for a wish municipality (provider of the client, or coordinator).
pub fn request(conn: &mut Conn, caller: &Caller, id: i32, wish: &str, today: NaiveDate) -> Result<Responsibility, Error> {
    if !matches!(caller.role, Role::Provider | Role::Coordinator) {
        return Err(Error::Forbidden(format!("de rol {} vraagt geen landelijke toegang aan", caller.role.label())));
    }
    let c = client_for(conn, caller, id)?;
    let wish = MunicipalityCode::parse("wish_municipality", wish)?;
    if municipalities::find(conn, wish.as_str())?.is_none() {
        return Err(Error::invalid("wish_municipality", "exists", format!("gemeente {wish} bestaat niet")));
    }
    if wish.as_str() == c.binding_municipality {
        return Err(Error::invalid("wish_municipality", "differs", "de wensgemeente is de bindingsgemeente"));
    }
    write_tx(conn, |conn| {
        q::request(conn, id, wish.as_str(), caller.user_id, today)?;
        audit::record(conn, caller, "lt.request", "client", Some(id), wish.as_str())?;
        Ok::<_, Error>(())
    })?;
    get(conn, caller, id, today)
}

/// The wish municipality records its assessment.
pub fn assess(
    conn: &mut Conn,
    caller: &Caller,
    id: i32,
    criteria: Criteria,
    agrees: bool,
    today: NaiveDate,
) -> Result<Responsibility, Error> {
    let r = q::find(conn, id)?.ok_or(Error::NotFound("lt_request"))?;
    if caller.role != Role::Municipality || caller.municipality.as_deref() != Some(r.wish_municipality.as_str()) {
        return Err(Error::Forbidden(format!("alleen gemeente {} beoordeelt dit verzoek", r.wish_municipality)));
    }
    let c = [
        criteria.social_network,
        criteria.work_or_school,
        criteria.treatment,
        criteria.safety_risk_at_origin,
        criteria.specific_facilities,
    ];
    write_tx(conn, |conn| {
        q::assess(conn, id, c, agrees)?;
        audit::record(conn, caller, "lt.assess", "client", Some(id), if agrees { "agrees" } else { "disagrees" })?;
        Ok::<_, Error>(())
    })?;
    get(conn, caller, id, today)
}

/// The coordinator records the regioadviseur's advice or the Geschillencommissie's ruling,
/// once the wish municipality disagreed.
pub fn settle(
    conn: &mut Conn,
    caller: &Caller,
    id: i32,
    body: Body,
    responsible: Party,
    today: NaiveDate,
) -> Result<Responsibility, Error> {
    caller.allow(Capability::ReviewProposals)?;
    client_for(conn, caller, id)?;
    let r = q::find(conn, id)?.ok_or(Error::NotFound("lt_request"))?;
    if r.wish_agrees != Some(false) {
        return Err(Error::Transition {
            entity: "lt_request",
            action: "settle",
            from: if r.assessed { "agreed" } else { "unassessed" }.into(),
            why: "alleen een verzoek waarmee de wensgemeente niet instemt, gaat naar de regioadviseur of de Geschillencommissie".into(),
        });
    }
    if body == Body::Geschillencommissie && r.regioadviseur.is_none() {
        return Err(Error::Transition {
            entity: "lt_request",
            action: "settle",
            from: "disputed".into(),
            why: "eerst de regioadviseur, dan pas de Geschillencommissie".into(),
        });
    }
    write_tx(conn, |conn| {
        match body {
            Body::Regioadviseur => q::set_regioadviseur(conn, id, party_word(responsible))?,
            Body::Geschillencommissie => q::set_geschillencommissie(conn, id, party_word(responsible))?,
        };
        audit::record(conn, caller, "lt.settle", "client", Some(id), &format!("{body:?}: {}", party_word(responsible)))?;
        Ok::<_, Error>(())
    })?;
    get(conn, caller, id, today)
}

/// Who is responsible for the client today, and the steps that led there.
pub fn get(conn: &mut Conn, caller: &Caller, id: i32, today: NaiveDate) -> Result<Responsibility, Error> {
    let c = client_for(conn, caller, id)?;
    let request = match q::find(conn, id)? {
        Some(r) => Some(Request {
            settled_on: q::settled_on(conn, id, &r.wish_municipality)?,
            assessment: r.assessed.then(|| {
                let criteria = Criteria {
                    social_network: r.social_network,
                    work_or_school: r.work_or_school,
                    treatment: r.treatment,
                    safety_risk_at_origin: r.safety_risk_at_origin,
                    specific_facilities: r.specific_facilities,
                };
                (criteria, r.wish_agrees.unwrap_or(false))
            }),
            regioadviseur: party(r.regioadviseur.as_deref()),
            geschillencommissie: party(r.geschillencommissie.as_deref()),
            wish: r.wish_municipality,
        }),
        None => None,
    };
    audit::record(conn, caller, "lt.read", "client", Some(id), "")?;
    Ok(decide(&c.binding_municipality, request.as_ref(), today))
}

/// The requests a municipality is asked to assess, with the client's reference.
pub fn requests(conn: &mut Conn, caller: &Caller) -> Result<Vec<(q::LtRow, String)>, Error> {
    let Some(code) = caller.municipality.clone().filter(|_| caller.role == Role::Municipality) else {
        return Err(Error::Forbidden("alleen een gemeente beoordeelt verzoeken om landelijke toegang".into()));
    };
    let rows = q::for_wish(conn, &code)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let reference = clients::find(conn, &ClientScope::Region(caller.region_id), r.client_id)?.map(|c| c.reference).unwrap_or_default();
        audit::record(conn, caller, "lt.list", "client", Some(r.client_id), "")?;
        out.push((r, reference));
    }
    Ok(out)
}
