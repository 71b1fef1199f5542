use chrono::{Days, NaiveDate};

use super::*;

fn monday(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 7).expect("date") + Days::new(7 * i)
}

fn weeks(medians: &[Option<i32>]) -> Vec<TrendWeek> {
    medians
        .iter()
        .enumerate()
        .map(|(i, m)| TrendWeek {
            week: monday(i as u64),
            p25: m.map(|m| m - 20_000),
            median: *m,
            p75: m.map(|m| m + 30_000),
            open_positions: 100 + 10 * i as i32,
            median_change_pct: None,
        })
        .collect()
}

/// The value of `attribute` on every element named `element`.
fn attributes(svg: &str, element: &str, attribute: &str) -> Vec<String> {
    svg.split(&format!("<{element} "))
        .skip(1)
        .filter_map(|rest| {
            let rest = format!(" {rest}");
            let start = rest.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
            Some(rest[start..start + rest[start..].find('"')?].to_owned())
        })
        .collect()
}

#[test]
fn every_chart_is_named_and_described_for_screen_readers() {
    let trend = trend("t", "LLM Engineer", &weeks(&[Some(150_000), Some(155_000), Some(160_000)])).expect("a chart");
    assert!(trend.svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart trend""#), "{}", trend.svg);
    assert!(trend.svg.contains(r#"role="img" aria-labelledby="t-title t-desc""#));
    assert!(trend.svg.contains(
        r#"<desc id="t-desc">Median salary $150K in the week of 2026-09-07 and $160K in the week of 2026-09-21;"#
    ));
    let html = trend.html();
    assert!(html.contains("<details><summary>The numbers behind this chart</summary><table"), "{html}");
    assert!(
        html.contains(r#"<tr><th scope="row">2026-09-21</th><td>$140K</td><td>$160K</td><td>$190K</td>"#),
        "{html}"
    );
    assert!(!html.contains("style="), "colours come from classes, never inline styles: {html}");
}

#[test]
fn the_trend_draws_its_band_median_and_one_bar_per_week() {
    let figure = trend("t", "R", &weeks(&[Some(100_000), Some(110_000), None, Some(130_000)])).expect("a chart");
    // The missing week breaks the line and the band in two.
    assert_eq!(attributes(&figure.svg, "polyline", "points").len(), 1, "one run of two points is a line");
    assert_eq!(attributes(&figure.svg, "polygon", "points").len(), 1, "the single-week run has no band");
    assert_eq!(attributes(&figure.svg, "rect", "class").iter().filter(|c| c.starts_with("bar")).count(), 4);
    // Higher salaries are drawn higher (smaller y).
    let ys: Vec<f64> = attributes(&figure.svg, "circle", "cy").iter().map(|y| y.parse().expect("number")).collect();
    assert_eq!(ys.len(), 3);
    assert!(ys[0] > ys[1] && ys[1] > ys[2], "{ys:?}");
    assert!(trend("t", "R", &weeks(&[Some(100_000)])).is_none(), "one week is not a trend");
}

#[test]
fn sparklines_need_two_medians_and_end_on_a_dot() {
    let series = [(monday(0), Some(100_000)), (monday(1), None), (monday(2), Some(120_000))];
    let svg = sparkline("s", "R", &series).expect("a line");
    assert!(svg.contains(r#"class="chart sparkline" viewBox="0 0 120 32""#), "{svg}");
    assert_eq!(attributes(&svg, "circle", "cx"), vec!["114"], "the dot marks the last week: {svg}");
    assert!(sparkline("s", "R", &[(monday(0), Some(1)), (monday(1), None)]).is_none());
}

#[test]
fn two_trends_share_one_axis_and_a_one_week_role_is_described() {
    let a = [(monday(0), Some(100_000)), (monday(1), Some(110_000))];
    let b = [(monday(1), Some(290_000))];
    let figure = two_trends("c", &Series { name: "A", weeks: &a }, &Series { name: "B", weeks: &b }).expect("chart");
    assert!(figure.svg.contains("B: one week only ($290K in the week of 2026-09-14)"), "{}", figure.svg);
    assert_eq!(
        figure.table.rows,
        vec![
            vec!["2026-09-07".to_owned(), "$100K".to_owned(), "—".to_owned()],
            vec!["2026-09-14".to_owned(), "$110K".to_owned(), "$290K".to_owned()],
        ]
    );
    assert!(two_trends("c", &Series { name: "A", weeks: &b }, &Series { name: "B", weeks: &b }).is_none());
}

#[test]
fn salary_ranges_put_both_roles_on_one_scale_from_zero() {
    let rows = [
        SalaryRow {
            name: "AI/ML Engineer".into(),
            low: Some(93_000),
            high: Some(148_000),
            median: Some(120_000),
            p75: Some(218_000),
            ..Default::default()
        },
        SalaryRow {
            name: "AI Architect".into(),
            low: Some(178_000),
            high: Some(267_000),
            median: Some(292_000),
            p75: Some(325_000),
            ..Default::default()
        },
    ];
    let figure = salary_ranges("r", &rows).expect("chart");
    let ticks: Vec<String> = figure
        .svg
        .split(r#"class="tick""#)
        .skip(1)
        .filter_map(|t| {
            let text = t.split('>').nth(1)?;
            Some(text.split('<').next()?.to_owned())
        })
        .collect();
    assert_eq!(ticks, vec!["$0", "$100K", "$200K", "$300K", "$400K"]);
    let medians: Vec<f64> = attributes(&figure.svg, "line", "x1")
        .iter()
        .zip(attributes(&figure.svg, "line", "class"))
        .filter(|(_, class)| class.starts_with("median-mark"))
        .map(|(x, _)| x.parse().expect("number"))
        .collect();
    // 12 + 376 × 120/400 and 12 + 376 × 292/400.
    assert_eq!(medians, vec![124.8, 286.5]);
    assert_eq!(figure.table.head, vec!["", "AI/ML Engineer", "AI Architect"]);
    assert_eq!(figure.table.rows[3], vec!["Median", "$120K", "$292K"]);
    assert!(figure.svg.contains("AI Architect: average range $178K–$267K, median $292K, p75 $325K."));
}

#[test]
fn bars_and_stacked_bars_scale_to_their_largest_value() {
    let items = [
        Bar { label: "Python".into(), value: 40.0, text: "40%".into() },
        Bar { label: "A skill with a very long name".into(), value: 10.0, text: "10%".into() },
    ];
    let figure = bars("b", "Top skills", "Share of postings", &items);
    assert_eq!(attributes(&figure.svg, "rect", "width"), vec!["320", "80"]);
    assert!(figure.svg.contains(">A skill with a very long name</text>"), "{}", figure.svg);
    assert_eq!(figure.table.rows[1], vec!["A skill with a very long name", "10%"]);
    let mix = stacked_bar(
        "m",
        "Experience mix",
        &[
            Segment { label: "Entry".into(), pct: 11.0, class: "entry" },
            Segment { label: "Mid".into(), pct: 71.0, class: "mid" },
            Segment { label: "Senior".into(), pct: 18.0, class: "senior" },
        ],
    );
    let widths = attributes(&mix.svg, "rect", "width");
    assert_eq!(&widths[..3], ["44", "284", "72"]);
    assert!(mix.svg.contains(r#"<desc id="m-desc">Entry 11%, Mid 71%, Senior 18%</desc>"#), "{}", mix.svg);
}
