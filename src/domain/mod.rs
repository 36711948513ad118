//! Plain domain types. Each is built only through `parse`, which checks its rule,
//! so a value of the type is valid by construction. No database, no web.

mod client;
mod codes;
mod dwelling;
pub mod follow_up;
pub(crate) mod kinds;
mod place;
mod policy;
mod proposal;
pub mod responsibility;
mod roles;
pub mod text;
pub mod throttle;

pub use client::ClientFields;
pub use client::{Anchor, AnchorKind, BirthYear, ClientStatus, ExclusionZone, Needs, NewClient, ReferenceCode};
pub use codes::{MunicipalityCode, Postcode};
pub(crate) use dwelling::parse_text;
pub use dwelling::DwellingFields;
pub use dwelling::{DwellingKind, DwellingStatus, NewDwelling};
pub use follow_up::FollowUpOutcome;
pub(crate) use kinds::text_enum;
pub use kinds::{HouseholdSize, RentCents, Rooms, SupportLevel, Urgency};
pub use place::Coordinates;
pub use policy::RegionPolicy;
pub use proposal::{ProposalStatus, Reason, ReviewReason};
pub use roles::{OrgKind, Role};

/// One broken rule of one input field. `rule` is a stable machine name, `message`
/// the Dutch sentence shown to people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The input field, in the request's own naming (`postcode`, `needs.min_rooms`).
    pub field: String,
    /// Stable name of the rule that failed, e.g. `format`, `range`, `required`.
    pub rule: String,
    /// What is wrong, in Dutch.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), rule: rule.to_string(), message: message.into() }
    }

    /// The same error, reported under another field name (a nested form field).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// Collects the errors of a whole input so the caller hears about every field at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Errors(Vec::new())
    }

    /// Keeps the value of a successful parse, records the error of a failed one.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields that have an error so far.
    pub fn fields(&self) -> Vec<String> {
        self.0.iter().map(|e| e.field.clone()).collect()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
