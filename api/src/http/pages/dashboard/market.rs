//! `/`: the market this week.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use jobs::figures::{signed_pct, thousands};
use serde::Deserialize;
use serde_json::json;

use super::view::{self, RoleList, RoleRef, SkillShare, dollars};
use super::{EmptyPage, QueryLink, SignUpBox, WeekNav, documents, error_page, html, long_date, week_param};
use crate::http::HttpState;
use crate::http::pages::chart::{self, Bar, Table};

/// Comparisons suggested on the market page.
const SUGGESTED_COMPARISONS: usize = 4;

#[derive(Debug, Deserialize)]
struct MarketData {
    market: Market,
    roles: RoleList,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Market {
    week: Option<NaiveDate>,
    total_open_positions: i64,
    roles: Vec<RoleShare>,
    top_skills: Vec<SkillShare>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleShare {
    open_positions: i64,
    share_of_listings_pct: f64,
    role: MarketRole,
}

#[derive(Debug, Deserialize)]
struct MarketRole {
    slug: String,
    title: String,
    snapshot: Option<MarketSnapshot>,
    trend: Vec<TrendPoint>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarketSnapshot {
    source: String,
    median_salary: Option<i32>,
    top_skills: Vec<SkillName>,
}

#[derive(Debug, Deserialize)]
struct SkillName {
    skill: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrendPoint {
    week: NaiveDate,
    median_salary: Option<i32>,
    median_change_pct: Option<f64>,
}

/// One row of the roles table.
struct Row {
    slug: String,
    title: String,
    open: String,
    share: String,
    median: String,
    change: String,
    change_class: &'static str,
    sparkline: Option<String>,
    no_trend: &'static str,
}

#[derive(Template)]
#[template(path = "pages/market.html")]
struct MarketPage {
    week: WeekNav,
    total: String,
    role_count: usize,
    rows: Vec<Row>,
    medians: String,
    skills: Option<String>,
    suggested: Vec<(String, String)>,
    without_figures: Vec<RoleRef>,
    all_roles: Vec<RoleRef>,
    signup: SignUpBox,
    query: QueryLink,
}

/// `GET /`.
pub async fn page(State(state): State<HttpState>, request: Request) -> Response {
    let headers = request.headers();
    let asked = match week_param(&request) {
        Ok(week) => week,
        Err(response) => return *response,
    };
    let variables = json!({ "week": asked });
    let data: MarketData = match documents::run(&state, &documents::MARKET, variables.clone()).await {
        Ok(data) => data,
        Err(error) => return error_page(&state, headers, error).await,
    };
    let Some(week) = data.market.week.filter(|_| !data.market.roles.is_empty()) else {
        if let Some(asked) = asked {
            let message = format!("There are no figures for the week of {} ({asked}).", long_date(asked));
            return super::message(StatusCode::NOT_FOUND, "No figures for this week", &message);
        }
        return html(headers, StatusCode::OK, &EmptyPage { has_roles: !data.roles.nodes.is_empty() });
    };
    let market = data.market;
    let previous = week - Days::new(7);
    let has_previous = market.roles.iter().any(|r| r.role.trend.iter().any(|p| p.week == previous));
    let listed: Vec<&str> = market.roles.iter().map(|r| r.role.slug.as_str()).collect();
    let without_figures = data.roles.nodes.iter().filter(|r| !listed.contains(&r.slug.as_str())).cloned().collect();
    let page = MarketPage {
        week: WeekNav::new("/", Some(week), asked, has_previous.then_some(previous)),
        total: thousands(market.total_open_positions),
        role_count: market.roles.len(),
        rows: market.roles.iter().map(|share| row(share, week)).collect(),
        medians: medians_table(&market.roles).html(),
        skills: skills_chart(&market.top_skills),
        suggested: suggested_comparisons(&market.roles),
        without_figures,
        all_roles: data.roles.nodes.clone(),
        signup: SignUpBox { roles: Vec::new() },
        query: QueryLink::new(&documents::MARKET, &variables),
    };
    html(headers, StatusCode::OK, &page)
}

fn row(share: &RoleShare, week: NaiveDate) -> Row {
    let role = &share.role;
    let change = role.trend.last().filter(|p| p.week == week).and_then(|p| p.median_change_pct);
    let points: Vec<(NaiveDate, Option<i32>)> = role.trend.iter().map(|p| (p.week, p.median_salary)).collect();
    let imported = role.snapshot.as_ref().is_some_and(|s| s.source == "IMPORTED");
    Row {
        slug: role.slug.clone(),
        title: role.title.clone(),
        open: thousands(share.open_positions),
        share: view::pct(share.share_of_listings_pct),
        median: dollars(role.snapshot.as_ref().and_then(|s| s.median_salary)),
        change: change.map_or_else(|| "—".to_owned(), signed_pct),
        change_class: match change {
            Some(c) if c > 0.0 => "up",
            Some(c) if c < 0.0 => "down",
            _ => "flat",
        },
        sparkline: chart::sparkline(&format!("spark-{}", role.slug), &role.title, &points),
        no_trend: if imported { "Imported figures: no weekly history" } else { "Not enough weeks yet" },
    }
}

/// The sparklines' numbers: one row per week, one column per role.
fn medians_table(roles: &[RoleShare]) -> Table {
    let mut weeks: Vec<NaiveDate> = roles.iter().flat_map(|r| r.role.trend.iter().map(|p| p.week)).collect();
    weeks.sort();
    weeks.dedup();
    let median = |role: &MarketRole, week: NaiveDate| {
        dollars(role.trend.iter().find(|p| p.week == week).and_then(|p| p.median_salary))
    };
    Table {
        caption: "Median salary by week, the numbers behind the 12-week lines".to_owned(),
        head: std::iter::once("Week".to_owned()).chain(roles.iter().map(|r| r.role.title.clone())).collect(),
        rows: weeks
            .iter()
            .map(|w| std::iter::once(w.to_string()).chain(roles.iter().map(|r| median(&r.role, *w))).collect())
            .collect(),
    }
}

fn skills_chart(skills: &[SkillShare]) -> Option<String> {
    if skills.is_empty() {
        return None;
    }
    let bars: Vec<Bar> = skills
        .iter()
        .map(|s| Bar { label: s.skill.clone(), value: s.postings as f64, text: thousands(s.postings) })
        .collect();
    let title = "Top skills across roles, by open postings naming them";
    Some(chart::bars("market-skills", title, "Open postings", &bars).html())
}

/// The pairs of roles that share the most top skills (the comparisons of roles close
/// enough to weigh against each other), larger markets first among equals.
fn suggested_comparisons(roles: &[RoleShare]) -> Vec<(String, String)> {
    let skills = |r: &RoleShare| -> Vec<String> {
        r.role
            .snapshot
            .as_ref()
            .map_or_else(Vec::new, |s| s.top_skills.iter().map(|k| entity::skill::skill_key(&k.skill)).collect())
    };
    let mut pairs: Vec<(usize, i64, &RoleShare, &RoleShare)> = Vec::new();
    for (i, a) in roles.iter().enumerate() {
        for b in &roles[i + 1..] {
            let (sa, sb) = (skills(a), skills(b));
            let shared = sa.iter().filter(|s| sb.contains(s)).count();
            if shared > 0 {
                pairs.push((shared, a.open_positions + b.open_positions, a, b));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)));
    pairs
        .into_iter()
        .take(SUGGESTED_COMPARISONS)
        .map(|(_, _, a, b)| {
            (format!("/compare/{}-vs-{}", a.role.slug, b.role.slug), format!("{} vs {}", a.role.title, b.role.title))
        })
        .collect()
}
