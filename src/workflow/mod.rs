//! The rules of the table: who may do what, and which changes are allowed. Every
//! handler calls one function here; each function checks the caller, validates
//! against the register, and makes its change with its audit rows in one transaction.

pub mod access;
pub mod auth;
pub mod clients;
pub mod comparison;
pub mod contingents;
pub mod dwelling_import;
pub mod dwellings;
pub mod follow_ups;
pub mod monitor;
pub mod notifications;
pub mod proposals;
pub mod register;
pub mod responsibility;
pub mod retention;
pub mod rounds;
pub mod table;

pub use access::Caller;

use crate::domain::FieldError;
use crate::store::StoreError;

/// Everything a workflow step can refuse or fail with; mapped to HTTP in one place
/// (`web::error`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; every broken rule is listed.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("not logged in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change clashes with the register's current state (someone else was first,
    /// a duplicate, a constraint).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A state transition the workflow does not allow.
    #[error("cannot {action} a {entity} that is {from}")]
    Transition { entity: &'static str, action: &'static str, from: String, why: String },
    /// Too many failed logins: wait this many seconds.
    #[error("too many attempts; retry after {0} s")]
    Throttled(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, rule, message)])
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        if crate::store::is_constraint_violation(&e) {
            // The workflow checks first; reaching this means a race or a missed rule.
            // The database kept the register consistent; tell the caller it clashed.
            tracing::warn!(error = %e, "database constraint refused a write");
            Error::Conflict("de wijziging botst met de huidige stand van het register; laad opnieuw en probeer het nog eens".into())
        } else {
            Error::Store(StoreError::Query(e))
        }
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(errors: Vec<FieldError>) -> Self {
        Error::Invalid(errors)
    }
}

/// The periodic work of the table, one pass at `now`: offers past their deadline expire,
/// providers are warned of deadlines near, stalled proposals and planned flips are
/// reported, follow-ups that fell due are asked for, expired
/// sessions are removed, then the
/// notification worker reports long
/// waits, writes digests and sends due mails.
pub fn sweep(
    conn: &mut crate::store::Conn,
    mailer: Option<&crate::notify::mail::Mailer>,
    cfg: &crate::config::NotifyConfig,
    public_url: &str,
    now: chrono::NaiveDateTime,
) -> Result<(usize, crate::notify::worker::Report), Error> {
    let expired = proposals::expire_overdue(conn, today_at(now), now)?;
    proposals::warn_deadlines(conn, today_at(now), now)?;
    proposals::alert_stalls(conn, now)?;
    proposals::remind_flips(conn, today_at(now), now)?;
    follow_ups::remind(conn, today_at(now), now)?;
    crate::store::sessions::delete_expired(conn, now)?;
    crate::store::logins::forget_before(conn, now - chrono::Duration::days(1))?;
    retention::run(conn, now)?;
    let report = crate::notify::worker::run_once(conn, mailer, cfg, public_url, now)?;
    Ok((expired, report))
}

/// Which page of a list, checked: pages count from 1, at most 200 items a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub const MAX_PER_PAGE: i64 = 200;

    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Page, Error> {
        let mut errs = crate::domain::Errors::new();
        let page = errs.check(parse_int("page", page, 1, 1, 1_000_000));
        let per_page = errs.check(parse_int("per_page", per_page, 50, 1, Self::MAX_PER_PAGE));
        errs.into_result()?;
        Ok(Page { page: page.unwrap_or(1), per_page: per_page.unwrap_or(50) })
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

impl Default for Page {
    fn default() -> Self {
        Page { page: 1, per_page: 50 }
    }
}

/// One page of a list with the total count.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: Page,
    pub total: i64,
}

/// An optional integer query parameter within `min..=max`.
pub fn parse_int(field: &str, raw: Option<&str>, default: i64, min: i64, max: i64) -> Result<i64, FieldError> {
    let Some(raw) = raw else { return Ok(default) };
    let n: i64 = raw.trim().parse().map_err(|_| FieldError::new(field, "integer", format!("'{raw}' is geen geheel getal")))?;
    if !(min..=max).contains(&n) {
        return Err(FieldError::new(field, "range", format!("moet tussen {min} en {max} liggen")));
    }
    Ok(n)
}

/// Today in the Netherlands: waiting days and readiness dates are Dutch calendar days.
pub fn today() -> chrono::NaiveDate {
    today_at(crate::store::now())
}

/// The Dutch calendar day at a UTC moment.
pub fn today_at(utc: chrono::NaiveDateTime) -> chrono::NaiveDate {
    (utc + amsterdam_offset(utc.date())).date()
}

/// The UTC moment of a Dutch local hour on a day.
pub fn local_to_utc(day: chrono::NaiveDate, hour: u32) -> chrono::NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).expect("hour below 24") - amsterdam_offset(day)
}

// CET/CEST without a time-zone database: from the last Sunday of March to the last
// Sunday of October it is summer time. Only days and whole hours matter here, so the
// hour of the switch itself does not.
fn amsterdam_offset(day: chrono::NaiveDate) -> chrono::Duration {
    use chrono::Datelike;
    let last_sunday = |month: u32| {
        let mut d = chrono::NaiveDate::from_ymd_opt(day.year(), month, 31).expect("March and October have 31 days");
        while d.weekday() != chrono::Weekday::Sun {
            d = d.pred_opt().expect("no underflow in March or October");
        }
        d
    };
    let summer = day >= last_sunday(3) && day < last_sunday(10);
    chrono::Duration::hours(if summer { 2 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_days_and_hours() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // 23:30 UTC in winter is already the next day in Arnhem.
        assert_eq!(today_at(d(2026, 11, 24).and_hms_opt(23, 30, 0).unwrap()), d(2026, 11, 25));
        assert_eq!(today_at(d(2026, 11, 24).and_hms_opt(22, 30, 0).unwrap()), d(2026, 11, 24));
        // 07:00 local is 06:00 UTC in winter and 05:00 UTC in summer.
        assert_eq!(local_to_utc(d(2026, 11, 24), 7), d(2026, 11, 24).and_hms_opt(6, 0, 0).unwrap());
        assert_eq!(local_to_utc(d(2026, 7, 1), 7), d(2026, 7, 1).and_hms_opt(5, 0, 0).unwrap());
    }

    #[test]
    fn page_defaults_and_edges() {
        assert_eq!(Page::parse(None, None).unwrap(), Page { page: 1, per_page: 50 });
        assert_eq!(Page::parse(Some("3"), Some("200")).unwrap().offset(), 400);
        for (p, pp, field) in
            [(Some("0"), None, "page"), (None, Some("201"), "per_page"), (Some("x"), None, "page"), (None, Some("0"), "per_page")]
        {
            match Page::parse(p, pp) {
                Err(Error::Invalid(e)) => assert_eq!(e[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
