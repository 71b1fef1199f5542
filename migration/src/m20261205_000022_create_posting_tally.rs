use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// `posting_tally`: how many postings each (role, remote, seniority, salary midpoint) has,
/// kept by triggers in the same transaction as every write to `posting`, whichever process
/// makes it. A `totalCount` over those columns sums a few hundred rows of it instead of
/// counting tens of thousands of postings: PostgreSQL spends 7 ms counting the 47,000 remote
/// llm-engineer postings paying 150,000 or more out of 1,000,000, however they are indexed
/// (the work is per counted row; a parallel count was slower still).
///
/// A posting without a salary is tallied at a midpoint of [`NO_SALARY`], below every salary
/// floor a count reads from the tally (a floor below zero is counted from `posting`), so that
/// the key has no null and each group is one row. Groups that fall to zero stay, at zero: a
/// role has a few hundred distinct midpoints, so the table stays small.
///
/// On PostgreSQL the triggers are statement-level, with transition tables: one grouped upsert
/// per statement, however many rows it writes (an ingest batch, a reclassification). They
/// run after the statement's data-version trigger, whose row lock orders the writers, so two
/// writers never hold tally rows in opposite orders. On SQLite they are row-level (the only
/// kind it has); one writer at a time.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The midpoint a posting without a salary is tallied at (readers rely on it being below zero).
const NO_SALARY: f64 = -1.0;

const KEY: &str = "role_id, remote, seniority, salary_mid";

/// The key of each row of `rows` (a table or transition table of postings).
fn keyed(rows: &str, change: i32) -> String {
    format!(
        "SELECT role_id, remote, seniority, COALESCE(salary_mid, {NO_SALARY:?}) AS salary_mid, {change} AS change FROM {rows}"
    )
}

/// The statement that adds to the tally the rows of each source, each with its sign.
fn postgres_change(sources: &[Source]) -> String {
    let changes: Vec<String> = sources.iter().map(|(rows, change)| keyed(rows, *change)).collect();
    // Sorted, so that a statement takes its tally rows' locks in one order.
    format!(
        "INSERT INTO posting_tally AS t ({KEY}, postings) \
         SELECT {KEY}, SUM(change) FROM ({}) AS changes \
         GROUP BY {KEY} HAVING SUM(change) <> 0 ORDER BY {KEY} \
         ON CONFLICT ({KEY}) DO UPDATE SET postings = t.postings + EXCLUDED.postings",
        changes.join(" UNION ALL ")
    )
}

/// Rows of a transition table, and whether they add to the tally (1) or take from it (-1).
type Source = (&'static str, i32);

/// The PostgreSQL triggers: (event, transition tables, the sources of the change).
const POSTGRES_TRIGGERS: &[(&str, &str, &[Source])] = &[
    ("INSERT", "NEW TABLE AS tally_new", &[("tally_new", 1)]),
    ("UPDATE", "OLD TABLE AS tally_old NEW TABLE AS tally_new", &[("tally_new", 1), ("tally_old", -1)]),
    ("DELETE", "OLD TABLE AS tally_old", &[("tally_old", -1)]),
];

/// Adds one to the group of `row` (`NEW` or `OLD`) on SQLite.
fn sqlite_add(row: &str) -> String {
    format!(
        "INSERT INTO posting_tally ({KEY}, postings) \
         VALUES ({row}.role_id, {row}.remote, {row}.seniority, COALESCE({row}.salary_mid, {NO_SALARY:?}), 1) \
         ON CONFLICT ({KEY}) DO UPDATE SET postings = postings + 1;"
    )
}

/// Takes one from the group of `row` on SQLite.
fn sqlite_remove(row: &str) -> String {
    format!(
        "UPDATE posting_tally SET postings = postings - 1 WHERE role_id = {row}.role_id AND remote = {row}.remote \
         AND seniority = {row}.seniority AND salary_mid = COALESCE({row}.salary_mid, {NO_SALARY:?});"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostingTally::Table)
                    .col(ColumnDef::new(PostingTally::RoleId).integer().not_null())
                    .col(ColumnDef::new(PostingTally::Remote).boolean().not_null())
                    .col(ColumnDef::new(PostingTally::Seniority).string_len(8).not_null())
                    .col(ColumnDef::new(PostingTally::SalaryMid).double().not_null())
                    .col(ColumnDef::new(PostingTally::Postings).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(PostingTally::RoleId)
                            .col(PostingTally::Remote)
                            .col(PostingTally::Seniority)
                            .col(PostingTally::SalaryMid),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO posting_tally ({KEY}, postings) SELECT {KEY}, COUNT(*) FROM ({}) AS p GROUP BY {KEY}",
            keyed("posting", 1)
        ))
        .await?;
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for (event, tables, sources) in POSTGRES_TRIGGERS {
                    let name = event.to_lowercase();
                    db.execute_unprepared(&format!(
                        "CREATE FUNCTION posting_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN {}; RETURN NULL; END $$",
                        postgres_change(sources)
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER \"posting_tally-{name}\" AFTER {event} ON posting REFERENCING {tables} \
                         FOR EACH STATEMENT EXECUTE FUNCTION posting_tally_{name}()"
                    ))
                    .await?;
                }
                db.execute_unprepared(
                    "CREATE FUNCTION posting_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN DELETE FROM posting_tally; RETURN NULL; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER \"posting_tally-truncate\" AFTER TRUNCATE ON posting \
                     FOR EACH STATEMENT EXECUTE FUNCTION posting_tally_truncate()",
                )
                .await?;
            }
            _ => {
                let (add_new, remove_old) = (sqlite_add("NEW"), sqlite_remove("OLD"));
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER \"posting_tally-insert\" AFTER INSERT ON posting BEGIN {add_new} END"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER \"posting_tally-delete\" AFTER DELETE ON posting BEGIN {remove_old} END"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER \"posting_tally-update\" AFTER UPDATE OF {KEY} ON posting \
                     WHEN OLD.role_id IS NOT NEW.role_id OR OLD.remote IS NOT NEW.remote \
                     OR OLD.seniority IS NOT NEW.seniority OR OLD.salary_mid IS NOT NEW.salary_mid \
                     BEGIN {remove_old} {add_new} END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let events = ["insert", "update", "delete", "truncate"];
        for name in events {
            let on = if postgres { " ON posting" } else { "" };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS \"posting_tally-{name}\"{on}")).await?;
        }
        if postgres {
            for name in events {
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS posting_tally_{name}()")).await?;
            }
        }
        manager.drop_table(Table::drop().table(PostingTally::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum PostingTally {
    Table,
    RoleId,
    Remote,
    Seniority,
    SalaryMid,
    Postings,
}
