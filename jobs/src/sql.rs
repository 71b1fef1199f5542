//! The hand-written SQL that must be fast, in one place, portable to SQLite and PostgreSQL.
//! Statements are written with `$1`-style placeholders and rewritten for SQLite (`?1`).

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

use crate::week::Week;

/// Builds a statement for the connection's backend from `$N`-placeholder SQL.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The condition "open in the week whose Sunday is `$1`" on table alias `p` (stats.md).
const OPEN_IN_WEEK: &str = "p.posted_at <= $1 AND (p.closed_at IS NULL OR p.closed_at > $1)";

/// Per-role counts and means over the postings open in a week.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RoleAggregate {
    /// The role.
    pub role_id: i32,
    /// Open postings.
    pub open_positions: i64,
    /// Open postings with a salary.
    pub sample_size: i64,
    /// Remote open postings.
    pub remote: i64,
    /// Entry-level open postings.
    pub entry: i64,
    /// Mid-level open postings.
    pub mid: i64,
    /// Senior open postings.
    pub senior: i64,
    /// Mean of the minimums, over postings that have one.
    pub mean_min: Option<f64>,
    /// Mean of the maximums, over postings that have one.
    pub mean_max: Option<f64>,
    /// Mean of the midpoints.
    pub mean_mid: Option<f64>,
}

/// Counts, shares and means of every role's open postings in `week`.
pub async fn role_aggregates(db: &impl ConnectionTrait, week: Week) -> Result<Vec<RoleAggregate>, DbErr> {
    let sql = format!(
        "SELECT p.role_id AS role_id,
                COUNT(*) AS open_positions,
                COUNT(p.salary_mid) AS sample_size,
                SUM(CASE WHEN p.remote THEN 1 ELSE 0 END) AS remote,
                SUM(CASE WHEN p.seniority = 'ENTRY' THEN 1 ELSE 0 END) AS entry,
                SUM(CASE WHEN p.seniority = 'MID' THEN 1 ELSE 0 END) AS mid,
                SUM(CASE WHEN p.seniority = 'SENIOR' THEN 1 ELSE 0 END) AS senior,
                CAST(AVG(p.salary_min) AS DOUBLE PRECISION) AS mean_min,
                CAST(AVG(p.salary_max) AS DOUBLE PRECISION) AS mean_max,
                CAST(AVG(p.salary_mid) AS DOUBLE PRECISION) AS mean_mid
         FROM posting p
         WHERE {OPEN_IN_WEEK}
         GROUP BY p.role_id"
    );
    let stmt = statement(db.get_database_backend(), &sql, vec![week.sunday().into()]);
    RoleAggregate::find_by_statement(stmt).all(db).await
}

/// The four salary percentiles of one role, before rounding.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct RolePercentiles {
    /// The role.
    pub role_id: i32,
    /// 25th percentile of the midpoints.
    pub p25: f64,
    /// Median of the midpoints.
    pub p50: f64,
    /// 75th percentile of the midpoints.
    pub p75: f64,
    /// 90th percentile of the midpoints.
    pub p90: f64,
}

/// Salary percentiles per role computed by PostgreSQL's `percentile_cont`.
pub async fn percentiles_in_database(db: &impl ConnectionTrait, week: Week) -> Result<Vec<RolePercentiles>, DbErr> {
    let sql = format!(
        "SELECT p.role_id AS role_id,
                percentile_cont(0.25) WITHIN GROUP (ORDER BY p.salary_mid) AS p25,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY p.salary_mid) AS p50,
                percentile_cont(0.75) WITHIN GROUP (ORDER BY p.salary_mid) AS p75,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY p.salary_mid) AS p90
         FROM posting p
         WHERE {OPEN_IN_WEEK} AND p.salary_mid IS NOT NULL
         GROUP BY p.role_id"
    );
    let stmt = statement(db.get_database_backend(), &sql, vec![week.sunday().into()]);
    RolePercentiles::find_by_statement(stmt).all(db).await
}

/// A named thing counted per role.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RoleNameCount {
    /// The role.
    pub role_id: i32,
    /// The skill, company or metro.
    pub name: String,
    /// How many open postings of the role name it.
    pub count: i64,
}

/// How many open postings of each role name each skill in `week`.
pub async fn skill_counts(db: &impl ConnectionTrait, week: Week) -> Result<Vec<RoleNameCount>, DbErr> {
    let sql = format!(
        "SELECT p.role_id AS role_id, s.name AS name, COUNT(*) AS count
         FROM posting p
         JOIN posting_skill ps ON ps.posting_id = p.id
         JOIN skill s ON s.id = ps.skill_id
         WHERE {OPEN_IN_WEEK}
         GROUP BY p.role_id, s.id, s.name"
    );
    let stmt = statement(db.get_database_backend(), &sql, vec![week.sunday().into()]);
    RoleNameCount::find_by_statement(stmt).all(db).await
}

