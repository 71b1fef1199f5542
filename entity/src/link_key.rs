//! A key that signs the manage links of emails. Never exposed: it can forge links.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// 32 random bytes, hex.
    pub secret: String,
    pub created_at: DateTimeUtc,
    /// When a newer key took over signing.
    pub retired_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
