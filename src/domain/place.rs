use super::FieldError;

/// A WGS84 point (longitude, latitude). `parse` only checks the numbers; whether the
/// point lies in the Netherlands is the municipality index's question (`crate::geo`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

impl Coordinates {
    pub fn parse(field: &str, lat: f64, lon: f64) -> Result<Self, FieldError> {
        if !lat.is_finite() || !lon.is_finite() || !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new(field, "range", "breedtegraad moet tussen -90 en 90 liggen en lengtegraad tussen -180 en 180"));
        }
        Ok(Coordinates { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres.
    pub fn distance_m(&self, other: &Coordinates) -> f64 {
        use geo::{Distance, Haversine, Point};
        Haversine.distance(Point::new(self.lon, self.lat), Point::new(other.lon, other.lat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_finite_and_out_of_range() {
        assert!(Coordinates::parse("c", f64::NAN, 5.0).is_err());
        assert!(Coordinates::parse("c", 91.0, 5.0).is_err());
        assert!(Coordinates::parse("c", 52.0, -180.5).is_err());
        assert!(Coordinates::parse("c", 52.0, 5.9).is_ok());
    }

    #[test]
    fn distance_arnhem_nijmegen_is_about_16_km() {
        let arnhem = Coordinates::parse("c", 51.9851, 5.8987).unwrap();
        let nijmegen = Coordinates::parse("c", 51.8426, 5.8546).unwrap();
        let d = arnhem.distance_m(&nijmegen);
        assert!((15_000.0..17_500.0).contains(&d), "{d}");
    }
}
