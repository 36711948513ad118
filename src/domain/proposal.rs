use super::kinds::text_enum;
use super::FieldError;

text_enum! {
    /// Where a proposal is in its review.
    ProposalStatus {
        Proposed => "proposed", "voorgesteld";
        Approved => "approved", "goedgekeurd";
        Rejected => "rejected", "afgewezen";
        Offered => "offered", "aangeboden";
        Accepted => "accepted", "geaccepteerd";
        Declined => "declined", "geweigerd";
        Placed => "placed", "gehuisvest";
        Expired => "expired", "verlopen";
    }
}

impl ProposalStatus {
    /// proposed → approved | rejected; approved → offered | rejected; offered → accepted |
    /// declined | expired; accepted → placed (lease signed).
    pub fn may_become(self, next: ProposalStatus) -> bool {
        use ProposalStatus::*;
        matches!(
            (self, next),
            (Proposed, Approved)
                | (Proposed, Rejected)
                | (Approved, Offered)
                | (Approved, Rejected)
                | (Offered, Accepted)
                | (Offered, Declined)
                | (Offered, Expired)
                | (Accepted, Placed)
        )
    }

    /// Whether the proposal still holds its client and dwelling: neither is proposed
    /// again, and it counts against its contingent.
    pub fn is_open(self) -> bool {
        matches!(self, ProposalStatus::Proposed | ProposalStatus::Approved | ProposalStatus::Offered | ProposalStatus::Accepted)
    }

    /// The stored words of the open states, for queries.
    pub fn open_words() -> Vec<&'static str> {
        Self::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect()
    }

    /// Whether the corporation may see the proposal (and the client's needs summary).
    pub fn disclosed_to_corporation(self) -> bool {
        !matches!(self, ProposalStatus::Proposed | ProposalStatus::Rejected)
    }
}

text_enum! {
    /// Why a proposal is rejected, an offer declined, or a step cancelled.
    ReviewReason {
        DwellingDoesNotFit => "dwelling_does_not_fit", "woning past niet bij wat de cliënt nodig heeft";
        ClientChoseOther => "client_chose_other", "cliënt koos een andere woning";
        ClientNotReady => "client_not_ready", "cliënt is toch nog niet klaar";
        DwellingLetOtherwise => "dwelling_let_otherwise", "woning is anders verhuurd";
        OfferExpired => "offer_expired", "aanbod verlopen";
        Other => "other", "anders";
    }
}

impl ReviewReason {
    /// Whether declining for this reason declines a fitting offer (the one-offer rule):
    /// not when the dwelling does not fit or is gone.
    pub fn declines_a_fitting_offer(self) -> bool {
        !matches!(self, ReviewReason::DwellingDoesNotFit | ReviewReason::DwellingLetOtherwise | ReviewReason::OfferExpired)
    }
}

/// A reason with its note; `other` needs an explanation of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: ReviewReason,
    pub note: Option<String>,
}

impl Reason {
    pub fn parse(code: &str, note: Option<&str>) -> Result<Reason, Vec<FieldError>> {
        let code = ReviewReason::parse("reason", code).map_err(|e| vec![e])?;
        let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(super::parse_text("note", n, 500).map_err(|e| vec![e])?),
            None => None,
        };
        if code == ReviewReason::Other && note.is_none() {
            return Err(vec![FieldError::new("note", "required", "bij 'anders' hoort een toelichting")]);
        }
        Ok(Reason { code, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use ProposalStatus::*;
        for (a, b) in
            [(Proposed, Approved), (Proposed, Rejected), (Approved, Offered), (Offered, Declined), (Offered, Expired), (Accepted, Placed)]
        {
            assert!(a.may_become(b), "{a:?} -> {b:?}");
        }
        for (a, b) in
            [(Proposed, Offered), (Rejected, Approved), (Placed, Declined), (Declined, Accepted), (Expired, Accepted), (Approved, Placed)]
        {
            assert!(!a.may_become(b), "{a:?} -> {b:?}");
        }
    }

    #[test]
    fn which_declines_count_for_the_one_offer_rule() {
        use ReviewReason::*;
        assert!(ClientChoseOther.declines_a_fitting_offer());
        assert!(Other.declines_a_fitting_offer());
        assert!(ClientNotReady.declines_a_fitting_offer());
        assert!(!DwellingDoesNotFit.declines_a_fitting_offer());
        assert!(!DwellingLetOtherwise.declines_a_fitting_offer());
    }

    #[test]
    fn open_states_hold_client_and_dwelling_and_disclosure_starts_at_approval() {
        use ProposalStatus::*;
        assert_eq!(ProposalStatus::open_words(), vec!["proposed", "approved", "offered", "accepted"]);
        for s in [Rejected, Declined, Placed, Expired] {
            assert!(!s.is_open(), "{s:?}");
        }
        assert!(!Proposed.disclosed_to_corporation() && !Rejected.disclosed_to_corporation());
        assert!(Approved.disclosed_to_corporation() && Placed.disclosed_to_corporation());
    }

    #[test]
    fn other_needs_a_note() {
        assert!(Reason::parse("other", None).is_err());
        assert!(Reason::parse("other", Some("  ")).is_err());
        assert_eq!(Reason::parse("other", Some("verhuisd")).unwrap().note.as_deref(), Some("verhuisd"));
        assert!(Reason::parse("client_chose_other", None).is_ok());
        assert_eq!(Reason::parse("because", None).unwrap_err()[0].rule, "one_of");
    }
}
