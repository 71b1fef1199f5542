//! A job posting: one role, salary in whole USD a year.

use sea_orm::entity::prelude::*;

use crate::Seniority;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "posting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub source: String,
    pub external_id: String,
    pub role_id: i32,
    pub title: String,
    pub company: String,
    pub metro: Option<String>,
    pub remote: bool,
    pub seniority: Seniority,
    pub salary_min: Option<i32>,
    pub salary_max: Option<i32>,
    /// Midpoint of the bounds (docs/figures.md#postings); null without salary.
    pub salary_mid: Option<f64>,
    /// Skill ids, sorted and comma-separated (a copy of `posting_skill` for fast counting).
    pub skill_ids: String,
    pub posted_at: Date,
    pub closed_at: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The role rule that classified it; null when its role was given.
    pub rule_id: Option<i32>,
    /// The advert's address.
    pub url: Option<String>,
    #[sea_orm(belongs_to, from = "role_id", to = "id", on_delete = "Restrict")]
    pub role: BelongsTo<super::role::Entity>,
    #[sea_orm(has_many, via = "posting_skill")]
    pub skills: HasMany<super::skill::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// The midpoint of a salary range as docs/figures.md#postings defines it.
pub fn salary_midpoint(min: Option<i32>, max: Option<i32>) -> Option<f64> {
    match (min, max) {
        (Some(lo), Some(hi)) => Some((f64::from(lo) + f64::from(hi)) / 2.0),
        (Some(one), None) | (None, Some(one)) => Some(f64::from(one)),
        (None, None) => None,
    }
}
