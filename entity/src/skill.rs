//! A skill named by postings; `key` is its case- and space-insensitive identity.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skill")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    pub name: String,
    #[sea_orm(has_many, via = "posting_skill")]
    pub postings: HasMany<super::posting::Entity>,
    #[sea_orm(has_many)]
    pub aliases: HasMany<super::skill_alias::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// The identity of a skill name: trimmed and lower-cased.
pub fn skill_key(name: &str) -> String {
    name.trim().to_lowercase()
}
