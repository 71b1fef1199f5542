//! Benchmark: recompute every role's snapshot of the latest demo week with the snapshot
//! engine, and (on PostgreSQL) with one hand-written SQL aggregate computing the same
//! figures, in the same run; then each of the two engines computing alone (no store).
//! Usage: DATABASE_URL=… bench-recompute [ROUNDS]

use std::time::Instant;

use jobs::snapshots::{Engine, compute_week};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

const SINGLE_AGGREGATE: &str = "
WITH open AS (
  SELECT * FROM posting p WHERE p.posted_at <= $1 AND (p.closed_at IS NULL OR p.closed_at > $1)
), figures AS (
  SELECT role_id, COUNT(*) AS open_positions, COUNT(salary_mid) AS sample_size,
         ROUND(AVG(salary_min)) AS low, ROUND(AVG(salary_max)) AS high, ROUND(AVG(salary_mid)) AS average,
         ROUND(percentile_cont(0.25) WITHIN GROUP (ORDER BY salary_mid)) AS p25,
         ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY salary_mid)) AS p50,
         ROUND(percentile_cont(0.75) WITHIN GROUP (ORDER BY salary_mid)) AS p75,
         ROUND(percentile_cont(0.9) WITHIN GROUP (ORDER BY salary_mid)) AS p90,
         ROUND(100.0 * SUM(CASE WHEN remote THEN 1 ELSE 0 END) / COUNT(*), 1) AS remote_pct,
         ROUND(100.0 * SUM(CASE WHEN seniority = 'ENTRY' THEN 1 ELSE 0 END) / COUNT(*), 1) AS entry_pct,
         ROUND(100.0 * SUM(CASE WHEN seniority = 'MID' THEN 1 ELSE 0 END) / COUNT(*), 1) AS mid_pct,
         ROUND(100.0 * SUM(CASE WHEN seniority = 'SENIOR' THEN 1 ELSE 0 END) / COUNT(*), 1) AS senior_pct
  FROM open GROUP BY role_id
), skills AS (
  SELECT role_id, json_agg(json_build_array(name, n) ORDER BY n DESC, name) FILTER (WHERE rank <= 8) AS top_skills
  FROM (SELECT o.role_id, s.name, COUNT(*) AS n,
               ROW_NUMBER() OVER (PARTITION BY o.role_id ORDER BY COUNT(*) DESC, s.name) AS rank
        FROM open o JOIN posting_skill ps ON ps.posting_id = o.id JOIN skill s ON s.id = ps.skill_id
        GROUP BY o.role_id, s.id, s.name) ranked
  GROUP BY role_id
), companies AS (
  SELECT role_id, json_agg(json_build_array(company, n) ORDER BY n DESC, company) FILTER (WHERE rank <= 5) AS top_companies
  FROM (SELECT role_id, company, COUNT(*) AS n, ROW_NUMBER() OVER (PARTITION BY role_id ORDER BY COUNT(*) DESC, company) AS rank
        FROM open GROUP BY role_id, company) ranked
  GROUP BY role_id
), metros AS (
  SELECT role_id, json_agg(json_build_array(metro, n) ORDER BY n DESC, metro) FILTER (WHERE rank <= 5) AS top_metros
  FROM (SELECT role_id, metro, COUNT(*) AS n, ROW_NUMBER() OVER (PARTITION BY role_id ORDER BY COUNT(*) DESC, metro) AS rank
        FROM open WHERE metro IS NOT NULL GROUP BY role_id, metro) ranked
  GROUP BY role_id
)
SELECT f.*, s.top_skills, c.top_companies, m.top_metros
FROM figures f LEFT JOIN skills s USING (role_id) LEFT JOIN companies c USING (role_id) LEFT JOIN metros m USING (role_id)";

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let rounds: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let db = api::db::connect(&url).await?;
    let week =
        jobs::catalog::latest_week(&db).await?.ok_or_else(|| anyhow::anyhow!("no snapshot: run `demo` first"))?;
    let mut engine = Vec::new();
    let mut single = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let written = jobs::snapshots::recompute_week(&db, week, false, chrono::Utc::now()).await?;
        engine.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(!written.is_empty());
        if db.get_database_backend() == DbBackend::Postgres {
            let started = Instant::now();
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    SINGLE_AGGREGATE,
                    [week.sunday().into()],
                ))
                .await?;
            single.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(!rows.is_empty());
        }
    }
    println!(
        "week {week}: snapshot engine (compute + store) median {:.0} ms over {rounds} rounds",
        median(engine.clone())
    );
    if !single.is_empty() {
        let (e, s) = (median(engine), median(single));
        println!(
            "single hand-written SQL aggregate (compute only) median {s:.0} ms; engine / aggregate = {:.2}",
            e / s
        );
    }
    for kind in [Engine::Database, Engine::Rust] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let computed = compute_week(&db, week, kind).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(!computed.is_empty());
        }
        println!("{kind:?} engine (compute only) median {:.0} ms", median(times));
    }
    Ok(())
}
