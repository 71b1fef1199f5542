//! A phrase of the skill dictionary and the canonical skill it names.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_alias")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub skill_id: i32,
    pub alias: String,
    /// Lower case, words separated by one space: one alias names one skill.
    #[sea_orm(unique)]
    pub key: String,
    #[sea_orm(belongs_to, from = "skill_id", to = "id", on_delete = "Cascade")]
    pub skill: BelongsTo<super::skill::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// The identity of an alias: lower case, words separated by one space.
pub fn alias_key(alias: &str) -> String {
    alias.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}
