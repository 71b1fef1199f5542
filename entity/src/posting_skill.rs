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
    #[sea_orm(belongs_to, from = "posting_id", to = "id", on_delete = "Cascade")]
    pub posting: BelongsTo<super::posting::Entity>,
    #[sea_orm(belongs_to, from = "skill_id", to = "id", on_delete = "Restrict")]
    pub skill: BelongsTo<super::skill::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
