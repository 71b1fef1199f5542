//! Bars: shares stacked in one bar, ranked bars, and salary ranges with their percentiles.

use jobs::figures::money;
use jobs::scale::Span;

use super::svg::Svg;
use super::{Figure, Table, axis_money, money_or_dash};

/// One part of a stacked bar.
#[derive(Debug, Clone)]
pub struct Segment {
    /// What it counts (`Senior`).
    pub label: String,
    /// Its share, percent.
    pub pct: f64,
    /// Its colour class in the stylesheet.
    pub class: &'static str,
}

/// A 100% bar of shares (the experience mix), with a legend under it.
pub fn stacked_bar(id: &str, title: &str, segments: &[Segment]) -> Figure {
    let desc = segments.iter().map(|s| format!("{} {}%", s.label, s.pct)).collect::<Vec<_>>().join(", ");
    let mut svg = Svg::new(id, "stacked", 400, 54, title, &desc);
    let total: f64 = segments.iter().map(|s| s.pct.max(0.0)).sum::<f64>().max(100.0);
    let mut x = 0.0;
    for segment in segments {
        let width = 400.0 * segment.pct.max(0.0) / total;
        svg.rect(&format!("seg {}", segment.class), x, 2.0, width, 24.0);
        x += width;
    }
    let slot = 400.0 / segments.len().max(1) as f64;
    for (i, segment) in segments.iter().enumerate() {
        let left = slot * i as f64;
        svg.rect(&format!("seg {}", segment.class), left, 38.0, 10.0, 10.0);
        svg.text("label", (left + 14.0, 47.0), "start", &format!("{} {}%", segment.label, segment.pct));
    }
    let table = Table {
        caption: title.to_owned(),
        head: vec!["Level".into(), "Share of postings".into()],
        rows: segments.iter().map(|s| vec![s.label.clone(), format!("{}%", s.pct)]).collect(),
    };
    Figure { svg: svg.finish(), table }
}

/// One bar of a bar chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What it measures (a skill, a company).
    pub label: String,
    /// Its length.
    pub value: f64,
    /// The value as written at its end (`37.5%`, `1,204`).
    pub text: String,
}

/// Horizontal bars, longest first as given: each labelled above, its value at its end (so
/// that long names fit a phone's width).
pub fn bars(id: &str, title: &str, value_heading: &str, items: &[Bar]) -> Figure {
    let desc = items.iter().map(|b| format!("{}: {}", b.label, b.text)).collect::<Vec<_>>().join("; ");
    let height = (items.len() as u32) * 36 + 2;
    let mut svg = Svg::new(id, "bars", 400, height, title, &desc);
    let max = items.iter().map(|b| b.value).fold(0.0, f64::max);
    for (i, item) in items.iter().enumerate() {
        let top = 36.0 * i as f64;
        svg.text("label", (0.0, top + 13.0), "start", &item.label);
        let width = if max > 0.0 { 320.0 * item.value / max } else { 0.0 };
        svg.rect("bar series-a", 0.0, top + 18.0, width.max(1.0), 14.0);
        svg.text("value", (width.max(1.0) + 6.0, top + 30.0), "start", &item.text);
    }
    let table = Table {
        caption: title.to_owned(),
        head: vec![String::new(), value_heading.to_owned()],
        rows: items.iter().map(|b| vec![b.label.clone(), b.text.clone()]).collect(),
    };
    Figure { svg: svg.finish(), table }
}

/// One role's salary figures for the ranges chart.
#[derive(Debug, Clone, Default)]
pub struct SalaryRow {
    /// The role's title.
    pub name: String,
    /// Mean of the posted minimums.
    pub low: Option<i32>,
    /// Mean of the posted maximums.
    pub high: Option<i32>,
    /// 25th percentile.
    pub p25: Option<i32>,
    /// Median.
    pub median: Option<i32>,
    /// 75th percentile.
    pub p75: Option<i32>,
    /// 90th percentile.
    pub p90: Option<i32>,
}

