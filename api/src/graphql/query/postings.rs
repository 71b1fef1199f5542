//! `postings(filter)`: filtered, paginated postings over indexed columns.

use async_graphql::{Context, InputObject, Object, ResultExt};
use entity::{posting, posting_skill, skill};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::DB_COST;
use crate::graphql::pagination::{Page, cursor, split_page};
use crate::graphql::scalars::Date;
use crate::graphql::types::{Posting, PostingConnection, PostingEdge, Seniority, page_of};
use crate::state::AppState;

/// Which postings to list; every field narrows the list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PostingFilter {
    /// Role slug.
    pub role: Option<String>,
    /// Remote-friendly or not.
    pub remote: Option<bool>,
    /// Seniority.
    pub seniority: Option<Seniority>,
    /// Metro, exactly as stored.
    pub metro: Option<String>,
    /// Company, exactly as stored.
    pub company: Option<String>,
    /// A skill, any case.
    pub skill: Option<String>,
    /// Salary midpoint at least this (USD a year).
    pub min_salary: Option<i32>,
    /// Open in that week (a Monday).
    pub open_in: Option<Date>,
}

/// Posting queries.
#[derive(Default)]
pub struct PostingQuery;

#[Object]
impl PostingQuery {
    /// Postings matching the filter, newest id last.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 2 * DB_COST")]
    async fn postings(
        &self,
        ctx: &Context<'_>,
        filter: Option<PostingFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<PostingConnection> {
        let db = &ctx.data_unchecked::<AppState>().db;
        find_postings(db, filter.unwrap_or_default(), None, first.unwrap_or(20), after.as_deref()).await.extend()
    }
}

async fn condition(
    db: &DatabaseConnection,
    filter: PostingFilter,
    role_id: Option<i32>,
) -> ApiResult<Option<Condition>> {
    let mut cond = Condition::all();
    if let Some(slug) = &filter.role {
        let role = jobs::roles::find_by_slug(db, slug)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no role has the slug \"{slug}\"")))?;
        if role_id.is_some_and(|id| id != role.id) {
            return Ok(None);
        }
        cond = cond.add(posting::Column::RoleId.eq(role.id));
    }
    if let Some(id) = role_id {
        cond = cond.add(posting::Column::RoleId.eq(id));
    }
    if let Some(remote) = filter.remote {
        cond = cond.add(posting::Column::Remote.eq(remote));
    }
    if let Some(seniority) = filter.seniority {
        cond = cond.add(posting::Column::Seniority.eq(entity::Seniority::from(seniority)));
    }
    if let Some(metro) = filter.metro {
        cond = cond.add(posting::Column::Metro.eq(metro));
    }
    if let Some(company) = filter.company {
        cond = cond.add(posting::Column::Company.eq(company));
    }
    if let Some(min) = filter.min_salary {
        cond = cond.add(posting::Column::SalaryMid.gte(f64::from(min)));
    }
    if let Some(date) = filter.open_in {
        let sunday = date.week().map_err(|e| ApiError::BadUserInput(format!("openIn: {e}")))?.sunday();
        cond = cond
            .add(posting::Column::PostedAt.lte(sunday))
            .add(Condition::any().add(posting::Column::ClosedAt.is_null()).add(posting::Column::ClosedAt.gt(sunday)));
    }
    if let Some(name) = filter.skill {
        let with_skill = Query::select()
            .column(posting_skill::Column::PostingId)
            .from(posting_skill::Entity)
            .inner_join(
                skill::Entity,
                Expr::col((skill::Entity, skill::Column::Id))
                    .equals((posting_skill::Entity, posting_skill::Column::SkillId)),
            )
            .and_where(Expr::col((skill::Entity, skill::Column::Key)).eq(entity::skill::skill_key(&name)))
            .to_owned();
        cond = cond.add(posting::Column::Id.in_subquery(with_skill));
    }
    Ok(Some(cond))
}

/// A page of the postings matching `filter` (and of `role_id`, when given).
pub async fn find_postings(
    db: &DatabaseConnection,
    filter: PostingFilter,
    role_id: Option<i32>,
    first: i32,
    after: Option<&str>,
) -> ApiResult<PostingConnection> {
    let page = Page::parse(first, after, "posting")?;
    let (rows, has_next, total_count) = match condition(db, filter, role_id).await? {
        None => (Vec::new(), false, 0),
        Some(cond) => {
            let total = posting::Entity::find().filter(cond.clone()).count(db).await? as i32;
            let mut query = posting::Entity::find().filter(cond).order_by_asc(posting::Column::Id);
            if let Some(after) = page.after {
                query = query.filter(posting::Column::Id.gt(after));
            }
            let mut rows = query.limit(page.first + 1).all(db).await?;
            let has_next = split_page(&mut rows, page);
            (rows, has_next, total)
        }
    };
    let (edges, nodes, page_info) =
        page_of(rows, has_next, |p| cursor("posting", p.id), Posting, |cursor, node| PostingEdge { cursor, node });
    Ok(PostingConnection { edges, nodes, page_info, total_count })
}
