//! Follow-up after placement: does the person still live there at 6 and 12 months?

use super::kinds::text_enum;
use chrono::{Months, NaiveDate};

text_enum! {
    /// What the provider found at a follow-up. A fixed list, no free text: the monitor
    /// needs the numbers, not the story.
    FollowUpOutcome {
        StillHoused => "still_housed", "woont er nog";
        MovedOn => "moved_on", "verhuisd naar een andere woning";
        Eviction => "eviction", "uitgezet";
        Admission => "admission", "opgenomen (zorg of detentie)";
        Other => "other", "anders vertrokken";
    }
}

impl FollowUpOutcome {
    /// Still in the same dwelling (the Housing First figure "in dezelfde woning").
    pub fn same_dwelling(self) -> bool {
        self == FollowUpOutcome::StillHoused
    }

    /// Not homeless again: in the dwelling or moved on to another home.
    pub fn housed(self) -> bool {
        matches!(self, FollowUpOutcome::StillHoused | FollowUpOutcome::MovedOn)
    }
}

/// The two follow-up moments, in months after the lease was signed.
pub const MOMENTS: [u32; 2] = [6, 12];

/// The day a follow-up is due.
pub fn due_on(signed_on: NaiveDate, months: u32) -> NaiveDate {
    signed_on.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Why a follow-up cannot be recorded now, in Dutch; `None` when it can.
/// `six_months` is the outcome recorded at 6 months, if any.
pub fn refusal(months: u32, due: NaiveDate, today: NaiveDate, recorded: bool, six_months: Option<FollowUpOutcome>) -> Option<String> {
    if recorded {
        return Some(format!("de nazorgcheck na {months} maanden is al vastgelegd"));
    }
    if today < due {
        return Some(format!("de nazorgcheck na {months} maanden is pas op {} aan de beurt", due.format("%d-%m-%Y")));
    }
    if months == 12 && six_months.is_some_and(|o| !o.same_dwelling()) {
        return Some("na 6 maanden woonde de cliënt er al niet meer".into());
    }
    None
}

/// Whether a 12-month follow-up still needs asking (no reminder once the person left).
pub fn needs_asking(months: u32, six_months: Option<FollowUpOutcome>) -> bool {
    months != 12 || six_months.is_none_or(|o| o.same_dwelling())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_six_and_twelve_months_after_signing_month_ends_clamped() {
        assert_eq!(due_on(d("2026-01-15"), 6), d("2026-07-15"));
        assert_eq!(due_on(d("2026-01-15"), 12), d("2027-01-15"));
        assert_eq!(due_on(d("2026-08-31"), 6), d("2027-02-28"));
    }

    #[test]
    fn recorded_once_on_or_after_the_due_day_and_not_after_leaving() {
        let due = d("2026-07-15");
        assert_eq!(refusal(6, due, d("2026-07-15"), false, None), None);
        assert_eq!(refusal(6, due, d("2026-07-14"), false, None).unwrap(), "de nazorgcheck na 6 maanden is pas op 15-07-2026 aan de beurt");
        assert_eq!(refusal(6, due, d("2026-08-01"), true, None).unwrap(), "de nazorgcheck na 6 maanden is al vastgelegd");
        assert_eq!(refusal(12, due, d("2026-08-01"), false, Some(FollowUpOutcome::StillHoused)), None);
        assert_eq!(refusal(12, due, d("2026-08-01"), false, None), None, "the 6-month check may have been missed");
        assert!(refusal(12, due, d("2026-08-01"), false, Some(FollowUpOutcome::Eviction)).unwrap().contains("niet meer"));
        assert!(needs_asking(6, Some(FollowUpOutcome::Eviction)));
        assert!(needs_asking(12, None) && needs_asking(12, Some(FollowUpOutcome::StillHoused)));
        assert!(!needs_asking(12, Some(FollowUpOutcome::MovedOn)));
    }

    #[test]
    fn housed_counts_moving_on_but_not_eviction_or_admission() {
        use FollowUpOutcome::*;
        let housed: Vec<_> = FollowUpOutcome::ALL.iter().filter(|o| o.housed()).collect();
        assert_eq!(housed, vec![&StillHoused, &MovedOn]);
        let same: Vec<_> = FollowUpOutcome::ALL.iter().filter(|o| o.same_dwelling()).collect();
        assert_eq!(same, vec![&StillHoused]);
    }
}
