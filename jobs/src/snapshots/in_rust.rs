//! The Rust engine: one paged pass over the open postings by id, every figure computed in
//! memory. On SQLite one sequential pass beats the database engine's several grouped scans.

use std::collections::BTreeMap;

use entity::{Seniority, posting};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use super::ComputedSnapshot;
use super::totals::{Group, Percentiles, RoleTotals};
use crate::week::Week;

/// Postings read per page.
const PAGE: u64 = 20_000;

/// What the pass reads of one open posting.
#[derive(Debug, FromQueryResult)]
struct OpenPosting {
    id: i32,
    role_id: i32,
    remote: bool,
    seniority: Seniority,
    salary_min: Option<i32>,
    salary_max: Option<i32>,
    salary_mid: Option<f64>,
    company: String,
    metro: Option<String>,
    skill_ids: String,
}

impl OpenPosting {
    fn add_to(self, totals: &mut RoleTotals, midpoints: &mut Vec<f64>) {
        let one = |value: Option<i32>| (value.map_or(0, i64::from), i64::from(value.is_some()));
        totals.add_group(Group {
            postings: 1,
            seniority: self.seniority,
            remote: i64::from(self.remote),
            salary_min: one(self.salary_min),
            salary_max: one(self.salary_max),
            salary_mid: (self.salary_mid.unwrap_or(0.0), i64::from(self.salary_mid.is_some())),
        });
        midpoints.extend(self.salary_mid);
        totals.add_skills(&self.skill_ids, 1);
        totals.add_company(self.company, 1);
        totals.add_metro(self.metro, 1);
    }
}

async fn page(db: &impl ConnectionTrait, week: Week, after_id: i32) -> Result<Vec<OpenPosting>, DbErr> {
    use posting::Column as C;
    posting::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::RoleId,
            C::Remote,
            C::Seniority,
            C::SalaryMin,
            C::SalaryMax,
            C::SalaryMid,
            C::Company,
            C::Metro,
            C::SkillIds,
        ])
        .filter(C::Id.gt(after_id))
        .filter(week.open_postings())
        .order_by_asc(C::Id)
        .limit(PAGE)
        .into_model::<OpenPosting>()
        .all(db)
        .await
}

/// Computes every role's figures for `week` in one pass.
pub async fn compute(db: &impl ConnectionTrait, week: Week) -> Result<Vec<ComputedSnapshot>, DbErr> {
    let skill_names = super::skill_names(db).await?;
    let mut roles: BTreeMap<i32, (RoleTotals, Vec<f64>)> = BTreeMap::new();
    let mut after = 0;
    loop {
        let postings = page(db, week, after).await?;
        let full = postings.len() as u64 == PAGE;
        let Some(last) = postings.last().map(|p| p.id) else { break };
        for posting in postings {
            let (totals, midpoints) = roles.entry(posting.role_id).or_default();
            posting.add_to(totals, midpoints);
        }
        after = last;
        if !full {
            break;
        }
    }
    Ok(roles
        .into_iter()
        .map(|(role_id, (totals, mut midpoints))| {
            midpoints.sort_by(f64::total_cmp);
            totals.finish(role_id, Percentiles::of_sorted(&midpoints), &skill_names)
        })
        .collect())
}
