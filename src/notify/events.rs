//! Event kinds, who receives them, and writing them to the notifications and outbox.

use crate::domain::Role;
use crate::store::{notifications as q, Conn};
use diesel::QueryResult;

crate::domain::text_enum! {
    /// Something the table should hear about.
    EventKind {
        RoundReady => "round_ready", "matchronde klaar om te beoordelen";
        ProposalApproved => "proposal_approved", "voorstel goedgekeurd";
        OfferAnswered => "offer_answered", "antwoord op een aanbod";
        LeaseRecorded => "lease_recorded", "huurcontract vastgelegd";
        DwellingPublished => "dwelling_published", "woning gepubliceerd";
        ClientReady => "client_ready", "cliënt uitstroomklaar";
        ContingentNearlyUsed => "contingent_nearly_used", "contingent bijna op";
        ClientWaitingLong => "client_waiting_long", "cliënt wacht te lang";
        OfferDeadlineNear => "offer_deadline_near", "reactietermijn loopt af";
        ProposalStalled => "proposal_stalled", "voorstel ligt stil";
        FlipNear => "flip_near", "omklap nadert";
        FollowUpDue => "follow_up_due", "nazorgcheck: woont de cliënt er nog?";
    }
}

crate::domain::text_enum! {
    /// How a user hears of an event kind.
    Delivery {
        Immediate => "immediate", "direct per e-mail";
        Digest => "digest", "in het dagelijkse overzicht";
        Off => "off", "niet per e-mail";
    }
}

impl EventKind {
    pub fn default_delivery(self) -> Delivery {
        match self {
            EventKind::DwellingPublished | EventKind::ClientReady => Delivery::Digest,
            _ => Delivery::Immediate,
        }
    }

    /// Events that ask the recipient to act can move to the digest but not be switched
    /// off: the table depends on the answer.
    pub fn may_be_off(self) -> bool {
        !matches!(self, EventKind::RoundReady | EventKind::ProposalApproved | EventKind::OfferDeadlineNear)
    }

    /// The roles that can receive this kind; the preference page shows only these.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            EventKind::RoundReady | EventKind::DwellingPublished | EventKind::ClientReady => &[Coordinator],
            EventKind::ProposalApproved => &[Corporation, Provider],
            EventKind::OfferAnswered | EventKind::LeaseRecorded => &[Coordinator, Corporation, Provider],
            EventKind::ContingentNearlyUsed => &[Coordinator, Municipality],
            EventKind::ClientWaitingLong => &[Coordinator, Municipality],
            EventKind::OfferDeadlineNear => &[Corporation, Provider],
            EventKind::ProposalStalled => &[Coordinator, Corporation, Provider],
            EventKind::FlipNear => &[Corporation, Provider],
            EventKind::FollowUpDue => &[Provider],
        }
    }

    pub fn allows(self, d: Delivery) -> bool {
        d != Delivery::Off || self.may_be_off()
    }
}

/// A group of recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every user with this role at the region's table.
    Role(Role),
    /// Every user of one organisation.
    Organisation(i32),
    /// The users of a municipality's organisation.
    Municipality(String),
}

/// One event. `title` and `link` are all a mail will say: never client details, at most
/// the pseudonymous reference.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    pub region_id: i32,
    pub title: String,
    /// A path in the service, e.g. `/api/v1/dwellings/12`.
    pub link: String,
    pub to: Vec<Audience>,
}

/// Writes a notification for each recipient and, for those who want it now, an outbox
/// row; call it inside the transaction of the change itself. Returns the recipients.
pub fn emit(conn: &mut Conn, event: &Event) -> QueryResult<usize> {
    emit_at(conn, event, crate::store::now())
}

/// `emit` at a given moment: the worker's own clock, so what it writes in a pass is due
/// in that same pass.
pub fn emit_at(conn: &mut Conn, event: &Event, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    let mut users: Vec<(i32, String)> = Vec::new();
    for a in &event.to {
        let found = match a {
            Audience::Role(r) => q::users_with_role(conn, event.region_id, r.as_str())?,
            Audience::Organisation(id) => q::users_of_organisation(conn, *id)?,
            Audience::Municipality(code) => q::users_of_municipality(conn, event.region_id, code)?,
        };
        users.extend(found);
    }
    users.sort();
    users.dedup();
    for (user_id, email) in &users {
        let delivery = q::preference(conn, *user_id, event.kind.as_str())?
            .and_then(|d| Delivery::parse("delivery", &d).ok())
            .filter(|d| event.kind.allows(*d))
            .unwrap_or(event.kind.default_delivery());
        let id = q::insert_notification(conn, *user_id, event.kind.as_str(), &event.title, &event.link, delivery.as_str(), now)?;
        if delivery == Delivery::Immediate {
            let payload = super::mail::Payload::Event { kind: event.kind, title: event.title.clone(), link: event.link.clone() };
            q::enqueue(conn, *user_id, email, event.kind.as_str(), &event.title, &payload.to_json(), &format!("n{id}"), now)?;
        }
    }
    Ok(users.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_events_cannot_be_switched_off() {
        for k in EventKind::ALL {
            assert!(k.allows(Delivery::Immediate) && k.allows(Delivery::Digest));
            assert_eq!(
                k.allows(Delivery::Off),
                !matches!(k, EventKind::RoundReady | EventKind::ProposalApproved | EventKind::OfferDeadlineNear)
            );
            assert!(k.allows(k.default_delivery()));
            assert!(!k.roles().is_empty());
        }
    }
}
