//! The figures of one role for one week (docs/figures.md#snapshots).

use sea_orm::ActiveValue::Set;
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
    /// The figures' columns, as [`Figures`] declares and documents them.
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

/// A snapshot's figures (docs/figures.md#snapshots), computed from postings or entered by an
/// admin: declared once here, and stored with [`ActiveModel::set_figures`]. The columns of
/// [`Model`] mirror it because an entity's columns must be its own fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Open postings.
    pub open_positions: i32,
    /// Open postings with a salary: the sample the salary figures rest on.
    pub sample_size: i32,
    /// Mean of the salary minimums, over the postings that have one.
    pub salary_range_low: Option<i32>,
    /// Mean of the salary maximums, over the postings that have one.
    pub salary_range_high: Option<i32>,
    /// Mean of the salary midpoints.
    pub average_salary: Option<i32>,
    /// 25th percentile of the midpoints.
    pub p25_salary: Option<i32>,
    /// Median of the midpoints.
    pub median_salary: Option<i32>,
    /// 75th percentile of the midpoints.
    pub p75_salary: Option<i32>,
    /// 90th percentile of the midpoints.
    pub p90_salary: Option<i32>,
    /// Share of remote postings, 0–100.
    pub remote_pct: f64,
    /// Share of entry-level postings, 0–100.
    pub entry_pct: f64,
    /// Share of mid-level postings, 0–100.
    pub mid_pct: f64,
    /// Share of senior postings, 0–100.
    pub senior_pct: f64,
    /// The skills most postings name, ranked.
    pub top_skills: SkillShares,
    /// The companies with most postings, ranked.
    pub top_companies: NameCounts,
    /// The metros with most postings, ranked.
    pub top_metros: NameCounts,
}

impl ActiveModel {
    /// Sets every figure column from `figures`.
    pub fn set_figures(&mut self, figures: Figures) {
        let Figures {
            open_positions,
            sample_size,
            salary_range_low,
            salary_range_high,
            average_salary,
            p25_salary,
            median_salary,
            p75_salary,
            p90_salary,
            remote_pct,
            entry_pct,
            mid_pct,
            senior_pct,
            top_skills,
            top_companies,
            top_metros,
        } = figures;
        self.open_positions = Set(open_positions);
        self.sample_size = Set(sample_size);
        self.salary_range_low = Set(salary_range_low);
        self.salary_range_high = Set(salary_range_high);
        self.average_salary = Set(average_salary);
        self.p25_salary = Set(p25_salary);
        self.median_salary = Set(median_salary);
        self.p75_salary = Set(p75_salary);
        self.p90_salary = Set(p90_salary);
        self.remote_pct = Set(remote_pct);
        self.entry_pct = Set(entry_pct);
        self.mid_pct = Set(mid_pct);
        self.senior_pct = Set(senior_pct);
        self.top_skills = Set(top_skills);
        self.top_companies = Set(top_companies);
        self.top_metros = Set(top_metros);
    }
}
