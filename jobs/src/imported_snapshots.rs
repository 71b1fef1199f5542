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
    /// Open positions.
    pub open_positions: i64,
    /// Salaries the figures rest on; defaults to `open_positions`.
    pub sample_size: Option<i64>,
    /// Mean of minimums.
    pub salary_range_low: Option<i64>,
    /// Mean of maximums.
    pub salary_range_high: Option<i64>,
    /// Mean salary.
    pub average_salary: Option<i64>,
    /// 25th percentile.
    pub p25_salary: Option<i64>,
    /// Median.
    pub median_salary: Option<i64>,
    /// 75th percentile.
    pub p75_salary: Option<i64>,
    /// 90th percentile.
    pub p90_salary: Option<i64>,
    /// Remote share, 0–100.
    pub remote_pct: f64,
    /// Entry-level share, 0–100.
    pub entry_pct: f64,
    /// Mid-level share, 0–100.
    pub mid_pct: f64,
    /// Senior share, 0–100.
    pub senior_pct: f64,
    /// Ranked skills.
    pub top_skills: Vec<String>,
    /// Ranked companies.
    pub top_companies: Vec<String>,
    /// Ranked metros.
    pub top_metros: Vec<String>,
}

fn money(field: &str, value: Option<i64>) -> Result<Option<i32>, RoleError> {
    match value {
        None => Ok(None),
        Some(v) if (0..crate::ingest::MAX_YEARLY_SALARY).contains(&v) => Ok(Some(v as i32)),
        Some(v) => Err(RoleError::Invalid(format!("{field} must be between 0 and 9,999,999, got {v}"))),
    }
}

fn names(field: &str, list: &[String], max: usize) -> Result<Vec<String>, RoleError> {
    if list.len() > max {
        return Err(RoleError::Invalid(format!("{field} may list at most {max}, got {}", list.len())));
    }
    list.iter()
        .map(|s| match s.trim() {
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
    if input.open_positions < 0 || input.open_positions > i64::from(i32::MAX) {
        return Err(RoleError::Invalid(format!("openPositions must not be negative, got {}", input.open_positions)));
    }
    let sample_size = input.sample_size.unwrap_or(input.open_positions);
    if sample_size < 0 || sample_size > input.open_positions {
        return Err(RoleError::Invalid(format!(
            "sampleSize must be between 0 and openPositions ({}), got {sample_size}",
            input.open_positions
        )));
    }
    for (field, pct) in [
        ("remotePct", input.remote_pct),
        ("entryPct", input.entry_pct),
        ("midPct", input.mid_pct),
        ("seniorPct", input.senior_pct),
    ] {
        if !(0.0..=100.0).contains(&pct) {
            return Err(RoleError::Invalid(format!("{field} must be between 0 and 100, got {pct}")));
        }
    }
    let mix = input.entry_pct + input.mid_pct + input.senior_pct;
    if (mix - 100.0).abs() > 1.0 {
        return Err(RoleError::Invalid(format!("entryPct + midPct + seniorPct must be 100 ± 1, got {mix}")));
    }
    let low = money("salaryRangeLow", input.salary_range_low)?;
    let high = money("salaryRangeHigh", input.salary_range_high)?;
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return Err(RoleError::Invalid(format!("salaryRangeLow ({l}) must not exceed salaryRangeHigh ({h})")));
    }
    let percentiles = [
        ("p25Salary", money("p25Salary", input.p25_salary)?),
        ("medianSalary", money("medianSalary", input.median_salary)?),
        ("p75Salary", money("p75Salary", input.p75_salary)?),
        ("p90Salary", money("p90Salary", input.p90_salary)?),
    ];
    let present: Vec<(&str, i32)> = percentiles.iter().filter_map(|(f, v)| v.map(|v| (*f, v))).collect();
    if let Some(pair) = present.windows(2).find(|w| w[0].1 > w[1].1) {
        return Err(RoleError::Invalid(format!(
            "percentiles must not decrease: {} ({}) is above {} ({})",
            pair[0].0, pair[0].1, pair[1].0, pair[1].1
        )));
    }
    let top_skills: Vec<snapshot::SkillShare> = names("topSkills", &input.top_skills, TOP_SKILLS)?
        .into_iter()
        // Published pages rank skills without counts: the share is not known.
        .map(|skill| snapshot::SkillShare { skill, postings: 0, pct: 0.0 })
        .collect();
    let counted = |field, list: &[String]| -> Result<Vec<snapshot::NameCount>, RoleError> {
        Ok(names(field, list, TOP_NAMES)?.into_iter().map(|name| snapshot::NameCount { name, count: 0 }).collect())
    };
    let top_companies = counted("topCompanies", &input.top_companies)?;
    let top_metros = counted("topMetros", &input.top_metros)?;

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
    model.open_positions = Set(input.open_positions as i32);
    model.sample_size = Set(sample_size as i32);
    model.salary_range_low = Set(low);
    model.salary_range_high = Set(high);
    model.average_salary = Set(money("averageSalary", input.average_salary)?);
    model.p25_salary = Set(percentiles[0].1);
    model.median_salary = Set(percentiles[1].1);
    model.p75_salary = Set(percentiles[2].1);
    model.p90_salary = Set(percentiles[3].1);
    model.remote_pct = Set(input.remote_pct);
    model.entry_pct = Set(input.entry_pct);
    model.mid_pct = Set(input.mid_pct);
    model.senior_pct = Set(input.senior_pct);
    model.top_skills = Set(top_skills.into());
    model.top_companies = Set(top_companies.into());
    model.top_metros = Set(top_metros.into());
    model.computed_at = Set(now);
    Ok(if is_new { model.insert(db).await? } else { model.update(db).await? })
}
