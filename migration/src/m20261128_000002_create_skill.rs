use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Skill::Table)
                    .col(ColumnDef::new(Skill::Id).integer().not_null().auto_increment().primary_key())
                    // Lower-cased, trimmed name: what makes "rag" and " RAG " one skill.
                    .col(ColumnDef::new(Skill::Key).string_len(64).not_null())
                    .col(ColumnDef::new(Skill::Name).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx-skill-key").table(Skill::Table).col(Skill::Key).unique().to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Skill::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Skill {
    Table,
    Id,
    Key,
    Name,
}
