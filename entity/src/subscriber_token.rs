//! A hashed token that lets the holder of a link act for a subscriber.

use sea_orm::entity::prelude::*;

use crate::TokenPurpose;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriber_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub subscriber_id: i32,
    pub purpose: TokenPurpose,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "subscriber_id", to = "id", on_delete = "Cascade")]
    pub subscriber: BelongsTo<super::subscriber::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
