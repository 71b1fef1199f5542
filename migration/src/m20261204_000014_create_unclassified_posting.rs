use sea_orm_migration::prelude::*;

/// Raw postings whose title matched no role: kept aside (counted in no figure) until a
/// rule classifies them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnclassifiedPosting::Table)
                    .col(ColumnDef::new(UnclassifiedPosting::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(UnclassifiedPosting::Source).string_len(64).not_null())
                    .col(ColumnDef::new(UnclassifiedPosting::ExternalId).string_len(200).not_null())
                    .col(ColumnDef::new(UnclassifiedPosting::Title).string_len(200).not_null())
                    // The title as rules see it: what unclassifiedTitles groups by.
                    .col(ColumnDef::new(UnclassifiedPosting::TitleKey).string_len(200).not_null())
                    .col(ColumnDef::new(UnclassifiedPosting::Company).string_len(200).not_null())
                    // The whole raw row as JSON, so that reclassify can run it again.
                    .col(ColumnDef::new(UnclassifiedPosting::Raw).text().not_null())
                    .col(ColumnDef::new(UnclassifiedPosting::ClosedAt).date().null())
                    .col(ColumnDef::new(UnclassifiedPosting::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(UnclassifiedPosting::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-unclassified_posting-source-external_id")
                    .table(UnclassifiedPosting::Table)
                    .col(UnclassifiedPosting::Source)
                    .col(UnclassifiedPosting::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-unclassified_posting-title_key")
                    .table(UnclassifiedPosting::Table)
                    .col(UnclassifiedPosting::TitleKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UnclassifiedPosting::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UnclassifiedPosting {
    Table,
    Id,
    Source,
    ExternalId,
    Title,
    TitleKey,
    Company,
    Raw,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}
