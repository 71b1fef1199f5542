use sea_orm_migration::prelude::*;

/// The skill dictionary: each alias names one canonical skill ("pytorch" and "torch" name
/// PyTorch). A skill is in the dictionary while it has at least one alias.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SkillAlias::Table)
                    .col(ColumnDef::new(SkillAlias::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(SkillAlias::SkillId).integer().not_null())
                    .col(ColumnDef::new(SkillAlias::Alias).string_len(100).not_null())
                    // Lower case, inner space collapsed: one alias names one skill.
                    .col(ColumnDef::new(SkillAlias::Key).string_len(100).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-skill_alias-skill_id")
                            .from(SkillAlias::Table, SkillAlias::SkillId)
                            .to(Skill::Table, Skill::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-skill_alias-key")
                    .table(SkillAlias::Table)
                    .col(SkillAlias::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-skill_alias-skill_id")
                    .table(SkillAlias::Table)
                    .col(SkillAlias::SkillId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SkillAlias::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SkillAlias {
    Table,
    Id,
    SkillId,
    Alias,
    Key,
}

#[derive(DeriveIden)]
enum Skill {
    Table,
    Id,
}
