//! The hand-written SQL that must be fast, in one place, portable to SQLite and PostgreSQL.
//! Statements are written with `$1`-style placeholders and rewritten for SQLite (`?1`).

use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

/// The rows of a sea-query select, each read as a `T`.
pub async fn fetch<T: FromQueryResult>(db: &impl ConnectionTrait, query: &SelectStatement) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(db.get_database_backend().build(query)).all(db).await
}

/// Builds a statement for the connection's backend from `$N`-placeholder SQL.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Deletes the rows of `table` (`posting` or `unclassified_posting`) with this source and one
/// of these external ids, and a posting's skill links with it (on PostgreSQL no foreign key
/// cascades them: see the migration `posting_skill_links_kept_by_writer`). Call it inside a
/// transaction. The ids travel as one JSON array: a long `IN (…)` list makes PostgreSQL
/// probe the `(source, external_id)` index by source alone and filter every row of the
/// source, while a set-returning function joins key by key.
pub async fn delete_by_keys(
    db: &impl ConnectionTrait,
    table: KeyedTable,
    source: &str,
    external_ids: &[String],
) -> Result<u64, DbErr> {
    if external_ids.is_empty() {
        return Ok(0);
    }
    let (table, has_links) = match table {
        KeyedTable::Posting => ("posting", true),
        KeyedTable::Unclassified => ("unclassified_posting", false),
    };
    let backend = db.get_database_backend();
    let elements = match backend {
        DbBackend::Postgres => "SELECT json_array_elements_text(CAST($2 AS json))",
        _ => "SELECT value FROM json_each($2)",
    };
    let keyed = format!("source = $1 AND external_id IN ({elements})");
    let ids = serde_json::to_string(external_ids).map_err(|e| DbErr::Custom(e.to_string()))?;
    let values = || vec![source.into(), ids.clone().into()];
    if has_links {
        let links = format!("DELETE FROM posting_skill WHERE posting_id IN (SELECT id FROM posting WHERE {keyed})");
        db.execute_raw(statement(backend, &links, values())).await?;
    }
    let rows = format!("DELETE FROM {table} WHERE {keyed}");
    Ok(db.execute_raw(statement(backend, &rows, values())).await?.rows_affected())
}

/// The tables keyed by `(source, external_id)`.
#[derive(Debug, Clone, Copy)]
pub enum KeyedTable {
    /// `posting`.
    Posting,
    /// `unclassified_posting`.
    Unclassified,
}
