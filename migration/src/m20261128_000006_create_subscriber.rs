use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subscriber::Table)
                    .col(ColumnDef::new(Subscriber::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Subscriber::Email).string_len(320).not_null())
                    .col(ColumnDef::new(Subscriber::Status).string_len(16).not_null())
                    // Role slugs followed; empty means every role.
                    .col(ColumnDef::new(Subscriber::Roles).json_binary().not_null())
                    .col(ColumnDef::new(Subscriber::ConfirmationSentAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Subscriber::ConfirmedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Subscriber::UnsubscribedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Subscriber::PermanentFailures).integer().not_null().default(0))
                    .col(ColumnDef::new(Subscriber::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Subscriber::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-subscriber-email")
                    .table(Subscriber::Table)
                    .col(Subscriber::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-subscriber-status-id")
                    .table(Subscriber::Table)
                    .col(Subscriber::Status)
                    .col(Subscriber::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Subscriber::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Subscriber {
    Table,
    Id,
    Email,
    Status,
    Roles,
    ConfirmationSentAt,
    ConfirmedAt,
    UnsubscribedAt,
    PermanentFailures,
    CreatedAt,
    UpdatedAt,
}
