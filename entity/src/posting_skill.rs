//! Which skills a posting names.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posting_skill")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub posting_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: i32,
}

impl ActiveModelBehavior for ActiveModel {}
