//! Connecting to the database and keeping its schema current.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgSslMode;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

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

/// How long a pooled connection may stay idle before it is pinged on its way out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

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
        // sqlx pings a connection (a round trip) every time it hands one out: a third of the
        // round trips of a one-statement read. A connection in use is known to work; one idle
        // for a while may have been dropped by the server or a firewall, and only that one is
        // pinged. (A connection that breaks within the window fails one statement and is
        // discarded; the pool opens a new one.)
        .test_before_acquire_if_idle_for(PING_AFTER_IDLE)
        // Per-connection settings, so every pooled connection gets them: readers never block
        // the writer (WAL), and a busy writer is waited for rather than failed.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .synchronous(SqliteSynchronous::Normal)
        });
    if plain_on_loopback(url, std::env::var_os("PGSSLMODE").is_some()) {
        options.map_sqlx_postgres_opts(|opts| opts.ssl_mode(PgSslMode::Disable));
    }
    let db = Database::connect(options).await.map_err(fail)?;
    db.execute_unprepared("SELECT 1").await.map_err(fail)?;
    Ok(db)
}

/// Whether a PostgreSQL URL should connect without TLS: its host is this machine (loopback
/// or a Unix socket) and neither the URL (`sslmode`) nor `PGSSLMODE` asks for a mode.
/// Encryption there protects nothing (the bytes never leave the host), and rustls on every
/// message cost a page 2.5 ms at one connection (BENCHMARKS.md); any other host keeps the
/// driver's default (`prefer`).
fn plain_on_loopback(url: &str, mode_in_env: bool) -> bool {
    let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) else {
        return false;
    };
    let (authority_and_path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mode_in_url = query.split('&').any(|pair| matches!(pair.split('=').next(), Some("sslmode" | "ssl-mode")));
    if mode_in_env || mode_in_url {
        return false;
    }
    // The host: after any credentials, before any port or path; empty means a Unix socket.
    let authority = authority_and_path.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let socket = query.split('&').any(|pair| pair.starts_with("host=/"));
    socket || host.is_empty() || jobs::host::is_loopback(host)
}

/// The key of PostgreSQL's advisory lock that one migrating process holds at a time
/// (the bytes of "salarygr").
pub const MIGRATION_LOCK: i64 = 0x7361_6c61_7279_6772;

/// A transaction that no other process migrating the same database can hold at once:
/// replicas (or a `salarygraph import`) starting together after a release would otherwise all
/// apply the same migrations, and all but one fail on tables that already exist. The others
/// wait, then find nothing pending. Every migration runs inside it, so a release's
/// migrations apply together or not at all.
async fn begin_migrating(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
            Ok(txn)
        }
        // SQLite's write lock, taken at BEGIN; a second process waits for it (busy timeout).
        _ => {
            let immediate = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            db.begin_with_options(immediate).await
        }
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    // Most starts find nothing to do: they need not queue behind another process's writes
    // for the lock (on SQLite, the lock is the one writer's).
    if matches!(pending_migrations(db).await, Ok(0)) {
        return Ok(());
    }
    let txn = begin_migrating(db).await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Rolls back the last `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
    let txn = begin_migrating(db).await?;
    Migrator::down(&txn, steps).await?;
    txn.commit().await
}

/// How many migrations are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

#[cfg(test)]
mod tests {
    use super::plain_on_loopback;

    #[test]
    fn only_a_database_on_this_machine_without_a_chosen_mode_connects_without_tls() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p%40ss@localhost/db",
            "postgresql://[::1]:5433/db?application_name=x",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://127.0.0.2/db",
            "postgres://db.localhost/db",
        ] {
            assert!(plain_on_loopback(url, false), "{url}");
        }
        for url in [
            "postgres://postgres@127.0.0.1:5432/test?sslmode=require",
            "postgres://localhost/db?application_name=x&ssl-mode=verify-full",
            "postgres://db.internal:5432/db",
            "postgres://u:p@10.0.0.5/db",
            "postgres://localhost.example.com/db",
            "postgres://[2001:db8::1]/db",
            "postgres://127.example.com/db",
            "sqlite://salarygraph.db?mode=rwc",
        ] {
            assert!(!plain_on_loopback(url, false), "{url}");
        }
        assert!(!plain_on_loopback("postgres://127.0.0.1/db", true), "PGSSLMODE decides");
    }
}
