use sea_orm_migration::prelude::*;

/// The phrases that classify a posting's title into a role: MATCH phrases put a title in
/// the role, EXCLUDE phrases keep it out (an exclusion always wins).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoleRule::Table)
                    .col(ColumnDef::new(RoleRule::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(RoleRule::RoleId).integer().not_null())
                    .col(ColumnDef::new(RoleRule::Kind).string_len(8).not_null())
                    // Normalised: lower case, words separated by one space.
                    .col(ColumnDef::new(RoleRule::Phrase).string_len(100).not_null())
                    .col(ColumnDef::new(RoleRule::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-role_rule-role_id")
                            .from(RoleRule::Table, RoleRule::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-role_rule-role_id-kind-phrase")
                    .table(RoleRule::Table)
                    .col(RoleRule::RoleId)
                    .col(RoleRule::Kind)
                    .col(RoleRule::Phrase)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RoleRule::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum RoleRule {
    Table,
    Id,
    RoleId,
    Kind,
    Phrase,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
}
