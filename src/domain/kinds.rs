use super::FieldError;

/// Defines an enum stored and sent as a lower-case word, with its Dutch label.
/// `parse` refuses any other word and lists the allowed ones.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored and transmitted word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The Dutch word shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            pub fn parse(field: &str, raw: &str) -> Result<Self, $crate::domain::FieldError> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::FieldError::new(
                        field,
                        "one_of",
                        format!("'{}' is geen geldige waarde; kies uit: {}", raw, [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// Priority class from the regional urgentieregeling; the matcher's tiers, highest first.
    Urgency {
        Urgent => "urgent", "urgent";
        Priority => "priority", "voorrang";
        Regular => "regular", "regulier";
    }
}

impl Urgency {
    /// Matcher tier: 0 is the highest priority.
    pub fn tier(self) -> u32 {
        match self {
            Urgency::Urgent => 0,
            Urgency::Priority => 1,
            Urgency::Regular => 2,
        }
    }
}

text_enum! {
    /// Ambulant support after outflow.
    SupportLevel {
        Light => "light", "licht";
        Moderate => "moderate", "middel";
        /// Intensive support with 24/7 call-out: the team base must be near.
        Intensive => "intensive", "intensief";
    }
}

/// Rent in euro cents per month (kale huur). Social rent in the Netherlands stays far
/// below €5,000, so anything above is a typo (often euros entered as cents the other way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RentCents(i32);

impl RentCents {
    pub const MAX: i32 = 500_000;

    pub fn parse(field: &str, cents: i64) -> Result<Self, FieldError> {
        if cents <= 0 || cents > i64::from(Self::MAX) {
            return Err(FieldError::new(field, "range", "huur in centen moet groter zijn dan 0 en ten hoogste 500000 (€ 5.000) zijn"));
        }
        Ok(RentCents(cents as i32))
    }

    pub fn cents(self) -> i32 {
        self.0
    }
}

/// Number of people in a household, 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HouseholdSize(i32);

impl HouseholdSize {
    pub fn parse(field: &str, n: i64) -> Result<Self, FieldError> {
        if !(1..=12).contains(&n) {
            return Err(FieldError::new(field, "range", "aantal personen moet tussen 1 en 12 liggen"));
        }
        Ok(HouseholdSize(n as i32))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// Number of rooms (kamers, living room included), 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rooms(i32);

impl Rooms {
    pub fn parse(field: &str, n: i64) -> Result<Self, FieldError> {
        if !(1..=12).contains(&n) {
            return Err(FieldError::new(field, "range", "aantal kamers moet tussen 1 en 12 liggen"));
        }
        Ok(Rooms(n as i32))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_words_round_trip_and_refuse_others() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse("u", u.as_str()).unwrap(), *u);
        }
        let e = Urgency::parse("urgency", "URGENT").unwrap_err();
        assert_eq!(e.rule, "one_of");
        assert!(e.message.contains("urgent, priority, regular"));
    }

    #[test]
    fn tiers_are_ordered_highest_first() {
        assert!(Urgency::Urgent.tier() < Urgency::Priority.tier());
        assert!(Urgency::Priority.tier() < Urgency::Regular.tier());
    }

    #[test]
    fn rent_edges() {
        assert!(RentCents::parse("r", 0).is_err());
        assert!(RentCents::parse("r", 1).is_ok());
        assert!(RentCents::parse("r", 500_000).is_ok());
        assert!(RentCents::parse("r", 500_001).is_err());
    }

    #[test]
    fn household_and_rooms_edges() {
        assert!(HouseholdSize::parse("h", 0).is_err());
        assert!(HouseholdSize::parse("h", 1).is_ok());
        assert!(HouseholdSize::parse("h", 12).is_ok());
        assert!(HouseholdSize::parse("h", 13).is_err());
        assert!(Rooms::parse("r", 0).is_err());
        assert!(Rooms::parse("r", 12).is_ok());
    }
}
