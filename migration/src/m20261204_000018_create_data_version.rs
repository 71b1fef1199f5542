use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// A counter of changes to the published data (roles, skills, postings, snapshots), bumped by
/// triggers in the same transaction as every write, whichever process or replica makes it
/// (the API, `salarygraph import`, `demo`, a feed, or `psql`). Replicas poll it to drop their
/// response caches, and each snapshot is stamped with the version that wrote it, so every
/// replica can tell its `snapshotPublished` subscribers about snapshots that others wrote.
///
/// On PostgreSQL the bump is a statement-level trigger: one row update per statement, however
/// many rows it writes (a bulk `INSERT … SELECT` or a recompute). Its row lock also orders the
/// writers: versions become visible in the order they commit, so "every snapshot with a
/// version above the one I saw last" never misses one. SQLite has only row-level triggers and
/// one writer at a time; `posting_skill` gets none there, because its rows change only with
/// their posting's row (which bumps) and six bumps per ingested posting would cost the import
/// a tenth of its speed.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables whose writes change what anonymous queries answer.
const DATA_TABLES: &[&str] = &["role", "skill", "posting", "posting_skill", "snapshot"];
/// The same on SQLite, without `posting_skill` (see above).
const SQLITE_DATA_TABLES: &[&str] = &["role", "skill", "posting", "snapshot"];
const SQLITE_EVENTS: &[&str] = &["INSERT", "UPDATE", "DELETE"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataVersion::Table)
                    .col(ColumnDef::new(DataVersion::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(DataVersion::Version).big_integer().not_null())
                    .check(Expr::col(DataVersion::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(DataVersion::Table)
                    .columns([DataVersion::Id, DataVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Snapshot::Table)
                    .add_column(ColumnDef::new(Snapshot::DataVersion).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-snapshot-data_version")
                    .table(Snapshot::Table)
                    .col(Snapshot::DataVersion)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE FUNCTION stamp_snapshot_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN NEW.data_version := (SELECT version FROM data_version WHERE id = 1); RETURN NEW; END $$",
                )
                .await?;
                for table in DATA_TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER \"data_version-{table}\" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE \
                         ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
                    ))
                    .await?;
                }
                // Row triggers run after the statement's BEFORE trigger: the stamp is the bumped version.
                db.execute_unprepared(
                    "CREATE TRIGGER \"data_version-snapshot-stamp\" BEFORE INSERT OR UPDATE ON snapshot \
                     FOR EACH ROW EXECUTE FUNCTION stamp_snapshot_data_version()",
                )
                .await?;
            }
            _ => {
                const BUMP: &str = "UPDATE data_version SET version = version + 1 WHERE id = 1;";
                const STAMP: &str = "UPDATE snapshot SET data_version = (SELECT version FROM data_version WHERE id = 1) WHERE id = NEW.id;";
                for table in SQLITE_DATA_TABLES {
                    for event in SQLITE_EVENTS {
                        let (when, stamp) = match (*table, *event) {
                            ("snapshot", "INSERT") => ("", STAMP),
                            // The stamp is itself an update: it must not fire this trigger again.
                            ("snapshot", "UPDATE") => (" WHEN NEW.data_version IS OLD.data_version", STAMP),
                            _ => ("", ""),
                        };
                        let name = format!("data_version-{table}-{}", event.to_lowercase());
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER \"{name}\" AFTER {event} ON {table} FOR EACH ROW{when} \
                             BEGIN {BUMP} {stamp} END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS \"data_version-snapshot-stamp\" ON snapshot").await?;
                for table in DATA_TABLES {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS \"data_version-{table}\" ON {table}"))
                        .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS stamp_snapshot_data_version()").await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS bump_data_version()").await?;
            }
            _ => {
                for table in SQLITE_DATA_TABLES {
                    for event in SQLITE_EVENTS {
                        let name = format!("data_version-{table}-{}", event.to_lowercase());
                        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS \"{name}\"")).await?;
                    }
                }
            }
        }
        manager.drop_index(Index::drop().name("idx-snapshot-data_version").table(Snapshot::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Snapshot::Table).drop_column(Snapshot::DataVersion).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(DataVersion::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DataVersion {
    Table,
    Id,
    Version,
}

#[derive(DeriveIden)]
enum Snapshot {
    Table,
    DataVersion,
}
