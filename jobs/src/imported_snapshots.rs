//! Snapshots of source IMPORTED: figures an admin enters, validated, stored as given.

use chrono::{DateTime, Utc};
use entity::{SnapshotSource, snapshot};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::figures::{TOP_NAMES, TOP_SKILLS};
use crate::roles::{self, RoleError};
use crate::week::Week;

/// Published figures of one role for one week (the `SnapshotInput` of the API).
#[derive(Debug, Clone, Default)]
pub struct SnapshotImport {
    /// Role slug.
    pub role: String,
    /// The week.
    pub week: Option<Week>,
    /// The figures as published. Their rankings name skills, companies and metros without
    /// counts ([`ranked_skills`], [`ranked_names`]): published pages do not give them.
    pub figures: snapshot::Figures,
}

/// Skills ranked by a published page, without counts.
pub fn ranked_skills(names: Vec<String>) -> snapshot::SkillShares {
    names.into_iter().map(|skill| snapshot::SkillShare { skill, postings: 0, pct: 0.0 }).collect()
}

/// Companies or metros ranked by a published page, without counts.
pub fn ranked_names(names: Vec<String>) -> snapshot::NameCounts {
    names.into_iter().map(|name| snapshot::NameCount { name, count: 0 }).collect()
}

fn money(field: &str, value: Option<i32>) -> Result<Option<i32>, RoleError> {
    match value {
        None => Ok(None),
        Some(v) if (0..crate::ingest::MAX_YEARLY_SALARY).contains(&i64::from(v)) => Ok(Some(v)),
        Some(v) => Err(RoleError::Invalid(format!("{field} must be between 0 and 9,999,999, got {v}"))),
    }
}

/// The names of a ranking, trimmed, each checked.
fn names<'a>(field: &str, list: impl ExactSizeIterator<Item = &'a str>, max: usize) -> Result<Vec<String>, RoleError> {
    if list.len() > max {
        return Err(RoleError::Invalid(format!("{field} may list at most {max}, got {}", list.len())));
    }
    list.map(|s| match s.trim() {
        "" => Err(RoleError::Invalid(format!("{field} must not contain an empty name"))),
        t if t.chars().count() > crate::ingest::MAX_TEXT_LEN => {
            Err(RoleError::Invalid(format!("{field} names must be at most 200 characters")))
        }
        t => Ok(t.to_owned()),
    })
    .collect()
}

/// Validates and stores an imported snapshot (replacing any snapshot of that role and week).
pub async fn upsert_imported(
    db: &impl ConnectionTrait,
    input: SnapshotImport,
    now: DateTime<Utc>,
) -> Result<snapshot::Model, RoleError> {
    let week = input.week.ok_or_else(|| RoleError::Invalid("week is required".into()))?;
    let role = roles::find_by_slug(db, &input.role).await?.ok_or_else(|| RoleError::NotFound(input.role.clone()))?;
    let mut figures = input.figures;
    if figures.open_positions < 0 {
        return Err(RoleError::Invalid(format!("openPositions must not be negative, got {}", figures.open_positions)));
    }
    if figures.sample_size < 0 || figures.sample_size > figures.open_positions {
        return Err(RoleError::Invalid(format!(
            "sampleSize must be between 0 and openPositions ({}), got {}",
            figures.open_positions, figures.sample_size
        )));
    }
    for (field, pct) in [
        ("remotePct", figures.remote_pct),
        ("entryPct", figures.entry_pct),
        ("midPct", figures.mid_pct),
        ("seniorPct", figures.senior_pct),
    ] {
        if !(0.0..=100.0).contains(&pct) {
            return Err(RoleError::Invalid(format!("{field} must be between 0 and 100, got {pct}")));
        }
    }
    let mix = figures.entry_pct + figures.mid_pct + figures.senior_pct;
    if (mix - 100.0).abs() > 1.0 {
        return Err(RoleError::Invalid(format!("entryPct + midPct + seniorPct must be 100 ± 1, got {mix}")));
    }
    let low = money("salaryRangeLow", figures.salary_range_low)?;
    let high = money("salaryRangeHigh", figures.salary_range_high)?;
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return Err(RoleError::Invalid(format!("salaryRangeLow ({l}) must not exceed salaryRangeHigh ({h})")));
    }
    money("averageSalary", figures.average_salary)?;
    let percentiles = [
        ("p25Salary", money("p25Salary", figures.p25_salary)?),
        ("medianSalary", money("medianSalary", figures.median_salary)?),
        ("p75Salary", money("p75Salary", figures.p75_salary)?),
        ("p90Salary", money("p90Salary", figures.p90_salary)?),
    ];
    let present: Vec<(&str, i32)> = percentiles.iter().filter_map(|(f, v)| v.map(|v| (*f, v))).collect();
    if let Some(pair) = present.windows(2).find(|w| w[0].1 > w[1].1) {
        return Err(RoleError::Invalid(format!(
            "percentiles must not decrease: {} ({}) is above {} ({})",
            pair[0].0, pair[0].1, pair[1].0, pair[1].1
        )));
    }
    figures.top_skills =
        ranked_skills(names("topSkills", figures.top_skills.iter().map(|s| s.skill.as_str()), TOP_SKILLS)?);
    figures.top_companies =
        ranked_names(names("topCompanies", figures.top_companies.iter().map(|c| c.name.as_str()), TOP_NAMES)?);
    figures.top_metros =
        ranked_names(names("topMetros", figures.top_metros.iter().map(|m| m.name.as_str()), TOP_NAMES)?);

    let existing = snapshot::Entity::find()
        .filter(snapshot::Column::RoleId.eq(role.id))
        .filter(snapshot::Column::Week.eq(week.monday()))
        .one(db)
        .await?;
    let is_new = existing.is_none();
    let mut model = match existing {
        Some(m) => m.into_active_model(),
        None => snapshot::ActiveModel { role_id: Set(role.id), week: Set(week.monday()), ..Default::default() },
    };
    model.source = Set(SnapshotSource::Imported);
    model.set_figures(figures);
    model.computed_at = Set(now);
    Ok(if is_new { model.insert(db).await? } else { model.update(db).await? })
}
