use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubscriberToken::Table)
                    .col(ColumnDef::new(SubscriberToken::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(SubscriberToken::SubscriberId).integer().not_null())
                    // CONFIRM (double opt-in link) or MANAGE (unsubscribe and preferences links).
                    .col(ColumnDef::new(SubscriberToken::Purpose).string_len(16).not_null())
                    // SHA-256 of the token, hex: the token itself is never stored.
                    .col(ColumnDef::new(SubscriberToken::TokenHash).string_len(64).not_null())
                    .col(ColumnDef::new(SubscriberToken::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SubscriberToken::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-subscriber_token-subscriber_id")
                            .from(SubscriberToken::Table, SubscriberToken::SubscriberId)
                            .to(Subscriber::Table, Subscriber::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-subscriber_token-token_hash")
                    .table(SubscriberToken::Table)
                    .col(SubscriberToken::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-subscriber_token-subscriber_id")
                    .table(SubscriberToken::Table)
                    .col(SubscriberToken::SubscriberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SubscriberToken::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SubscriberToken {
    Table,
    Id,
    SubscriberId,
    Purpose,
    TokenHash,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subscriber {
    Table,
    Id,
}
