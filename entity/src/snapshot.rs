//! The figures of one role for one week (stats.md).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::SnapshotSource;
use crate::json_list::json_list;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "snapshot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub role_id: i32,
    /// The Monday that names the week.
    pub week: Date,
    pub source: SnapshotSource,
    pub open_positions: i32,
    pub sample_size: i32,
    pub salary_range_low: Option<i32>,
    pub salary_range_high: Option<i32>,
    pub average_salary: Option<i32>,
    pub p25_salary: Option<i32>,
    pub median_salary: Option<i32>,
    pub p75_salary: Option<i32>,
    pub p90_salary: Option<i32>,
    pub remote_pct: f64,
    pub entry_pct: f64,
    pub mid_pct: f64,
    pub senior_pct: f64,
    /// The skills most open postings name, ranked.
    pub top_skills: SkillShares,
    /// The companies with most open postings, ranked.
    pub top_companies: NameCounts,
    /// The metros with most open postings, ranked.
    pub top_metros: NameCounts,
    pub computed_at: DateTimeUtc,
    /// The data version that wrote this row (set by a database trigger, never by the code).
    pub data_version: i64,
    #[sea_orm(belongs_to, from = "role_id", to = "id", on_delete = "Cascade")]
    pub role: BelongsTo<super::role::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// A skill with how many open postings name it and their share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkillShare {
    pub skill: String,
    pub postings: i32,
    pub pct: f64,
}

/// A name (company, metro) with a count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: i32,
}

json_list!(
    /// Skill shares, ranked (a JSON array of [`SkillShare`]).
    SkillShares(SkillShare)
);

json_list!(
    /// Names with counts, ranked (a JSON array of [`NameCount`]).
    #[derive(Eq)]
    NameCounts(NameCount)
);
