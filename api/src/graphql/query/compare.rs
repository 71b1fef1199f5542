//! `compareRoles(a, b, week)`: two roles side by side, figures as docs/figures.md#comparisons defines them.

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use jobs::figures::{self, ComparedRole, Side};
use jobs::{Week, catalog};
use sea_orm::DatabaseConnection;

use crate::error::{ApiError, ApiResult};
use crate::graphql::DB_COST;
use crate::graphql::scalars::{Date, optional_week};
use crate::graphql::types::{Role, Snapshot};
use crate::state::app_state;

/// One role of a comparison.
#[derive(SimpleObject, Debug, Clone)]
pub struct RoleSide {
    /// The role.
    pub role: Role,
    /// Its snapshot of the compared week; null without data.
    pub snapshot: Option<Snapshot>,
    /// Its share of all listings that week, percent with one decimal.
    pub share_of_listings_pct: Option<f64>,
}

/// Two roles compared in one week.
#[derive(SimpleObject, Debug, Clone)]
pub struct RoleComparison {
    /// The week compared: as asked, or the latest both roles have.
    pub week: Option<Date>,
    /// The first role.
    pub a: RoleSide,
    /// The second role.
    pub b: RoleSide,
    /// Open positions over all roles that week.
    pub total_open_positions: i32,
    /// The role with the higher average salary.
    pub higher_paying: Option<Role>,
    /// How much more it pays, whole percent.
    pub pay_premium_pct: Option<i32>,
    /// The role with more open positions.
    pub more_openings: Option<Role>,
    /// Salary ceiling of the higher payer minus the other's.
    pub salary_ceiling_gap: Option<i32>,
    /// Top skills both list, in A's order.
    pub shared_skills: Vec<String>,
    /// Top skills only A lists.
    pub only_a: Vec<String>,
    /// Top skills only B lists.
    pub only_b: Vec<String>,
    /// ⌊100 × shared / longer list⌋.
    pub skill_overlap_pct: Option<i32>,
    /// Plain sentences for readers.
    pub verdict: Vec<String>,
}

/// Comparison queries.
#[derive(Default)]
pub struct CompareQuery;

#[Object]
impl CompareQuery {
    /// Compares role `a` with role `b` in `week` (default: the latest week both have);
    /// `a` and `b` must be two different roles.
    #[graphql(complexity = "4 * DB_COST + child_complexity")]
    async fn compare_roles(
        &self,
        ctx: &Context<'_>,
        a: String,
        b: String,
        week: Option<Date>,
    ) -> async_graphql::Result<RoleComparison> {
        compare_roles(&app_state(ctx).db, &a, &b, week).await.extend()
    }
}

async fn find_role(db: &DatabaseConnection, slug: &str) -> ApiResult<entity::role::Model> {
    jobs::roles::find_by_slug(db, slug)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no role has the slug \"{slug}\"")))
}

/// Builds the comparison of two roles.
pub async fn compare_roles(db: &DatabaseConnection, a: &str, b: &str, week: Option<Date>) -> ApiResult<RoleComparison> {
    if a == b {
        return Err(ApiError::BadUserInput(format!(
            "b: compare two different roles (a and b are both \"{b}\"); role(slug) has one role's figures"
        )));
    }
    let week = optional_week(week)?;
    let role_a = find_role(db, a).await?;
    let role_b = find_role(db, b).await?;
    let week: Option<Week> = match week {
        Some(w) => Some(w),
        None => catalog::latest_common_week(db, &[role_a.id, role_b.id]).await?,
    };
    let week_snapshots = match week {
        Some(w) => catalog::snapshots_of_week(db, w).await?,
        None => Vec::new(),
    };
    let find = |id: i32| week_snapshots.iter().find(|s| s.role_id == id);
    let (snap_a, snap_b) = (find(role_a.id), find(role_b.id));
    let total = catalog::total_open_positions(&week_snapshots);
    let c = figures::compare(
        ComparedRole { title: &role_a.title, snapshot: snap_a },
        ComparedRole { title: &role_b.title, snapshot: snap_b },
        total,
    );
    let pick =
        |side: Option<Side>| side.map(|s| Role::from(if s == Side::A { role_a.clone() } else { role_b.clone() }));
    Ok(RoleComparison {
        week: week.map(|w| Date(w.monday())),
        higher_paying: pick(c.higher_paying),
        more_openings: pick(c.more_openings),
        a: RoleSide {
            role: Role::from(role_a.clone()),
            snapshot: snap_a.cloned().map(Snapshot),
            share_of_listings_pct: c.share_a,
        },
        b: RoleSide {
            role: Role::from(role_b.clone()),
            snapshot: snap_b.cloned().map(Snapshot),
            share_of_listings_pct: c.share_b,
        },
        total_open_positions: c.total_open_positions as i32,
        pay_premium_pct: c.pay_premium_pct,
        salary_ceiling_gap: c.salary_ceiling_gap,
        shared_skills: c.shared_skills,
        only_a: c.only_a,
        only_b: c.only_b,
        skill_overlap_pct: c.skill_overlap_pct,
        verdict: c.verdict,
    })
}
