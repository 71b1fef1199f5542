//! Every chart of the pages, drawn by the server as inline SVG: no script, no image
//! request. Each chart has a `<title>` and a `<desc>` (its accessible name and summary) and
//! comes with its numbers as a table, so screen readers and text browsers get the same
//! figures as the eye. Axes share the digest's arithmetic (`jobs::scale`).

mod svg;

use chrono::NaiveDate;
use jobs::figures::money;
use jobs::scale::Span;

use svg::Svg;
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

/// A 120 × 32 line of weekly medians, for a table cell; `None` below two values.
pub fn sparkline(id: &str, role: &str, weeks: &[(NaiveDate, Option<i32>)]) -> Option<String> {
    let values: Vec<Option<f64>> = weeks.iter().map(|(_, v)| v.map(f64::from)).collect();
    let present: Vec<(NaiveDate, i32)> = weeks.iter().filter_map(|(w, v)| v.map(|v| (*w, v))).collect();
    if present.len() < 2 {
        return None;
    }
    let span = Span::of(present.iter().map(|(_, v)| f64::from(*v)))?;
    let (first, last) = (present[0], present[present.len() - 1]);
    let desc = format!(
        "From {} in the week of {} to {} in the week of {}; lowest {}, highest {}.",
        money(i64::from(first.1)),
        first.0,
        money(i64::from(last.1)),
        last.0,
        money(span.low as i64),
        money(span.high as i64)
    );
    let title = format!("{role}: median salary over {} weeks", weeks.len());
    let mut svg = Svg::new(id, "sparkline", 120, 32, &title, &desc);
    let y = |v: f64| 28.0 - span.fraction(v) * 24.0;
    // A sparkline shows the direction: weeks without a median are stepped over.
    let points: Vec<(f64, f64)> =
        values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (spread(i, values.len(), 4.0, 114.0), y(v)))).collect();
    svg.polyline("line series-a", &points);
    if let Some(&point) = points.last() {
        svg.circle("dot series-a", point, 2.5);
    }
    Some(svg.finish())
}

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

/// One week of a role's trend.
#[derive(Debug, Clone)]
pub struct TrendWeek {
    /// The week's Monday.
    pub week: NaiveDate,
    /// 25th percentile.
    pub p25: Option<i32>,
    /// Median.
    pub median: Option<i32>,
    /// 75th percentile.
    pub p75: Option<i32>,
    /// Open positions.
    pub open_positions: i32,
    /// Change of the median against the week before, percent.
    pub median_change_pct: Option<f64>,
}

/// A role's weeks: the median as a line over its p25–p75 band, and open positions as
/// bars under it. `None` below two weeks: one point is not a trend.
pub fn trend(id: &str, role: &str, weeks: &[TrendWeek]) -> Option<Figure> {
    if weeks.len() < 2 {
        return None;
    }
    let salaries = weeks.iter().flat_map(|w| [w.p25, w.median, w.p75]).flatten().map(f64::from);
    let (span, ticks) = Span::of(salaries).unwrap_or(Span { low: 0.0, high: 0.0 }).nice(4);
    let (open_span, open_ticks) =
        Span { low: 0.0, high: f64::from(weeks.iter().map(|w| w.open_positions).max().unwrap_or(0)) }.nice(2);
    let (first, last) = (&weeks[0], &weeks[weeks.len() - 1]);
    let desc = format!(
        "Median salary {} in the week of {} and {} in the week of {}; the middle half of salaries \
         (p25 to p75) {} to {} in the last week. Open positions went from {} to {}.",
        money_or_dash(first.median),
        first.week,
        money_or_dash(last.median),
        last.week,
        money_or_dash(last.p25),
        money_or_dash(last.p75),
        jobs::figures::thousands(i64::from(first.open_positions)),
        jobs::figures::thousands(i64::from(last.open_positions)),
    );
    let title = format!("{role}: median salary with its p25–p75 band, and open positions, by week");
    let mut svg = Svg::new(id, "trend", 400, 232, &title, &desc);
    let (left, right) = (50.0, 392.0);
    let (top, bottom) = (10.0, 128.0);
    let y = |v: f64| bottom - span.fraction(v) * (bottom - top);
    for tick in &ticks {
        svg.line("grid", (left, y(*tick)), (right, y(*tick)));
        svg.text("tick", (left - 6.0, y(*tick) + 4.0), "end", &axis_money(*tick));
    }
    let x = |i: usize| spread(i, weeks.len(), left + 8.0, right - 8.0);
    let band: Vec<Option<(f64, f64)>> =
        weeks.iter().map(|w| w.p25.zip(w.p75).map(|(a, b)| (f64::from(a), f64::from(b)))).collect();
    for run in runs(&band.iter().map(|b| b.map(|(lo, _)| lo)).collect::<Vec<_>>()) {
        let mut outline: Vec<(f64, f64)> = run.iter().map(|&(i, lo)| (x(i), y(lo))).collect();
        outline.extend(run.iter().rev().filter_map(|&(i, _)| band[i].map(|(_, hi)| (x(i), y(hi)))));
        svg.polygon("band series-a", &outline);
    }
    let medians: Vec<Option<f64>> = weeks.iter().map(|w| w.median.map(f64::from)).collect();
    for run in runs(&medians) {
        let points: Vec<(f64, f64)> = run.iter().map(|&(i, v)| (x(i), y(v))).collect();
        svg.polyline("line series-a", &points);
        // A lone point is a dot already.
        for &point in points.iter().filter(|_| points.len() > 1) {
            svg.circle("dot series-a", point, 2.5);
        }
    }
    let (open_top, open_bottom) = (150.0, 196.0);
    let open_y = |v: f64| open_bottom - open_span.fraction(v) * (open_bottom - open_top);
    svg.text("tick", (left - 6.0, open_top + 4.0), "end", &open_ticks.last().map_or(0, |t| *t as i64).to_string());
    svg.line("grid", (left, open_top), (right, open_top));
    svg.line("axis", (left, open_bottom), (right, open_bottom));
    svg.text("panel", (left + 4.0, open_top - 4.0), "start", "Open positions");
    let bar_width = ((right - left) / weeks.len() as f64 * 0.6).min(20.0);
    for (i, week) in weeks.iter().enumerate() {
        let top = open_y(f64::from(week.open_positions));
        svg.rect("bar series-muted", x(i) - bar_width / 2.0, top, bar_width, open_bottom - top);
    }
    for i in label_indexes(weeks.len()) {
        svg.text("tick", (x(i), 216.0), "middle", &short_date(weeks[i].week));
    }
    let table = Table {
        caption: format!("{role}: salary and open positions by week"),
        head: ["Week", "p25", "Median", "p75", "Median change", "Open positions"].map(String::from).to_vec(),
        rows: weeks
            .iter()
            .map(|w| {
                vec![
                    w.week.to_string(),
                    money_or_dash(w.p25),
                    money_or_dash(w.median),
                    money_or_dash(w.p75),
                    w.median_change_pct.map_or_else(|| "—".to_owned(), jobs::figures::signed_pct),
                    jobs::figures::thousands(i64::from(w.open_positions)),
                ]
            })
            .collect(),
    };
    Some(Figure { svg: svg.finish(), table })
}

