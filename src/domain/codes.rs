use super::FieldError;
use std::fmt;

/// A Dutch postcode, normalised to `1234 AB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode(String);

impl Postcode {
    /// Accepts `1234AB`, `1234 ab` and `1234 AB`; the digits never start with 0 and the
    /// letter pairs SA, SD and SS are not issued by PostNL.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let bad = || {
            FieldError::new(field, "format", format!("'{raw}' is geen Nederlandse postcode; gebruik 4 cijfers en 2 letters, zoals 6811 AB"))
        };
        if compact.len() != 6 {
            return Err(bad());
        }
        let (digits, letters) = compact.split_at(4);
        if !digits.chars().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
            return Err(bad());
        }
        if !letters.chars().all(|c| c.is_ascii_uppercase()) || ["SA", "SD", "SS"].contains(&letters) {
            return Err(bad());
        }
        Ok(Postcode(format!("{digits} {letters}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CBS municipality code, `GM` and four digits. Whether the code exists is checked
/// against the register, not here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let up = raw.trim().to_uppercase();
        let ok = up.len() == 6 && up.starts_with("GM") && up[2..].chars().all(|c| c.is_ascii_digit());
        if ok {
            Ok(MunicipalityCode(up))
        } else {
            Err(FieldError::new(field, "format", format!("'{raw}' is geen CBS-gemeentecode; gebruik GM en 4 cijfers, zoals GM0202")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcode_normalises_spacing_and_case() {
        assert_eq!(Postcode::parse("p", "6811ab").unwrap().as_str(), "6811 AB");
        assert_eq!(Postcode::parse("p", " 6811  AB ").unwrap().as_str(), "6811 AB");
    }

    #[test]
    fn postcode_refuses_bad_shapes() {
        for bad in ["", "681 AB", "06811 AB", "0811 AB", "6811 A1", "6811 SS", "6811 SA", "68111AB", "ABCD 12"] {
            let e = Postcode::parse("postcode", bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule.as_str()), ("postcode", "format"), "{bad}");
        }
    }

    #[test]
    fn municipality_code_shape() {
        assert_eq!(MunicipalityCode::parse("m", "gm0202").unwrap().as_str(), "GM0202");
        for bad in ["GM202", "GM02020", "0202", "XX0202", "GM02A2"] {
            assert!(MunicipalityCode::parse("m", bad).is_err(), "{bad}");
        }
    }
}
