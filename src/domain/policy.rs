use serde::{Deserialize, Serialize};

/// A region's policy: the table's own rules, stored with the region as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionPolicy {
    /// A client ready this many days is escalated: reported, and moved up a tier.
    pub escalation_days: i64,
    /// Alert when the remaining part of a contingent falls to this share of its cap.
    pub contingent_alert_ratio: f64,
    /// A client with intensive support lives at most this far from the team's base.
    pub intensive_support_max_km: f64,
    /// A proposal or offer unchanged this many days is flagged and its next party told.
    pub stall_days: i64,
    /// The Dutch one-offer rule off: a client who declines a fitting offer keeps their
    /// urgency. With the rule on (the default) they fall back to regular.
    pub keep_urgency_after_declining: bool,
    /// Whether an omklap placement counts against the contingent of the client's binding
    /// municipality when the lease flips to the client.
    pub omklap_counts_at_flip: bool,
    /// Days before a planned flip that the provider and corporation are reminded.
    pub flip_reminder_days: i64,
    /// Working days an offer stays open.
    pub offer_working_days: u32,
    /// Review reasons this region does not use (`other` always stays).
    pub disabled_reasons: Vec<String>,
    /// Days after placement or withdrawal that a client's record is anonymised.
    pub retention_days: i64,
    /// The fairness page flags a group whose placement rate differs from the region's
    /// by more than this many percentage points, or whose median wait differs by more
    /// than this percentage of the region's.
    pub fairness_threshold_pct: f64,
}

impl Default for RegionPolicy {
    fn default() -> Self {
        RegionPolicy {
            escalation_days: 180,
            contingent_alert_ratio: 0.2,
            intensive_support_max_km: 15.0,
            stall_days: 7,
            keep_urgency_after_declining: false,
            omklap_counts_at_flip: true,
            flip_reminder_days: 14,
            offer_working_days: 10,
            disabled_reasons: vec![],
            retention_days: 365,
            fairness_threshold_pct: 20.0,
        }
    }
}

impl RegionPolicy {
    /// Reads a stored policy; unknown or missing keys fall back to the defaults so an
    /// older policy keeps working.
    pub fn from_json(raw: &str) -> RegionPolicy {
        serde_json::from_str(raw).unwrap_or_default()
    }

    /// Refuses a review reason the region switched off.
    pub fn allows_reason(&self, reason: &super::Reason) -> Result<(), super::FieldError> {
        let code = reason.code.as_str();
        if code != "other" && self.disabled_reasons.iter().any(|d| d == code) {
            return Err(super::FieldError::new(
                "reason",
                "not_enabled",
                format!("deze uitstroomtafel gebruikt de reden '{}' niet", reason.code.label()),
            ));
        }
        Ok(())
    }

    /// Whether a contingent with `cap` and `remaining` has reached the alert level.
    pub fn contingent_is_low(&self, cap: i32, remaining: i32) -> bool {
        cap > 0 && f64::from(remaining) <= self.contingent_alert_ratio * f64::from(cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_keys() {
        let p = RegionPolicy::from_json(r#"{"escalation_days": 90}"#);
        assert_eq!(p.escalation_days, 90);
        assert_eq!(p.contingent_alert_ratio, 0.2);
        assert_eq!(RegionPolicy::from_json("not json"), RegionPolicy::default());
    }

    #[test]
    fn low_contingent_edges() {
        let p = RegionPolicy::default();
        assert!(p.contingent_is_low(10, 2));
        assert!(!p.contingent_is_low(10, 3));
        assert!(p.contingent_is_low(1, 0));
        assert!(!p.contingent_is_low(0, 0), "an empty agreement is not an alert");
    }
}
