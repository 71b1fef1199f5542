//! A phrase that classifies titles into a role (MATCH) or keeps them out of it (EXCLUDE).

use sea_orm::entity::prelude::*;

use crate::RuleKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub role_id: i32,
    pub kind: RuleKind,
    /// Lower case, words separated by one space.
    pub phrase: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "role_id", to = "id", on_delete = "Cascade")]
    pub role: BelongsTo<super::role::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
