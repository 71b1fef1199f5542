//! `postings(filter)` and `Role.postings`: filtered keyset pages of postings. The pages of the
//! roles of one list are loaded together (one statement), and `totalCount` is counted only
//! when the query selects it and the page does not already show it.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, InputObject, Object, ResultExt};
use jobs::postings as service;

use crate::error::{ApiError, ApiResult};
use crate::graphql::DB_COST;
use crate::graphql::loaders::{PostingRows, RolePostingCountKey, RolePostingsKey, RoleSlugKey, loader};
use crate::graphql::pagination::{Page, cursor, known_total, split_page};
use crate::graphql::scalars::{Date, NamesAWeek};
use crate::graphql::types::{Posting, PostingConnection, PostingEdge, Role, Seniority, page_of, posting_columns};
use crate::state::app_state;

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

/// Where a page's `totalCount` comes from, when it is asked for.
#[derive(Debug, Clone)]
pub enum PostingTotal {
    /// The page shows every match, or none can match.
    Known(i32),
    /// Counted over the whole table (the top-level `postings`).
    Count(Arc<service::PostingFilter>, Option<i32>),
    /// Counted with the other roles of the same list, in one statement.
    RoleCount(RolePostingCountKey),
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
        find_postings(ctx, filter.unwrap_or_default(), first.unwrap_or(20), after.as_deref()).await.extend()
    }
}

/// How a filter's role slug is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlugLookup {
    /// At once: the top-level list names one slug, and the loader's batching window would
    /// only add its wait (up to a millisecond of tokio's timer) to every page.
    Alone,
    /// Through the loader, with the slugs of sibling lists that ask at the same time.
    WithSiblings,
}

/// The filter of the service, and the role id it names (an unknown slug is NOT_FOUND).
async fn service_filter(
    ctx: &Context<'_>,
    filter: PostingFilter,
    lookup: SlugLookup,
) -> ApiResult<(service::PostingFilter, Option<i32>)> {
    let role_id = match &filter.role {
        None => None,
        Some(slug) => {
            let role = match lookup {
                SlugLookup::Alone => jobs::roles::find_by_slug(&app_state(ctx).db, slug).await?,
                SlugLookup::WithSiblings => loader(ctx).load_one(RoleSlugKey(slug.clone())).await?,
            };
            Some(role.ok_or_else(|| ApiError::NotFound(format!("no role has the slug \"{slug}\"")))?.id)
        }
    };
    let open_in =
        filter.open_in.map(|d| d.week().map_err(|e| ApiError::BadUserInput(format!("openIn: {e}")))).transpose()?;
    let service = service::PostingFilter {
        remote: filter.remote,
        seniority: filter.seniority.map(entity::Seniority::from),
        metro: filter.metro,
        company: filter.company,
        skill_key: filter.skill.as_deref().map(entity::skill::skill_key),
        min_salary: filter.min_salary,
        open_in,
    };
    Ok((service, role_id))
}

/// The connection of a page of rows fetched with one extra.
fn connection(mut rows: PostingRows, page: Page, total: PostingTotal) -> PostingConnection {
    let has_next = split_page(&mut rows, page);
    let total = match known_total(page, has_next, rows.len()) {
        Some(known) => PostingTotal::Known(known),
        None => total,
    };
    let (nodes, page_info) = page_of(rows, has_next, |p| cursor("posting", p.id), Posting);
    PostingConnection { nodes, page_info, total }
}

/// The top-level `postings`: one page over every role (or the filter's role).
async fn find_postings(
    ctx: &Context<'_>,
    filter: PostingFilter,
    first: i32,
    after: Option<&str>,
) -> ApiResult<PostingConnection> {
    let page = Page::parse(first, after, "posting")?;
    let (filter, role_id) = service_filter(ctx, filter, SlugLookup::Alone).await?;
    let rows = service::page(&app_state(ctx).db, &filter, role_id, page.into(), posting_columns(ctx)).await?;
    Ok(connection(rows.into_iter().map(Arc::new).collect(), page, PostingTotal::Count(Arc::new(filter), role_id)))
}

/// `Role.postings`: this role's page, read with the pages of its siblings (the other roles
/// of its page, or of the loader's batch).
pub async fn role_postings(
    ctx: &Context<'_>,
    role: &Role,
    filter: PostingFilter,
    first: i32,
    after: Option<&str>,
) -> ApiResult<PostingConnection> {
    let role_id = role.role_id;
    let page = Page::parse(first, after, "posting")?;
    let (filter, filter_role) = service_filter(ctx, filter, SlugLookup::WithSiblings).await?;
    if filter_role.is_some_and(|id| id != role_id) {
        // A filter naming another role matches none of this role's postings.
        return Ok(connection(Vec::new(), page, PostingTotal::Known(0)));
    }
    let filter = Arc::new(filter);
    let spec = Arc::new((filter.as_ref().clone(), page.into(), posting_columns(ctx)));
    let rows = match &role.siblings {
        Some(siblings) => {
            siblings.postings(&app_state(ctx).db, &spec).await?.get(&role_id).cloned().unwrap_or_default()
        }
        None => loader(ctx).load_one(RolePostingsKey(role_id, spec)).await?.unwrap_or_default(),
    };
    Ok(connection(rows, page, PostingTotal::RoleCount(RolePostingCountKey(role_id, filter))))
}

#[ComplexObject]
impl PostingConnection {
    /// Edges with cursors.
    async fn edges(&self) -> Vec<PostingEdge> {
        self.nodes.iter().map(|node| PostingEdge { cursor: cursor("posting", node.0.id), node: node.clone() }).collect()
    }

    /// Postings matching the filter in all.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let count = match &self.total {
            PostingTotal::Known(n) => return Ok(*n),
            PostingTotal::Count(filter, role_id) => {
                service::count(&app_state(ctx).db, filter, *role_id).await.map_err(ApiError::from).extend()?
            }
            PostingTotal::RoleCount(key) => {
                loader(ctx).load_one(key.clone()).await.map_err(ApiError::from).extend()?.unwrap_or(0)
            }
        };
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
