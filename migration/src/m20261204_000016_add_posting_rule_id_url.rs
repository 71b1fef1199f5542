use sea_orm_migration::prelude::*;

/// Each posting records the rule that classified it (null when its role was given) and the
/// address of its advert. No foreign key on `rule_id`: SQLite cannot add one to an existing
/// table, so deleting a rule clears the postings' `rule_id` in the same transaction.
#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx-posting-rule_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posting::Table)
                    .add_column(ColumnDef::new(Posting::RuleId).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Posting::Table).add_column(ColumnDef::new(Posting::Url).text().null()).to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name(INDEX).table(Posting::Table).col(Posting::RuleId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Posting::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Posting::Table).drop_column(Posting::Url).to_owned()).await?;
        manager.alter_table(Table::alter().table(Posting::Table).drop_column(Posting::RuleId).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Posting {
    Table,
    RuleId,
    Url,
}
