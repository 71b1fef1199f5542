//! The `salarygraph` command line: `serve` (default), `migrate`, `import`, `fetch`,
//! `snapshot`, `demo`, `digest` and `schema`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jobs::Week;

use crate::config::Config;

/// salarygraph: AI job-market salary intelligence over GraphQL, with a weekly digest.
#[derive(Debug, Parser)]
#[command(name = "salarygraph", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, pages and the weekly scheduler (the default).
    Serve,
    /// Apply pending migrations (or roll back with --down).
    Migrate {
        /// Roll back this many migrations instead (all with --down 0).
        #[arg(long)]
        down: Option<u32>,
    },
    /// Ingest postings from a JSON Lines (.jsonl) or CSV (.csv) file. Exits with status 3
    /// when rows were refused (the valid rest is stored), 1 when the import could not run.
    Import {
        /// The file.
        file: PathBuf,
        /// csv or jsonl (default: from the file name).
        #[arg(long)]
        format: Option<String>,
        /// Raw postings (title, company, location, description, pay…): classified on the way in.
        #[arg(long)]
        raw: bool,
        /// Write every refused row to this CSV file (line, externalId, reason).
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// Fetch the job boards followed now (every one, or the one named).
    Fetch {
        /// greenhouse, lever or ashby (with --board).
        #[arg(long, requires = "board")]
        kind: Option<String>,
        /// The board's name in its URL (with --kind).
        #[arg(long, requires = "kind")]
        board: Option<String>,
    },
    /// Recompute every role's snapshot of a week.
    Snapshot {
        /// The week's Monday (default: the last full week).
        #[arg(long, value_parser = parse_week)]
        week: Option<Week>,
        /// Overwrite IMPORTED snapshots too.
        #[arg(long)]
        force: bool,
    },
    /// Load deterministic synthetic data of any size (for demos and benchmarks).
    Demo {
        /// How many postings to generate.
        #[arg(long, default_value_t = 3_630)]
        postings: usize,
    },
    /// Send or preview the weekly digest.
    Digest {
        #[command(subcommand)]
        action: DigestCommand,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Debug, Subcommand)]
enum DigestCommand {
    /// Send a week's digest to every confirmed subscriber, once (resumes an unfinished run).
    Send {
        /// The week's Monday (default: the last full week).
        #[arg(long, value_parser = parse_week)]
        week: Option<Week>,
    },
    /// Print a week's digest as a subscriber would get it, without sending.
    Preview {
        /// The week's Monday (default: the last full week).
        #[arg(long, value_parser = parse_week)]
        week: Option<Week>,
        /// Role slugs followed, comma-separated (default: every role).
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        /// Print the HTML part instead of the text part.
        #[arg(long)]
        html: bool,
    },
}

fn parse_week(value: &str) -> Result<Week, String> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("\"{value}\" is not a date: expected YYYY-MM-DD"))?;
    Week::from_monday(date).map_err(|e| e.to_string())
}

/// Exit status of `import` when it ran to the end but refused some rows (stored the rest).
pub const EXIT_ROWS_REFUSED: u8 = 3;

/// Runs the command line; errors are printed as one line naming what is wrong. Exit status:
/// 0 done, 1 failed, 2 configuration error, 3 (`import`) done but some rows were refused.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    // First, while this is the only thread: loading `.env` writes the process environment.
    let dotenv = match crate::dotenv::load(Path::new(crate::dotenv::DOTENV_FILE)) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("salarygraph: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("salarygraph: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_json);
    if dotenv {
        tracing::info!("settings read from ./.env, below the environment's own variables");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("salarygraph: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("salarygraph: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn progress(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}})"))
    {
        bar.set_style(style);
    }
    bar
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import { file, format, raw, rejects } => {
            import(&config, &file, format.as_deref(), raw, rejects.as_deref()).await
        }
        other => run_to_end(other, config).await.map(|()| ExitCode::SUCCESS),
    }
}

/// `import`: the counts on stdout; the first refused rows and the count per reason on
/// stderr; every refused row in the rejects file when asked for.
async fn import(
    config: &Config,
    file: &std::path::Path,
    format: Option<&str>,
    raw: bool,
    rejects: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let format = match format {
        None => jobs::file_import::Format::from_path(file),
        Some("csv") => jobs::file_import::Format::Csv,
        Some("jsonl" | "json") => jobs::file_import::Format::JsonLines,
        Some(other) => anyhow::bail!("--format: \"{other}\" is not csv or jsonl"),
    };
    let mut log = jobs::file_import::RejectionLog::new(rejects)?;
    let db = crate::startup::open_database(config).await?;
    let bar = ProgressBar::new_spinner();
    let started = std::time::Instant::now();
    let show = |s: &jobs::file_import::ImportSummary| {
        let aside = if raw { format!(", {} unclassified", s.unclassified) } else { String::new() };
        bar.set_message(format!(
            "line {}: {} inserted, {} updated{aside}, {} rejected",
            s.line, s.inserted, s.updated, s.rejected
        ));
        bar.tick();
    };
    let summary = if raw {
        jobs::raw::file_import::import_raw_file(&db, file, format, Utc::now(), &mut log, show).await
    } else {
        jobs::file_import::import_file(&db, file, format, Utc::now(), &mut log, show).await
    };
    bar.finish_and_clear();
    log.flush()?;
    let summary = summary?;
    let aside = if raw { format!(", {} unclassified", summary.unclassified) } else { String::new() };
    println!(
        "imported {}{}: {} inserted, {} updated{aside}, {} rejected in {:.1} s",
        file.display(),
        if raw { " (raw)" } else { "" },
        summary.inserted,
        summary.updated,
        summary.rejected,
        started.elapsed().as_secs_f64()
    );
    if summary.rejected == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    for r in log.first() {
        eprintln!(
            "  line {}{}: {}",
            r.index,
            r.external_id.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(),
            r.reason
        );
    }
    let hidden = summary.rejected - log.first().len();
    match rejects {
        Some(path) => eprintln!("every refused row is in {}", path.display()),
        None if hidden > 0 => eprintln!("  … and {hidden} more: --rejects FILE lists every one"),
        None => {}
    }
    eprintln!("refused rows by reason:");
    let (reasons, other) = log.by_reason();
    for (reason, count) in reasons.iter().take(10) {
        eprintln!("  {count:>9}  {reason}");
    }
    let untold = other + reasons.iter().skip(10).map(|(_, n)| n).sum::<usize>();
    if untold > 0 {
        eprintln!("  {untold:>9}  other reasons");
    }
    Ok(ExitCode::from(EXIT_ROWS_REFUSED))
}