impl SalaryRow {
    fn values(&self) -> [Option<i32>; 6] {
        [self.low, self.high, self.p25, self.median, self.p75, self.p90]
    }
}

/// Roles' salary ranges and percentiles on one axis: the average range as a bar, the
/// middle half (p25–p75) as a box in it, the median as a mark, p90 as a tick.
pub fn salary_ranges(id: &str, rows: &[SalaryRow]) -> Option<Figure> {
    let all = rows.iter().flat_map(SalaryRow::values).flatten().map(f64::from);
    let (span, ticks) = Span { low: 0.0, ..Span::of(all)? }.nice(4);
    let described = |r: &SalaryRow| {
        let parts: Vec<String> = [
            ("average range", r.low.zip(r.high).map(|(l, h)| format!("{}–{}", money(l.into()), money(h.into())))),
            ("p25", r.p25.map(|v| money(v.into()))),
            ("median", r.median.map(|v| money(v.into()))),
            ("p75", r.p75.map(|v| money(v.into()))),
            ("p90", r.p90.map(|v| money(v.into()))),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {v}")))
        .collect();
        if parts.is_empty() {
            format!("{}: no salary figures", r.name)
        } else {
            format!("{}: {}", r.name, parts.join(", "))
        }
    };
    let title = "Salary ranges and percentiles on one scale";
    let desc = rows.iter().map(described).collect::<Vec<_>>().join(". ") + ".";
    let height = 8 + 60 * rows.len() as u32 + 22;
    let mut svg = Svg::new(id, "ranges", 400, height, title, &desc);
    let (left, right) = (12.0, 388.0);
    let x = |v: i32| left + span.fraction(f64::from(v)) * (right - left);
    let axis_y = 8.0 + 60.0 * rows.len() as f64;
    for tick in &ticks {
        let tx = left + span.fraction(*tick) * (right - left);
        svg.line("grid", (tx, 4.0), (tx, axis_y));
        svg.text("tick", (tx, axis_y + 16.0), "middle", &axis_money(*tick));
    }
    for (i, row) in rows.iter().enumerate() {
        let class = if i % 2 == 0 { "series-a" } else { "series-b" };
        let top = 8.0 + 60.0 * i as f64;
        svg.text("label strong", (left, top + 12.0), "start", &row.name);
        let mid = top + 30.0;
        if let (Some(low), Some(high)) = (row.low, row.high) {
            svg.rect(&format!("range {class}"), x(low), mid - 9.0, x(high) - x(low), 18.0);
        }
        if let (Some(p25), Some(p75)) = (row.p25, row.p75) {
            svg.rect(&format!("box {class}"), x(p25), mid - 6.0, x(p75) - x(p25), 12.0);
        }
        for (value, mark) in [(row.p25, "tick-mark"), (row.p75, "tick-mark"), (row.p90, "tick-mark thin")] {
            if let Some(v) = value {
                svg.line(&format!("{mark} {class}"), (x(v), mid - 10.0), (x(v), mid + 10.0));
            }
        }
        if let Some(median) = row.median {
            svg.line(&format!("median-mark {class}"), (x(median), mid - 13.0), (x(median), mid + 13.0));
            svg.text("value", (x(median), mid + 27.0), "middle", &format!("median {}", money(median.into())));
        }
        if row.values().iter().all(Option::is_none) {
            svg.text("label", (left, mid + 4.0), "start", "No salary figures published");
        }
    }
    let head = std::iter::once(String::new()).chain(rows.iter().map(|r| r.name.clone())).collect();
    let names = ["Average minimum", "Average maximum", "p25", "Median", "p75", "p90"];
    let table_rows = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            std::iter::once((*name).to_owned()).chain(rows.iter().map(|r| money_or_dash(r.values()[k]))).collect()
        })
        .collect();
    Some(Figure { svg: svg.finish(), table: Table { caption: title.to_owned(), head, rows: table_rows } })
}
