//! A raw posting whose title matched no role, kept aside until a rule classifies it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unclassified_posting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub source: String,
    pub external_id: String,
    pub title: String,
    /// The title as the rules see it (what `unclassifiedTitles` groups by).
    pub title_key: String,
    pub company: String,
    /// The raw row as JSON.
    pub raw: String,
    pub closed_at: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
