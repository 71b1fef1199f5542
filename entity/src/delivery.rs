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
    #[sea_orm(belongs_to, from = "run_id", to = "id", on_delete = "Cascade")]
    pub run: BelongsTo<super::digest_run::Entity>,
    #[sea_orm(belongs_to, from = "subscriber_id", to = "id", on_delete = "Cascade")]
    pub subscriber: BelongsTo<super::subscriber::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
