use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Snapshot::Table)
                    .col(ColumnDef::new(Snapshot::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Snapshot::RoleId).integer().not_null())
                    .col(ColumnDef::new(Snapshot::Week).date().not_null())
                    .col(ColumnDef::new(Snapshot::Source).string_len(16).not_null())
                    .col(ColumnDef::new(Snapshot::OpenPositions).integer().not_null())
                    .col(ColumnDef::new(Snapshot::SampleSize).integer().not_null())
                    .col(ColumnDef::new(Snapshot::SalaryRangeLow).integer().null())
                    .col(ColumnDef::new(Snapshot::SalaryRangeHigh).integer().null())
                    .col(ColumnDef::new(Snapshot::AverageSalary).integer().null())
                    .col(ColumnDef::new(Snapshot::P25Salary).integer().null())
                    .col(ColumnDef::new(Snapshot::MedianSalary).integer().null())
                    .col(ColumnDef::new(Snapshot::P75Salary).integer().null())
                    .col(ColumnDef::new(Snapshot::P90Salary).integer().null())
                    .col(ColumnDef::new(Snapshot::RemotePct).double().not_null())
                    .col(ColumnDef::new(Snapshot::EntryPct).double().not_null())
                    .col(ColumnDef::new(Snapshot::MidPct).double().not_null())
                    .col(ColumnDef::new(Snapshot::SeniorPct).double().not_null())
                    .col(ColumnDef::new(Snapshot::TopSkills).json_binary().not_null())
                    .col(ColumnDef::new(Snapshot::TopCompanies).json_binary().not_null())
                    .col(ColumnDef::new(Snapshot::TopMetros).json_binary().not_null())
                    .col(ColumnDef::new(Snapshot::ComputedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-snapshot-role_id")
                            .from(Snapshot::Table, Snapshot::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-snapshot-role_id-week")
                    .table(Snapshot::Table)
                    .col(Snapshot::RoleId)
                    .col(Snapshot::Week)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx-snapshot-week").table(Snapshot::Table).col(Snapshot::Week).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Snapshot::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Snapshot {
    Table,
    Id,
    RoleId,
    Week,
    Source,
    OpenPositions,
    SampleSize,
    SalaryRangeLow,
    SalaryRangeHigh,
    AverageSalary,
    P25Salary,
    MedianSalary,
    P75Salary,
    P90Salary,
    RemotePct,
    EntryPct,
    MidPct,
    SeniorPct,
    TopSkills,
    TopCompanies,
    TopMetros,
    ComputedAt,
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
}
