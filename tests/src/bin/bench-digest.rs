//! Benchmark: a week's digest to N confirmed subscribers through a real SMTP server.
//! Loads the standard demo when the database is empty, adds N subscribers with one
//! multi-row insert per 1,000, then times the run: `start` (recompute, create the run and
//! its deliveries) and `deliver_run` (send), as `run_weekly_digest` does.
//! Usage: DATABASE_URL=… SMTP_URL=smtp://127.0.0.1:2525 bench-digest N [CONCURRENCY]

use std::time::Instant;

use chrono::{Days, Utc};
use jobs::Week;
use jobs::digest::{DigestContext, DigestSettings, Started, deliver_run, start};
use jobs::mail::{Mailer, MailerConfig};
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let smtp = std::env::var("SMTP_URL")?;
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let concurrency: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let db = api::db::connect(&url).await?;
    api::db::migrate(&db).await?;
    let now = Utc::now();
    // The week that ended two weeks ago: its run never exists yet in a fresh database.
    let week = Week::last_completed(now).previous();
    if entity::role::Entity::find().count(&db).await? == 0 {
        jobs::demo::load(&db, &jobs::demo::DemoPlan::standard(), week, now - Days::new(7), |_| {}).await?;
    }
    let started = Instant::now();
    salarygraph_tests::insert_confirmed_subscribers(&db, n, "bench.example").await?;
    println!("{n} subscribers inserted in {:.1} s", started.elapsed().as_secs_f64());
    let mailer = Mailer::new(&MailerConfig {
        smtp_url: Some(smtp),
        from: "salarygraph <digest@bench.example>".into(),
        outbox_dir: "outbox".into(),
        max_connections: concurrency as u32,
        ca_file: std::env::var_os("SMTP_CA_FILE").map(Into::into),
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    let ctx = DigestContext {
        db,
        mailer,
        public_url: "http://127.0.0.1:8000".into(),
        settings: DigestSettings::with_concurrency(concurrency),
        stop: tokio_util::sync::CancellationToken::new(),
    };
    let started = Instant::now();
    let Started { run, .. } = start(&ctx.db, week, now).await?;
    let prepared = started.elapsed().as_secs_f64();
    let (run, _) = deliver_run(&ctx, run).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "week {week}: {} sent, {} failed in {seconds:.1} s: {:.0} emails/s (concurrency {concurrency}); \
         of which {prepared:.1} s recomputing the week and creating the run, then {:.0} emails/s sending",
        run.sent,
        run.failed,
        f64::from(run.sent) / seconds,
        f64::from(run.sent) / (seconds - prepared)
    );
    Ok(())
}
