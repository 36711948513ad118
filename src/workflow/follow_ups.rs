//! Follow-up after placement: the provider answers at 6 and 12 months whether the
//! person still lives there; the sweep reminds them when a check falls due.

use super::access::Capability;
use super::{Caller, Error};
use crate::domain::follow_up::{self, FollowUpOutcome};
use crate::domain::Role;
use crate::notify::{self, Audience, Event, EventKind};
use crate::store::follow_ups::{self as q, FollowUpLine, FollowUpScope};
use crate::store::write_tx;
use crate::store::{audit, Conn};
use chrono::NaiveDate;

fn scope(caller: &Caller) -> Result<FollowUpScope, Error> {
    caller.allow(Capability::ReadFollowUps)?;
    Ok(match caller.role {
        Role::Provider => FollowUpScope::Provider(caller.organisation_id),
        _ => FollowUpScope::Region(caller.region_id),
    })
}

/// The follow-ups due by `today`: `open` only the unanswered ones. The list says where
/// a client lives, so reading it is audited like a client list.
pub fn due(conn: &mut Conn, caller: &Caller, today: NaiveDate, open: bool) -> Result<Vec<FollowUpLine>, Error> {
    let lines = q::list(conn, scope(caller)?, Some(today), open, None)?;
    if !lines.is_empty() {
        let ids = lines.iter().map(|l| l.client_id.to_string()).collect::<Vec<_>>().join(",");
        audit::record(conn, caller, "client.follow_ups", "client", None, &format!("ids={ids}"))?;
    }
    Ok(lines)
}

/// Writes the follow-up moments of a placement signed on `signed_on`; part of the
/// lease's own transaction.
pub fn plan(conn: &mut Conn, proposal_id: i32, signed_on: NaiveDate) -> Result<(), Error> {
    let moments: Vec<(i32, NaiveDate)> = follow_up::MOMENTS.iter().map(|&m| (m as i32, follow_up::due_on(signed_on, m))).collect();
    Ok(q::create_for(conn, proposal_id, &moments)?)
}

/// What was found at 6 months, if it was recorded.
fn six_months(conn: &mut Conn, proposal_id: i32) -> Result<Option<FollowUpOutcome>, Error> {
    Ok(q::outcome_at(conn, proposal_id, 6)?.and_then(|o| FollowUpOutcome::parse("outcome", &o).ok()))
}

/// The provider records what it found. Refused before the due day, twice, for a
/// placement that is not theirs (not found), and at 12 months when the person had
/// already left at 6.
pub fn record(
    conn: &mut Conn,
    caller: &Caller,
    proposal_id: i32,
    months: u32,
    outcome: FollowUpOutcome,
    today: NaiveDate,
) -> Result<FollowUpLine, Error> {
    caller.allow(Capability::RecordFollowUps)?;
    if !follow_up::MOMENTS.contains(&months) {
        return Err(Error::invalid("months", "one_of", "kies 6 of 12 maanden"));
    }
    let line = |conn: &mut Conn| -> Result<FollowUpLine, Error> {
        q::list(conn, scope(caller)?, None, false, Some((proposal_id, months as i32)))?.pop().ok_or(Error::NotFound("follow_up"))
    };
    let found = line(conn)?;
    let six = six_months(conn, proposal_id)?;
    if let Some(why) = follow_up::refusal(months, found.due_on, today, found.recorded_on.is_some(), six) {
        return Err(Error::Transition { entity: "follow_up", action: "record", from: "open".into(), why });
    }
    write_tx(conn, |conn| {
        if !q::record(conn, proposal_id, months as i32, outcome.as_str(), today, Some(caller.user_id))? {
            return Err(Error::Conflict("deze nazorgcheck is intussen al vastgelegd".into()));
        }
        audit::record(
            conn,
            caller,
            "client.follow_up",
            "client",
            Some(found.client_id),
            &format!("{months} maanden: {}", outcome.as_str()),
        )?;
        Ok::<_, Error>(())
    })?;
    line(conn)
}

/// Reminds each provider once of every follow-up that fell due (skipping the 12-month
/// check of someone who had left at 6). Returns how many reminders were written.
pub fn remind(conn: &mut Conn, today: NaiveDate, now: chrono::NaiveDateTime) -> Result<usize, Error> {
    let mut n = 0;
    for q::Due { proposal_id, months, provider_id, reference } in q::to_remind(conn, today)? {
        let six = six_months(conn, proposal_id)?;
        let org = crate::store::organisations::find_organisation(conn, provider_id)?.ok_or(Error::NotFound("organisation"))?;
        write_tx(conn, |conn| {
            if follow_up::needs_asking(months as u32, six) {
                let event = Event {
                    kind: EventKind::FollowUpDue,
                    region_id: org.region_id,
                    title: format!("Nazorgcheck na {months} maanden voor cliënt {reference}: woont de cliënt er nog?"),
                    link: "/nazorg".into(),
                    to: vec![Audience::Organisation(provider_id)],
                };
                notify::emit_at(conn, &event, now)?;
            }
            q::mark_reminded(conn, proposal_id, months, today)?;
            Ok::<_, Error>(())
        })?;
        n += 1;
    }
    Ok(n)
}
