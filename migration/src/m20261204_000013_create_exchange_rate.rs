use sea_orm_migration::prelude::*;

/// Rates an admin has set for turning pay in other currencies into US dollars.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExchangeRate::Table)
                    .col(ColumnDef::new(ExchangeRate::Id).integer().not_null().auto_increment().primary_key())
                    // ISO 4217 code, upper case.
                    .col(ColumnDef::new(ExchangeRate::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(ExchangeRate::UsdPerUnit).double().not_null())
                    .col(ColumnDef::new(ExchangeRate::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-exchange_rate-currency")
                    .table(ExchangeRate::Table)
                    .col(ExchangeRate::Currency)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExchangeRate::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ExchangeRate {
    Table,
    Id,
    Currency,
    UsdPerUnit,
    UpdatedAt,
}
