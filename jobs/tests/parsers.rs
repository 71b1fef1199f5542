//! Property tests of the parsers of outside input in `jobs`: addresses, weeks, the rows of
//! an import (CSV and JSON Lines) and the signed links of emails. Whatever the input: no
//! panic, and a refusal says what is wrong.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use jobs::Week;
use jobs::file_import::{Format, ImportError, ImportSummary, RejectionLog, import_file};
use jobs::subscriptions::SubscriberEmail;
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_is_an_address_or_a_reason_that_names_the_email(input in "\\PC{0,80}|[a-zA-Z0-9.+_@ -]{0,40}") {
        match SubscriberEmail::parse(&input) {
            Ok(email) => {
                // What was accepted is accepted again unchanged, and fits in SMTP.
                prop_assert_eq!(SubscriberEmail::parse(email.as_str()), Ok(email.clone()));
                prop_assert!(email.as_str().len() <= jobs::subscriptions::MAX_EMAIL_LEN);
                prop_assert!(!email.as_str().contains(['\r', '\n', ' ']));
            }
            Err(reason) => prop_assert!(reason.contains("email"), "{reason}"),
        }
    }

    #[test]
    fn addresses_differing_in_case_are_one_identity(local in "[a-zA-Z0-9]{1,20}", domain in "[a-zA-Z]{1,10}\\.[a-zA-Z]{2,5}") {
        let typed = SubscriberEmail::parse(&format!("{local}@{domain}")).expect("valid");
        let upper = SubscriberEmail::parse(&format!("{}@{}", local.to_uppercase(), domain.to_uppercase())).expect("valid");
        prop_assert_eq!(typed.identity(), upper.identity());
        prop_assert_eq!(typed.as_str().split('@').next(), Some(local.as_str()), "kept as typed for sending");
    }

    #[test]
    fn only_mondays_name_weeks(days in -1_000_000i32..1_000_000) {
        let date = NaiveDate::from_num_days_from_ce_opt(730_000 + days).expect("a date");
        match Week::from_monday(date) {
            Ok(week) => prop_assert_eq!(week.monday(), date),
            Err(error) => {
                prop_assert!(date.weekday() != Weekday::Mon);
                prop_assert_eq!(error.monday.weekday(), Weekday::Mon);
                prop_assert!(error.to_string().contains("not a Monday"));
            }
        }
    }

    #[test]
    fn any_text_is_a_signed_link_or_nothing(token in "[A-Za-z0-9_-]{0,60}|\\PC{0,60}") {
        if let Some((claims, _)) = jobs::signed_links::decode(&token) {
            prop_assert_eq!(token.len(), jobs::signed_links::TOKEN_LEN);
            prop_assert!(claims.issued_at.timestamp() >= 0);
        }
    }
}

/// A field of a posting row: usually well-formed, sometimes not.
fn field(valid: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(valid).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
        1 => "[0-9,;\" \\n-]{0,8}",
    ]
}

fn csv_row() -> impl Strategy<Value = Vec<String>> {
    (
        field(&["board", "site"]),
        field(&["ml", "ml", "nope"]),
        field(&["ML Engineer", ""]),
        field(&["Acme"]),
        field(&["true", "false", "yes", "maybe"]),
        field(&["SENIOR", "MID", "entry", "junior"]),
        field(&["120000", "-5", "1e9", "99999999999"]),
        field(&["150000", "", "abc"]),
        field(&["2026-11-02", "2026-02-30", "11/02/2026"]),
        field(&["Rust;Python", ";;", ""]),
    )
        .prop_map(|(source, role, title, company, remote, seniority, min, max, posted, skills)| {
            vec![source, role, title, company, remote, seniority, min, max, posted, skills]
        })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::json!(["Rust", 1])),
        Just(serde_json::json!({})),
    ]
}

fn json_row() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    let valid = serde_json::json!({
        "source": "board", "role": "ml", "title": "ML Engineer", "company": "Acme", "remote": true,
        "seniority": "SENIOR", "salaryMin": 120000, "salaryMax": 150000, "postedAt": "2026-11-02",
        "skills": ["Rust"]
    });
    let serde_json::Value::Object(valid) = valid else { unreachable!("an object") };
    let names: Vec<String> = valid.keys().cloned().collect();
    (proptest::collection::vec((proptest::sample::select(names), json_value()), 0..4), any::<bool>()).prop_map(
        move |(changes, drop_one)| {
            let mut row = valid.clone();
            for (name, value) in changes {
                if drop_one {
                    row.remove(&name);
                } else {
                    row.insert(name, value);
                }
            }
            row
        },
    )
}

const HEADER: [&str; 11] = [
    "externalId",
    "source",
    "role",
    "title",
    "company",
    "remote",
    "seniority",
    "salaryMin",
    "salaryMax",
    "postedAt",
    "skills",
];

