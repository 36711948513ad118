use super::kinds::text_enum;
use super::{Coordinates, FieldError, HouseholdSize, MunicipalityCode, Postcode, RentCents, Rooms};
use chrono::NaiveDate;

text_enum! {
    /// How a dwelling is offered.
    DwellingKind {
        /// A regular social rental offered under a contingent.
        Contingent => "contingent", "contingentwoning";
        /// Rented by a provider first; the lease flips to the client later.
        Omklap => "omklap", "omklapwoning";
    }
}

text_enum! {
    /// Where a dwelling is in its life at the table.
    DwellingStatus {
        Draft => "draft", "concept";
        Published => "published", "gepubliceerd";
        Reserved => "reserved", "gereserveerd";
        Let => "let", "verhuurd";
        Withdrawn => "withdrawn", "ingetrokken";
    }
}

impl DwellingStatus {
    /// draft → published → reserved → let | withdrawn; a draft or a published dwelling
    /// may also be withdrawn, a reservation can fall through back to published, and a
    /// withdrawn placement (lease dissolved before move-in) frees a let dwelling again.
    pub fn may_become(self, next: DwellingStatus) -> bool {
        use DwellingStatus::*;
        matches!(
            (self, next),
            (Draft, Published)
                | (Draft, Withdrawn)
                | (Published, Reserved)
                | (Published, Withdrawn)
                | (Reserved, Let)
                | (Reserved, Published)
                | (Reserved, Withdrawn)
                | (Let, Published)
        )
    }

    /// Whether the corporation may still change the dwelling's details.
    pub fn is_editable(self) -> bool {
        matches!(self, DwellingStatus::Draft | DwellingStatus::Published)
    }
}

/// A trimmed, non-empty text of at most `max` characters.
pub(crate) fn parse_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "dit veld is verplicht"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, "length", format!("ten hoogste {max} tekens")));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(field, "format", "bevat niet-toegestane tekens"));
    }
    Ok(t.to_string())
}

/// A dwelling as the corporation describes it, every field checked on its own.
/// Rules that need the register (is the municipality in the region, does the
/// provider exist) are the workflow's.
#[derive(Debug, Clone)]
pub struct NewDwelling {
    pub kind: DwellingKind,
    pub external_ref: Option<String>,
    pub street: String,
    pub house_number: String,
    pub postcode: Postcode,
    pub city: String,
    pub location: Coordinates,
    pub municipality: Option<MunicipalityCode>,
    pub rooms: Rooms,
    pub max_household: HouseholdSize,
    pub rent: RentCents,
    pub floor: i32,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    pub omklap_provider_id: Option<i32>,
}

/// The unchecked fields of a dwelling, as any input (JSON, CSV, form) delivers them.
#[derive(Debug, Clone, Default)]
pub struct DwellingFields<'a> {
    pub kind: &'a str,
    pub external_ref: Option<&'a str>,
    pub street: &'a str,
    pub house_number: &'a str,
    pub postcode: &'a str,
    pub city: &'a str,
    pub lat: f64,
    pub lon: f64,
    pub municipality: Option<&'a str>,
    pub rooms: i64,
    pub max_household: i64,
    pub rent_cents: i64,
    pub floor: i64,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    pub omklap_provider_id: Option<i32>,
}

