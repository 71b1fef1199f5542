//! Migrations, start-up and configuration.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use salarygraph_tests::{TestApp, TestDatabase, TestOptions};
use sea_orm::ConnectionTrait;
use serde_json::json;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let database = TestDatabase::create().await;
    let db = api::db::connect(&database.url).await.expect("connect");
    api::db::migrate(&db).await.expect("up");
    assert_eq!(api::db::pending_migrations(&db).await.expect("status"), 0);
    api::db::migrate_down(&db, None).await.expect("down");
    let all = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    assert!(all >= 10, "every table and the later indexes: {all}");
    assert_eq!(api::db::pending_migrations(&db).await.expect("status"), all);
    api::db::migrate(&db).await.expect("up again");
    assert_eq!(api::db::pending_migrations(&db).await.expect("status"), 0);
}

#[tokio::test]
async fn replicas_starting_together_apply_each_migration_once() {
    let database = TestDatabase::create().await;
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(api::db::connect(&database.url).await.expect("connect"));
    }
    let results = futures::future::join_all(replicas.iter().map(api::db::migrate)).await;
    for (replica, result) in results.iter().enumerate() {
        assert!(result.is_ok(), "replica {replica}: {result:?}");
    }
    let db = &replicas[0];
    assert_eq!(api::db::pending_migrations(db).await.expect("status"), 0);
    let all = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    let applied = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM seaql_migrations",
        ))
        .await
        .expect("count")
        .and_then(|row| row.try_get_by_index::<i64>(0).ok());
    assert_eq!(applied, Some(all as i64), "each migration recorded once");
}

#[tokio::test]
async fn a_start_with_nothing_to_migrate_does_not_wait_for_the_migration_lock() {
    let database = TestDatabase::create().await;
    let db = api::db::connect(&database.url).await.expect("connect");
    api::db::migrate(&db).await.expect("up");
    // Another process holds the lock: mid-migration on PostgreSQL, mid-write on SQLite.
    let other = api::db::connect(&database.url).await.expect("connect");
    let held = match other.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("SELECT pg_advisory_lock({})", api::db::MIGRATION_LOCK),
        _ => "BEGIN IMMEDIATE".to_owned(),
    };
    let holder = api::db::connect_single(&database.url).await.expect("connect");
    holder.execute_unprepared(&held).await.expect("take the lock");
    let start = tokio::time::timeout(Duration::from_secs(5), api::db::migrate(&other)).await;
    assert!(matches!(start, Ok(Ok(()))), "nothing pending: {start:?}");
    drop(holder);
}

#[tokio::test]
async fn an_empty_database_without_demo_data_serves_empty_answers() {
    let app = TestApp::spawn_with(TestOptions { demo: false, ..Default::default() }).await;
    let response = app
        .gql(
            "{ roles { totalCount nodes { slug } } market { week totalOpenPositions roles { openPositions } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response,
        json!({ "data": {
            "roles": { "totalCount": 0, "nodes": [] },
            "market": { "week": null, "totalOpenPositions": 0, "roles": [] }
        }})
    );
}

#[tokio::test]
async fn demo_data_carries_the_published_table_and_a_market_of_26159_listings() {
    let app = TestApp::spawn_with(TestOptions { demo: true, ..Default::default() }).await;
    let response = app
        .gql(
            r#"{
                roles(first: 100) { totalCount }
                market { totalOpenPositions }
                compareRoles(a: "ai-ml-engineer", b: "ai-architect") {
                    a { snapshot { source openPositions salaryRangeLow salaryRangeHigh medianSalary p75Salary remotePct
                                   experienceMix { entryPct midPct seniorPct } } }
                    b { snapshot { openPositions medianSalary } }
                }
                role(slug: "ai-ml-engineer") { careerPath }
            }"#,
            json!({}),
        )
        .await;
    let data = &response["data"];
    assert_eq!(data["roles"]["totalCount"], 8, "{response}");
    assert_eq!(data["market"]["totalOpenPositions"], 26_159);
    assert_eq!(
        data["compareRoles"]["a"]["snapshot"],
        json!({
            "source": "IMPORTED", "openPositions": 23_752, "salaryRangeLow": 93_000, "salaryRangeHigh": 148_000,
            "medianSalary": 120_000, "p75Salary": 218_000, "remotePct": 7.0,
            "experienceMix": { "entryPct": 11.0, "midPct": 71.0, "seniorPct": 18.0 }
        })
    );
    assert_eq!(data["compareRoles"]["b"]["snapshot"], json!({ "openPositions": 138, "medianSalary": 292_000 }));
    assert_eq!(data["role"]["careerPath"], json!(["Staff ML Engineer", "ML Architect", "VP of Engineering"]));
}

