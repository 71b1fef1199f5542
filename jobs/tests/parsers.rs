//! Property tests of the parsers of outside input in `jobs`: addresses, weeks, the rows of
//! an import (CSV and JSON Lines) and the signed links of emails. Whatever the input: no
//! panic, and a refusal says what is wrong; the same rows in CSV and in JSON Lines are stored
//! or refused alike.

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

/// How a column of a posting row is written in JSON: text as a string; a field that takes
/// anything else as the JSON literal the cell writes (`true`, `12`, `1e9`), else as a string;
/// `skills` as a list; an empty cell of an optional field as no field at all.
#[derive(Debug, Clone, Copy)]
enum Column {
    Text,
    OptionalText,
    Typed,
    OptionalTyped,
    List,
}

/// Longer than a metro (200 characters) or a skill (64) may be.
const TOO_LONG: &str = "long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long ";

/// A cell: mostly a valid value, sometimes a wrong one, now and then any text.
fn cell(valid: &'static [&'static str], wrong: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        40 => proptest::sample::select(valid).prop_map(str::to_owned),
        2 => proptest::sample::select(wrong).prop_map(str::to_owned),
        1 => "\\PC{0,12}|[0-9a-z.,;\" \\n-]{0,8}",
    ]
    .boxed()
}

/// The columns of the rows written in both formats (with `externalId` first), each with its
/// valid values and wrong ones.
fn same_columns() -> Vec<(&'static str, Column, BoxedStrategy<String>)> {
    use Column::*;
    vec![
        ("source", Text, cell(&["board", "site"], &[""])),
        ("role", Text, cell(&["ml"], &["nope", "ML"])),
        ("title", Text, cell(&["ML Engineer", " 2026 ", "true"], &["", " "])),
        ("company", Text, cell(&["Acme", "12"], &[""])),
        ("metro", OptionalText, cell(&["Berlin", ""], &[TOO_LONG])),
        ("remote", Typed, cell(&["true", "false", " true "], &["yes", "1", "True", ""])),
        ("seniority", Typed, cell(&["SENIOR", "MID", " ENTRY "], &["senior", "5", "", "Mid"])),
        (
            "salaryMin",
            OptionalTyped,
            cell(&["120000", "", "90000"], &["-5", "1e9", "12.5", "abc", "-0", "99999999999999999999"]),
        ),
        ("salaryMax", OptionalTyped, cell(&["150000", ""], &["abc", "true", "100"])),
        ("currency", OptionalText, cell(&["USD", "usd", ""], &["EUR"])),
        ("salaryPeriod", OptionalTyped, cell(&["YEAR", "MONTH", ""], &["year", "WEEK"])),
        ("skills", List, cell(&["Rust;Python", " Rust ; ;rust", ";;", ""], &[TOO_LONG])),
        ("postedAt", Typed, cell(&["2026-11-02"], &["2026-02-30", "11/02/2026", "20261102", ""])),
        ("closedAt", OptionalTyped, cell(&["", "2026-11-30"], &["2026-11-01", "x"])),
    ]
}

/// The JSON of one cell, as [`Column`] says (a CSV cell is trimmed).
fn json_of(column: Column, cell: &str) -> Option<serde_json::Value> {
    let cell = cell.trim();
    match column {
        Column::OptionalText | Column::OptionalTyped if cell.is_empty() => None,
        Column::Text | Column::OptionalText => Some(cell.into()),
        Column::Typed | Column::OptionalTyped => Some(match serde_json::from_str(cell) {
            Ok(literal @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_))) => literal,
            _ => cell.into(),
        }),
        Column::List => Some(cell.split(';').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().into()),
    }
}

/// A file of rows in one format, and the line each row starts on (a CSV cell may hold a
/// line break).
struct RowsFile {
    path: tempfile_path::TempPath,
    format: Format,
    lines: Vec<usize>,
    /// What the external ids of its rows start with; the row's position follows.
    prefix: String,
}

/// The rows as a CSV file and as a JSON Lines file, with external ids `{prefix}csv-{i}` and
/// `{prefix}json-{i}`.
fn both_files(names: &[&str], columns: &[Column], rows: &[Vec<String>], prefix: &str) -> [RowsFile; 2] {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(std::iter::once("externalId").chain(names.iter().copied())).expect("header");
    let mut lines = String::new();
    for (i, row) in rows.iter().enumerate() {
        let id = format!("{prefix}csv-{i}");
        csv.write_record(std::iter::once(id.as_str()).chain(row.iter().map(String::as_str))).expect("row");
        // Written by hand to keep the columns' order: each format names the first field at
        // fault in the order the row writes them.
        let mut fields = vec![format!("\"externalId\":\"{prefix}json-{i}\"")];
        for ((name, column), cell) in names.iter().zip(columns).zip(row) {
            if let Some(value) = json_of(*column, cell) {
                fields.push(format!("{}:{value}", serde_json::Value::from(*name)));
            }
        }
        lines.push_str(&format!("{{{}}}\n", fields.join(",")));
    }
    let csv = csv.into_inner().expect("bytes");
    let csv_lines = csv::Reader::from_reader(csv.as_slice())
        .records()
        .map(|r| r.expect("a record").position().map_or(0, |p| p.line() as usize))
        .collect();
    [
        RowsFile {
            path: write_file("csv", &csv),
            format: Format::Csv,
            lines: csv_lines,
            prefix: format!("{prefix}csv-"),
        },
        RowsFile {
            path: write_file("jsonl", lines.as_bytes()),
            format: Format::JsonLines,
            lines: (1..=rows.len()).collect(),
            prefix: format!("{prefix}json-"),
        },
    ]
}

