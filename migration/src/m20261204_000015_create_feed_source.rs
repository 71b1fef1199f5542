use sea_orm_migration::prelude::*;

/// Job boards followed (Greenhouse, Lever, Ashby), with the outcome of each one's last fetch.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedSource::Table)
                    .col(ColumnDef::new(FeedSource::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(FeedSource::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(FeedSource::Board).string_len(100).not_null())
                    .col(ColumnDef::new(FeedSource::CreatedAt).timestamp_with_time_zone().not_null())
                    // Set while a fetch runs: replicas skip a source another one is fetching.
                    .col(ColumnDef::new(FeedSource::FetchStartedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(FeedSource::LastFetchedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(FeedSource::LastSucceededAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(FeedSource::LastSeen).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastNew).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastClosed).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastReopened).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastUnclassified).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastRefused).integer().not_null().default(0))
                    .col(ColumnDef::new(FeedSource::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-feed_source-kind-board")
                    .table(FeedSource::Table)
                    .col(FeedSource::Kind)
                    .col(FeedSource::Board)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FeedSource::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum FeedSource {
    Table,
    Id,
    Kind,
    Board,
    CreatedAt,
    FetchStartedAt,
    LastFetchedAt,
    LastSucceededAt,
    LastSeen,
    LastNew,
    LastClosed,
    LastReopened,
    LastUnclassified,
    LastRefused,
    LastError,
}