#[tokio::test]
async fn the_synthetic_roles_have_twelve_weeks_of_trend() {
    let app = TestApp::spawn_with(TestOptions { demo: true, ..Default::default() }).await;
    let response =
        app.gql(r#"{ role(slug: "llm-engineer") { trend { week openPositions medianSalary } } }"#, json!({})).await;
    let trend = response["data"]["role"]["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 12, "{response}");
    assert_eq!(trend[11]["openPositions"], 612);
    assert!(trend.iter().all(|p| p["medianSalary"].as_i64().is_some_and(|m| m > 50_000)), "{response}");
}

fn run_binary(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    run_binary_in(Path::new("."), env, args)
}

/// Runs the binary in `dir` with only `env` (and `PATH`) set; the exit code and stderr.
fn run_binary_in(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"));
    command.current_dir(dir).args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    let child =
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("spawn");
    let output = wait_with_timeout(child, Duration::from_secs(60));
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().expect("output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().expect("output")
}

#[test]
fn each_bad_configuration_value_stops_start_up_with_a_line_naming_it() {
    let cases = [
        ("DATABASE_URL", "mysql://nope"),
        ("BIND_ADDR", "not-an-address"),
        ("ADMIN_TOKEN", "short"),
        ("PUBLIC_URL", "ftp://example.com"),
        ("SMTP_URL", "http://mail.example.com"),
        ("MAIL_FROM", "not a mailbox"),
        ("DIGEST_SCHEDULE", "0 8 * * Mon"),
        ("DIGEST_TIMEZONE", "Mars/Olympus_Mons"),
        ("DEMO_DATA", "perhaps"),
        ("SUBSCRIBE_RATE_LIMIT", "lots"),
    ];
    for (variable, value) in cases {
        let (code, stderr) = run_binary(&[(variable, value)], &["serve"]);
        assert_eq!(code, 2, "{variable}={value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line for {variable}: {stderr}");
        assert!(stderr.contains(&format!("configuration error: {variable}: ")), "{variable}: {stderr}");
    }
}

#[test]
fn a_dotenv_file_in_the_working_directory_is_read_below_the_real_environment() {
    let dir = std::env::temp_dir().join(format!("dotenv-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let database = dir.join("from-dotenv.db");
    let dotenv = format!(
        "# settings\nDATABASE_URL=sqlite://{}?mode=rwc\nDIGEST_TIMEZONE=Mars/Olympus_Mons\nMAIL_FROM=\"salarygraph <digest@example.com>\"\n",
        database.display()
    );
    std::fs::write(dir.join(".env"), dotenv).expect("write .env");

    // The real variable wins over the file's bad time zone; the file's database is used.
    let (code, stderr) = run_binary_in(&dir, &[("DIGEST_TIMEZONE", "Europe/Berlin")], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(database.exists(), "DATABASE_URL of .env was not used: {stderr}");

    // Without it, the file's bad value stops start-up as a bad environment variable does.
    let (code, stderr) = run_binary_in(&dir, &[], &["migrate"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("salarygraph: configuration error: DIGEST_TIMEZONE: "), "{stderr}");

    // A line that is not NAME=VALUE is named by its number, without its text.
    std::fs::write(dir.join(".env"), "DEMO_DATA=false\nADMIN_TOKEN=long enough secret token\n").expect("write .env");
    let (code, stderr) = run_binary_in(&dir, &[], &["migrate"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("salarygraph: configuration error: .env: line 2: expected NAME=VALUE"), "{stderr}");
    assert!(!stderr.contains("secret"), "the line's text must not be printed: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_database_stops_start_up_with_a_line_naming_it() {
    let (code, stderr) = run_binary(
        &[("DATABASE_URL", "postgres://postgres:secret@127.0.0.1:1/nowhere"), ("DEMO_DATA", "false")],
        &["migrate"],
    );
    assert_eq!(code, 1, "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("salarygraph: DATABASE_URL: cannot use postgres://postgres:***@127.0.0.1:1/nowhere"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "the password must not be printed: {stderr}");
}

#[test]
fn the_schema_command_prints_the_committed_sdl() {
    let (code, _) = run_binary(&[], &["schema"]);
    assert_eq!(code, 0);
    let output = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test")).arg("schema").output().expect("run");
    let printed = String::from_utf8_lossy(&output.stdout);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).expect("schema.graphql");
    assert_eq!(printed, committed, "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`");
}
