use sea_orm_migration::prelude::*;

/// A role's postings in id order (the order of posting pages and their cursors), with the
/// remote and salary filters checked inside the index. Without it, PostgreSQL answers
/// `role = X ORDER BY id LIMIT 21` by walking the primary key from the start, which reads
/// most of the table when the role's postings came late (150 ms over 1,000,000 postings).
#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx-posting-role_id-id-remote-salary_mid";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Posting::Table)
                    .col(Posting::RoleId)
                    .col(Posting::Id)
                    .col(Posting::Remote)
                    .col(Posting::SalaryMid)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(Posting::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Posting {
    Table,
    Id,
    RoleId,
    Remote,
    SalaryMid,
}
