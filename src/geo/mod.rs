//! The municipalities as places: the shipped CBS data, and which municipality a point
//! lies in. The data is compiled into the binary, so lookups need no database round-trip
//! and a fresh machine needs no download.

pub mod map;

use crate::domain::Coordinates;
use ::geo::{BoundingRect, Contains, MultiPolygon, Point, Rect};
use std::sync::OnceLock;

const GEOJSON: &str = include_str!("../../data/gemeenten.geojson");
const CSV: &str = include_str!("../../data/gemeenten.csv");

/// One municipality as shipped in `data/`.
#[derive(Debug, Clone)]
pub struct MunicipalityRecord {
    pub code: String,
    pub name: String,
    pub population: i32,
    pub households: i32,
    pub centroid_lon: f64,
    pub centroid_lat: f64,
    /// The boundary as a GeoJSON geometry object.
    pub boundary: String,
}

struct Shape {
    code: String,
    shape: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

/// Point-in-polygon lookup over the 342 municipality boundaries.
pub struct MunicipalityIndex {
    shapes: Vec<Shape>,
}

impl MunicipalityIndex {
    /// The index over the shipped boundaries, parsed once per process: reference data
    /// that never changes while the service runs.
    pub fn shipped() -> &'static MunicipalityIndex {
        static INDEX: OnceLock<MunicipalityIndex> = OnceLock::new();
        INDEX.get_or_init(|| {
            let shapes = features()
                .into_iter()
                .map(|(code, geometry)| {
                    let shape = to_multipolygon(geometry);
                    let bbox = shape.bounding_rect().expect("every shipped municipality has a boundary");
                    Shape { code, shape, bbox }
                })
                .collect();
            MunicipalityIndex { shapes }
        })
    }

    /// The CBS code of the municipality the point lies in; `None` outside the Netherlands
    /// (or in the sea: the boundaries follow the coast).
    pub fn locate(&self, at: Coordinates) -> Option<&str> {
        let p = Point::new(at.lon(), at.lat());
        self.shapes.iter().find(|s| s.bbox.contains(&p) && s.shape.contains(&p)).map(|s| s.code.as_str())
    }

    /// The boundary of a municipality by CBS code.
    pub fn shape(&self, code: &str) -> Option<&MultiPolygon<f64>> {
        self.shapes.iter().find(|s| s.code == code).map(|s| &s.shape)
    }

    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

fn features() -> Vec<(String, geojson::Geometry)> {
    let gj: geojson::GeoJson = GEOJSON.parse().expect("data/gemeenten.geojson is valid GeoJSON");
    let geojson::GeoJson::FeatureCollection(fc) = gj else { panic!("data/gemeenten.geojson is a FeatureCollection") };
    fc.features
        .into_iter()
        .map(|f| {
            let code = f.property("code").and_then(|v| v.as_str()).expect("every feature has a code").to_string();
            (code, f.geometry.expect("every feature has a geometry"))
        })
        .collect()
}

fn to_multipolygon(g: geojson::Geometry) -> MultiPolygon<f64> {
    match ::geo::Geometry::<f64>::try_from(g.value).expect("boundaries are polygons") {
        ::geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        ::geo::Geometry::MultiPolygon(mp) => mp,
        other => panic!("unexpected boundary geometry {other:?}"),
    }
}

/// The shipped municipalities with their figures and boundaries, for loading the register.
pub fn shipped_records() -> Vec<MunicipalityRecord> {
    let mut boundaries: std::collections::HashMap<String, String> =
        features().into_iter().map(|(code, g)| (code, serde_json::to_string(&g).expect("geometry serialises"))).collect();
    let mut rdr = csv::Reader::from_reader(CSV.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("data/gemeenten.csv is valid CSV");
            let code = r[0].to_string();
            let boundary = boundaries.remove(&code).unwrap_or_else(|| panic!("{code} has a boundary"));
            MunicipalityRecord {
                name: r[1].to_string(),
                population: r[2].parse().expect("population is a number"),
                households: r[3].parse().expect("households is a number"),
                centroid_lon: r[4].parse().expect("centroid_lon is a number"),
                centroid_lat: r[5].parse().expect("centroid_lat is a number"),
                boundary,
                code,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse("t", lat, lon).unwrap()
    }

    #[test]
    fn ships_all_342_municipalities_with_boundaries() {
        let records = shipped_records();
        assert_eq!(records.len(), 342);
        assert_eq!(MunicipalityIndex::shipped().len(), 342);
        assert!(records.iter().all(|r| r.code.starts_with("GM") && r.boundary.contains("coordinates")));
    }

    #[test]
    fn locates_real_places() {
        let idx = MunicipalityIndex::shipped();
        assert_eq!(idx.locate(at(51.9800, 5.9110)), Some("GM0202")); // Arnhem, Willemsplein
        assert_eq!(idx.locate(at(52.3731, 4.8922)), Some("GM0363")); // Amsterdam, Dam
        assert_eq!(idx.locate(at(52.0286, 6.1403)), Some("GM0221")); // Doesburg
    }

    #[test]
    fn refuses_points_outside_the_netherlands() {
        let idx = MunicipalityIndex::shipped();
        assert_eq!(idx.locate(at(50.8466, 4.3528)), None); // Brussels
        assert_eq!(idx.locate(at(51.4556, 7.0116)), None); // Essen
        assert_eq!(idx.locate(at(53.5, 4.0)), None); // North Sea
    }

    #[test]
    fn every_centroid_of_a_compact_municipality_locates_to_itself() {
        // Centroids of odd shapes can fall outside; most must not.
        let idx = MunicipalityIndex::shipped();
        let records = shipped_records();
        let hits = records.iter().filter(|r| idx.locate(at(r.centroid_lat, r.centroid_lon)) == Some(r.code.as_str())).count();
        assert!(hits >= 320, "{hits} of {} centroids inside their own municipality", records.len());
    }
}
