//! Connecting to the database and keeping its schema current.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::config::redact_url;

/// The database could not be reached or prepared; the message names `DATABASE_URL`.
#[derive(Debug, thiserror::Error)]
#[error("DATABASE_URL: cannot use {url}: {cause}")]
pub struct DatabaseError {
    url: String,
    cause: String,
}

fn one_line(error: &DbErr) -> String {
    error.to_string().lines().next().unwrap_or_default().to_owned()
}

/// Opens a pool on `url` (SQLite in WAL mode with foreign keys, or PostgreSQL).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DatabaseError> {
    connect_with(url, if url.starts_with("sqlite:") { 8 } else { 16 }).await
}

/// One connection of its own, for a background task that must not wait behind requests for
/// a connection of the pool (the change watcher).
pub async fn connect_single(url: &str) -> Result<DatabaseConnection, DatabaseError> {
    connect_with(url, 1).await
}

async fn connect_with(url: &str, max_connections: u32) -> Result<DatabaseConnection, DatabaseError> {
    let fail = |e: DbErr| DatabaseError { url: redact_url(url), cause: one_line(&e) };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        // Both set sqlx's acquire timeout: while the database is down a request fails after
        // 5 s with UNAVAILABLE rather than holding its client until the request timeout.
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // Per-connection settings, so every pooled connection gets them: readers never block
        // the writer (WAL), and a busy writer is waited for rather than failed.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .synchronous(SqliteSynchronous::Normal)
        });
    let db = Database::connect(options).await.map_err(fail)?;
    db.execute_unprepared("SELECT 1").await.map_err(fail)?;
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Rolls back the last `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
    Migrator::down(db, steps).await
}

/// How many migrations are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}
