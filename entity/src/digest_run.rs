//! One week's digest run (one per week, ever).

use sea_orm::entity::prelude::*;

use crate::RunStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub week: Date,
    pub status: RunStatus,
    pub recipients: i32,
    pub sent: i32,
    pub failed: i32,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub deliveries: HasMany<super::delivery::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
