//! The shapes the published documents answer (field for field what `/graphql` gives), and
//! how the pages write their figures.

use chrono::NaiveDate;
use jobs::figures::{money, thousands};
use serde::Deserialize;

use crate::http::pages::chart::{self, Bar, Figure, Segment};

/// A role as listed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RoleRef {
    /// URL identity.
    pub slug: String,
    /// Display title.
    pub title: String,
}

/// A list of roles.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleList {
    /// The roles.
    pub nodes: Vec<RoleRef>,
}

/// `{ roles { nodes } }`.
#[derive(Debug, Clone, Deserialize)]
pub struct RolesData {
    /// Every role.
    pub roles: RoleList,
}

/// Entry, mid and senior shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperienceMix {
    /// Entry level, percent.
    pub entry_pct: f64,
    /// Mid level, percent.
    pub mid_pct: f64,
    /// Senior, percent.
    pub senior_pct: f64,
}

/// A skill's share.
#[derive(Debug, Clone, Deserialize)]
pub struct SkillShare {
    /// Its name.
    pub skill: String,
    /// Postings naming it (0 for imported figures).
    pub postings: i64,
    /// Share of open postings, percent.
    pub pct: f64,
}

/// A company or metro with its postings.
#[derive(Debug, Clone, Deserialize)]
pub struct NameCount {
    /// Its name.
    pub name: String,
    /// Open postings.
    pub count: i64,
}

/// A role's figures of one week (every field of `Snapshot`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    /// The week.
    pub week: NaiveDate,
    /// `COMPUTED` or `IMPORTED`.
    pub source: String,
    /// Open positions.
    pub open_positions: i64,
    /// Postings with a salary.
    pub sample_size: i64,
    /// Mean of the salary minimums.
    pub salary_range_low: Option<i32>,
    /// Mean of the salary maximums.
    pub salary_range_high: Option<i32>,
    /// Mean of the salary midpoints.
    pub average_salary: Option<i32>,
    /// 25th percentile.
    pub p25_salary: Option<i32>,
    /// Median.
    pub median_salary: Option<i32>,
    /// 75th percentile.
    pub p75_salary: Option<i32>,
    /// 90th percentile.
    pub p90_salary: Option<i32>,
    /// Remote share, percent.
    pub remote_pct: f64,
    /// Seniority shares.
    pub experience_mix: ExperienceMix,
    /// Top skills.
    pub top_skills: Vec<SkillShare>,
    /// Top companies.
    pub top_companies: Vec<NameCount>,
    /// Top metros.
    pub top_metros: Vec<NameCount>,
}

/// `$120K`, or a dash.
pub fn dollars(value: Option<i32>) -> String {
    chart::money_or_dash(value)
}

/// A percentage as the API gives it: `7%`, `12.5%`.
pub fn pct(value: f64) -> String {
    if value.fract() == 0.0 { format!("{value:.0}%") } else { format!("{value}%") }
}

impl Figures {
    /// Whether an admin entered these figures rather than computing them from postings.
    pub fn imported(&self) -> bool {
        self.source == "IMPORTED"
    }

    /// `23,752`.
    pub fn open(&self) -> String {
        thousands(self.open_positions)
    }

    /// The average salary as written.
    pub fn average(&self) -> String {
        dollars(self.average_salary)
    }

    /// The median as written.
    pub fn median(&self) -> String {
        dollars(self.median_salary)
    }

    /// The 25th percentile as written.
    pub fn p25(&self) -> String {
        dollars(self.p25_salary)
    }

    /// The 75th percentile as written.
    pub fn p75(&self) -> String {
        dollars(self.p75_salary)
    }

    /// The 90th percentile as written.
    pub fn p90(&self) -> String {
        dollars(self.p90_salary)
    }

    /// The remote share as written.
    pub fn remote(&self) -> String {
        pct(self.remote_pct)
    }

    /// `$93K–$148K`, or a dash.
    pub fn range(&self) -> String {
        match (self.salary_range_low, self.salary_range_high) {
            (Some(low), Some(high)) => format!("{}–{}", money(low.into()), money(high.into())),
            _ => "—".to_owned(),
        }
    }

    /// `Senior 18%, Mid 71%, Entry 11%` (levels with no postings left out).
    pub fn mix_text(&self) -> String {
        let mix = &self.experience_mix;
        [("Senior", mix.senior_pct), ("Mid", mix.mid_pct), ("Entry", mix.entry_pct)]
            .iter()
            .filter(|(_, share)| *share > 0.0)
            .map(|(name, share)| format!("{name} {}", pct(*share)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The experience mix as a stacked bar.
    pub fn mix_chart(&self, id: &str, role: &str) -> Figure {
        let mix = &self.experience_mix;
        chart::stacked_bar(
            id,
            &format!("{role}: experience mix of open positions"),
            &[
                Segment { label: "Entry".into(), pct: mix.entry_pct, class: "entry" },
                Segment { label: "Mid".into(), pct: mix.mid_pct, class: "mid" },
                Segment { label: "Senior".into(), pct: mix.senior_pct, class: "senior" },
            ],
        )
    }

    /// Whether the skills carry posting counts (imported figures rank them without).
    pub fn skills_counted(&self) -> bool {
        self.top_skills.iter().any(|s| s.postings > 0)
    }

    /// The top skills as bars of their share of postings; `None` without counts.
    pub fn skills_chart(&self, id: &str, role: &str) -> Option<Figure> {
        self.skills_counted().then(|| {
            let bars: Vec<Bar> = self
                .top_skills
                .iter()
                .map(|s| Bar { label: s.skill.clone(), value: s.pct, text: pct(s.pct) })
                .collect();
            chart::bars(id, &format!("{role}: top skills by share of open postings"), "Share of postings", &bars)
        })
    }

    /// The top skill, or a dash.
    pub fn top_skill(&self) -> String {
        self.top_skills.first().map_or_else(|| "—".to_owned(), |s| s.skill.clone())
    }

    /// Why there is no trend for these figures (shown instead of the chart).
    pub fn no_trend_reason(&self, weeks: usize) -> String {
        if self.imported() {
            format!(
                "these figures were imported from a published source for the week of {} rather than computed \
                 from postings, so there is no weekly history to draw. A trend appears once this role's postings \
                 are ingested and its snapshots computed week by week.",
                self.week
            )
        } else {
            format!("only {weeks} week with figures up to the week of {}: a trend needs two or more.", self.week)
        }
    }
}

/// Companies or metros as bars of their counts.
pub fn counts_chart(id: &str, title: &str, heading: &str, items: &[NameCount]) -> Figure {
    let bars: Vec<Bar> =
        items.iter().map(|c| Bar { label: c.name.clone(), value: c.count as f64, text: thousands(c.count) }).collect();
    chart::bars(id, title, heading, &bars)
}

/// Links to the roles of `roles` other than `except`, for comparisons with `slug`.
pub fn compare_links(slug: &str, roles: &[RoleRef], except: &[&str]) -> Vec<(String, String)> {
    roles
        .iter()
        .filter(|r| r.slug != slug && !except.contains(&r.slug.as_str()))
        .map(|r| (format!("/compare/{slug}-vs-{}", r.slug), r.title.clone()))
        .collect()
}
