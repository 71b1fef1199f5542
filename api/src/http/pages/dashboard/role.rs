//! `/roles/{slug}`: one role's figures, trend and postings.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::view::{self, Figures, RoleList, RoleRef, compare_links, counts_chart, dollars};
use super::{QueryLink, SignUpBox, WeekNav, documents, error_page, html, not_found, week_param};
use crate::http::HttpState;
use crate::http::pages::chart::{self, TrendWeek};
use crate::http::pages::query_pairs;

#[derive(Debug, Deserialize)]
struct RoleData {
    role: Option<RoleView>,
    roles: RoleList,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleView {
    slug: String,
    title: String,
    summary: Option<String>,
    career_path: Vec<String>,
    snapshot: Option<Figures>,
    trend: Vec<TrendPoint>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrendPoint {
    week: NaiveDate,
    open_positions: i32,
    p25_salary: Option<i32>,
    median_salary: Option<i32>,
    p75_salary: Option<i32>,
    median_change_pct: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct PostingsData {
    role: Option<RolePostings>,
}

#[derive(Debug, Deserialize)]
struct RolePostings {
    postings: Connection,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    page_info: PageInfo,
    nodes: Vec<Posting>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Posting {
    title: String,
    company: String,
    metro: Option<String>,
    remote: bool,
    seniority: String,
    salary_min: Option<i32>,
    salary_max: Option<i32>,
    skills: Vec<String>,
    posted_at: NaiveDate,
}

/// A posting as listed.
struct PostingRow {
    title: String,
    company: String,
    place: String,
    seniority: &'static str,
    salary: String,
    skills: String,
    posted: String,
}

/// The postings filters as the form shows them.
#[derive(Default)]
struct Filters {
    remote: String,
    seniority: String,
    min_salary: String,
    after: Option<String>,
}

impl Filters {
    /// The filters of the address; a value that cannot be used is a message naming it.
    fn parse(request: &Request) -> Result<Self, String> {
        let mut filters = Self::default();
        for (key, value) in query_pairs(request) {
            let value = value.trim().to_owned();
            match key.as_str() {
                "remote" if ["", "true", "false"].contains(&value.as_str()) => filters.remote = value,
                "remote" => return Err(format!("remote: \"{value}\" is not one of true, false")),
                "seniority" if ["", "ENTRY", "MID", "SENIOR"].contains(&value.as_str()) => filters.seniority = value,
                "seniority" => return Err(format!("seniority: \"{value}\" is not one of ENTRY, MID, SENIOR")),
                "min_salary" if value.is_empty() => {}
                "min_salary" => match value.parse::<i32>() {
                    Ok(dollars) if dollars >= 0 => filters.min_salary = dollars.to_string(),
                    _ => return Err(format!("min_salary: \"{value}\" is not a whole number of US dollars a year")),
                },
                "after" if !value.is_empty() => filters.after = Some(value),
                _ => {}
            }
        }
        Ok(filters)
    }

    /// The `PostingFilter` of the postings document.
    fn variable(&self, week: NaiveDate) -> Json {
        let mut filter = json!({ "openIn": week });
        if !self.remote.is_empty() {
            filter["remote"] = json!(self.remote == "true");
        }
        if !self.seniority.is_empty() {
            filter["seniority"] = json!(self.seniority);
        }
        if let Ok(min) = self.min_salary.parse::<i32>() {
            filter["minSalary"] = json!(min);
        }
        filter
    }

    /// The page's address with these filters (and `after`, when given).
    fn href(&self, path: &str, week: Option<NaiveDate>, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(week) = week {
            pairs.push(("week", week.to_string()));
        }
        for (key, value) in [("remote", &self.remote), ("seniority", &self.seniority), ("min_salary", &self.min_salary)]
        {
            if !value.is_empty() {
                pairs.push((key, value.clone()));
            }
        }
        if let Some(after) = after {
            pairs.push(("after", after.to_owned()));
        }
        if pairs.is_empty() {
            format!("{path}#postings")
        } else {
            format!("{path}?{}#postings", serde_urlencoded::to_string(pairs).unwrap_or_default())
        }
    }

    fn active(&self) -> bool {
        !(self.remote.is_empty() && self.seniority.is_empty() && self.min_salary.is_empty())
    }
}

#[derive(Template)]
#[template(path = "pages/role.html")]
struct RolePage {
    title: String,
    summary: Option<String>,
    week: WeekNav,
    figures: Option<Figures>,
    trend: Option<String>,
    no_trend: Option<String>,
    mix: Option<String>,
    skills: Option<String>,
    companies: Option<String>,
    metros: Option<String>,
    career_path: Vec<String>,
    compare: Vec<(String, String)>,
    filters: Filters,
    filtered: bool,
    path: String,
    week_value: String,
    postings: Vec<PostingRow>,
    next: Option<String>,
    first: Option<String>,
    signup: SignUpBox,
    query: QueryLink,
    postings_query: Option<QueryLink>,
}

/// `GET /roles/{slug}`.
pub async fn page(State(state): State<HttpState>, Path(slug): Path<String>, request: Request) -> Response {
    let headers = request.headers();
    let asked = match week_param(&request) {
        Ok(week) => week,
        Err(response) => return *response,
    };
    let filters = match Filters::parse(&request) {
        Ok(filters) => filters,
        Err(message) => return super::bad_request(&message),
    };
    let variables = json!({ "slug": slug, "week": asked });
    let data: RoleData = match documents::run(&state, &documents::ROLE, variables.clone()).await {
        Ok(data) => data,
        Err(error) => return error_page(&state, headers, error).await,
    };
    let Some(role) = data.role else {
        return not_found(&state, headers, format!("No role has the slug \"{slug}\".")).await;
    };
    let path = format!("/roles/{}", role.slug);
    let mut listing = Listing::default();
    if let Some(figures) = &role.snapshot {
        let variables = json!({ "slug": role.slug, "filter": filters.variable(figures.week), "after": filters.after });
        match documents::run::<PostingsData>(&state, &documents::ROLE_POSTINGS, variables.clone()).await {
            Ok(PostingsData { role: Some(found) }) => {
                listing.postings = found.postings.nodes.into_iter().map(posting_row).collect();
                let info = found.postings.page_info;
                listing.next =
                    info.end_cursor.filter(|_| info.has_next_page).map(|c| filters.href(&path, asked, Some(&c)));
            }
            Ok(PostingsData { role: None }) => {}
            Err(error) => return error_page(&state, headers, error).await,
        }
        listing.query = Some(QueryLink::new(&documents::ROLE_POSTINGS, &variables));
    }
    let page = role_page(role, &data.roles.nodes, asked, filters, listing, path, variables);
    html(headers, StatusCode::OK, &page)
}

/// A page of postings, the link to the next one, and the query behind them.
#[derive(Default)]
struct Listing {
    postings: Vec<PostingRow>,
    next: Option<String>,
    query: Option<QueryLink>,
}

fn role_page(
    role: RoleView,
    roles: &[RoleRef],
    asked: Option<NaiveDate>,
    filters: Filters,
    listing: Listing,
    path: String,
    variables: Json,
) -> RolePage {
    let figures = role.snapshot;
    let shown = figures.as_ref().map(|f| f.week);
    let previous = shown.map(|w| w - Days::new(7)).filter(|p| role.trend.iter().any(|t| t.week == *p));
    let weeks: Vec<TrendWeek> = role
        .trend
        .iter()
        .map(|p| TrendWeek {
            week: p.week,
            p25: p.p25_salary,
            median: p.median_salary,
            p75: p.p75_salary,
            open_positions: p.open_positions,
            median_change_pct: p.median_change_pct,
        })
        .collect();
    let trend = chart::trend("trend", &role.title, &weeks).map(|f| f.html());
    let no_trend = match (&trend, &figures) {
        (None, Some(f)) => Some(f.no_trend_reason(role.trend.len())),
        _ => None,
    };
    let title = role.title;
    let with_counts = |items: &[view::NameCount], id: &str, what: &str| {
        (!items.is_empty()).then(|| {
            counts_chart(id, &format!("{title}: top {what} by open positions"), "Open positions", items).html()
        })
    };
    let first = filters.after.as_ref().map(|_| filters.href(&path, asked, None));
    RolePage {
        summary: role.summary,
        week: WeekNav::new(&path, shown, asked, previous),
        trend,
        no_trend,
        mix: figures.as_ref().map(|f| f.mix_chart("mix", &title).html()),
        skills: figures.as_ref().and_then(|f| f.skills_chart("skills", &title)).map(|f| f.html()),
        companies: figures.as_ref().and_then(|f| with_counts(&f.top_companies, "companies", "companies")),
        metros: figures.as_ref().and_then(|f| with_counts(&f.top_metros, "metros", "metros")),
        career_path: role.career_path,
        compare: compare_links(&role.slug, roles, &[]),
        filtered: filters.active() || filters.after.is_some(),
        filters,
        week_value: shown.map(|w| w.to_string()).unwrap_or_default(),
        path,
        postings: listing.postings,
        next: listing.next,
        first,
        signup: SignUpBox { roles: vec![RoleRef { slug: role.slug, title: title.clone() }] },
        query: QueryLink::new(&documents::ROLE, &variables),
        postings_query: listing.query,
        figures,
        title,
    }
}

fn posting_row(p: Posting) -> PostingRow {
    let salary = match (p.salary_min, p.salary_max) {
        (Some(min), Some(max)) if min != max => format!("{}–{}", dollars(Some(min)), dollars(Some(max))),
        (Some(v), _) | (None, Some(v)) => dollars(Some(v)),
        (None, None) => "Salary not given".to_owned(),
    };
    let place = match (p.metro, p.remote) {
        (Some(metro), true) => format!("{metro} or remote"),
        (Some(metro), false) => metro,
        (None, true) => "Remote".to_owned(),
        (None, false) => "Location not given".to_owned(),
    };
    PostingRow {
        title: p.title,
        company: p.company,
        place,
        seniority: match p.seniority.as_str() {
            "ENTRY" => "Entry level",
            "SENIOR" => "Senior",
            _ => "Mid level",
        },
        salary,
        skills: p.skills.join(", "),
        posted: p.posted_at.format("%-d %b %Y").to_string(),
    }
}
