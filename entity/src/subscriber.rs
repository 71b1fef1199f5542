//! A newsletter subscriber. Never exposed directly: it holds an address.

use sea_orm::entity::prelude::*;

use crate::SubscriberStatus;
use crate::json_list::json_list;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriber")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub status: SubscriberStatus,
    /// The role slugs followed; empty means every role.
    pub roles: FollowedRoles,
    pub confirmation_sent_at: Option<DateTimeUtc>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub unsubscribed_at: Option<DateTimeUtc>,
    /// Permanent delivery failures in a row; reset by a successful delivery.
    pub permanent_failures: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub tokens: HasMany<super::subscriber_token::Entity>,
    #[sea_orm(has_many)]
    pub deliveries: HasMany<super::delivery::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

json_list!(
    /// Slugs of the roles a subscriber follows; empty means every role (a JSON array).
    #[derive(Eq)]
    FollowedRoles(String)
);