impl NewDwelling {
    /// Checks every field and reports all broken rules at once.
    pub fn parse(f: DwellingFields<'_>) -> Result<Self, Vec<FieldError>> {
        let mut errs = super::Errors::new();
        let kind = errs.check(DwellingKind::parse("kind", f.kind));
        let external_ref = match f.external_ref {
            Some(r) => errs.check(parse_text("external_ref", r, 64).map(Some)),
            None => Some(None),
        };
        let street = errs.check(parse_text("street", f.street, 100));
        let house_number = errs.check(parse_text("house_number", f.house_number, 12).and_then(|h| {
            if h.starts_with(|c: char| c.is_ascii_digit() && c != '0') {
                Ok(h)
            } else {
                Err(FieldError::new("house_number", "format", "een huisnummer begint met een cijfer van 1 tot 9, zoals 12 of 12a"))
            }
        }));
        let postcode = errs.check(Postcode::parse("postcode", f.postcode));
        let city = errs.check(parse_text("city", f.city, 80));
        let location = errs.check(Coordinates::parse("lat", f.lat, f.lon));
        let municipality = match f.municipality {
            Some(m) => errs.check(MunicipalityCode::parse("municipality", m).map(Some)),
            None => Some(None),
        };
        let rooms = errs.check(Rooms::parse("rooms", f.rooms));
        let max_household = errs.check(HouseholdSize::parse("max_household", f.max_household));
        let rent = errs.check(RentCents::parse("rent_cents", f.rent_cents));
        if !(-1..=40).contains(&f.floor) {
            errs.push(FieldError::new("floor", "range", "verdieping moet tussen -1 (souterrain) en 40 liggen"));
        }
        match (kind, f.omklap_provider_id) {
            (Some(DwellingKind::Omklap), None) => {
                errs.push(FieldError::new("omklap_provider_id", "required", "een omklapwoning heeft een zorgaanbieder als hoofdhuurder"))
            }
            (Some(DwellingKind::Contingent), Some(_)) => errs.push(FieldError::new(
                "omklap_provider_id",
                "not_allowed",
                "alleen een omklapwoning heeft een zorgaanbieder als hoofdhuurder",
            )),
            _ => {}
        }
        errs.into_result()?;
        // Every `None` below was recorded as an error above, so these unwraps cannot fail.
        Ok(NewDwelling {
            kind: kind.unwrap(),
            external_ref: external_ref.unwrap(),
            street: street.unwrap(),
            house_number: house_number.unwrap(),
            postcode: postcode.unwrap(),
            city: city.unwrap(),
            location: location.unwrap(),
            municipality: municipality.unwrap(),
            rooms: rooms.unwrap(),
            max_household: max_household.unwrap(),
            rent: rent.unwrap(),
            floor: f.floor as i32,
            has_lift: f.has_lift,
            wheelchair_accessible: f.wheelchair_accessible,
            available_from: f.available_from,
            omklap_provider_id: f.omklap_provider_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> DwellingFields<'static> {
        DwellingFields {
            kind: "contingent",
            street: "Steenstraat",
            house_number: "12a",
            postcode: "6828CA",
            city: "Arnhem",
            lat: 51.98,
            lon: 5.91,
            rooms: 2,
            max_household: 2,
            rent_cents: 65_000,
            available_from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_dwelling_parses() {
        let d = NewDwelling::parse(fields()).unwrap();
        assert_eq!(d.postcode.as_str(), "6828 CA");
        assert_eq!(d.house_number, "12a");
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let mut f = fields();
        f.street = " ";
        f.rooms = 0;
        f.floor = 41;
        f.postcode = "12";
        let errs = NewDwelling::parse(f).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["street", "postcode", "rooms", "floor"]);
    }

    #[test]
    fn omklap_needs_a_provider_and_contingent_refuses_one() {
        let mut f = fields();
        f.kind = "omklap";
        assert_eq!(NewDwelling::parse(f.clone()).unwrap_err()[0].field, "omklap_provider_id");
        f.omklap_provider_id = Some(3);
        assert!(NewDwelling::parse(f.clone()).is_ok());
        f.kind = "contingent";
        assert_eq!(NewDwelling::parse(f).unwrap_err()[0].rule, "not_allowed");
    }

    #[test]
    fn house_number_must_start_with_a_digit() {
        let mut f = fields();
        f.house_number = "a12";
        assert_eq!(NewDwelling::parse(f).unwrap_err()[0].field, "house_number");
    }

    #[test]
    fn status_transitions() {
        use DwellingStatus::*;
        assert!(Draft.may_become(Published));
        assert!(Published.may_become(Withdrawn));
        assert!(!Draft.may_become(Let));
        assert!(Let.may_become(Published), "a withdrawn placement");
        assert!(!Let.may_become(Reserved));
        assert!(!Withdrawn.may_become(Published));
        assert!(!Published.may_become(Published));
    }
}
