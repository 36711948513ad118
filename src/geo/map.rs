//! A map of a region as SVG, drawn on the server from the shipped boundaries: no tile
//! server, no script, readable in print. Boundaries are simplified for size and
//! projected equirectangularly, which is exact enough at the scale of a region.

use super::MunicipalityIndex;
use ::geo::{BoundingRect, InteriorPoint, MultiPolygon, Rect, Simplify};

/// Width of the drawing in SVG units; the height follows the region's shape.
const WIDTH: f64 = 640.0;
/// Room around the drawing for labels at the edge.
const MARGIN: f64 = 40.0;
/// Douglas–Peucker tolerance in degrees (about 100 m): invisible at this size.
const TOLERANCE: f64 = 0.001;

/// A municipality to draw, with the lines written on it.
pub struct Area {
    pub code: String,
    pub name: String,
    pub lines: Vec<String>,
    /// Drawn stronger, e.g. the client's binding municipality.
    pub highlight: bool,
}

/// A point to mark, e.g. the dwelling.
pub struct Marker {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    /// `dwelling` or `anchor`: the template draws each kind its own way.
    pub kind: &'static str,
}

pub struct DrawnArea {
    pub code: String,
    pub name: String,
    pub path: String,
    pub x: f64,
    pub y: f64,
    pub lines: Vec<String>,
    pub highlight: bool,
}

pub struct DrawnMarker {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub kind: &'static str,
}

/// A drawn map, ready for the template.
pub struct Map {
    pub width: f64,
    pub height: f64,
    pub areas: Vec<DrawnArea>,
    pub markers: Vec<DrawnMarker>,
}

struct Projection {
    bbox: Rect<f64>,
    kx: f64,
    scale: f64,
}

impl Projection {
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (MARGIN + (lon - self.bbox.min().x) * self.kx * self.scale, MARGIN + (self.bbox.max().y - lat) * self.scale)
    }
}

/// A municipality's simplified boundary and the point its label goes on.
type Outline = std::sync::Arc<(MultiPolygon<f64>, Option<::geo::Point<f64>>)>;

/// The shipped boundaries never change, so each is simplified once per process: at a
/// national region simplifying 342 boundaries took most of a map's drawing time.
fn outline(code: &str) -> Option<Outline> {
    static OUTLINES: std::sync::OnceLock<parking_lot::Mutex<std::collections::HashMap<String, Outline>>> = std::sync::OnceLock::new();
    let outlines = OUTLINES.get_or_init(Default::default);
    if let Some(o) = outlines.lock().get(code) {
        return Some(o.clone());
    }
    let shape = MunicipalityIndex::shipped().shape(code)?.simplify(TOLERANCE);
    let label = shape.interior_point();
    let o: Outline = std::sync::Arc::new((shape, label));
    outlines.lock().insert(code.to_string(), o.clone());
    Some(o)
}

/// Draws the areas (unknown codes are skipped) and the markers.
pub fn draw(areas: Vec<Area>, markers: Vec<Marker>) -> Map {
    let shapes: Vec<(Area, Outline)> = areas.into_iter().filter_map(|a| outline(&a.code).map(|s| (a, s))).collect();
    let Some(bbox) = shapes.iter().filter_map(|(_, s)| s.0.bounding_rect()).reduce(|a, b| {
        Rect::new(
            ::geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            ::geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    }) else {
        return Map { width: WIDTH, height: 0.0, areas: vec![], markers: vec![] };
    };
    // A degree of longitude is shorter than one of latitude by cos(latitude).
    let kx = bbox.center().y.to_radians().cos();
    let scale = WIDTH / (bbox.width() * kx).max(1e-9);
    let p = Projection { bbox, kx, scale };
    let areas = shapes
        .into_iter()
        .map(|(a, outline)| {
            let (shape, label) = &*outline;
            let mut path = String::new();
            for poly in shape {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for (i, c) in ring.coords().enumerate() {
                        let (x, y) = p.xy(c.x, c.y);
                        path.push_str(&format!("{}{x:.1} {y:.1} ", if i == 0 { "M" } else { "L" }));
                    }
                    path.push_str("Z ");
                }
            }
            let (x, y) = label.map(|c| p.xy(c.x(), c.y())).unwrap_or((0.0, 0.0));
            DrawnArea { code: a.code, name: a.name, path: path.trim_end().to_string(), x, y, lines: a.lines, highlight: a.highlight }
        })
        .collect();
    let markers = markers
        .into_iter()
        .map(|m| {
            let (x, y) = p.xy(m.lon, m.lat);
            DrawnMarker { x, y, label: m.label, kind: m.kind }
        })
        .collect();
    Map { width: WIDTH + 2.0 * MARGIN, height: (bbox.height() * scale).ceil() + 2.0 * MARGIN, areas, markers }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(code: &str) -> Area {
        Area { code: code.into(), name: code.into(), lines: vec!["1 wachtend".into()], highlight: false }
    }

    #[test]
    fn draws_the_region_with_labels_inside_and_markers_in_place() {
        // Arnhem and Rheden share a border; a point in Arnhem lands inside the drawing.
        let m = draw(
            vec![area("GM0202"), area("GM0275"), area("GM9999")],
            vec![Marker { lat: 51.98, lon: 5.91, label: "woning".into(), kind: "dwelling" }],
        );
        assert_eq!(m.areas.len(), 2, "unknown codes are skipped");
        assert!(m.height > 100.0 && m.height < 2000.0, "{}", m.height);
        for a in &m.areas {
            assert!(a.path.starts_with('M') && a.path.ends_with('Z'));
            assert!((0.0..=m.width).contains(&a.x) && (0.0..=m.height).contains(&a.y));
        }
        let mk = &m.markers[0];
        assert!((0.0..=m.width).contains(&mk.x) && (0.0..=m.height).contains(&mk.y));
    }

    #[test]
    fn nothing_to_draw_is_an_empty_map() {
        assert!(draw(vec![area("GM9999")], vec![]).areas.is_empty());
    }
}
