use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostingSkill::Table)
                    .col(ColumnDef::new(PostingSkill::PostingId).integer().not_null())
                    .col(ColumnDef::new(PostingSkill::SkillId).integer().not_null())
                    .primary_key(
                        Index::create()
                            .name("pk-posting_skill")
                            .col(PostingSkill::PostingId)
                            .col(PostingSkill::SkillId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-posting_skill-posting_id")
                            .from(PostingSkill::Table, PostingSkill::PostingId)
                            .to(Posting::Table, Posting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-posting_skill-skill_id")
                            .from(PostingSkill::Table, PostingSkill::SkillId)
                            .to(Skill::Table, Skill::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-posting_skill-skill_id-posting_id")
                    .table(PostingSkill::Table)
                    .col(PostingSkill::SkillId)
                    .col(PostingSkill::PostingId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PostingSkill::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum PostingSkill {
    Table,
    PostingId,
    SkillId,
}

#[derive(DeriveIden)]
enum Posting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skill {
    Table,
    Id,
}
