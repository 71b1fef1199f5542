use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Role::Table)
                    .col(ColumnDef::new(Role::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Role::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Role::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Role::Summary).text().null())
                    .col(ColumnDef::new(Role::CareerPath).json_binary().not_null())
                    .col(ColumnDef::new(Role::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Role::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx-role-slug").table(Role::Table).col(Role::Slug).unique().to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Role::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
    Slug,
    Title,
    Summary,
    CareerPath,
    CreatedAt,
    UpdatedAt,
}
