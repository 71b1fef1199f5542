//! The database engine: grouped aggregates and `percentile_cont`, on PostgreSQL and on SQLite
//! (built with its percentile functions: `.cargo/config.toml`). The database groups the open postings by the values a figure counts, and
//! [`RoleTotals`] folds the groups exactly as the Rust engine folds single postings.

use std::collections::{BTreeMap, HashMap};

use entity::{Seniority, posting};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult};

use super::ComputedSnapshot;
use super::totals::{Group, Percentiles, RoleTotals};
use crate::sql::fetch;
use crate::week::Week;

/// The open postings of `week`, grouped by role and the given columns, counted.
fn grouped(week: Week, columns: &[posting::Column]) -> SelectStatement {
    let mut query = Query::select();
    query
        .column(posting::Column::RoleId)
        .columns(columns.iter().copied())
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("postings"))
        .from(posting::Entity)
        .cond_where(week.open_postings())
        .group_by_col(posting::Column::RoleId)
        .group_by_columns(columns.iter().copied());
    query
}

/// Counts and sums of one role's open postings of one seniority.
#[derive(Debug, FromQueryResult)]
struct SeniorityGroup {
    role_id: i32,
    seniority: Seniority,
    postings: i64,
    remote: i64,
    min_sum: Option<i64>,
    min_count: i64,
    max_sum: Option<i64>,
    max_count: i64,
    mid_sum: Option<f64>,
    mid_count: i64,
}

async fn seniority_groups(db: &impl ConnectionTrait, week: Week) -> Result<Vec<SeniorityGroup>, DbErr> {
    let mut query = grouped(week, &[posting::Column::Seniority]);
    for (alias, sql) in [
        ("remote", "SUM(CASE WHEN remote THEN 1 ELSE 0 END)"),
        ("min_sum", "CAST(SUM(salary_min) AS BIGINT)"),
        ("min_count", "COUNT(salary_min)"),
        ("max_sum", "CAST(SUM(salary_max) AS BIGINT)"),
        ("max_count", "COUNT(salary_max)"),
        ("mid_sum", "CAST(SUM(salary_mid) AS DOUBLE PRECISION)"),
        ("mid_count", "COUNT(salary_mid)"),
    ] {
        query.expr_as(Expr::cust(sql), Alias::new(alias));
    }
    fetch(db, &query).await
}

/// The salary percentiles of one role, before rounding.
#[derive(Debug, FromQueryResult)]
struct RolePercentiles {
    role_id: i32,
    p25: f64,
    p50: f64,
    p75: f64,
    p90: f64,
}

async fn percentiles(db: &impl ConnectionTrait, week: Week) -> Result<HashMap<i32, Percentiles>, DbErr> {
    let mut query = Query::select();
    query.column(posting::Column::RoleId);
    for (alias, fraction) in [("p25", "0.25"), ("p50", "0.5"), ("p75", "0.75"), ("p90", "0.9")] {
        // One function, linear interpolation between closest ranks, in each one's spelling.
        let percentile = match db.get_database_backend() {
            DbBackend::Sqlite => format!("percentile_cont(salary_mid, {fraction})"),
            _ => format!("percentile_cont({fraction}) WITHIN GROUP (ORDER BY salary_mid)"),
        };
        query.expr_as(Expr::cust(format!("CAST({percentile} AS DOUBLE PRECISION)")), Alias::new(alias));
    }
    query
        .from(posting::Entity)
        .cond_where(week.open_postings())
        .and_where(Expr::col(posting::Column::SalaryMid).is_not_null())
        .group_by_col(posting::Column::RoleId);
    let rows: Vec<RolePercentiles> = fetch(db, &query).await?;
    Ok(rows.into_iter().map(|r| (r.role_id, Percentiles { p25: r.p25, p50: r.p50, p75: r.p75, p90: r.p90 })).collect())
}

/// One value of a role's open postings, and how many carry it.
#[derive(Debug, FromQueryResult)]
struct ValueCount {
    role_id: i32,
    value: Option<String>,
    postings: i64,
}

async fn value_counts(
    db: &impl ConnectionTrait,
    week: Week,
    column: posting::Column,
) -> Result<Vec<ValueCount>, DbErr> {
    let mut query = grouped(week, &[]);
    query.expr_as(Expr::col(column), Alias::new("value")).group_by_col(column);
    fetch(db, &query).await
}

/// Computes every role's figures for `week` in the database.
pub async fn compute(db: &impl ConnectionTrait, week: Week) -> Result<Vec<ComputedSnapshot>, DbErr> {
    let mut roles: BTreeMap<i32, RoleTotals> = BTreeMap::new();
    for g in seniority_groups(db, week).await? {
        roles.entry(g.role_id).or_default().add_group(Group {
            postings: g.postings,
            seniority: g.seniority,
            remote: g.remote,
            salary_min: (g.min_sum.unwrap_or(0), g.min_count),
            salary_max: (g.max_sum.unwrap_or(0), g.max_count),
            salary_mid: (g.mid_sum.unwrap_or(0.0), g.mid_count),
        });
    }
    // Postings with the same skill list are counted together: the list is split here, as
    // the Rust engine splits it, not by SQL of each database's own.
    for row in value_counts(db, week, posting::Column::SkillIds).await? {
        if let (Some(totals), Some(list)) = (roles.get_mut(&row.role_id), row.value) {
            totals.add_skills(&list, row.postings);
        }
    }
    for row in value_counts(db, week, posting::Column::Company).await? {
        if let (Some(totals), Some(company)) = (roles.get_mut(&row.role_id), row.value) {
            totals.add_company(company, row.postings);
        }
    }
    for row in value_counts(db, week, posting::Column::Metro).await? {
        if let Some(totals) = roles.get_mut(&row.role_id) {
            totals.add_metro(row.value, row.postings);
        }
    }
    let mut percentiles = percentiles(db, week).await?;
    let skill_names = super::skill_names(db).await?;
    Ok(roles
        .into_iter()
        .map(|(role_id, totals)| totals.finish(role_id, percentiles.remove(&role_id), &skill_names))
        .collect())
}
