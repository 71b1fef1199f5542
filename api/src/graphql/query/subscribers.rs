//! `subscribers` (admin) and the subscriber output types.

use async_graphql::{ComplexObject, Context, Object, ResultExt, SimpleObject};
use entity::subscriber;
use jobs::subscriptions::list;
use sea_orm::DatabaseConnection;

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::pagination::{Page, cursor, known_total, split_page};
use crate::graphql::types::{PageInfo, SubscriberStatus};
use crate::state::app_state;

/// A newsletter subscriber: the address, its state and what it follows (never its tokens).
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct Subscriber {
    /// The address, domain lower-cased.
    pub email: String,
    /// Where it is in the double opt-in lifecycle.
    pub status: SubscriberStatus,
    /// Slugs of the roles followed; empty means every role.
    pub roles: Vec<String>,
}

impl From<subscriber::Model> for Subscriber {
    fn from(model: subscriber::Model) -> Self {
        Self { roles: model.roles.into(), status: model.status.into(), email: model.email }
    }
}

/// A page of subscribers.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct SubscriberConnection {
    /// The subscribers of this page, oldest sign-up first.
    pub nodes: Vec<Subscriber>,
    /// Where the next page starts.
    pub page_info: PageInfo,
    /// The status filter, for `totalCount`.
    #[graphql(skip)]
    pub status: Option<SubscriberStatus>,
    /// The total when the page shows it.
    #[graphql(skip)]
    pub known_total: Option<i32>,
}

#[ComplexObject]
impl SubscriberConnection {
    /// Subscribers matching the filter, on every page.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        if let Some(known) = self.known_total {
            return Ok(known);
        }
        let status = self.status.map(entity::SubscriberStatus::from);
        let count = list::count(&app_state(ctx).db, status).await.map_err(ApiError::from).extend()?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}

/// Subscriber queries (admin).
#[derive(Default)]
pub struct SubscriberQuery;

#[Object]
impl SubscriberQuery {
    /// Subscribers, oldest sign-up first, optionally only those in `status` (admin).
    #[graphql(guard = "AdminGuard", complexity = "first.unwrap_or(50).clamp(0, 100) as usize * child_complexity + 1")]
    async fn subscribers(
        &self,
        ctx: &Context<'_>,
        status: Option<SubscriberStatus>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SubscriberConnection> {
        let db = &app_state(ctx).db;
        list_subscribers(db, status, first.unwrap_or(50), after.as_deref()).await.extend()
    }
}

async fn list_subscribers(
    db: &DatabaseConnection,
    status: Option<SubscriberStatus>,
    first: i32,
    after: Option<&str>,
) -> ApiResult<SubscriberConnection> {
    let page = Page::parse(first, after, "subscriber")?;
    let mut rows = list::page(db, status.map(entity::SubscriberStatus::from), page.into()).await?;
    let has_next_page = split_page(&mut rows, page);
    let end_cursor = rows.last().map(|s| cursor("subscriber", s.id));
    Ok(SubscriberConnection {
        known_total: known_total(page, has_next_page, rows.len()),
        nodes: rows.into_iter().map(Subscriber::from).collect(),
        page_info: PageInfo { has_next_page, end_cursor },
        status,
    })
}
