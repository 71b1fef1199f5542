use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Posting::Table)
                    .col(ColumnDef::new(Posting::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Posting::Source).string_len(64).not_null())
                    .col(ColumnDef::new(Posting::ExternalId).string_len(200).not_null())
                    .col(ColumnDef::new(Posting::RoleId).integer().not_null())
                    .col(ColumnDef::new(Posting::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Posting::Company).string_len(200).not_null())
                    .col(ColumnDef::new(Posting::Metro).string_len(200).null())
                    .col(ColumnDef::new(Posting::Remote).boolean().not_null())
                    .col(ColumnDef::new(Posting::Seniority).string_len(8).not_null())
                    .col(ColumnDef::new(Posting::SalaryMin).integer().null())
                    .col(ColumnDef::new(Posting::SalaryMax).integer().null())
                    // Stored so that the minSalary filter can use an index.
                    .col(ColumnDef::new(Posting::SalaryMid).double().null())
                    // The posting's skill ids, sorted, comma-separated: a copy of posting_skill that
                    // lets the snapshot engine count skills in the same pass as everything else.
                    .col(ColumnDef::new(Posting::SkillIds).text().not_null().default(""))
                    .col(ColumnDef::new(Posting::PostedAt).date().not_null())
                    .col(ColumnDef::new(Posting::ClosedAt).date().null())
                    .col(ColumnDef::new(Posting::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Posting::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-posting-role_id")
                            .from(Posting::Table, Posting::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            ("idx-posting-source-external_id", vec![Posting::Source, Posting::ExternalId], true),
            ("idx-posting-role_id-posted_at", vec![Posting::RoleId, Posting::PostedAt], false),
            (
                "idx-posting-role_id-remote-salary_mid",
                vec![Posting::RoleId, Posting::Remote, Posting::SalaryMid],
                false,
            ),
            ("idx-posting-posted_at", vec![Posting::PostedAt], false),
            ("idx-posting-company", vec![Posting::Company], false),
            ("idx-posting-metro", vec![Posting::Metro], false),
        ];
        for (name, cols, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table(Posting::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Posting::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Posting {
    Table,
    Id,
    Source,
    ExternalId,
    RoleId,
    Title,
    Company,
    Metro,
    Remote,
    Seniority,
    SalaryMin,
    SalaryMax,
    SalaryMid,
    SkillIds,
    PostedAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
}