/// Which column of `posting` to count by.
#[derive(Debug, Clone, Copy)]
pub enum NameColumn {
    /// `company`.
    Company,
    /// `metro` (postings without one are not counted).
    Metro,
}

/// How many open postings of each role carry each company or metro in `week`.
pub async fn name_counts(
    db: &impl ConnectionTrait,
    week: Week,
    column: NameColumn,
) -> Result<Vec<RoleNameCount>, DbErr> {
    let column = match column {
        NameColumn::Company => "company",
        NameColumn::Metro => "metro",
    };
    let sql = format!(
        "SELECT p.role_id AS role_id, p.{column} AS name, COUNT(*) AS count
         FROM posting p
         WHERE {OPEN_IN_WEEK} AND p.{column} IS NOT NULL
         GROUP BY p.role_id, p.{column}"
    );
    let stmt = statement(db.get_database_backend(), &sql, vec![week.sunday().into()]);
    RoleNameCount::find_by_statement(stmt).all(db).await
}

/// One posting open in a week, with what the snapshot engine counts.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OpenPosting {
    /// Its id (pages are keyed on it).
    pub id: i32,
    /// Its role.
    pub role_id: i32,
    /// Remote-friendly.
    pub remote: bool,
    /// ENTRY, MID or SENIOR.
    pub seniority: String,
    /// Lower bound.
    pub salary_min: Option<i32>,
    /// Upper bound.
    pub salary_max: Option<i32>,
    /// Midpoint.
    pub salary_mid: Option<f64>,
    /// Company.
    pub company: String,
    /// Metro.
    pub metro: Option<String>,
    /// Skill ids, comma-separated.
    pub skill_ids: String,
}

/// The next page (by id) of the postings open in `week`: one sequential pass over the
/// table in pages, so memory stays bounded whatever the table size.
pub async fn open_postings_page(
    db: &impl ConnectionTrait,
    week: Week,
    after_id: i32,
    limit: u64,
) -> Result<Vec<OpenPosting>, DbErr> {
    let sql = format!(
        "SELECT p.id AS id, p.role_id AS role_id, p.remote AS remote, p.seniority AS seniority,
                p.salary_min AS salary_min, p.salary_max AS salary_max, p.salary_mid AS salary_mid,
                p.company AS company, p.metro AS metro, p.skill_ids AS skill_ids
         FROM posting p
         WHERE p.id > $2 AND {OPEN_IN_WEEK}
         ORDER BY p.id
         LIMIT $3"
    );
    let stmt =
        statement(db.get_database_backend(), &sql, vec![week.sunday().into(), after_id.into(), (limit as i64).into()]);
    OpenPosting::find_by_statement(stmt).all(db).await
}

/// Every skill's name by id.
pub async fn skill_names(db: &impl ConnectionTrait) -> Result<std::collections::HashMap<i32, String>, DbErr> {
    use sea_orm::{EntityTrait, QuerySelect};
    let rows: Vec<(i32, String)> = entity::skill::Entity::find()
        .select_only()
        .columns([entity::skill::Column::Id, entity::skill::Column::Name])
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Deletes the rows of `table` (`posting` or `unclassified_posting`) with this source and one
/// of these external ids. The ids travel as one JSON array: a long `IN (…)` list makes
/// PostgreSQL probe the `(source, external_id)` index by source alone and filter every row
/// of the source, while a set-returning function joins key by key.
pub async fn delete_by_keys(
    db: &impl ConnectionTrait,
    table: KeyedTable,
    source: &str,
    external_ids: &[String],
) -> Result<u64, DbErr> {
    if external_ids.is_empty() {
        return Ok(0);
    }
    let table = match table {
        KeyedTable::Posting => "posting",
        KeyedTable::Unclassified => "unclassified_posting",
    };
    let backend = db.get_database_backend();
    let elements = match backend {
        DbBackend::Postgres => "SELECT json_array_elements_text(CAST($2 AS json))",
        _ => "SELECT value FROM json_each($2)",
    };
    let sql = format!("DELETE FROM {table} WHERE source = $1 AND external_id IN ({elements})");
    let ids = serde_json::to_string(external_ids).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(db.execute_raw(statement(backend, &sql, vec![source.into(), ids.into()])).await?.rows_affected())
}

/// The tables keyed by `(source, external_id)`.
#[derive(Debug, Clone, Copy)]
pub enum KeyedTable {
    /// `posting`.
    Posting,
    /// `unclassified_posting`.
    Unclassified,
}
