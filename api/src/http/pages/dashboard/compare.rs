//! `/compare/{a}-vs-{b}`: two roles side by side, every section of the published
//! comparison that the data supports.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use serde_json::json;

use super::documents::PageError;
use super::view::{Figures, RoleList, RoleRef, compare_links, dollars, pct};
use super::{QueryLink, SignUpBox, WeekNav, documents, error_page, html, not_found, redirect, week_param};
use crate::http::HttpState;
use crate::http::pages::chart::{self, SalaryRow, Series};
use crate::http::pages::query_pairs;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompareData {
    compare_roles: Comparison,
    roles: RoleList,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Comparison {
    week: Option<NaiveDate>,
    total_open_positions: i64,
    higher_paying: Option<RoleRef>,
    pay_premium_pct: Option<i32>,
    more_openings: Option<RoleRef>,
    salary_ceiling_gap: Option<i32>,
    shared_skills: Vec<String>,
    only_a: Vec<String>,
    only_b: Vec<String>,
    skill_overlap_pct: Option<i32>,
    verdict: Vec<String>,
    a: Side,
    b: Side,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Side {
    share_of_listings_pct: Option<f64>,
    role: SideRole,
    snapshot: Option<Figures>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SideRole {
    slug: String,
    title: String,
    summary: Option<String>,
    career_path: Vec<String>,
    trend: Vec<TrendPoint>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrendPoint {
    week: NaiveDate,
    median_salary: Option<i32>,
}

/// A row of the side-by-side table: the dimension, then each role's value as written and
/// as the API gives it (the `data-value` the browser tests read).
struct TableRow {
    dimension: &'static str,
    field: &'static str,
    a: (String, String),
    b: (String, String),
}

/// One role's column in the skills section.
struct SkillColumn {
    title: String,
    skills: Vec<(String, bool)>,
}

/// Moving from one role to the other.
struct Switch {
    from: String,
    to: String,
    keep: Vec<String>,
    learn: Vec<String>,
    median_from: String,
    median_to: String,
    open_to: String,
    on_path: bool,
}

#[derive(Template)]
#[template(path = "pages/compare.html")]
struct ComparePage {
    a: RoleRef,
    b: RoleRef,
    summaries: Vec<(String, String)>,
    week: WeekNav,
    has_figures: bool,
    verdict: Vec<String>,
    highlights: Vec<(String, String, String)>,
    table: Vec<TableRow>,
    total: String,
    skills: Vec<SkillColumn>,
    overlap: String,
    only_a: String,
    only_b: String,
    salaries: Option<String>,
    places: Vec<Places>,
    careers: Vec<(String, Vec<String>)>,
    switches: Vec<Switch>,
    trends: Option<String>,
    no_trends: Vec<String>,
    related: Vec<(String, String)>,
    signup: SignUpBox,
    query: QueryLink,
}

/// `GET /compare?a=&b=`: the comparison form's answer, a redirect to its page.
pub async fn pick(State(state): State<HttpState>, request: Request) -> Response {
    let pairs = query_pairs(&request);
    let value =
        |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let (a, b) = (value("a"), value("b"));
    if a.is_empty() || b.is_empty() {
        return super::bad_request("Choose two roles to compare (a and b).");
    }
    // Only what could be a slug goes into the address redirected to.
    let slug_like = |s: &str| s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    if let Some(other) = [&a, &b].into_iter().find(|s| !slug_like(s)) {
        return not_found(&state, request.headers(), format!("No role has the slug \"{other}\".")).await;
    }
    if a == b {
        return redirect(StatusCode::SEE_OTHER, &format!("/roles/{a}"));
    }
    redirect(StatusCode::SEE_OTHER, &format!("/compare/{a}-vs-{b}"))
}

/// Every way to read `pair` as `{a}-vs-{b}`: slugs may hold hyphens, and even `-vs-`.
fn readings(pair: &str) -> Vec<(&str, &str)> {
    pair.match_indices("-vs-")
        .map(|(at, sep)| (&pair[..at], &pair[at + sep.len()..]))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .collect()
}

/// `GET /compare/{a}-vs-{b}`.
pub async fn page(State(state): State<HttpState>, Path(pair): Path<String>, request: Request) -> Response {
    let headers = request.headers();
    let asked = match week_param(&request) {
        Ok(week) => week,
        Err(response) => return *response,
    };
    let readings = readings(&pair);
    if let Some((same, _)) = readings.iter().find(|(a, b)| a == b) {
        let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        return redirect(StatusCode::MOVED_PERMANENTLY, &format!("/roles/{same}{query}"));
    }
    let mut missing = format!("\"{pair}\" does not name two roles: comparisons are at /compare/ROLE-vs-ROLE.");
    for (a, b) in readings {
        let variables = json!({ "a": a, "b": b, "week": asked });
        match documents::run::<CompareData>(&state, &documents::COMPARE, variables.clone()).await {
            Ok(data) => {
                let page = compare_page(data, asked, QueryLink::new(&documents::COMPARE, &variables));
                return html(headers, StatusCode::OK, &page);
            }
            Err(PageError::NotFound(message)) => missing = format!("{}.", message.replacen("no role", "No role", 1)),
            Err(error) => return error_page(&state, headers, error).await,
        }
    }
    not_found(&state, headers, missing).await
}

fn compare_page(data: CompareData, asked: Option<NaiveDate>, query: QueryLink) -> ComparePage {
    let c = data.compare_roles;
    let (a, b) = (&c.a, &c.b);
    let refs = |s: &Side| RoleRef { slug: s.role.slug.clone(), title: s.role.title.clone() };
    let path = format!("/compare/{}-vs-{}", a.role.slug, b.role.slug);
    let previous = c
        .week
        .map(|w| w - Days::new(7))
        .filter(|p| [a, b].iter().all(|side| side.role.trend.iter().any(|t| t.week == *p)));
    let related = [(a, b), (b, a)]
        .iter()
        .flat_map(|(one, other)| {
            compare_links(&one.role.slug, &data.roles.nodes, &[&other.role.slug])
                .into_iter()
                .map(|(href, title)| (href, format!("{} vs {title}", one.role.title)))
        })
        .collect();
    ComparePage {
        a: refs(a),
        b: refs(b),
        summaries: [a, b].iter().filter_map(|s| s.role.summary.clone().map(|t| (s.role.title.clone(), t))).collect(),
        week: WeekNav::new(&path, c.week, asked, previous),
        has_figures: a.snapshot.is_some() && b.snapshot.is_some(),
        highlights: highlights(&c),
        table: side_by_side(a, b),
        total: jobs::figures::thousands(c.total_open_positions),
        skills: [a, b]
            .iter()
            .map(|s| SkillColumn {
                title: s.role.title.clone(),
                skills: s
                    .snapshot
                    .iter()
                    .flat_map(|f| &f.top_skills)
                    .map(|k| (k.skill.clone(), c.shared_skills.iter().any(|x| x.eq_ignore_ascii_case(&k.skill))))
                    .collect(),
            })
            .collect(),
        overlap: c.skill_overlap_pct.map_or_else(|| "—".to_owned(), |p| format!("{p}%")),
        only_a: c.only_a.join(", "),
        only_b: c.only_b.join(", "),
        salaries: salary_chart(a, b),
        places: places(a, b),
        careers: [a, b].iter().map(|s| (s.role.title.clone(), s.role.career_path.clone())).collect(),
        switches: vec![switch(a, b, &c.only_b, &c.shared_skills), switch(b, a, &c.only_a, &c.shared_skills)],
        trends: trends_chart(a, b),
        no_trends: no_trends(a, b),
        related,
        signup: SignUpBox { roles: vec![refs(a), refs(b)] },
        query,
        verdict: c.verdict,
    }
}

/// The headline figures: who pays more, who has more openings, the skill overlap.
fn highlights(c: &Comparison) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let (Some(role), Some(premium)) = (&c.higher_paying, c.pay_premium_pct) {
        out.push((
            format!("{premium}% more"),
            format!("{} pays {premium}% more on average", role.title),
            "payPremiumPct".into(),
        ));
    }
    if let (Some(role), Some(a), Some(b)) = (&c.more_openings, &c.a.snapshot, &c.b.snapshot) {
        let figure = format!("{} vs {}", a.open(), b.open());
        let label = format!("open positions: {} has more", role.title);
        out.push((figure, label, "moreOpenings".into()));
    }
    if let Some(overlap) = c.skill_overlap_pct {
        out.push((format!("{overlap}%"), "skill overlap".to_owned(), "skillOverlapPct".into()));
    }
    if let (Some(role), Some(gap)) = (&c.higher_paying, c.salary_ceiling_gap) {
        out.push((
            format!("+{}", dollars(Some(gap))),
            format!("{}'s salary ceiling", role.title),
            "salaryCeilingGap".into(),
        ));
    }
    out
}

fn side_by_side(a: &Side, b: &Side) -> Vec<TableRow> {
    type Cell = fn(&Side, &Figures) -> (String, String);
    let rows: [(&'static str, &'static str, Cell); 8] = [
        ("Open positions", "openPositions", |_, f| (f.open(), f.open_positions.to_string())),
        ("Share of listings", "shareOfListingsPct", |s, _| {
            s.share_of_listings_pct.map_or_else(|| ("—".into(), String::new()), |p| (pct(p), p.to_string()))
        }),
        ("Average salary range", "salaryRange", |_, f| {
            let raw = format!("{}-{}", opt(f.salary_range_low), opt(f.salary_range_high));
            (f.range(), raw)
        }),
        ("Median salary", "medianSalary", |_, f| (dollars(f.median_salary), opt(f.median_salary))),
        ("75th percentile", "p75Salary", |_, f| (dollars(f.p75_salary), opt(f.p75_salary))),
        ("Remote", "remotePct", |_, f| (pct(f.remote_pct), f.remote_pct.to_string())),
        ("Experience mix", "experienceMix", |_, f| (f.mix_text(), f.mix_text())),
        ("Top skill", "topSkill", |_, f| (f.top_skill(), f.top_skill())),
    ];
    let cell = |side: &Side, f: Cell| match &side.snapshot {
        Some(figures) => f(side, figures),
        None => ("No figures".to_owned(), String::new()),
    };
    rows.into_iter().map(|(dimension, field, f)| TableRow { dimension, field, a: cell(a, f), b: cell(b, f) }).collect()
}

fn opt(value: Option<i32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn salary_chart(a: &Side, b: &Side) -> Option<String> {
    let row = |s: &Side| {
        let f = s.snapshot.as_ref();
        SalaryRow {
            name: s.role.title.clone(),
            low: f.and_then(|f| f.salary_range_low),
            high: f.and_then(|f| f.salary_range_high),
            p25: f.and_then(|f| f.p25_salary),
            median: f.and_then(|f| f.median_salary),
            p75: f.and_then(|f| f.p75_salary),
            p90: f.and_then(|f| f.p90_salary),
        }
    };
    chart::salary_ranges("salaries", &[row(a), row(b)]).map(|f| f.html())
}

/// One role's top companies and metros, as (name, count) pairs.
struct Places {
    role: String,
    companies: Vec<(String, String)>,
    metros: Vec<(String, String)>,
    /// Whether its figures were imported (which publish neither).
    imported: bool,
}

fn places(a: &Side, b: &Side) -> Vec<Places> {
    let list = |items: &[super::view::NameCount]| {
        items.iter().map(|i| (i.name.clone(), jobs::figures::thousands(i.count))).collect::<Vec<_>>()
    };
    [a, b]
        .iter()
        .map(|s| Places {
            role: s.role.title.clone(),
            companies: s.snapshot.as_ref().map(|f| list(&f.top_companies)).unwrap_or_default(),
            metros: s.snapshot.as_ref().map(|f| list(&f.top_metros)).unwrap_or_default(),
            imported: s.snapshot.as_ref().is_some_and(Figures::imported),
        })
        .collect()
}

fn switch(from: &Side, to: &Side, learn: &[String], shared: &[String]) -> Switch {
    let median = |s: &Side| dollars(s.snapshot.as_ref().and_then(|f| f.median_salary));
    Switch {
        from: from.role.title.clone(),
        to: to.role.title.clone(),
        keep: shared.to_vec(),
        learn: learn.to_vec(),
        median_from: median(from),
        median_to: median(to),
        open_to: to.snapshot.as_ref().map_or_else(|| "—".to_owned(), Figures::open),
        on_path: from.role.career_path.iter().any(|step| step.eq_ignore_ascii_case(&to.role.title)),
    }
}

/// Why a role has no line on the trends chart, one sentence per reason (two roles imported
/// alike share one).
fn no_trends(a: &Side, b: &Side) -> Vec<String> {
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for side in [a, b] {
        let weeks_with_median = side.role.trend.iter().filter(|p| p.median_salary.is_some()).count();
        let Some(figures) = side.snapshot.as_ref().filter(|_| weeks_with_median < 2) else { continue };
        let reason = figures.no_trend_reason(side.role.trend.len());
        match out.iter_mut().find(|(_, r)| *r == reason) {
            Some((roles, _)) => roles.push(side.role.title.clone()),
            None => out.push((vec![side.role.title.clone()], reason)),
        }
    }
    out.into_iter().map(|(roles, reason)| format!("{}: {reason}", roles.join(" and "))).collect()
}

fn trends_chart(a: &Side, b: &Side) -> Option<String> {
    let weeks = |s: &Side| s.role.trend.iter().map(|p| (p.week, p.median_salary)).collect::<Vec<_>>();
    let (wa, wb) = (weeks(a), weeks(b));
    chart::two_trends(
        "trends",
        &Series { name: &a.role.title, weeks: &wa },
        &Series { name: &b.role.title, weeks: &wb },
    )
    .map(|f| f.html())
}

#[cfg(test)]
mod tests {
    use super::readings;

    #[test]
    fn a_pair_is_read_at_every_vs_so_that_slugs_may_hold_hyphens() {
        assert_eq!(readings("ai-ml-engineer-vs-ai-architect"), vec![("ai-ml-engineer", "ai-architect")]);
        assert_eq!(readings("a-vs-b-vs-c"), vec![("a", "b-vs-c"), ("a-vs-b", "c")]);
        assert_eq!(readings("vs-x"), Vec::<(&str, &str)>::new());
        assert_eq!(readings("-vs-x"), Vec::<(&str, &str)>::new());
        assert_eq!(readings("no-pair"), Vec::<(&str, &str)>::new());
    }
}
