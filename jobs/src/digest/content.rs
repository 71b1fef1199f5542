//! What a digest reports about one week: each role's figures against the week before, and
//! the market. Loaded once per run (a few rows per role) and shared by every email, so the
//! cost of a run does not grow with the list beyond one render per recipient.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{role, snapshot};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::chart;
use crate::catalog;
use crate::figures::{self, round1};
use crate::week::Week;

/// How many roles the market section names as the week's biggest movers.
pub const MOVERS: usize = 3;
/// How many top skills a role's section names.
pub const SKILLS_SHOWN: usize = 5;
/// How many rising skills a role's section names.
pub const RISING_SHOWN: usize = 3;
/// How many weeks a role's trend chart covers.
pub const TREND_WEEKS: u64 = 12;

/// A skill whose share of a role's postings rose against the week before.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRise {
    /// The skill's display name.
    pub skill: String,
    /// Percentage points gained; `None` when it was not in last week's top list.
    pub points: Option<f64>,
}

/// One role's figures in the digest's week.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleWeek {
    /// The role's slug (what subscribers follow).
    pub slug: String,
    /// The role's display title.
    pub title: String,
    /// Open positions this week.
    pub open_positions: i32,
    /// Against the week before (none without a snapshot then).
    pub open_positions_change: Option<i32>,
    /// Median salary (none below the publishing threshold).
    pub median_salary: Option<i32>,
    /// Median's change against the week before, as the API's trend computes it.
    pub median_change_pct: Option<f64>,
    /// 75th percentile.
    pub p75_salary: Option<i32>,
    /// Top skills, most named first.
    pub top_skills: Vec<snapshot::SkillShare>,
    /// Skills whose share rose most, largest rise first.
    pub rising_skills: Vec<SkillRise>,
    /// Medians of the last [`TREND_WEEKS`] weeks up to this one, oldest first (weeks without
    /// a published median left out).
    pub median_history: Vec<i32>,
    /// [`median_history`](Self::median_history) drawn as a sparkline PNG, when it has enough
    /// points; drawn once per run and shared by every email.
    pub trend_png: Option<Arc<[u8]>>,
}

/// A role among the week's biggest median moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Mover {
    /// The role's display title.
    pub title: String,
    /// Its median's change, percent with one decimal.
    pub median_change_pct: f64,
}

/// Everything a week's digest reports, whoever receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFigures {
    /// The week reported.
    pub week: Week,
    /// Every role with a snapshot that week, most open positions first.
    pub roles: Vec<RoleWeek>,
    /// Open positions over all roles.
    pub total_open_positions: i64,
    /// Against the week before, over the roles with a snapshot in both weeks (none
    /// without snapshots then).
    pub total_change: Option<i64>,
    /// The largest median moves, largest first.
    pub movers: Vec<Mover>,
}

impl WeekFigures {
    /// Reads the snapshots of `week` and of the week before.
    pub async fn load(db: &impl ConnectionTrait, week: Week) -> Result<Self, DbErr> {
        let current = catalog::snapshots_of_week(db, week).await?;
        let previous = catalog::snapshots_of_week(db, week.previous()).await?;
        let ids: Vec<i32> = current.iter().map(|s| s.role_id).collect();
        let roles = catalog::roles_by_id(db, &ids).await?;
        let mut figures = Self::from_snapshots(week, &current, &previous, &roles);
        let first = Week::containing(week.monday() - chrono::Days::new(7 * (TREND_WEEKS - 1)));
        let history = snapshot::Entity::find()
            .filter(snapshot::Column::RoleId.is_in(ids))
            .filter(snapshot::Column::Week.between(first.monday(), week.monday()))
            .order_by_asc(snapshot::Column::Week)
            .all(db)
            .await?;
        figures.add_history(&history, &roles);
        Ok(figures)
    }

    /// Fills each role's median history from its snapshots (any order) and draws its chart.
    pub fn add_history(&mut self, snapshots: &[snapshot::Model], roles: &HashMap<i32, role::Model>) {
        let mut by_slug: HashMap<&str, Vec<(chrono::NaiveDate, i32)>> = HashMap::new();
        for s in snapshots {
            if let (Some(role), Some(median)) = (roles.get(&s.role_id), s.median_salary) {
                by_slug.entry(role.slug.as_str()).or_default().push((s.week, median));
            }
        }
        for role in &mut self.roles {
            let mut points = by_slug.remove(role.slug.as_str()).unwrap_or_default();
            points.sort_unstable();
            role.median_history = points.into_iter().map(|(_, median)| median).collect();
            role.trend_png = chart::sparkline_png(&role.median_history).map(Arc::from);
        }
    }

