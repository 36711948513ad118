//! Bulk upload of dwellings from a CSV file as Dutch Excel writes it: comma or semicolon
//! separated, UTF-8 with or without a byte-order mark, Dutch column names (the API's
//! names work too), decimal commas and `dd-mm-jjjj` dates. All rows or none: any broken
//! row is reported with its line number and nothing is stored.

use super::{dwellings, Caller, Error};
use crate::domain::{text, FieldError, NewDwelling};
use crate::store::rows::Dwelling;
use crate::store::Conn;

/// The columns, as (Dutch header, field name). The first seven and the dates are required.
pub const COLUMNS: &[(&str, &str)] = &[
    ("soort", "kind"),
    ("kenmerk", "external_ref"),
    ("straat", "street"),
    ("huisnummer", "house_number"),
    ("postcode", "postcode"),
    ("plaats", "city"),
    ("breedtegraad", "lat"),
    ("lengtegraad", "lon"),
    ("gemeente", "municipality"),
    ("kamers", "rooms"),
    ("max_huishouden", "max_household"),
    ("huur", "rent"),
    ("verdieping", "floor"),
    ("lift", "has_lift"),
    ("rolstoel", "wheelchair_accessible"),
    ("beschikbaar_vanaf", "available_from"),
    ("omklap_zorgaanbieder", "omklap_provider_id"),
];

const REQUIRED: &[&str] =
    &["kind", "street", "house_number", "postcode", "city", "lat", "lon", "rooms", "max_household", "rent", "available_from"];

/// An example file with one row, offered for download on the upload page.
pub fn example() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|(h, _)| *h).collect();
    format!(
        "{}\ncontingent;A-1001;Steenstraat;12a;6828 CA;Arnhem;51,9802;5,9111;GM0202;2;2;650,00;0;nee;nee;01-12-2026;\n",
        header.join(";")
    )
}

/// An error on line `line` of the file (1 is the header).
fn at(line: usize, e: FieldError) -> FieldError {
    let field = format!("[{line}].{}", e.field);
    e.at(field)
}

/// Reads the file into dwellings; every broken cell of every row is reported.
pub fn parse(bytes: &[u8]) -> Result<Vec<NewDwelling>, Vec<FieldError>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(body) = std::str::from_utf8(body) else {
        return Err(vec![FieldError::new("bestand", "encoding", "sla het bestand op als 'CSV UTF-8'; deze tekens kunnen we niet lezen")]);
    };
    let first = body.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).flexible(false).trim(csv::Trim::All).from_reader(body.as_bytes());
    let headers = rdr.headers().map_err(|e| vec![FieldError::new("bestand", "format", format!("de kopregel is onleesbaar: {e}"))])?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    let mut errs = Vec::new();
    for h in headers.iter() {
        let h = h.to_lowercase().replace(' ', "_");
        match COLUMNS.iter().find(|(dutch, name)| *dutch == h || *name == h) {
            Some((_, name)) => columns.push(*name),
            None => errs.push(at(1, FieldError::new(h.clone(), "unknown_column", format!("de kolom '{h}' kennen we niet")))),
        }
    }
    for r in REQUIRED {
        if !columns.contains(r) {
            let dutch = COLUMNS.iter().find(|(_, n)| n == r).map(|(d, _)| *d).unwrap_or(r);
            errs.push(at(1, FieldError::new(dutch.to_string(), "missing_column", format!("de kolom '{dutch}' ontbreekt"))));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errs.push(at(line, FieldError::new("regel", "format", format!("deze regel is onleesbaar: {e}"))));
                continue;
            }
        };
        let get = |name: &str| columns.iter().position(|c| *c == name).and_then(|p| record.get(p)).unwrap_or("").to_string();
        match text::dwelling(get) {
            Ok(d) => out.push(d),
            Err(es) => errs.extend(es.into_iter().map(|e| at(line, e))),
        }
    }
    if out.is_empty() && errs.is_empty() {
        errs.push(FieldError::new("bestand", "empty", "het bestand bevat geen woningen"));
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Parses and stores the file; with any error, nothing is stored and every error names
/// its line (`[3].postcode`).
pub fn import(conn: &mut Conn, caller: &Caller, bytes: &[u8]) -> Result<Vec<Dwelling>, Error> {
    caller.allow(super::access::Capability::WriteDwellings)?;
    let rows = parse(bytes).map_err(Error::Invalid)?;
    dwellings::create_many(conn, caller, &rows).map_err(|e| match e {
        // The register's rules name the row by index; turn that into the file's line.
        Error::Invalid(errs) if rows.len() > 1 => Error::Invalid(
            errs.into_iter()
                .map(|e| match e.field.strip_prefix('[').and_then(|f| f.split_once("].")) {
                    Some((i, f)) => {
                        let line = i.parse::<usize>().map(|i| i + 2).unwrap_or(0);
                        let f = f.to_string();
                        at(line, e.at(f))
                    }
                    None => e,
                })
                .collect(),
        ),
        Error::Invalid(errs) => Error::Invalid(errs.into_iter().map(|e| at(2, e)).collect()),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_semicolons_with_bom_and_decimal_commas() {
        let file = format!("\u{feff}{}", example());
        let rows = parse(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rent.cents(), 65_000);
        assert!((rows[0].location.lat() - 51.9802).abs() < 1e-9);
    }

    #[test]
    fn comma_separated_with_api_names() {
        let file = "kind,street,house_number,postcode,city,lat,lon,rooms,max_household,rent,available_from\n\
                    contingent,Steenstraat,3,6828CA,Arnhem,51.98,5.91,2,2,650.00,2026-12-01\n";
        assert_eq!(parse(file.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let mut file = example();
        file.push_str("contingent;;Steenstraat;0;6828;Arnhem;51,98;5,91;;2;2;veel;0;nee;nee;01-12-2026;\n");
        file.push_str("contingent;;Steenstraat;5;6828 CA;Arnhem;51,98;5,91;;2;2;600;0;nee;nee;31-02-2026;\n");
        let errs = parse(file.as_bytes()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"[3].house_number") && fields.contains(&"[3].postcode") && fields.contains(&"[3].rent_cents"),
            "{fields:?}"
        );
        assert_eq!(fields.iter().filter(|f| f.starts_with("[4].")).collect::<Vec<_>>(), vec![&"[4].available_from"]);
        assert!(!fields.iter().any(|f| f.starts_with("[2].")));
    }

    #[test]
    fn unknown_and_missing_columns_refuse_the_file() {
        let errs = parse(b"soort;straat;kleur\ncontingent;A;rood\n").unwrap_err();
        assert!(errs.iter().any(|e| e.rule == "unknown_column" && e.field == "[1].kleur"));
        assert!(errs.iter().any(|e| e.rule == "missing_column" && e.field == "[1].postcode"));
        assert_eq!(parse(example().lines().next().unwrap().as_bytes()).unwrap_err()[0].rule, "empty");
        assert_eq!(parse(b"\xff\xfe;;").unwrap_err()[0].rule, "encoding");
    }
}
