//! A fresh database per test: a SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` points at a server.

use sea_orm::{ConnectionTrait, Database};

/// Which database the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file per test.
    Sqlite,
    /// A PostgreSQL database per test.
    Postgres,
}

/// The backend chosen by `TEST_DATABASE_URL`.
pub fn backend() -> Backend {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// A database created for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    /// Its kind.
    pub backend: Backend,
}

impl TestDatabase {
    /// Creates an empty database (not migrated).
    pub async fn create() -> Self {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let admin = Database::connect(&base).await.expect("connect to TEST_DATABASE_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends in /DATABASE");
                Self { url: format!("{server}/{name}"), backend: Backend::Postgres }
            }
            _ => {
                let dir = std::env::temp_dir().join("salarygraph-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                Self {
                    url: format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.db")).display()),
                    backend: Backend::Sqlite,
                }
            }
        }
    }
}
