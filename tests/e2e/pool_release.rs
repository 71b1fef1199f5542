//! What sqlx's ping of a connection going back to the pool is for, on the service's own
//! pools: a transaction dropped without commit releases its locks at once, and a statement
//! dropped while its answer was on the way leaves the connection usable for the next one.
//! (Skipping that ping when nothing is left to send made the nested dashboard query a tenth
//! cheaper, but left connections broken by a database outage in the pool: see BENCHMARKS.md.)

use std::time::Duration;

use salarygraph_tests::{Backend, TestDatabase};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

/// A fresh database with one row to lock, and the service's pool on it.
async fn pool_with_a_row() -> (TestDatabase, DatabaseConnection) {
    let database = TestDatabase::create().await;
    let db = api::db::connect(&database.url).await.expect("pool");
    db.execute_unprepared("CREATE TABLE probe (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)").await.expect("table");
    db.execute_unprepared("INSERT INTO probe (id, v) VALUES (1, 0)").await.expect("row");
    (database, db)
}

async fn value(db: &DatabaseConnection) -> i64 {
    let row = db.query_one_raw(statement(db, "SELECT v FROM probe WHERE id = 1")).await.expect("select").expect("row");
    row.try_get_by_index::<i64>(0).or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from)).expect("v")
}

fn statement(db: &DatabaseConnection, sql: &str) -> sea_orm::Statement {
    sea_orm::Statement::from_string(db.get_database_backend(), sql)
}

#[tokio::test]
async fn a_transaction_dropped_without_commit_releases_its_locks_at_once() {
    let (database, db) = pool_with_a_row().await;
    {
        let txn = db.begin().await.expect("begin");
        txn.execute_unprepared("UPDATE probe SET v = 1 WHERE id = 1").await.expect("update in the transaction");
        // Dropped here: the rollback must reach the database while the connection sits idle
        // in the pool, not when someone next uses it.
    }
    let other = api::db::connect_single(&database.url).await.expect("a second pool");
    let wait_briefly = match database.backend {
        Backend::Postgres => "SET lock_timeout = '3s'",
        Backend::Sqlite => "PRAGMA busy_timeout = 3000",
    };
    other.execute_unprepared(wait_briefly).await.expect("bound the wait for locks");
    other
        .execute_unprepared("UPDATE probe SET v = 2 WHERE id = 1")
        .await
        .expect("the dropped transaction's lock is gone: another connection can write the row");
    assert_eq!(value(&other).await, 2, "the dropped transaction's update was rolled back, the new one kept");
}

#[tokio::test]
async fn a_statement_dropped_mid_answer_leaves_its_connection_usable() {
    let database = TestDatabase::create().await;
    // One connection, so the statements after the dropped one run on the same connection.
    let db = api::db::connect_single(&database.url).await.expect("pool of one");
    let slow = match database.backend {
        Backend::Postgres => "SELECT pg_sleep(0.3)",
        Backend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT i FROM n"
        }
    };
    for _ in 0..3 {
        let dropped = tokio::time::timeout(Duration::from_millis(50), db.query_all_raw(statement(&db, slow))).await;
        assert!(dropped.is_err(), "the slow statement was still running when it was dropped");
        let answer = db.query_one_raw(statement(&db, "SELECT 42 AS n")).await.expect("next statement").expect("a row");
        let n = answer.try_get_by_index::<i32>(0).map(i64::from).or_else(|_| answer.try_get_by_index::<i64>(0));
        assert_eq!(n.expect("n"), 42, "the next statement got its own answer, not the dropped one's");
    }
}
