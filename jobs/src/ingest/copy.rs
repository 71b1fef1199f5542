//! PostgreSQL's bulk path: the batch is streamed with `COPY … FROM STDIN` into a temporary
//! staging table, then stored with one set-based upsert into `posting` and one insert into
//! `posting_skill`, in one transaction. Nothing is sent row by row and nothing is looked up
//! first: the upsert's `RETURNING` tells inserted from updated rows.

use std::io::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::{self, PgPool};
use sea_orm::{ActiveEnum, DbErr};

use super::{Prepared, exec_err};

/// Bytes of `COPY` data sent at a time.
const COPY_SEND_BYTES: usize = 1 << 20;

/// The staging table (`ON COMMIT DROP`: each transaction has its own) and the table of the
/// postings the upsert touched. The scan settings keep the planner on indexes for the
/// deletion of old skill links even when `posting_skill`'s statistics are stale (autovacuum
/// off, or a table that grew by millions since it was last analysed). Without `jit = off`,
/// PostgreSQL compiles the upsert of a batch of 10,000 with LLVM in every call (its cost is
/// above `jit_above_cost`): a quarter of PostgreSQL's CPU time went to compiling expressions as
/// simple as a column copy (18,400 postings/s with it, 24,400–25,800 without).
const SETUP: &str = "SET LOCAL jit = off;
    SET LOCAL enable_seqscan = off;
    SET LOCAL enable_bitmapscan = off;
    CREATE TEMPORARY TABLE ingest_staging (
        source text NOT NULL, external_id text NOT NULL, role_id integer NOT NULL,
        title text NOT NULL, company text NOT NULL, metro text, remote boolean NOT NULL,
        seniority text NOT NULL, salary_min integer, salary_max integer,
        salary_mid double precision, skill_ids text NOT NULL, posted_at date NOT NULL,
        closed_at date, rule_id integer, url text
    ) ON COMMIT DROP;
    CREATE TEMPORARY TABLE ingest_touched (
        id integer NOT NULL, inserted boolean NOT NULL, skill_ids text NOT NULL
    ) ON COMMIT DROP";

const COPY_IN: &str = "COPY ingest_staging (source, external_id, role_id, title, company, metro, remote, \
    seniority, salary_min, salary_max, salary_mid, skill_ids, posted_at, closed_at, rule_id, url) FROM STDIN";

/// An update keeps the row's `created_at` and sets `updated_at` to this call's `$1`, so the
/// two are equal only for the rows this statement inserted. The staging table holds each
/// (source, external id) once (the batch is deduplicated before), as `ON CONFLICT DO UPDATE`
/// requires; read in the order it was written, so ids follow the batch's order.
const UPSERT: &str = "WITH upserted AS (
        INSERT INTO posting (source, external_id, role_id, title, company, metro, remote, seniority,
            salary_min, salary_max, salary_mid, skill_ids, posted_at, closed_at, rule_id, url,
            created_at, updated_at)
        SELECT source, external_id, role_id, title, company, metro, remote, seniority,
            salary_min, salary_max, salary_mid, skill_ids, posted_at, closed_at, rule_id, url, $1, $1
        FROM ingest_staging
        ON CONFLICT (source, external_id) DO UPDATE SET
            role_id = EXCLUDED.role_id, title = EXCLUDED.title, company = EXCLUDED.company,
            metro = EXCLUDED.metro, remote = EXCLUDED.remote, seniority = EXCLUDED.seniority,
            salary_min = EXCLUDED.salary_min, salary_max = EXCLUDED.salary_max,
            salary_mid = EXCLUDED.salary_mid, skill_ids = EXCLUDED.skill_ids,
            posted_at = EXCLUDED.posted_at, closed_at = EXCLUDED.closed_at,
            rule_id = EXCLUDED.rule_id, url = EXCLUDED.url, updated_at = EXCLUDED.updated_at
        RETURNING id, created_at = updated_at AS inserted, skill_ids
    ), touched AS (
        INSERT INTO ingest_touched (id, inserted, skill_ids) SELECT id, inserted, skill_ids FROM upserted
    )
    SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM upserted";

/// An updated posting's skills are replaced: its old links go first.
const DELETE_OLD_LINKS: &str = "DELETE FROM posting_skill ps USING ingest_touched t
    WHERE ps.posting_id = t.id AND NOT t.inserted";

const INSERT_LINKS: &str = "INSERT INTO posting_skill (posting_id, skill_id)
    SELECT t.id, CAST(s.skill_id AS integer)
    FROM ingest_touched t, unnest(string_to_array(t.skill_ids, ',')) AS s(skill_id)
    WHERE t.skill_ids <> ''";

