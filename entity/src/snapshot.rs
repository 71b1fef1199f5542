//! The figures of one role for one week (stats.md).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::SnapshotSource;

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
    /// JSON array of [`SkillShare`], ranked.
    pub top_skills: Json,
    /// JSON array of [`NameCount`], ranked.
    pub top_companies: Json,
    /// JSON array of [`NameCount`], ranked.
    pub top_metros: Json,
    pub computed_at: DateTimeUtc,
    /// The data version that wrote this row (set by a database trigger, never by the code).
    pub data_version: i64,
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

impl Model {
    /// The ranked top skills.
    pub fn top_skills(&self) -> Vec<SkillShare> {
        serde_json::from_value(self.top_skills.clone()).unwrap_or_default()
    }

    /// The ranked top companies.
    pub fn top_companies(&self) -> Vec<NameCount> {
        serde_json::from_value(self.top_companies.clone()).unwrap_or_default()
    }

    /// The ranked top metros.
    pub fn top_metros(&self) -> Vec<NameCount> {
        serde_json::from_value(self.top_metros.clone()).unwrap_or_default()
    }
}
