//! Bar charts as SVG for the monitor, drawn on the server with plotters: no script,
//! readable in print. Plotters maps the values and draws the grid and the bars; without
//! a font file to measure text its own axis labels overlap, so the labels are SVG
//! `<text>` placed at plotters' coordinates and laid out by the browser. The
//! pages print the same numbers in a table beside each chart, for screen readers.

use plotters::prelude::*;

/// One series of bars (e.g. contingent dwellings), one value per category.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: RGBColor,
    pub values: Vec<i64>,
}

pub const BLUE: RGBColor = RGBColor(0x1f, 0x4e, 0x8c);
pub const ORANGE: RGBColor = RGBColor(0xc2, 0x5b, 0x00);
pub const GREY: RGBColor = RGBColor(0x6b, 0x6b, 0x6b);

const WIDTH: u32 = 640;
const HEIGHT: u32 = 280;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A grouped bar chart: one group per category, one bar per series, the value above
/// each bar, a legend when there is more than one series.
pub fn bars(title: &str, categories: &[String], series: &[Series]) -> String {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let step = nice_step(max as f64 * 1.1 / 4.0);
    let top = ((max as f64 * 1.1) / step).ceil() * step;
    let n = categories.len().max(1) as f64;
    // Many categories: their labels slant so they do not run into each other.
    let slant = categories.len() > 6;
    let mut svg = String::new();
    let mut texts: Vec<String> = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        // Drawing into a string cannot fail; a failure here is a bug worth knowing of.
        root.fill(&WHITE).expect("draw to a string");
        let legend = if series.len() > 1 { 24 } else { 0 };
        let mut chart = ChartBuilder::on(&root)
            .margin_top(16 + legend)
            .margin_right(12)
            .x_label_area_size(if slant { 64 } else { 28 })
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..n, 0f64..top)
            .expect("draw to a string");
        // The grid at round values, drawn here so the labels below sit on its lines.
        let mut value = 0.0;
        while value <= top + 1e-9 {
            let colour = if value == 0.0 { GREY } else { RGBColor(0xdd, 0xdd, 0xdd) };
            chart.draw_series(LineSeries::new([(0.0, value), (n, value)], colour)).expect("draw to a string");
            let (x, y) = chart.backend_coord(&(0.0, value));
            texts.push(text(x - 6, y + 4, "end", 10, &format!("{value}"), None));
            value += step;
        }
        let width = 0.8 / series.len().max(1) as f64;
        for (s_i, s) in series.iter().enumerate() {
            let rects = s.values.iter().enumerate().map(|(c, v)| {
                let x0 = c as f64 + 0.1 + s_i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.92, *v as f64)], s.colour.filled())
            });
            chart.draw_series(rects).expect("draw to a string");
            for (c, v) in s.values.iter().enumerate() {
                let (x, y) = chart.backend_coord(&(c as f64 + 0.1 + (s_i as f64 + 0.46) * width, *v as f64));
                texts.push(text(x, y - 4, "middle", 11, &v.to_string(), None));
            }
        }
        for (c, label) in categories.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
            texts.push(if slant { text(x + 4, y + 14, "end", 11, label, Some(-35)) } else { text(x, y + 16, "middle", 11, label, None) });
        }
        let mut x = 56;
        for s in series.iter().filter(|_| series.len() > 1) {
            let c = s.colour;
            texts.push(format!(r##"<rect x="{x}" y="8" width="12" height="12" fill="#{:02x}{:02x}{:02x}"/>"##, c.0, c.1, c.2));
            texts.push(text(x + 16, 18, "start", 12, s.name, None));
            x += 24 + 8 * s.name.chars().count() as i32;
        }
        root.present().expect("draw to a string");
    }
    let open = format!(r#"<svg role="img" aria-label="{}" class="chart" "#, escape(title));
    let svg = svg.replacen("<svg ", &open, 1).replacen(&format!(r#"width="{WIDTH}" height="{HEIGHT}" "#), "", 1);
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    format!("{}<title>{}</title>{}{}", &svg[..end], escape(title), texts.join(""), &svg[end..])
}

/// A label; `rotate` in degrees about its anchor.
fn text(x: i32, y: i32, anchor: &str, size: u32, s: &str, rotate: Option<i32>) -> String {
    let turn = rotate.map_or(String::new(), |r| format!(r#" transform="rotate({r} {x} {y})""#));
    format!(
        r##"<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" font-family="sans-serif" fill="#1a1a1a"{turn}>{}</text>"##,
        escape(s)
    )
}

/// The round step (1, 2 or 5 times a power of ten, at least 1) nearest above `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_numbers_labels_and_title() {
        let svg = bars(
            "Plaatsingen <per> kwartaal",
            &["2026 K1".into(), "2026 K2".into()],
            &[
                Series { name: "contingent", colour: BLUE, values: vec![3, 7] },
                Series { name: "omklap", colour: ORANGE, values: vec![1, 0] },
            ],
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Plaatsingen &lt;per&gt; kwartaal\""), "{}", &svg[..120]);
        assert!(svg.contains("viewBox=\"0 0 640 280\""));
        assert!(svg.ends_with("</svg>\n") || svg.ends_with("</svg>"));
        for label in [">2026 K1</text>", ">2026 K2</text>", ">7</text>", ">3</text>", ">contingent</text>", ">omklap</text>"] {
            assert!(svg.contains(label), "{label}");
        }
        // Four bars: one rectangle per value (the background and legend are rectangles too).
        assert!(svg.matches("fill=\"#1F4E8C\"").count() >= 2, "{svg}");
        assert!(!svg.contains("style="), "the CSP allows no inline style");
    }

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(nice_step(0.3), 1.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(6.6), 10.0);
        assert_eq!(nice_step(26.0), 50.0);
        assert_eq!(nice_step(4.0), 5.0);
    }

    #[test]
    fn an_empty_chart_still_draws() {
        let svg = bars("Niets", &[], &[Series { name: "x", colour: BLUE, values: vec![] }]);
        assert!(svg.contains("<title>Niets</title>"));
    }
}