/// Stores a deduplicated batch; returns (inserted, updated).
pub(super) async fn store(pool: &PgPool, rows: &[Prepared<'_>], now: DateTime<Utc>) -> Result<(usize, usize), DbErr> {
    let mut tx = pool.begin().await.map_err(exec_err)?;
    sqlx::raw_sql(SETUP).execute(&mut *tx).await.map_err(exec_err)?;
    let mut copy = tx.copy_in_raw(COPY_IN).await.map_err(exec_err)?;
    let mut buffer = Vec::with_capacity(COPY_SEND_BYTES + 4096);
    for row in rows {
        encode(row, &mut buffer);
        if buffer.len() >= COPY_SEND_BYTES {
            copy.send(buffer.as_slice()).await.map_err(exec_err)?;
            buffer.clear();
        }
    }
    copy.send(buffer.as_slice()).await.map_err(exec_err)?;
    copy.finish().await.map_err(exec_err)?;
    let (inserted, updated): (i64, i64) =
        sqlx::query_as(UPSERT).bind(now).fetch_one(&mut *tx).await.map_err(exec_err)?;
    if updated > 0 {
        sqlx::query(DELETE_OLD_LINKS).execute(&mut *tx).await.map_err(exec_err)?;
    }
    sqlx::query(INSERT_LINKS).execute(&mut *tx).await.map_err(exec_err)?;
    tx.commit().await.map_err(exec_err)?;
    Ok((usize::try_from(inserted).unwrap_or(0), usize::try_from(updated).unwrap_or(0)))
}

/// One row in `COPY`'s text format: tab-separated, `\N` for null, newline-terminated.
fn encode(row: &Prepared<'_>, out: &mut Vec<u8>) {
    let p = row.posting;
    text(out, &p.source);
    tab(out);
    text(out, &p.external_id);
    tab(out);
    number(out, Some(p.role_id));
    tab(out);
    text(out, &p.title);
    tab(out);
    text(out, &p.company);
    tab(out);
    match &p.metro {
        Some(metro) => text(out, metro),
        None => out.extend_from_slice(b"\\N"),
    }
    tab(out);
    out.push(if p.remote { b't' } else { b'f' });
    tab(out);
    text(out, &p.seniority.to_value());
    tab(out);
    number(out, p.salary_min);
    tab(out);
    number(out, p.salary_max);
    tab(out);
    number(out, entity::posting::salary_midpoint(p.salary_min, p.salary_max));
    tab(out);
    text(out, &row.skill_ids);
    tab(out);
    date(out, Some(p.posted_at));
    tab(out);
    date(out, p.closed_at);
    tab(out);
    number(out, p.rule_id);
    tab(out);
    match &p.url {
        Some(url) => text(out, url),
        None => out.extend_from_slice(b"\\N"),
    }
    out.push(b'\n');
}

fn tab(out: &mut Vec<u8>) {
    out.push(b'\t');
}

/// Text with `COPY`'s escapes for the characters that delimit rows and fields.
fn text(out: &mut Vec<u8>, value: &str) {
    for byte in value.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

fn number(out: &mut Vec<u8>, value: Option<impl std::fmt::Display>) {
    match value {
        // Writing to a Vec cannot fail.
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.extend_from_slice(b"\\N"),
    }
}

fn date(out: &mut Vec<u8>, value: Option<NaiveDate>) {
    number(out, value.map(|d| d.format("%Y-%m-%d")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ValidPosting;

    #[test]
    fn rows_are_escaped_for_copy_text_format() {
        let posting = ValidPosting {
            source: "board".into(),
            external_id: "a\\b".into(),
            role_id: 3,
            title: "Lead\tEngineer\nII\r".into(),
            company: "Acme".into(),
            metro: None,
            remote: true,
            seniority: entity::Seniority::Senior,
            salary_min: Some(100_000),
            salary_max: Some(150_001),
            skills: vec![],
            posted_at: NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"),
            closed_at: None,
            url: Some("https://x.test/a\tb".into()),
            rule_id: Some(7),
        };
        let mut out = Vec::new();
        encode(&Prepared { posting: &posting, skill_ids: "1,4".into() }, &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "board\ta\\\\b\t3\tLead\\tEngineer\\nII\\r\tAcme\t\\N\tt\tSENIOR\t100000\t150001\t125000.5\t1,4\t2026-11-02\t\\N\t7\thttps://x.test/a\\tb\n"
        );
    }
}
