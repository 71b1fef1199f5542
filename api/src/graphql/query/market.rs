//! `market(week)`: the whole market in one week.

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use jobs::catalog;

use crate::error::ApiResult;
use crate::graphql::DB_COST;
use crate::graphql::loaders::{RoleKey, loader};
use crate::graphql::scalars::{Date, optional_week};
use crate::graphql::types::{Role, SkillShare};
use crate::state::app_state;

/// One role's part of the market.
#[derive(SimpleObject, Debug, Clone)]
pub struct RoleShare {
    /// The role.
    pub role: Role,
    /// Its open positions.
    pub open_positions: i32,
    /// Its share of all listings, percent with one decimal.
    pub share_of_listings_pct: f64,
}

/// The market as a whole in one week.
#[derive(SimpleObject, Debug, Clone)]
pub struct Market {
    /// The week (the latest with data when not asked for); null without any data.
    pub week: Option<Date>,
    /// Open positions over all roles.
    pub total_open_positions: i32,
    /// Each role's share, largest first.
    pub roles: Vec<RoleShare>,
    /// Skills across roles' top lists, by postings.
    pub top_skills: Vec<SkillShare>,
}

/// Market queries.
#[derive(Default)]
pub struct MarketQuery;

#[Object]
impl MarketQuery {
    /// The market in `week` (default: the latest week with data).
    #[graphql(complexity = "2 * DB_COST + child_complexity")]
    async fn market(&self, ctx: &Context<'_>, week: Option<Date>) -> async_graphql::Result<Market> {
        market(ctx, week).await.extend()
    }
}

async fn market(ctx: &Context<'_>, week: Option<Date>) -> ApiResult<Market> {
    let db = &app_state(ctx).db;
    let market = catalog::market(db, optional_week(week)?).await?;
    let mut found = loader(ctx).load_many(market.roles.iter().map(|s| RoleKey(s.role_id))).await?;
    let roles = market
        .roles
        .into_iter()
        .filter_map(|share| {
            found.remove(&RoleKey(share.role_id)).map(|role| RoleShare {
                role: Role::from(role),
                open_positions: share.open_positions,
                share_of_listings_pct: share.share_pct,
            })
        })
        .collect();
    Ok(Market {
        week: market.week.map(|w| Date(w.monday())),
        total_open_positions: market.total_open_positions as i32,
        roles,
        top_skills: market.top_skills.into_iter().map(SkillShare::from).collect(),
    })
}
