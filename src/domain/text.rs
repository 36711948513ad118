//! Domain values from text, as a form field or a spreadsheet cell delivers them: Dutch
//! habits first (decimal comma, `dd-mm-jjjj`, `ja`/`nee`), the ISO forms too. The same
//! parsers serve the pages and the CSV import, so a value means the same in both.

use super::{ClientFields, DwellingFields, FieldError, NewClient, NewDwelling};
use chrono::NaiveDate;

/// A whole number; `what` names it in the Dutch message.
pub fn int(field: &str, raw: &str) -> Result<i64, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "dit veld is verplicht"));
    }
    t.parse::<i64>().map_err(|_| FieldError::new(field, "number", "vul een heel getal in, zoals 2"))
}

/// A decimal number with a comma or a point, as Dutch Excel writes either.
pub fn decimal(field: &str, raw: &str) -> Result<f64, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "dit veld is verplicht"));
    }
    t.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| FieldError::new(field, "number", "vul een getal in, zoals 51,98"))
}

/// An amount in euros (`725`, `725,50`, `€ 725,50`, `1.025,00`) as cents.
pub fn euros_to_cents(field: &str, raw: &str) -> Result<i64, FieldError> {
    let t = raw.trim().trim_start_matches('€').trim();
    let bad = || FieldError::new(field, "amount", "vul een bedrag in euro in, zoals 725 of 725,50");
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "dit veld is verplicht"));
    }
    // A point before three digits at the end of a group is a thousands separator.
    let (whole, frac) = match t.rsplit_once(',') {
        Some((w, f)) => (w.replace('.', ""), f.to_string()),
        None => match t.rsplit_once('.') {
            Some((w, f)) if f.len() != 3 => (w.to_string(), f.to_string()),
            _ => (t.replace('.', ""), String::new()),
        },
    };
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let euros: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
    euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or_else(bad)
}

/// A date as `2026-12-01` or `01-12-2026` (also with slashes).
pub fn date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "dit veld is verplicht"));
    }
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .ok_or_else(|| FieldError::new(field, "date", "vul een datum in als 01-12-2026 of 2026-12-01"))
}

/// A yes/no: a ticked box (`on`), `ja`/`nee`, `1`/`0`, `true`/`false`; empty is no.
pub fn flag(field: &str, raw: &str) -> Result<bool, FieldError> {
    match raw.trim().to_lowercase().as_str() {
        "" | "nee" | "n" | "0" | "false" | "onwaar" => Ok(false),
        "ja" | "j" | "1" | "true" | "waar" | "on" | "x" => Ok(true),
        _ => Err(FieldError::new(field, "flag", "vul ja of nee in")),
    }
}

fn optional(raw: &str) -> Option<&str> {
    let t = raw.trim();
    (!t.is_empty()).then_some(t)
}

/// A dwelling from named text values (form fields or CSV columns, by the API's field
/// names; rent in euros under `rent`). Every broken rule is reported, not just the first.
pub fn dwelling(get: impl Fn(&str) -> String) -> Result<NewDwelling, Vec<FieldError>> {
    let mut errs = super::Errors::new();
    let (kind, external_ref, street, house_number, postcode, city) =
        (get("kind"), get("external_ref"), get("street"), get("house_number"), get("postcode"), get("city"));
    let municipality = get("municipality");
    let lat = errs.check(decimal("lat", &get("lat")));
    let lon = errs.check(decimal("lon", &get("lon")));
    let rooms = errs.check(int("rooms", &get("rooms")));
    let max_household = errs.check(int("max_household", &get("max_household")));
    let rent = errs.check(euros_to_cents("rent_cents", &get("rent")));
    let floor_raw = get("floor");
    let floor = if floor_raw.trim().is_empty() { Some(0) } else { errs.check(int("floor", &floor_raw)) };
    let has_lift = errs.check(flag("has_lift", &get("has_lift")));
    let wheelchair = errs.check(flag("wheelchair_accessible", &get("wheelchair_accessible")));
    let available_from = errs.check(date("available_from", &get("available_from")));
    let provider_raw = get("omklap_provider_id");
    let provider = match optional(&provider_raw) {
        None => Some(None),
        Some(p) => errs.check(int("omklap_provider_id", p).and_then(|v| {
            i32::try_from(v).map(Some).map_err(|_| FieldError::new("omklap_provider_id", "exists", "deze zorgaanbieder kennen we niet"))
        })),
    };
    let parsed = NewDwelling::parse(DwellingFields {
        kind: &kind,
        external_ref: optional(&external_ref),
        street: &street,
        house_number: &house_number,
        postcode: &postcode,
        city: &city,
        lat: lat.unwrap_or(52.0),
        lon: lon.unwrap_or(5.0),
        municipality: optional(&municipality),
        rooms: rooms.unwrap_or(1),
        max_household: max_household.unwrap_or(1),
        rent_cents: rent.unwrap_or(1),
        floor: floor.unwrap_or(0),
        has_lift: has_lift.unwrap_or(false),
        wheelchair_accessible: wheelchair.unwrap_or(false),
        available_from: available_from.unwrap_or_default(),
        omklap_provider_id: provider.flatten(),
    });
    // The placeholders above stand in for values already reported; only keep the
    // domain's own errors on fields that did parse.
    let reported: Vec<String> = errs.fields();
    match parsed {
        Ok(d) if reported.is_empty() => Ok(d),
        Ok(_) => Err(errs.into_vec()),
        Err(domain) => {
            for e in domain {
                let placeholder = reported.contains(&e.field) || (e.field == "omklap_provider_id" && provider.is_none());
                if !placeholder {
                    errs.push(e);
                }
            }
            Err(errs.into_vec())
        }
    }
}