/// What an import of `rows` did, the same in both formats: each refused row by its position
/// with its reason, and each stored posting by its position as stored.
type Outcome = (Vec<(usize, String)>, Vec<(usize, String)>);

fn outcome(runtime: &tokio::runtime::Runtime, db: &DatabaseConnection, file: &RowsFile) -> Outcome {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut log = RejectionLog::new(None).expect("log");
    runtime.block_on(import_file(db, &file.path.0, file.format, Utc::now(), &mut log, |_| {})).expect("imports");
    let position = |line: usize| file.lines.iter().position(|l| *l == line).expect("a row's line");
    let refused = log.first().iter().map(|r| (position(r.index), r.reason.clone())).collect();
    let stored = runtime
        .block_on(
            entity::posting::Entity::find()
                .filter(entity::posting::Column::ExternalId.starts_with(&file.prefix))
                .all(db),
        )
        .expect("postings");
    let mut stored: Vec<(usize, String)> = stored
        .into_iter()
        .map(|p| {
            let position = p.external_id[file.prefix.len()..].parse().expect("position");
            let kept = (p.source, p.role_id, p.title, p.company, p.metro, p.remote, p.seniority, p.salary_min);
            let more = (p.salary_max, p.skill_ids, p.posted_at, p.closed_at, p.url);
            (position, format!("{kept:?} {more:?}"))
        })
        .collect();
    stored.sort();
    (refused, stored)
}

#[test]
fn csv_and_json_lines_accept_the_same_values_and_refuse_the_rest_alike() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = database(&runtime);
    let columns = same_columns();
    let names: Vec<&str> = columns.iter().map(|(name, _, _)| *name).collect();
    let kinds: Vec<Column> = columns.iter().map(|(_, kind, _)| *kind).collect();
    let row: Vec<BoxedStrategy<String>> = columns.into_iter().map(|(_, _, values)| values).collect();
    proptest!(ProptestConfig::with_cases(64), |(rows in proptest::collection::vec(row, 1..12))| {
        let case = format!("same-{}-", ROW_ID.fetch_add(1, Ordering::SeqCst));
        let [csv, json] = both_files(&names, &kinds, &rows, &case);
        let from_csv = outcome(&runtime, &db, &csv);
        let from_json = outcome(&runtime, &db, &json);
        prop_assert_eq!(&from_csv, &from_json);
        prop_assert_eq!(from_csv.0.len() + from_csv.1.len(), rows.len());
    });
}

#[test]
fn wrong_values_are_refused_alike_in_both_formats_naming_the_field_and_the_valid_rows_are_kept() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = database(&runtime);
    let names = [
        "source",
        "role",
        "title",
        "company",
        "remote",
        "seniority",
        "salaryMin",
        "salaryPeriod",
        "postedAt",
        "skills",
    ];
    let kinds = [
        Column::Text,
        Column::Text,
        Column::Text,
        Column::Text,
        Column::Typed,
        Column::Typed,
        Column::OptionalTyped,
        Column::OptionalTyped,
        Column::Typed,
        Column::List,
    ];
    let valid = ["board", "ml", "ML Engineer", "Acme", "true", "MID", "120000", "YEAR", "2026-11-02", "Rust;SQL"];
    let wrong: [(usize, &str, &str); 8] = [
        (5, "senior", "seniority: \"senior\" is not ENTRY, MID or SENIOR"),
        (4, "yes", "remote: \"yes\" is not true or false"),
        (4, "1", "remote: 1 is not true or false"),
        (6, "12.5", "salaryMin: 12.5 is not a whole number"),
        (6, "abc", "salaryMin: \"abc\" is not a whole number"),
        (7, "year", "salaryPeriod: \"year\" is not YEAR, MONTH or HOUR"),
        (8, "11/02/2026", "postedAt: \"11/02/2026\" is not a date (YYYY-MM-DD)"),
        (8, "", "postedAt: \"\" is not a date (YYYY-MM-DD)"),
    ];
    let mut rows = vec![valid.map(str::to_owned).to_vec()];
    for (column, value, _) in wrong {
        let mut row = valid.map(str::to_owned).to_vec();
        row[column] = value.to_owned();
        rows.push(row);
        rows.push(valid.map(str::to_owned).to_vec());
    }
    for file in both_files(&names, &kinds, &rows, "wrong-") {
        let (refused, stored) = outcome(&runtime, &db, &file);
        let format = file.format;
        let expected: Vec<(usize, String)> =
            wrong.iter().enumerate().map(|(i, (_, _, reason))| (2 * i + 1, (*reason).to_owned())).collect();
        assert_eq!(refused, expected, "{format:?}");
        let kept: Vec<usize> = stored.iter().map(|(position, _)| *position).collect();
        assert_eq!(kept, (0..rows.len()).step_by(2).collect::<Vec<_>>(), "{format:?}");
    }
}
