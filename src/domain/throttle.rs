//! The login rate limit: after too many failed attempts on one account, or from one
//! address, within a window, logins wait until enough of those failures have aged out.
//! Unknown accounts count the same as known ones, so a lockout tells nothing.

use chrono::{Duration, NaiveDateTime};

#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Failed attempts on one account within the window that lock it.
    pub per_account: usize,
    /// Failed attempts from one address within the window that block it.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle { per_account: 5, per_address: 20, window: Duration::minutes(15) }
    }
}

impl Throttle {
    /// How long a new attempt must wait, given the failure times (oldest first, all
    /// within the window) of the account and of the address; `None` when it may go on.
    pub fn wait(&self, account: &[NaiveDateTime], address: &[NaiveDateTime], now: NaiveDateTime) -> Option<Duration> {
        let until = |failures: &[NaiveDateTime], limit: usize| {
            // Locked while `limit` failures remain in the window: until the oldest of the
            // last `limit` leaves it.
            (failures.len() >= limit).then(|| failures[failures.len() - limit] + self.window)
        };
        [until(account, self.per_account), until(address, self.per_address)]
            .into_iter()
            .flatten()
            .max()
            .map(|t| t - now)
            .filter(|d| *d > Duration::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(12, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn four_failures_pass_the_fifth_locks_until_the_first_ages_out() {
        let t = Throttle::default();
        let four: Vec<_> = (0..4).map(at).collect();
        assert_eq!(t.wait(&four, &four, at(5)), None);
        let five: Vec<_> = (0..5).map(at).collect();
        assert_eq!(t.wait(&five, &[], at(5)), Some(Duration::minutes(10)));
        assert_eq!(t.wait(&five, &[], at(14)), Some(Duration::minutes(1)));
        assert_eq!(t.wait(&five, &[], at(15)), None, "the first failure has left the window");
        // More failures keep it locked until the fifth-newest leaves.
        let seven: Vec<_> = (0..7).map(at).collect();
        assert_eq!(t.wait(&seven, &[], at(7)), Some(Duration::minutes(10)));
    }

    #[test]
    fn an_address_is_blocked_after_twenty_over_any_accounts() {
        let t = Throttle::default();
        let many: Vec<_> = (0..20).map(|i| at(0) + Duration::seconds(i)).collect();
        assert!(t.wait(&[], &many[..19], at(1)).is_none());
        assert!(t.wait(&[], &many, at(1)).is_some());
    }
}