    /// The figures of `current` against `previous` (the snapshots of the week before).
    pub fn from_snapshots(
        week: Week,
        current: &[snapshot::Model],
        previous: &[snapshot::Model],
        roles: &HashMap<i32, role::Model>,
    ) -> Self {
        let before: HashMap<i32, &snapshot::Model> = previous.iter().map(|s| (s.role_id, s)).collect();
        let mut role_weeks: Vec<RoleWeek> = current
            .iter()
            .filter_map(|now| {
                let role = roles.get(&now.role_id)?;
                Some(role_week(role, now, before.get(&now.role_id).copied()))
            })
            .collect();
        role_weeks.sort_by(|a, b| b.open_positions.cmp(&a.open_positions).then_with(|| a.title.cmp(&b.title)));
        let total_open_positions = catalog::market_of(Some(week), current).total_open_positions;
        // Like for like: a role tracked for the first time this week is not market growth.
        let total_change = (!before.is_empty()).then(|| {
            current
                .iter()
                .filter_map(|now| before.get(&now.role_id).map(|b| i64::from(now.open_positions - b.open_positions)))
                .sum()
        });
        let mut movers: Vec<Mover> = role_weeks
            .iter()
            .filter_map(|r| r.median_change_pct.map(|pct| Mover { title: r.title.clone(), median_change_pct: pct }))
            .collect();
        movers.sort_by(|a, b| {
            b.median_change_pct.abs().total_cmp(&a.median_change_pct.abs()).then_with(|| a.title.cmp(&b.title))
        });
        movers.truncate(MOVERS);
        Self { week, roles: role_weeks, total_open_positions, total_change, movers }
    }

    /// The roles a subscriber following `slugs` reads about (empty: every role).
    pub fn followed(&self, slugs: &[String]) -> Vec<&RoleWeek> {
        self.roles.iter().filter(|r| slugs.is_empty() || slugs.contains(&r.slug)).collect()
    }
}

fn role_week(role: &role::Model, now: &snapshot::Model, before: Option<&snapshot::Model>) -> RoleWeek {
    // The same trend arithmetic the API serves, so the email and `trend` never disagree.
    let median_change_pct =
        before.and_then(|b| figures::trend(&[b.clone(), now.clone()]).get(1).and_then(|point| point.median_change_pct));
    let top_skills = now.top_skills.to_vec();
    RoleWeek {
        slug: role.slug.clone(),
        title: role.title.clone(),
        open_positions: now.open_positions,
        open_positions_change: before.map(|b| now.open_positions - b.open_positions),
        median_salary: now.median_salary,
        median_change_pct,
        p75_salary: now.p75_salary,
        rising_skills: before.map(|b| rising_skills(&top_skills, &b.top_skills)).unwrap_or_default(),
        top_skills,
        median_history: Vec::new(),
        trend_png: None,
    }
}

fn rising_skills(now: &[snapshot::SkillShare], before: &[snapshot::SkillShare]) -> Vec<SkillRise> {
    let before: HashMap<String, f64> = before.iter().map(|s| (entity::skill::skill_key(&s.skill), s.pct)).collect();
    let mut rises: Vec<SkillRise> = now
        .iter()
        .filter_map(|s| match before.get(&entity::skill::skill_key(&s.skill)) {
            Some(pct) => {
                let points = round1(s.pct - pct);
                (points > 0.0).then(|| SkillRise { skill: s.skill.clone(), points: Some(points) })
            }
            None => Some(SkillRise { skill: s.skill.clone(), points: None }),
        })
        .collect();
    // Newcomers to the top list first: they are the bigger news.
    rises.sort_by(|a, b| match (a.points, b.points) {
        (None, None) => a.skill.cmp(&b.skill),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.skill.cmp(&b.skill)),
    });
    rises.truncate(RISING_SHOWN);
    rises
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(skill: &str, pct: f64) -> snapshot::SkillShare {
        snapshot::SkillShare { skill: skill.into(), postings: 1, pct }
    }

    #[test]
    fn rising_skills_put_newcomers_first_then_the_largest_gains() {
        let now = [share("Python", 80.0), share("RAG", 40.0), share("Rust", 12.0), share("SQL", 30.0)];
        let before = [share("python", 81.0), share("RAG", 35.5), share("SQL", 29.0)];
        assert_eq!(
            rising_skills(&now, &before),
            vec![
                SkillRise { skill: "Rust".into(), points: None },
                SkillRise { skill: "RAG".into(), points: Some(4.5) },
                SkillRise { skill: "SQL".into(), points: Some(1.0) },
            ]
        );
    }
}