/// One role's weekly medians, for a chart of two.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The role's title.
    pub name: &'a str,
    /// Its weeks, oldest first.
    pub weeks: &'a [(NaiveDate, Option<i32>)],
}

/// Two roles' medians on one axis, week by week. `None` unless at least one role has two
/// weeks with a median.
pub fn two_trends(id: &str, a: &Series<'_>, b: &Series<'_>) -> Option<Figure> {
    let enough = |s: &Series<'_>| s.weeks.iter().filter(|(_, v)| v.is_some()).count() >= 2;
    if !enough(a) && !enough(b) {
        return None;
    }
    let mut weeks: Vec<NaiveDate> = a.weeks.iter().chain(b.weeks).map(|(w, _)| *w).collect();
    weeks.sort();
    weeks.dedup();
    let value = |s: &Series<'_>, week: NaiveDate| s.weeks.iter().find(|(w, _)| *w == week).and_then(|(_, v)| *v);
    let all = a.weeks.iter().chain(b.weeks).filter_map(|(_, v)| v.map(f64::from));
    let (span, ticks) = Span::of(all).unwrap_or(Span { low: 0.0, high: 0.0 }).nice(4);
    let summary = |s: &Series<'_>| {
        let present: Vec<(NaiveDate, i32)> = s.weeks.iter().filter_map(|(w, v)| v.map(|v| (*w, v))).collect();
        match (present.first(), present.last()) {
            (Some(f), Some(l)) if present.len() >= 2 => format!(
                "{}: {} in the week of {} to {} in the week of {}",
                s.name,
                money(i64::from(f.1)),
                f.0,
                money(i64::from(l.1)),
                l.0
            ),
            (Some(f), _) => format!("{}: one week only ({} in the week of {})", s.name, money(i64::from(f.1)), f.0),
            _ => format!("{}: no median published", s.name),
        }
    };
    let title = format!("Median salary by week: {} and {}", a.name, b.name);
    let desc = format!("{}. {}.", summary(a), summary(b));
    let mut svg = Svg::new(id, "trend", 400, 162, &title, &desc);
    let (left, right, top, bottom) = (50.0, 392.0, 10.0, 128.0);
    let y = |v: f64| bottom - span.fraction(v) * (bottom - top);
    let x = |i: usize| spread(i, weeks.len(), left + 8.0, right - 8.0);
    for tick in &ticks {
        svg.line("grid", (left, y(*tick)), (right, y(*tick)));
        svg.text("tick", (left - 6.0, y(*tick) + 4.0), "end", &axis_money(*tick));
    }
    for (series, class) in [(a, "series-a"), (b, "series-b")] {
        let values: Vec<Option<f64>> = weeks.iter().map(|w| value(series, *w).map(f64::from)).collect();
        for run in runs(&values) {
            let points: Vec<(f64, f64)> = run.iter().map(|&(i, v)| (x(i), y(v))).collect();
            svg.polyline(&format!("line {class}"), &points);
            for &point in points.iter().filter(|_| points.len() > 1) {
                svg.circle(&format!("dot {class}"), point, 2.5);
            }
        }
    }
    for i in label_indexes(weeks.len()) {
        svg.text("tick", (x(i), 148.0), "middle", &short_date(weeks[i]));
    }
    let table = Table {
        caption: title.clone(),
        head: vec!["Week".into(), a.name.to_owned(), b.name.to_owned()],
        rows: weeks
            .iter()
            .map(|w| vec![w.to_string(), money_or_dash(value(a, *w)), money_or_dash(value(b, *w))])
            .collect(),
    };
    Some(Figure { svg: svg.finish(), table })
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

#[cfg(test)]
mod tests;
