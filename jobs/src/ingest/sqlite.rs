//! SQLite's bulk path: the batch in one transaction, written by multi-row statements whose
//! text depends only on their row count, so each connection prepares them once and reuses
//! them for every batch. Values are bound straight from the postings: no query builder and no
//! lookup before the upsert (its `RETURNING` tells inserted from updated rows).

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, AssertSqlSafe, Sqlite, SqlitePool, Transaction};
use sea_orm::{ActiveEnum, DbErr};

use super::{Prepared, exec_err};

/// Postings per upsert: 18 parameters each, 9,000 in all, under SQLite's 32,766.
const POSTINGS_PER_STATEMENT: usize = 500;
/// Skill links per insert: 2 parameters each.
const LINKS_PER_STATEMENT: usize = 2_000;

/// The upsert of `rows` postings. An update keeps the row's `created_at` and sets
/// `updated_at` to this call's time, so the two are equal only for inserted rows.
/// Parameters are anonymous (`?`): sqlx asks SQLite for each parameter's name, and for
/// numbered ones (`?NNN`) SQLite finds it by a linear search, which makes binding a
/// statement of thousands of them quadratic.
fn upsert_sql(rows: usize) -> String {
    let row = format!("({})", vec!["?"; 18].join(", "));
    format!(
        "INSERT INTO posting (source, external_id, role_id, title, company, metro, remote, seniority,
            salary_min, salary_max, salary_mid, skill_ids, posted_at, closed_at, rule_id, url, created_at, updated_at)
         VALUES {}
         ON CONFLICT (source, external_id) DO UPDATE SET
            role_id = excluded.role_id, title = excluded.title, company = excluded.company,
            metro = excluded.metro, remote = excluded.remote, seniority = excluded.seniority,
            salary_min = excluded.salary_min, salary_max = excluded.salary_max,
            salary_mid = excluded.salary_mid, skill_ids = excluded.skill_ids,
            posted_at = excluded.posted_at, closed_at = excluded.closed_at,
            rule_id = excluded.rule_id, url = excluded.url, updated_at = excluded.updated_at
         RETURNING id, created_at = updated_at AS inserted, skill_ids",
        vec![row.as_str(); rows].join(", ")
    )
}

fn links_sql(rows: usize) -> String {
    format!("INSERT INTO posting_skill (posting_id, skill_id) VALUES {}", vec!["(?, ?)"; rows].join(", "))
}

/// The statements of full chunks, built once per process (their prepared forms are cached
/// per connection by sqlx, keyed by this text). A batch's last, shorter chunk is prepared
/// for that one use only: its length differs from batch to batch, and kept, each length's
/// statement (thousands of parameters) would fill the cache of every connection (a demo of
/// 1,000,000 postings peaked at 341 MB).
static FULL_UPSERT: LazyLock<Arc<str>> = LazyLock::new(|| upsert_sql(POSTINGS_PER_STATEMENT).into());
static FULL_LINKS: LazyLock<Arc<str>> = LazyLock::new(|| links_sql(LINKS_PER_STATEMENT).into());

/// An updated posting's skills are replaced: its old links go first.
const DELETE_OLD_LINKS: &str = "DELETE FROM posting_skill WHERE posting_id IN (SELECT value FROM json_each(?1))";

/// Stores a deduplicated batch; returns (inserted, updated).
pub(super) async fn store(
    pool: &SqlitePool,
    rows: &[Prepared<'_>],
    now: DateTime<Utc>,
) -> Result<(usize, usize), DbErr> {
    let mut tx = pool.begin().await.map_err(exec_err)?;
    let mut links: Vec<(i32, i32)> = Vec::new();
    let mut updated: Vec<i32> = Vec::new();
    for chunk in rows.chunks(POSTINGS_PER_STATEMENT) {
        upsert(&mut tx, chunk, now, &mut links, &mut updated).await?;
    }
    if !updated.is_empty() {
        let ids = format!("[{}]", updated.iter().map(i32::to_string).collect::<Vec<_>>().join(","));
        sqlx::query(DELETE_OLD_LINKS).bind(ids).execute(&mut *tx).await.map_err(exec_err)?;
    }
    for chunk in links.chunks(LINKS_PER_STATEMENT) {
        let full = chunk.len() == LINKS_PER_STATEMENT;
        let sql = if full { Arc::clone(&FULL_LINKS) } else { Arc::from(links_sql(chunk.len())) };
        let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(full);
        for &(posting_id, skill_id) in chunk {
            query = query.bind(posting_id).bind(skill_id);
        }
        query.execute(&mut *tx).await.map_err(exec_err)?;
    }
    tx.commit().await.map_err(exec_err)?;
    Ok((rows.len() - updated.len(), updated.len()))
}

/// Upserts one chunk of postings; collects the skill links to write and the updated ids.
async fn upsert(
    tx: &mut Transaction<'_, Sqlite>,
    chunk: &[Prepared<'_>],
    now: DateTime<Utc>,
    links: &mut Vec<(i32, i32)>,
    updated: &mut Vec<i32>,
) -> Result<(), DbErr> {
    let full = chunk.len() == POSTINGS_PER_STATEMENT;
    let sql = if full { Arc::clone(&FULL_UPSERT) } else { Arc::from(upsert_sql(chunk.len())) };
    let mut query = sqlx::query_as::<_, (i32, bool, String)>(AssertSqlSafe(sql)).persistent(full);
    for row in chunk {
        let p = row.posting;
        query = query
            .bind(p.source.as_str())
            .bind(p.external_id.as_str())
            .bind(p.role_id)
            .bind(p.title.as_str())
            .bind(p.company.as_str())
            .bind(p.metro.as_deref())
            .bind(p.remote)
            .bind(p.seniority.to_value())
            .bind(p.salary_min)
            .bind(p.salary_max)
            .bind(entity::posting::salary_midpoint(p.salary_min, p.salary_max))
            .bind(row.skill_ids.as_str())
            .bind(p.posted_at)
            .bind(p.closed_at)
            .bind(p.rule_id)
            .bind(p.url.as_deref())
            .bind(now)
            .bind(now);
    }
    for (id, inserted, skill_ids) in query.fetch_all(&mut **tx).await.map_err(exec_err)? {
        if !inserted {
            updated.push(id);
        }
        links.extend(skill_ids.split(',').filter_map(|s| s.parse::<i32>().ok()).map(|skill| (id, skill)));
    }
    Ok(())
}