async fn run_to_end(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => crate::startup::serve(config).await,
        Command::Schema | Command::Import { .. } => Ok(()),
        Command::Migrate { down } => {
            let db = crate::db::connect(&config.database_url).await?;
            match down {
                None => crate::db::migrate(&db).await.context("applying migrations")?,
                Some(0) => crate::db::migrate_down(&db, None).await.context("rolling back migrations")?,
                Some(n) => crate::db::migrate_down(&db, Some(n)).await.context("rolling back migrations")?,
            }
            println!("migrations: {} pending", crate::db::pending_migrations(&db).await?);
            Ok(())
        }
        Command::Fetch { kind, board } => fetch(kind, board, &config).await,
        Command::Snapshot { week, force } => {
            let db = crate::startup::open_database(&config).await?;
            let now = Utc::now();
            let week = week.unwrap_or_else(|| Week::last_completed(now));
            let written = jobs::snapshots::recompute_week(&db, week, force, now).await?;
            println!("week {week}: {} snapshots recomputed", written.len());
            Ok(())
        }
        Command::Digest { action } => digest(action, &config).await,
        Command::Demo { postings } => {
            let db = crate::startup::open_database(&config).await?;
            let plan = jobs::demo::DemoPlan::with_postings(postings);
            let bar = progress(plan.total() as u64, "postings");
            let started = std::time::Instant::now();
            let now = Utc::now();
            let summary =
                jobs::demo::load(&db, &plan, Week::last_completed(now), now, |n| bar.set_position(n as u64)).await?;
            bar.finish_and_clear();
            println!(
                "demo: {} roles, {} postings, {} snapshots in {:.1} s",
                summary.roles,
                summary.postings,
                summary.snapshots,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn feed_kind(value: &str) -> anyhow::Result<entity::FeedKind> {
    match value.trim().to_ascii_lowercase().as_str() {
        "greenhouse" => Ok(entity::FeedKind::Greenhouse),
        "lever" => Ok(entity::FeedKind::Lever),
        "ashby" => Ok(entity::FeedKind::Ashby),
        other => anyhow::bail!("--kind: \"{other}\" is not greenhouse, lever or ashby"),
    }
}

async fn fetch(kind: Option<String>, board: Option<String>, config: &Config) -> anyhow::Result<()> {
    let only = match (kind, board) {
        (Some(kind), Some(board)) => Some((feed_kind(&kind)?, board)),
        _ => None,
    };
    let db = crate::startup::open_database(config).await?;
    let state = crate::startup::build_state(config, db)?;
    if let Some((kind, board)) = &only
        && jobs::feeds::sources::find(&state.db, *kind, board).await?.is_none()
    {
        anyhow::bail!("{} board \"{board}\" is not followed: add it with the addSource mutation", kind.prefix());
    }
    let sources = crate::feeds::fetch(&state, only.as_ref().map(|(k, b)| (*k, b.as_str()))).await?;
    if sources.is_empty() {
        println!("no job board is followed: add one with the addSource mutation");
    }
    let mut failed = 0;
    for s in &sources {
        match &s.last_error {
            None => println!(
                "{}: {} seen, {} new, {} closed, {} reopened, {} unclassified, {} refused",
                s.posting_source(),
                s.last_seen,
                s.last_new,
                s.last_closed,
                s.last_reopened,
                s.last_unclassified,
                s.last_refused
            ),
            Some(error) => {
                failed += 1;
                println!("{}: failed: {error}", s.posting_source());
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} boards could not be fetched", sources.len());
    }
    Ok(())
}

async fn digest(action: DigestCommand, config: &Config) -> anyhow::Result<()> {
    let db = crate::startup::open_database(config).await?;
    let now = Utc::now();
    match action {
        DigestCommand::Send { week } => {
            let week = week.unwrap_or_else(|| Week::last_completed(now));
            let state = crate::startup::build_state(config, db)?;
            let summary = jobs::digest::run_weekly_digest(&crate::weekly_job::digest_context(&state), week, now)
                .await
                .with_context(|| format!("digest of {week}"))?;
            let run = summary.run;
            println!(
                "digest of {week}: {} recipients, {} sent, {} failed ({} sent by this command{})",
                run.recipients,
                run.sent,
                run.failed,
                summary.delivered.sent,
                if summary.created { "" } else { "; the run existed already" }
            );
            Ok(())
        }
        DigestCommand::Preview { week, roles, html } => {
            let week = week.unwrap_or_else(|| Week::last_completed(now));
            let email = jobs::digest::preview(&db, week, &roles, &config.public_url)
                .await
                .with_context(|| format!("digest of {week}"))?;
            println!("Subject: {}\n", email.subject);
            println!("{}", if html { email.html } else { email.text });
            Ok(())
        }
    }
}
