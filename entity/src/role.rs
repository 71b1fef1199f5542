//! A job role (AI Architect, LLM Engineer, …).

use sea_orm::entity::prelude::*;

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
    /// JSON array of strings: the roles this one leads to.
    pub career_path: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The career path as a list of role titles.
    pub fn career_path(&self) -> Vec<String> {
        serde_json::from_value(self.career_path.clone()).unwrap_or_default()
    }
}
