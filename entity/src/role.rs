//! A job role (AI Architect, LLM Engineer, …).

use sea_orm::entity::prelude::*;

use crate::json_list::json_list;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    /// The titles of the roles this one leads to.
    pub career_path: CareerPath,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub postings: HasMany<super::posting::Entity>,
    #[sea_orm(has_many)]
    pub snapshots: HasMany<super::snapshot::Entity>,
    #[sea_orm(has_many)]
    pub rules: HasMany<super::role_rule::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

json_list!(
    /// Role titles in career order (a JSON array of strings).
    #[derive(Eq)]
    CareerPath(String)
);
