//! One digest email to one subscriber: the per-recipient progress of a run.

use sea_orm::entity::prelude::*;

use crate::DeliveryStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub run_id: i32,
    pub subscriber_id: i32,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
