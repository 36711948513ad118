//! The review of proposals: the coordinator approves or rejects, the corporation offers,
//! the provider records the client's answer, the corporation records the lease. Each step
//! moves the proposal, the dwelling and the client together, books the contingent, writes
//! audit and outbox rows, all in one transaction, and refuses what is not allowed.

use super::access::Capability;
use super::{Caller, Error, Page, Paged};
use crate::domain::{ProposalStatus, Reason, Role};
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::clients::ClientScope;
use crate::store::proposals::{self as q, ProposalScope};
use crate::store::rounds::ProposalRow;
use crate::store::rows::{Client, Dwelling};
use crate::store::{audit, clients, dwellings, write_tx, Conn};
use chrono::{Datelike, NaiveDate, Weekday};

/// The day an offer made on `from` lapses: `days` working days later.
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    let mut d = from;
    let mut left = days;
    while left > 0 {
        d = d.succ_opt().expect("dates do not run out");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

fn scope(caller: &Caller) -> Result<ProposalScope, Error> {
    caller.allow(Capability::ReadProposals)?;
    Ok(match caller.role {
        // Staged disclosure: the domain says which states a corporation may see.
        Role::Corporation => ProposalScope::Corporation {
            organisation_id: caller.organisation_id,
            disclosed: ProposalStatus::ALL.iter().filter(|s| s.disclosed_to_corporation()).map(|s| s.as_str()).collect(),
        },
        Role::Provider => ProposalScope::Provider(caller.organisation_id),
        _ => ProposalScope::Region(caller.region_id),
    })
}

/// A proposal with what the caller may see of the client and the dwelling.
#[derive(Debug, Clone)]
pub struct Detail {
    pub proposal: ProposalRow,
    pub client: Client,
    pub dwelling: Dwelling,
    /// Waiting longer than the region's `stall_days` in its current state.
    pub stalled: bool,
}

fn stall_days(conn: &mut Conn, caller: &Caller) -> Result<i64, Error> {
    let region = crate::store::organisations::find_region(conn, caller.region_id)?;
    Ok(crate::domain::RegionPolicy::from_json(&region.policy).stall_days)
}

fn parts(conn: &mut Conn, caller: &Caller, p: &ProposalRow) -> Result<(Client, Dwelling), Error> {
    let region = ClientScope::Region(caller.region_id);
    let client = clients::find(conn, &region, p.client_id)?.ok_or(Error::NotFound("client"))?;
    let dwelling =
        dwellings::find(conn, &dwellings::DwellingScope::Region(caller.region_id), p.dwelling_id)?.ok_or(Error::NotFound("dwelling"))?;
    Ok((client, dwelling))
}

/// One proposal, if the caller may see it; a corporation sees it only from approval on.
/// The read of client data is audited.
pub fn get(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Detail, Error> {
    let p = q::find(conn, &scope(caller)?, id)?.ok_or(Error::NotFound("proposal"))?;
    let (client, dwelling) = parts(conn, caller, &p)?;
    audit::record(conn, caller, "proposal.read", "client", Some(client.id), &format!("proposal={id}"))?;
    let stalled = is_stalled(&p, stall_days(conn, caller)?, crate::store::now());
    Ok(Detail { proposal: p, client, dwelling, stalled })
}

/// Proposals in the caller's scope, each with whether it has stalled.
pub fn list(conn: &mut Conn, caller: &Caller, status: Option<&str>, page: Page) -> Result<Paged<(ProposalRow, bool)>, Error> {
    let status = status.map(|s| ProposalStatus::parse("status", s)).transpose()?;
    let (rows, total) = q::list(conn, &scope(caller)?, status.map(|s| s.as_str()), page.offset(), page.per_page)?;
    let (days, now) = (stall_days(conn, caller)?, crate::store::now());
    let items = rows.into_iter().map(|p| {
        let stalled = is_stalled(&p, days, now);
        (p, stalled)
    });
    Ok(Paged { items: items.collect(), page, total })
}

/// One step: check who, check the transition, then in one transaction move the proposal
/// (guarded by its current status) and run the step's side effects.
#[allow(clippy::too_many_arguments)] // each is one part of the step; a struct would only rename them
fn step(
    conn: &mut Conn,
    caller: &Caller,
    id: i32,
    cap: Capability,
    to: ProposalStatus,
    reason: Option<&Reason>,
    deadline: Option<NaiveDate>,
    then: impl FnOnce(&mut Conn, &ProposalRow, &Client, &Dwelling) -> Result<(), Error>,
) -> Result<Detail, Error> {
    caller.allow(cap)?;
    if let Some(r) = reason {
        let region = crate::store::organisations::find_region(conn, caller.region_id)?;
        crate::domain::RegionPolicy::from_json(&region.policy).allows_reason(r)?;
    }
    let p = q::find(conn, &scope(caller)?, id)?.ok_or(Error::NotFound("proposal"))?;
    let from = ProposalStatus::parse("status", &p.status)?;
    if !from.may_become(to) {
        return Err(Error::Transition {
            entity: "proposal",
            action: to.as_str(),
            from: from.as_str().into(),
            why: format!("een voorstel dat {} is, kan niet {} worden", from.label(), to.label()),
        });
    }
    let (client, dwelling) = parts(conn, caller, &p)?;
    write_tx(conn, |conn| {
        let reason_parts = reason.map(|r| (r.code.as_str(), r.note.as_deref()));
        let deadline = deadline.or(p.offer_deadline);
        let moved = q::set_status(conn, id, from.as_str(), to.as_str(), reason_parts, deadline).map_err(|e| {
            if crate::store::is_constraint_violation(&e) {
                // The one-live-proposal index: another proposal for this dwelling or client
                // was approved a moment ago.
                Error::Conflict(format!(
                    "de woning {} {} of cliënt {} is intussen in een ander goedgekeurd voorstel opgenomen; dit voorstel kan niet meer door",
                    dwelling.street, dwelling.house_number, client.reference
                ))
            } else {
                e.into()
            }
        })?;
        if !moved {
            return Err(Error::Conflict("dit voorstel is intussen door iemand anders behandeld; laad het opnieuw".into()));
        }
        then(conn, &p, &client, &dwelling)?;
        let detail = reason.map(|r| r.code.as_str()).unwrap_or("");
        audit::record(conn, caller, &format!("proposal.{}", to.as_str()), "proposal", Some(id), detail)?;
        Ok(())
    })?;
    get(conn, caller, id)
}

fn dwelling_to(conn: &mut Conn, d: &Dwelling, from: &str, to: &str) -> Result<(), Error> {
    dwellings::set_status(conn, d.id, from, to)?.map(|_| ()).ok_or_else(|| {
        let label = crate::domain::DwellingStatus::parse("status", from).map(|s| s.label()).unwrap_or(from);
        Error::Conflict(format!("de woning {} {} is niet meer {label}", d.street, d.house_number))
    })
}

fn client_to(conn: &mut Conn, c: &Client, from: &str, to: &str) -> Result<(), Error> {
    clients::set_status(conn, c.id, from, to, c.ready_since, None)?.map(|_| ()).ok_or_else(|| {
        let label = crate::domain::ClientStatus::parse("status", from).map(|s| s.label()).unwrap_or(from);
        Error::Conflict(format!("cliënt {} is niet meer {label}", c.reference))
    })
}

fn event(caller: &Caller, kind: EventKind, title: String, id: i32, to: Vec<Audience>) -> Event {
    Event { kind, region_id: caller.region_id, title, link: format!("/voorstellen/{id}"), to }
}

/// The coordinator approves: the dwelling is reserved for the client, and the
/// corporation and the provider hear of it.
pub fn approve(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Detail, Error> {
    step(conn, caller, id, Capability::ReviewProposals, ProposalStatus::Approved, None, None, |conn, p, c, d| {
        dwelling_to(conn, d, "published", "reserved")?;
        let title = format!("Voorstel goedgekeurd: {} {} voor cliënt {}", d.street, d.house_number, c.reference);
        notify::emit(
            conn,
            &event(
                caller,
                EventKind::ProposalApproved,
                title,
                p.id,
                vec![Audience::Organisation(d.corporation_id), Audience::Organisation(c.provider_id)],
            ),
        )?;
        Ok(())
    })
}

/// The review reasons the caller's region uses, for a choice list.
pub fn reasons(conn: &mut Conn, caller: &Caller) -> Result<Vec<crate::domain::ReviewReason>, Error> {
    let region = crate::store::organisations::find_region(conn, caller.region_id)?;
    let policy = crate::domain::RegionPolicy::from_json(&region.policy);
    Ok(crate::domain::ReviewReason::ALL
        .iter()
        .copied()
        .filter(|r| policy.allows_reason(&Reason { code: *r, note: Some(String::new()) }).is_ok())
        .collect())
}

/// The steps the caller may take on a proposal now, by its state and the caller's role,
/// named as the pages post them.
pub fn actions(caller: &Caller, p: &ProposalRow) -> Vec<&'static str> {
    use ProposalStatus as S;
    let Ok(from) = S::parse("status", &p.status) else { return vec![] };
    [
        ("goedkeuren", S::Approved, Capability::ReviewProposals),
        ("afwijzen", S::Rejected, Capability::ReviewProposals),
        ("aanbieden", S::Offered, Capability::OfferDwellings),
        ("accepteren", S::Accepted, Capability::AnswerOffers),
        ("weigeren", S::Declined, Capability::AnswerOffers),
        ("huurcontract", S::Placed, Capability::OfferDwellings),
    ]
    .into_iter()
    .filter(|(_, to, cap)| from.may_become(*to) && caller.allow(*cap).is_ok())
    .map(|(name, _, _)| name)
    .collect()
}

/// What the coordinator decides about several proposals at once.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    Reject(Reason),
}

/// Each proposal's id with how its decision went.
pub type Outcomes = Vec<(i32, Result<(), Error>)>;

/// Decides each proposal on its own: one that fails (taken meanwhile, wrong state)
/// does not undo the others.
pub fn decide_many(conn: &mut Conn, caller: &Caller, ids: &[i32], decision: &Decision) -> Result<Outcomes, Error> {
    caller.allow(Capability::ReviewProposals)?;
    if ids.is_empty() {
        return Err(Error::invalid("ids", "required", "kies ten minste één voorstel"));
    }
    Ok(ids
        .iter()
        .map(|id| {
            let r = match decision {
                Decision::Approve => approve(conn, caller, *id),
                Decision::Reject(reason) => reject(conn, caller, *id, reason),
            };
            (*id, r.map(|_| ()))
        })
        .collect())
}

/// The coordinator rejects: the client is ready again and the pair never comes back.
pub fn reject(conn: &mut Conn, caller: &Caller, id: i32, reason: &Reason) -> Result<Detail, Error> {
    step(conn, caller, id, Capability::ReviewProposals, ProposalStatus::Rejected, Some(reason), None, |conn, p, c, d| {
        client_to(conn, c, "proposed", "ready")?;
        if p.status == "approved" {
            dwelling_to(conn, d, "reserved", "published")?;
        }
        Ok(())
    })
}

/// The corporation makes the offer; it lapses after the policy's working days (10).
pub fn offer(conn: &mut Conn, caller: &Caller, id: i32, today: NaiveDate) -> Result<Detail, Error> {
    let region = crate::store::organisations::find_region(conn, caller.region_id)?;
    let deadline = add_working_days(today, crate::domain::RegionPolicy::from_json(&region.policy).offer_working_days);
    step(conn, caller, id, Capability::OfferDwellings, ProposalStatus::Offered, None, Some(deadline), |_, _, _, _| Ok(()))
}

/// Tells the coordinators and the corporation how the client answered.
fn answered(conn: &mut Conn, caller: &Caller, p: &ProposalRow, d: &Dwelling, title: String) -> Result<(), Error> {
    let to = vec![Audience::Role(Role::Coordinator), Audience::Organisation(d.corporation_id)];
    notify::emit(conn, &event(caller, EventKind::OfferAnswered, title, p.id, to))?;
    Ok(())
}

/// The provider records that the client accepts.
pub fn accept(conn: &mut Conn, caller: &Caller, id: i32) -> Result<Detail, Error> {
    step(conn, caller, id, Capability::AnswerOffers, ProposalStatus::Accepted, None, None, |conn, p, c, d| {
        answered(conn, caller, p, d, format!("Cliënt {} accepteert {} {}", c.reference, d.street, d.house_number))
    })
}

/// The provider records that the client declines: dwelling and client are free again,
/// and the pair never comes back.
pub fn decline(conn: &mut Conn, caller: &Caller, id: i32, reason: &Reason) -> Result<Detail, Error> {
    step(conn, caller, id, Capability::AnswerOffers, ProposalStatus::Declined, Some(reason), None, |conn, p, c, d| {
        client_to(conn, c, "proposed", "ready")?;
        dwelling_to(conn, d, "reserved", "published")?;
        // The one-offer rule: declining a fitting offer costs the urgency, unless the
        // region's policy keeps it. A coordinator can restore it, with a logged reason.
        let region = crate::store::organisations::find_region(conn, caller.region_id)?;
        let keep = crate::domain::RegionPolicy::from_json(&region.policy).keep_urgency_after_declining;
        if reason.code.declines_a_fitting_offer() && !keep && c.urgency != "regular" {
            clients::set_urgency(conn, c.id, "regular")?;
            audit::record(
                conn,
                caller,
                "client.urgency_lost",
                "client",
                Some(c.id),
                &format!("{} -> regular: aanbod geweigerd (voorstel {})", c.urgency, p.id),
            )?;
        }
        answered(conn, caller, p, d, format!("Cliënt {} weigert {} {} ({})", c.reference, d.street, d.house_number, reason.code.label()))
    })
}

/// The corporation records the signed lease: the dwelling is let, the client placed, and
/// the contingent of the client's binding municipality is debited.
pub fn sign_lease(conn: &mut Conn, caller: &Caller, id: i32, signed_on: NaiveDate, today: NaiveDate) -> Result<Detail, Error> {
    if signed_on > today {
        return Err(Error::invalid("signed_on", "not_in_future", "een huurcontract wordt vastgelegd als het getekend is"));
    }
    step(conn, caller, id, Capability::OfferDwellings, ProposalStatus::Placed, None, None, |conn, p, c, d| {
        dwelling_to(conn, d, "reserved", "let")?;
        client_to(conn, c, "proposed", "placed")?;
        q::insert_lease(conn, d.id, c.id, p.id, signed_on)?;
        super::follow_ups::plan(conn, p.id, signed_on)?;
        if let Some(k) = p.contingent_id {
            let scope = crate::store::contingents::ContingentScope::Region(caller.region_id);
            let before = crate::store::contingents::find(conn, &scope, k)?.ok_or(Error::NotFound("contingent"))?;
            q::book(conn, k, Some(p.id), 1, "plaatsing", Some(caller.user_id)).map_err(|e| {
                if crate::store::is_constraint_violation(&e) {
                    Error::Conflict("het contingent is op: deze plaatsing past er niet meer in".into())
                } else {
                    e.into()
                }
            })?;
            let after = crate::store::contingents::find(conn, &scope, k)?.ok_or(Error::NotFound("contingent"))?;
            super::contingents::alert_if_low(conn, &before, &after)?;
        }
        let title = format!("Huurcontract getekend: {} {} voor cliënt {}", d.street, d.house_number, c.reference);
        notify::emit(
            conn,
            &event(
                caller,
                EventKind::LeaseRecorded,
                title,
                p.id,
                vec![Audience::Role(Role::Coordinator), Audience::Organisation(c.provider_id)],
            ),
        )?;
        Ok(())
    })
}

/// Offers past their deadline expire: the dwelling and the client are free again and the
/// coordinators hear of it. Run by the notification worker; returns how many expired.
pub fn expire_overdue(conn: &mut Conn, today: NaiveDate, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let mut n = 0;
    for p in q::offers_past(conn, today)? {
        let done = write_tx(conn, |conn| {
            if !q::set_status(conn, p.id, "offered", "expired", Some(("offer_expired", None)), p.offer_deadline)? {
                return Ok(None);
            }
            let c = clients::by_id(conn, p.client_id)?;
            let d = dwellings::by_id(conn, p.dwelling_id)?;
            client_to(conn, &c, "proposed", "ready")?;
            dwelling_to(conn, &d, "reserved", "published")?;
            audit::record(conn, audit::Actor::SYSTEM, "proposal.expired", "proposal", Some(p.id), "offer_expired")?;
            let region = crate::store::organisations::find_organisation(conn, d.corporation_id)?
                .map(|o| o.region_id)
                .ok_or(Error::NotFound("organisation"))?;
            let event = Event {
                kind: EventKind::OfferAnswered,
                region_id: region,
                title: format!("Aanbod verlopen: {} {} voor cliënt {}", d.street, d.house_number, c.reference),
                link: format!("/voorstellen/{}", p.id),
                to: vec![
                    Audience::Role(Role::Coordinator),
                    Audience::Organisation(d.corporation_id),
                    Audience::Organisation(c.provider_id),
                ],
            };
            notify::emit_at(conn, &event, now)?;
            Ok::<_, Error>(Some(()))
        })?;
        n += usize::from(done.is_some());
    }
    Ok(n)
}

/// Working days before the deadline at which the answering party is warned.
pub const WARN_WORKING_DAYS: u32 = 2;

/// Warns the provider, once, when an offer's deadline is two working days away or less.
pub fn warn_deadlines(conn: &mut Conn, today: NaiveDate, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let warn_from = add_working_days(today, WARN_WORKING_DAYS);
    let mut n = 0;
    for p in q::offers_to_warn(conn, warn_from)? {
        write_tx(conn, |conn| {
            let c = clients::by_id(conn, p.client_id)?;
            let d = dwellings::by_id(conn, p.dwelling_id)?;
            let region = crate::store::organisations::find_organisation(conn, c.provider_id)?
                .map(|o| o.region_id)
                .ok_or(Error::NotFound("organisation"))?;
            let deadline = p.offer_deadline.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default();
            let event = Event {
                kind: EventKind::OfferDeadlineNear,
                region_id: region,
                title: format!(
                    "Reageer uiterlijk {deadline} op het aanbod van {} {} voor cliënt {}",
                    d.street, d.house_number, c.reference
                ),
                link: format!("/voorstellen/{}", p.id),
                to: vec![Audience::Organisation(c.provider_id)],
            };
            notify::emit_at(conn, &event, now)?;
            q::mark_warned(conn, p.id, today)?;
            Ok::<_, Error>(())
        })?;
        n += 1;
    }
    Ok(n)
}

/// Who must act on a proposal in this state, besides the coordinators.
fn next_party(status: &str, c: &Client, d: &Dwelling) -> Option<Audience> {
    match status {
        "approved" | "accepted" => Some(Audience::Organisation(d.corporation_id)),
        "offered" => Some(Audience::Organisation(c.provider_id)),
        _ => None,
    }
}

/// Whether a proposal has waited longer than the policy allows in its current state.
pub fn is_stalled(p: &ProposalRow, stall_days: i64, now: chrono::NaiveDateTime) -> bool {
    ProposalStatus::parse("status", &p.status).is_ok_and(|s| s.is_open()) && p.updated_at < now - chrono::Duration::days(stall_days)
}

/// Stall alerts: a proposal unchanged longer than the region's `stall_days` is reported,
/// once per state, to the coordinators and to the party that must act next.
pub fn alert_stalls(conn: &mut Conn, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let regions: Vec<crate::store::rows::Region> = {
        use crate::store::schema::regions;
        use diesel::prelude::*;
        regions::table.select(crate::store::rows::Region::as_select()).load(conn)?
    };
    let shortest = regions.iter().map(|r| crate::domain::RegionPolicy::from_json(&r.policy).stall_days).min().unwrap_or(7);
    let mut n = 0;
    for p in q::stalled(conn, now - chrono::Duration::days(shortest), &ProposalStatus::open_words())? {
        write_tx(conn, |conn| {
            let c = clients::by_id(conn, p.client_id)?;
            let d = dwellings::by_id(conn, p.dwelling_id)?;
            let org = crate::store::organisations::find_organisation(conn, c.provider_id)?.ok_or(Error::NotFound("organisation"))?;
            let region = regions.iter().find(|r| r.id == org.region_id).ok_or(Error::NotFound("region"))?;
            let policy = crate::domain::RegionPolicy::from_json(&region.policy);
            if !is_stalled(&p, policy.stall_days, now) {
                return Ok(false);
            }
            let status = ProposalStatus::parse("status", &p.status)?;
            let days = (now - p.updated_at).num_days();
            let mut to = vec![Audience::Role(Role::Coordinator)];
            to.extend(next_party(&p.status, &c, &d));
            let event = Event {
                kind: EventKind::ProposalStalled,
                region_id: region.id,
                title: format!(
                    "Voorstel {} {} voor cliënt {} is al {days} dagen {}",
                    d.street,
                    d.house_number,
                    c.reference,
                    status.label()
                ),
                link: format!("/voorstellen/{}", p.id),
                to,
            };
            notify::emit_at(conn, &event, now)?;
            q::mark_stall_warned(conn, p.id, &p.status)?;
            Ok::<_, Error>(true)
        })
        .map(|sent| n += usize::from(sent))?;
    }
    Ok(n)
}

/// A placement in an omklap dwelling, with the caller's right to see it.
fn omklap_placement(conn: &mut Conn, caller: &Caller, id: i32) -> Result<(ProposalRow, Client, Dwelling), Error> {
    let p = q::find(conn, &scope(caller)?, id)?.ok_or(Error::NotFound("proposal"))?;
    let (c, d) = parts(conn, caller, &p)?;
    let was_omklap = serde_json::from_str::<serde_json::Value>(&p.explanation)
        .ok()
        .and_then(|e| e["dwelling"]["kind"].as_str().map(|k| k == "omklap"))
        .unwrap_or(false);
    if p.status != "placed" || !(d.kind == "omklap" || was_omklap) {
        return Err(Error::Transition {
            entity: "proposal",
            action: "omklap",
            from: p.status.clone(),
            why: "alleen een plaatsing in een omklapwoning heeft een omklap".into(),
        });
    }
    Ok((p, c, d))
}

/// The provider (the main tenant) records the flip conditions and the planned date.
pub fn plan_flip(conn: &mut Conn, caller: &Caller, id: i32, conditions: &str, planned: NaiveDate, today: NaiveDate) -> Result<(), Error> {
    caller.allow(Capability::AnswerOffers)?;
    let conditions = crate::domain::parse_text("conditions", conditions, 1000)?;
    if planned <= today {
        return Err(Error::invalid("planned_flip_on", "in_future", "de geplande omklapdatum ligt na vandaag"));
    }
    let (p, ..) = omklap_placement(conn, caller, id)?;
    if q::flip_state(conn, p.id)?.2.is_some() {
        return Err(Error::Transition {
            entity: "proposal",
            action: "plan_flip",
            from: "flipped".into(),
            why: "de huur is al omgeklapt".into(),
        });
    }
    write_tx(conn, |conn| {
        q::plan_flip(conn, p.id, &conditions, planned)?;
        audit::record(conn, caller, "omklap.plan", "proposal", Some(p.id), &planned.to_string())?;
        Ok(())
    })
}

/// The corporation records that the lease went over to the client: the dwelling leaves
/// the omklap pool and, when the policy says so, the placement counts against the
/// contingent of the client's binding municipality.
pub fn record_flip(conn: &mut Conn, caller: &Caller, id: i32, flipped_on: NaiveDate, today: NaiveDate) -> Result<(), Error> {
    caller.allow(Capability::OfferDwellings)?;
    if flipped_on > today {
        return Err(Error::invalid("flipped_on", "not_in_future", "leg de omklap vast als die gebeurd is"));
    }
    let (p, c, d) = omklap_placement(conn, caller, id)?;
    let region = crate::store::organisations::find_region(conn, caller.region_id)?;
    let policy = crate::domain::RegionPolicy::from_json(&region.policy);
    write_tx(conn, |conn| {
        if !q::record_flip(conn, p.id, flipped_on)? {
            return Err(Error::Transition {
                entity: "proposal",
                action: "flip",
                from: "flipped".into(),
                why: "de huur is al omgeklapt".into(),
            });
        }
        dwellings::leave_omklap_pool(conn, d.id)?;
        if policy.omklap_counts_at_flip {
            if let Some(k) = q::contingent_on(conn, caller.region_id, &c.binding_municipality, d.corporation_id, flipped_on)? {
                q::book(conn, k, Some(p.id), 1, "omklap", Some(caller.user_id)).map_err(|e| {
                    if crate::store::is_constraint_violation(&e) {
                        Error::Conflict("het contingent is op: de omklap past er niet meer in".into())
                    } else {
                        e.into()
                    }
                })?;
            }
        }
        audit::record(conn, caller, "omklap.flip", "proposal", Some(p.id), &flipped_on.to_string())?;
        Ok(())
    })
}

/// Reminds the provider and the corporation of a planned flip, once, `flip_reminder_days`
/// before it.
pub fn remind_flips(conn: &mut Conn, today: NaiveDate, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let mut n = 0;
    // The longest reminder period of any region bounds the query; each region's own
    // period is applied per placement.
    for (id, client_id, dwelling_id, planned) in q::flips_to_remind(conn, today + chrono::Duration::days(366))? {
        let c = clients::by_id(conn, client_id)?;
        let d = dwellings::by_id(conn, dwelling_id)?;
        let org = crate::store::organisations::find_organisation(conn, c.provider_id)?.ok_or(Error::NotFound("organisation"))?;
        let region = crate::store::organisations::find_region(conn, org.region_id)?;
        let policy = crate::domain::RegionPolicy::from_json(&region.policy);
        if planned > today + chrono::Duration::days(policy.flip_reminder_days) {
            continue;
        }
        write_tx(conn, |conn| {
            let event = Event {
                kind: EventKind::FlipNear,
                region_id: region.id,
                title: format!(
                    "Omklap van {} {} voor cliënt {} gepland op {}",
                    d.street,
                    d.house_number,
                    c.reference,
                    planned.format("%d-%m-%Y")
                ),
                link: format!("/voorstellen/{id}"),
                to: vec![Audience::Organisation(c.provider_id), Audience::Organisation(d.corporation_id)],
            };
            notify::emit_at(conn, &event, now)?;
            q::mark_flip_reminded(conn, id, today)?;
            Ok::<_, Error>(())
        })?;
        n += 1;
    }
    Ok(n)
}

/// The coordinator withdraws a placement (registered in error, or the lease dissolved
/// before the client moved in): the lease is removed, the dwelling and the client are free
/// again, and every contingent place the placement used is given back in the ledger.
pub fn withdraw_placement(conn: &mut Conn, caller: &Caller, id: i32, reason: &Reason, today: NaiveDate) -> Result<Detail, Error> {
    caller.allow(Capability::ReviewProposals)?;
    let region = crate::store::organisations::find_region(conn, caller.region_id)?;
    crate::domain::RegionPolicy::from_json(&region.policy).allows_reason(reason)?;
    let p = q::find(conn, &scope(caller)?, id)?.ok_or(Error::NotFound("proposal"))?;
    if p.status != "placed" || p.placement_withdrawn_on.is_some() || p.flipped_on.is_some() {
        return Err(Error::Transition {
            entity: "proposal",
            action: "withdraw_placement",
            from: p.status.clone(),
            why: "alleen een plaatsing die nog geldt (en niet is omgeklapt) kan worden ingetrokken".into(),
        });
    }
    let (c, d) = parts(conn, caller, &p)?;
    write_tx(conn, |conn| {
        if !q::withdraw_placement(conn, id, today, reason.code.as_str(), reason.note.as_deref())? {
            return Err(Error::Conflict("deze plaatsing is intussen al ingetrokken".into()));
        }
        q::delete_lease(conn, id)?;
        crate::store::follow_ups::delete_for(conn, id)?;
        dwelling_to(conn, &d, "let", "published")?;
        client_to(conn, &c, "placed", "ready")?;
        for (k, units) in q::booked(conn, id)? {
            for _ in 0..units {
                q::book(conn, k, Some(id), -1, "plaatsing ingetrokken", Some(caller.user_id))?;
            }
        }
        audit::record(conn, caller, "proposal.placement_withdrawn", "proposal", Some(id), reason.code.as_str())?;
        Ok::<_, Error>(())
    })?;
    get(conn, caller, id)
}
