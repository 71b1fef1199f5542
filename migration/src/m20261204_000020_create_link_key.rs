use sea_orm_migration::prelude::*;

/// The keys that sign the unsubscribe and preferences links of emails (HMAC-SHA256), so that
/// links need no row per email. The newest key signs; every key verifies the links signed
/// while it was the newest; a key is replaced after `LINK_KEY_ROTATION_DAYS`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LinkKey::Table)
                    .col(ColumnDef::new(LinkKey::Id).integer().not_null().auto_increment().primary_key())
                    // 32 random bytes, hex.
                    .col(ColumnDef::new(LinkKey::Secret).string_len(64).not_null())
                    .col(ColumnDef::new(LinkKey::CreatedAt).timestamp_with_time_zone().not_null())
                    // When a newer key took over signing; links signed later are not its.
                    .col(ColumnDef::new(LinkKey::RetiredAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LinkKey::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum LinkKey {
    Table,
    Id,
    Secret,
    CreatedAt,
    RetiredAt,
}
