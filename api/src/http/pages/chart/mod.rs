//! Every chart of the pages, drawn by the server as inline SVG: no script, no image
//! request. Each chart has a `<title>` and a `<desc>` (its accessible name and summary) and
//! comes with its numbers as a table, so screen readers and text browsers get the same
//! figures as the eye. Axes share the digest's arithmetic (`jobs::scale`).

mod bars;
mod lines;
mod svg;

use chrono::NaiveDate;
use jobs::figures::money;

pub use bars::{Bar, SalaryRow, Segment, bars, salary_ranges, stacked_bar};
pub use lines::{Series, TrendWeek, sparkline, trend, two_trends};
pub use svg::escape;

/// Week labels on the x axis: `Nov 23`.
fn short_date(date: NaiveDate) -> String {
    date.format("%b %-d").to_string()
}

/// An axis label: `$150K`, and `$0` rather than `$0K`.
fn axis_money(value: f64) -> String {
    if value == 0.0 { "$0".to_owned() } else { money(value as i64) }
}

/// A figure: the chart, then its numbers in a table a reader can open.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The `<svg>` element.
    pub svg: String,
    /// Its numbers.
    pub table: Table,
}

impl Figure {
    /// The `<figure>`: chart, then a collapsed table of its numbers.
    pub fn html(&self) -> String {
        format!(
            r#"<figure class="figure">{}<details><summary>The numbers behind this chart</summary>{}</details></figure>"#,
            self.svg,
            self.table.html()
        )
    }
}

/// A table of figures: a caption, column headings, rows (the first cell heads its row).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// What the table shows.
    pub caption: String,
    /// Column headings.
    pub head: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The `<table>` element.
    pub fn html(&self) -> String {
        let mut out = format!(r#"<table class="numbers"><caption>{}</caption><thead><tr>"#, escape(&self.caption));
        for heading in &self.head {
            out.push_str(&format!(r#"<th scope="col">{}</th>"#, escape(heading)));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                if i == 0 {
                    out.push_str(&format!(r#"<th scope="row">{}</th>"#, escape(cell)));
                } else {
                    out.push_str(&format!("<td>{}</td>", escape(cell)));
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        out
    }
}

/// `$120K`, or a dash when the figure is not published.
pub fn money_or_dash(value: Option<i32>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| money(i64::from(v)))
}

/// x of point `i` of `count` spread over `left..right` (one point sits in the middle).
fn spread(i: usize, count: usize, left: f64, right: f64) -> f64 {
    if count <= 1 { (left + right) / 2.0 } else { left + (right - left) * i as f64 / (count - 1) as f64 }
}

/// Runs of consecutive present values, as lists of (index, value).
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Indexes of the x labels: every one up to 6 points, else about 4 spread evenly, always
/// the last.
fn label_indexes(count: usize) -> Vec<usize> {
    if count <= 6 {
        return (0..count).collect();
    }
    let step = count.div_ceil(4);
    let mut out: Vec<usize> = (0..count).rev().step_by(step).collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests;
