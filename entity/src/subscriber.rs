//! A newsletter subscriber. Never exposed directly: it holds an address.

use sea_orm::entity::prelude::*;

use crate::SubscriberStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriber")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub status: SubscriberStatus,
    /// JSON array of role slugs followed; empty means every role.
    pub roles: Json,
    pub confirmation_sent_at: Option<DateTimeUtc>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub unsubscribed_at: Option<DateTimeUtc>,
    /// Permanent delivery failures in a row; reset by a successful delivery.
    pub permanent_failures: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The role slugs followed (empty: all roles).
    pub fn roles(&self) -> Vec<String> {
        serde_json::from_value(self.roles.clone()).unwrap_or_default()
    }
}
