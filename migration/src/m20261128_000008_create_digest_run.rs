use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DigestRun::Table)
                    .col(ColumnDef::new(DigestRun::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(DigestRun::Week).date().not_null())
                    .col(ColumnDef::new(DigestRun::Status).string_len(16).not_null())
                    .col(ColumnDef::new(DigestRun::Recipients).integer().not_null().default(0))
                    .col(ColumnDef::new(DigestRun::Sent).integer().not_null().default(0))
                    .col(ColumnDef::new(DigestRun::Failed).integer().not_null().default(0))
                    .col(ColumnDef::new(DigestRun::StartedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(DigestRun::FinishedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // One run per week, ever: the unique key is what makes concurrent starts safe.
        manager
            .create_index(
                Index::create()
                    .name("idx-digest_run-week")
                    .table(DigestRun::Table)
                    .col(DigestRun::Week)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DigestRun::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DigestRun {
    Table,
    Id,
    Week,
    Status,
    Recipients,
    Sent,
    Failed,
    StartedAt,
    FinishedAt,
}