/// A fresh migrated database with the role `ml`, shared by the cases of one property: a
/// SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` points at a server.
fn database(runtime: &tokio::runtime::Runtime) -> DatabaseConnection {
    runtime.block_on(async {
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let name = format!("t_parsers_{}", uuid_like().replace('-', "_"));
                let admin = Database::connect(&base).await.expect("connect to TEST_DATABASE_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
                admin.close().await.ok();
                let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends in /DATABASE");
                format!("{server}/{name}")
            }
            _ => {
                let path = std::env::temp_dir().join(format!("jobs-parsers-{}.db", uuid_like()));
                format!("sqlite://{}?mode=rwc", path.display())
            }
        };
        let db = Database::connect(url).await.expect("connect");
        <migration::Migrator as migration::MigratorTrait>::up(&db, None).await.expect("migrate");
        let now = Utc::now();
        entity::role::ActiveModel {
            slug: Set("ml".into()),
            title: Set("ML Engineer".into()),
            career_path: Set(Default::default()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("role");
        db
    })
}

fn uuid_like() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    )
}

fn write_file(extension: &str, bytes: &[u8]) -> tempfile_path::TempPath {
    let path = std::env::temp_dir().join(format!("jobs-parsers-{}.{extension}", uuid_like()));
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(bytes).expect("write");
    tempfile_path::TempPath(path)
}

/// A file removed when the case ends.
mod tempfile_path {
    pub struct TempPath(pub std::path::PathBuf);

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// Every row is stored or refused, and every refusal has a line and a reason (the log shows
/// the first [`RejectionLog::SHOWN`] refusals, more than these tests' rows).
fn accounted_for(
    summary: &ImportSummary,
    log: &RejectionLog,
    rows: usize,
    first_line: usize,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(summary.inserted + summary.updated + summary.rejected, rows, "{:?}", summary);
    prop_assert_eq!(log.total(), summary.rejected);
    for rejection in log.first() {
        prop_assert!(rejection.index >= first_line, "{:?}", rejection);
        prop_assert!(!rejection.reason.trim().is_empty(), "{:?}", rejection);
    }
    Ok(())
}

static ROW_ID: AtomicUsize = AtomicUsize::new(0);

#[test]
fn csv_rows_are_stored_or_refused_with_a_reason() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = database(&runtime);
    proptest!(ProptestConfig::with_cases(48), |(rows in proptest::collection::vec(csv_row(), 1..12))| {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(HEADER).expect("header");
        for row in &rows {
            let id = format!("csv-{}", ROW_ID.fetch_add(1, Ordering::SeqCst));
            writer.write_record(std::iter::once(id.as_str()).chain(row.iter().map(String::as_str))).expect("row");
        }
        let file = write_file("csv", &writer.into_inner().expect("bytes"));
        let mut log = RejectionLog::new(None).expect("log");
        let summary =
            runtime.block_on(import_file(&db, &file.0, Format::Csv, Utc::now(), &mut log, |_| {})).expect("imports");
        accounted_for(&summary, &log, rows.len(), 2)?;
    });
}

#[test]
fn json_lines_are_stored_or_refused_with_a_reason() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = database(&runtime);
    proptest!(ProptestConfig::with_cases(48), |(rows in proptest::collection::vec(json_row(), 1..12))| {
        let mut lines = String::new();
        for mut row in rows.clone() {
            row.insert("externalId".into(), format!("json-{}", ROW_ID.fetch_add(1, Ordering::SeqCst)).into());
            lines.push_str(&serde_json::Value::Object(row).to_string());
            lines.push('\n');
        }
        let file = write_file("jsonl", lines.as_bytes());
        let mut log = RejectionLog::new(None).expect("log");
        let summary = runtime
            .block_on(import_file(&db, &file.0, Format::JsonLines, Utc::now(), &mut log, |_| {}))
            .expect("imports");
        accounted_for(&summary, &log, rows.len(), 1)?;
    });
}

#[test]
fn any_bytes_import_or_fail_with_a_named_error() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = database(&runtime);
    proptest!(ProptestConfig::with_cases(64), |(bytes in proptest::collection::vec(any::<u8>(), 0..600), csv in any::<bool>())| {
        let (extension, format) = if csv { ("csv", Format::Csv) } else { ("jsonl", Format::JsonLines) };
        let file = write_file(extension, &bytes);
        let mut log = RejectionLog::new(None).expect("log");
        match runtime.block_on(import_file(&db, &file.0, format, Utc::now(), &mut log, |_| {})) {
            Ok(_) => {
                for rejection in log.first() {
                    prop_assert!(!rejection.reason.trim().is_empty(), "{:?}", rejection);
                }
            }
            Err(ImportError::Header(message)) => prop_assert!(csv && message.contains("header"), "{message}"),
            Err(other) => prop_assert!(false, "unexpected failure: {other}"),
        }
    });
}
