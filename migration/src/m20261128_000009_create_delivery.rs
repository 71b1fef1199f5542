use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Delivery::Table)
                    .col(ColumnDef::new(Delivery::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Delivery::RunId).integer().not_null())
                    .col(ColumnDef::new(Delivery::SubscriberId).integer().not_null())
                    .col(ColumnDef::new(Delivery::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Delivery::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Delivery::LastError).text().null())
                    // Fixed by (week, subscriber): a resend after a crash is the same message.
                    .col(ColumnDef::new(Delivery::MessageId).string_len(255).not_null())
                    .col(ColumnDef::new(Delivery::ClaimedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Delivery::SentAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-delivery-run_id")
                            .from(Delivery::Table, Delivery::RunId)
                            .to(DigestRun::Table, DigestRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-delivery-subscriber_id")
                            .from(Delivery::Table, Delivery::SubscriberId)
                            .to(Subscriber::Table, Subscriber::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-delivery-run_id-subscriber_id")
                    .table(Delivery::Table)
                    .col(Delivery::RunId)
                    .col(Delivery::SubscriberId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-delivery-run_id-status-id")
                    .table(Delivery::Table)
                    .col(Delivery::RunId)
                    .col(Delivery::Status)
                    .col(Delivery::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Delivery::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    Id,
    RunId,
    SubscriberId,
    Status,
    Attempts,
    LastError,
    MessageId,
    ClaimedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum DigestRun {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Subscriber {
    Table,
    Id,
}
