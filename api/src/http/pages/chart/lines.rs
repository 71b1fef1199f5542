//! Lines over weeks: a role's sparkline, its trend (median, p25–p75 band, open positions),
//! and two roles' medians on one axis.

use chrono::NaiveDate;
use jobs::figures::money;
use jobs::scale::Span;

use super::svg::Svg;
use super::{Figure, Table, axis_money, label_indexes, money_or_dash, runs, short_date, spread};

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
