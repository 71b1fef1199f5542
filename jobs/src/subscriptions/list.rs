//! The admin's list of subscribers.

use entity::{SubscriberStatus, subscriber};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::keyset::PageRequest;

/// The subscribers in `status`, or all of them.
fn matching(status: Option<SubscriberStatus>) -> Select<subscriber::Entity> {
    let all = subscriber::Entity::find();
    match status {
        Some(status) => all.filter(subscriber::Column::Status.eq(status)),
        None => all,
    }
}

/// One page of the subscribers in `status` (all when `None`), oldest sign-up first: up to
/// `page.first + 1`, the extra one telling that a next page exists.
pub async fn page(
    db: &impl ConnectionTrait,
    status: Option<SubscriberStatus>,
    page: PageRequest,
) -> Result<Vec<subscriber::Model>, DbErr> {
    page.select(matching(status), subscriber::Column::Id).all(db).await
}

/// How many subscribers are in `status` (all when `None`).
pub async fn count(db: &impl ConnectionTrait, status: Option<SubscriberStatus>) -> Result<u64, DbErr> {
    matching(status).count(db).await
}