/// A client's needs from named text values (form fields), rent in euros under
/// `max_rent`; the places (exclusion zones, anchors) come as they are stored.
pub fn client(
    get: impl Fn(&str) -> String,
    exclusion_zones: Vec<(f64, f64, i64)>,
    anchors: Vec<(&str, f64, f64)>,
    today: NaiveDate,
) -> Result<NewClient, Vec<FieldError>> {
    let mut errs = super::Errors::new();
    let birth_year = errs.check(int("birth_year", &get("birth_year")));
    let household_size = errs.check(int("household_size", &get("household_size")));
    let min_rooms = errs.check(int("needs.min_rooms", &get("min_rooms")));
    let max_rent = errs.check(euros_to_cents("needs.max_rent_cents", &get("max_rent")));
    let ground_floor = errs.check(flag("needs.ground_floor", &get("ground_floor")));
    let lift = errs.check(flag("needs.lift", &get("lift")));
    let wheelchair = errs.check(flag("needs.wheelchair", &get("wheelchair")));
    let (binding, wish, urgency, support) = (get("binding_municipality"), get("wish_municipality"), get("urgency"), get("support_level"));
    let parsed = NewClient::parse(
        ClientFields {
            birth_year: birth_year.unwrap_or(1990),
            household_size: household_size.unwrap_or(1),
            binding_municipality: &binding,
            wish_municipality: optional(&wish),
            urgency: &urgency,
            support_level: &support,
            min_rooms: min_rooms.unwrap_or(1),
            max_rent_cents: max_rent.unwrap_or(1),
            ground_floor: ground_floor.unwrap_or(false),
            lift: lift.unwrap_or(false),
            wheelchair: wheelchair.unwrap_or(false),
            exclusion_zones,
            anchors,
        },
        today,
    );
    let reported = errs.fields();
    match parsed {
        Ok(c) if reported.is_empty() => Ok(c),
        Ok(_) => Err(errs.into_vec()),
        Err(domain) => {
            for e in domain {
                if !reported.contains(&e.field) {
                    errs.push(e);
                }
            }
            Err(errs.into_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_in_dutch_and_iso_forms() {
        assert_eq!(euros_to_cents("r", "725").unwrap(), 72_500);
        assert_eq!(euros_to_cents("r", "725,5").unwrap(), 72_550);
        assert_eq!(euros_to_cents("r", "€ 725,50").unwrap(), 72_550);
        assert_eq!(euros_to_cents("r", "1.025,00").unwrap(), 102_500);
        assert_eq!(euros_to_cents("r", "1.025").unwrap(), 102_500);
        assert_eq!(euros_to_cents("r", "725.50").unwrap(), 72_550);
        for bad in ["", "zeven", "7,255", "-5", "1,2,3"] {
            assert!(euros_to_cents("r", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_flags_and_decimals() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(date("d", "2026-12-01").unwrap(), d);
        assert_eq!(date("d", "01-12-2026").unwrap(), d);
        assert_eq!(date("d", "1/12/2026").unwrap(), d);
        assert!(date("d", "31-02-2026").is_err());
        assert!(flag("f", "ja").unwrap() && flag("f", "on").unwrap() && !flag("f", "").unwrap() && !flag("f", "Nee").unwrap());
        assert_eq!(flag("f", "misschien").unwrap_err().rule, "flag");
        assert_eq!(decimal("x", "51,98").unwrap(), 51.98);
        assert_eq!(decimal("x", "NaN").unwrap_err().rule, "number");
    }

    fn row(over: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let mut m: std::collections::HashMap<String, String> = [
            ("kind", "contingent"),
            ("street", "Steenstraat"),
            ("house_number", "12a"),
            ("postcode", "6828 CA"),
            ("city", "Arnhem"),
            ("lat", "51,98"),
            ("lon", "5,91"),
            ("rooms", "2"),
            ("max_household", "2"),
            ("rent", "650,00"),
            ("available_from", "01-12-2026"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in over {
            m.insert(k.to_string(), v.to_string());
        }
        move |k| m.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_dwelling_row_parses_and_every_error_is_named_once() {
        let d = dwelling(row(&[])).unwrap();
        assert_eq!(d.rent.cents(), 65_000);
        let errs = dwelling(row(&[("rent", "veel"), ("postcode", "12"), ("rooms", "")])).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields.iter().filter(|f| **f == "rent_cents").count(), 1);
        assert!(fields.contains(&"postcode") && fields.contains(&"rooms"));
        // The placeholder for an unparsable provider does not add an "omklap needs a provider" error.
        let errs = dwelling(row(&[("kind", "omklap"), ("omklap_provider_id", "x")])).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "omklap_provider_id");
    }
}
