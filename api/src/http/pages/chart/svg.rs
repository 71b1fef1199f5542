//! A small SVG writer: elements with classes (colours come from the stylesheet, so charts
//! follow the light and dark schemes), escaped text, coordinates with one decimal.

use std::fmt::Write;

/// An `<svg>` being written; `finish` closes it.
pub struct Svg {
    out: String,
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A coordinate with at most one decimal, without a trailing `.0`.
fn n(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{}", rounded as i64) } else { format!("{rounded:.1}") }
}

impl Svg {
    /// Opens a chart of `width` × `height` user units whose accessible name is `title`
    /// and description `desc` (`id` must be unique in the page).
    pub fn new(id: &str, class: &str, width: u32, height: u32, title: &str, desc: &str) -> Self {
        let mut out = String::with_capacity(2048);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(title),
            escape(desc)
        );
        Self { out }
    }

    /// A line from (x1, y1) to (x2, y2).
    pub fn line(&mut self, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
        let _ =
            write!(self.out, r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}"/>"#, n(x1), n(y1), n(x2), n(y2));
    }

    /// A rectangle; nothing when it has no area.
    pub fn rect(&mut self, class: &str, x: f64, y: f64, width: f64, height: f64) {
        if width <= 0.0 || height <= 0.0 {
            return;
        }
        let _ = write!(
            self.out,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}"/>"#,
            n(x),
            n(y),
            n(width),
            n(height)
        );
    }

    /// A circle.
    pub fn circle(&mut self, class: &str, (cx, cy): (f64, f64), r: f64) {
        let _ = write!(self.out, r#"<circle class="{class}" cx="{}" cy="{}" r="{}"/>"#, n(cx), n(cy), n(r));
    }

    /// An open line through `points`; a lone point becomes a dot (`line` classes turn into
    /// `dot` ones, so that it is filled).
    pub fn polyline(&mut self, class: &str, points: &[(f64, f64)]) {
        if points.len() >= 2 {
            let _ = write!(self.out, r#"<polyline class="{class}" points="{}"/>"#, Self::points(points));
        } else if let Some(&point) = points.first() {
            self.circle(&class.replace("line", "dot"), point, 2.5);
        }
    }

    /// A closed shape through `points`.
    pub fn polygon(&mut self, class: &str, points: &[(f64, f64)]) {
        if points.len() >= 3 {
            let _ = write!(self.out, r#"<polygon class="{class}" points="{}"/>"#, Self::points(points));
        }
    }

    /// Text at (x, y); `anchor` is `start`, `middle` or `end`.
    pub fn text(&mut self, class: &str, (x, y): (f64, f64), anchor: &str, text: &str) {
        let _ = write!(
            self.out,
            r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            n(x),
            n(y),
            escape(text)
        );
    }

    /// The finished `<svg>` element.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }

    fn points(points: &[(f64, f64)]) -> String {
        points.iter().map(|&(x, y)| format!("{},{}", n(x), n(y))).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_are_short() {
        assert_eq!(escape(r#"R&D <"x"> 'y'"#), "R&amp;D &lt;&quot;x&quot;&gt; &#39;y&#39;");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.04), "12");
        assert_eq!(n(12.36), "12.4");
        let mut svg = Svg::new("c1", "demo", 100, 50, "A <b>", "d");
        svg.text("label", (1.0, 2.0), "start", "x<y");
        let out = svg.finish();
        assert!(out.contains(r#"<title id="c1-title">A &lt;b&gt;</title>"#), "{out}");
        assert!(out.contains(">x&lt;y</text>"), "{out}");
        assert!(out.ends_with("</svg>"));
    }
}
