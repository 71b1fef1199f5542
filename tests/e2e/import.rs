//! The `import` command as a user runs it: the real binary on files, its exit status, what it
//! prints, and the rejects file.

use std::path::{Path, PathBuf};
use std::process::Command;

use salarygraph_tests::TestApp;
use serde_json::json;

use crate::fixtures;

/// What one run of `salarygraph import` did.
struct Run {
    /// The exit status (`None`: killed by a signal).
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn import(app: &TestApp, file: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"))
        .arg("import")
        .arg(file)
        .args(args)
        .env("DATABASE_URL", &app.database.url)
        .env("DEMO_DATA", "false")
        .output()
        .expect("run import");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

const HEADER: &str = "source,externalId,role,title,company,metro,remote,seniority,salaryMin,salaryMax,currency,salaryPeriod,skills,postedAt,closedAt\n";

/// Exit status when every row was stored, and when some were refused.
const STORED_ALL: Option<i32> = Some(0);
const REFUSED_SOME: Option<i32> = Some(3);
const FAILED: Option<i32> = Some(1);

#[tokio::test]
async fn import_reads_csv_and_json_lines_and_lists_rejected_lines() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let dir = scratch_dir();
    let csv = dir.join("postings.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
             board,c1,llm-engineer,LLM Engineer,Acme,Berlin,true,SENIOR,150000,190000,USD,YEAR,RAG;Python,2026-11-02,\n\
             board,c2,llm-engineer,LLM Engineer,Acme,,maybe,MID,,,,,,2026-11-02,\n\
             board,c3,llm-engineer,LLM Engineer,Beta,Paris,false,MID,90,110,USD,HOUR,Rust,2026-11-03,2026-11-30\n\
             board,c4,ghost,LLM Engineer,Beta,Paris,false,MID,,,,,,2026-11-03,\n\
             board,c5,llm-engineer,LLM Engineer,Beta,Paris,false,MID,abc,,,,,2026-11-03,\n"
        ),
    )
    .expect("write csv");
    let run = import(&app, &csv, &[]);
    let out = run.both();
    assert_eq!(run.code, REFUSED_SOME, "{out}");
    assert!(run.stdout.contains("2 inserted, 0 updated, 3 rejected"), "{out}");
    assert!(out.contains("line 3: remote: \"maybe\" is not true or false"), "{out}");
    assert!(out.contains("line 5 (c4): unknown role \"ghost\""), "{out}");
    assert!(out.contains("line 6: salaryMin: \"abc\" is not a whole number"), "{out}");

    let jsonl = dir.join("postings.jsonl");
    let good = json!({ "source": "board", "externalId": "c1", "role": "llm-engineer", "title": "Updated", "company": "Acme",
        "remote": true, "seniority": "SENIOR", "skills": ["RAG"], "postedAt": "2026-11-02" });
    std::fs::write(&jsonl, format!("{good}\n{{\"source\": 1}}\n\n{}\n", json!({ "source": "board", "externalId": "j2", "role": "llm-engineer",
        "title": "T", "company": "C", "remote": false, "seniority": "MID", "postedAt": "2026-11-02", "closedAt": "2026-11-01" })))
        .expect("write jsonl");
    let run = import(&app, &jsonl, &[]);
    let out = run.both();
    assert_eq!(run.code, REFUSED_SOME, "{out}");
    assert!(out.contains("0 inserted, 1 updated, 2 rejected"), "{out}");
    assert!(out.contains("line 2: source: invalid type: integer `1`, expected a string"), "{out}");
    assert!(out.contains("line 4 (j2): closedAt (2026-11-01) is before postedAt (2026-11-02)"), "{out}");
    let stored =
        app.gql(r#"{ postings { totalCount nodes { externalId title salaryMin salaryMax } } }"#, json!({})).await;
    assert_eq!(
        stored["data"]["postings"],
        json!({ "totalCount": 2, "nodes": [
            { "externalId": "c1", "title": "Updated", "salaryMin": null, "salaryMax": null },
            { "externalId": "c3", "title": "LLM Engineer", "salaryMin": 187200, "salaryMax": 228800 }
        ] })
    );

    let run = import(&app, &dir.join("missing.csv"), &[]);
    assert_eq!(run.code, FAILED, "{}", run.both());
    assert!(run.stderr.contains("missing.csv: No such file"), "{}", run.both());
    let bad_header = dir.join("bad.csv");
    std::fs::write(&bad_header, "source,externalId\nx,y\n").expect("write");
    let run = import(&app, &bad_header, &[]);
    assert_eq!(run.code, FAILED, "{}", run.both());
    assert!(
        run.stderr.contains("CSV header lacks the columns: role, title, company, remote, seniority, postedAt"),
        "{}",
        run.both()
    );
}

#[tokio::test]
async fn refused_rows_make_the_exit_status_3_with_the_first_20_shown_and_a_count_by_reason() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let dir = scratch_dir();
    let file = dir.join("mostly-unknown.csv");
    let mut rows = String::from(HEADER);
    for i in 0..30 {
        let role = if i % 6 == 5 { "llm-engineer" } else { "ai-engineer" };
        rows.push_str(&format!("board,r{i},{role},Engineer,Acme,,false,MID,,,,,,2026-11-02,\n"));
    }
    // A quoted field over two lines: the rows after it keep the file's own line numbers.
    rows.push_str("board,r30,ghost,\"Lead\nEngineer\",Acme,,false,MID,,,,,,2026-11-02,\n");
    rows.push_str("board,r31,llm-engineer,Engineer,Acme,,false,MID,-5,,,,,2026-11-02,\n");
    std::fs::write(&file, rows).expect("write");

    let run = import(&app, &file, &[]);
    assert_eq!(run.code, REFUSED_SOME, "{}", run.both());
    assert!(run.stdout.contains("5 inserted, 0 updated, 27 rejected"), "{}", run.both());
    let shown: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("  line ")).collect();
    assert_eq!(shown.len(), 20, "{}", run.stderr);
    assert_eq!(shown[0], "  line 2 (r0): unknown role \"ai-engineer\"");
    assert_eq!(
        shown[19], "  line 24 (r22): unknown role \"ai-engineer\"",
        "the header is line 1; r5, r11, r17 are valid"
    );
    assert!(run.stderr.contains("  … and 7 more: --rejects FILE lists every one"), "{}", run.stderr);
    assert!(
        run.stderr.contains("refused rows by reason:\n         25  unknown role \"ai-engineer\"\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("          1  salaryMin must be positive, got -5"), "{}", run.stderr);
    assert!(!run.stdout.contains("unknown role"), "refused rows go to stderr, not stdout: {}", run.stdout);

    let rejects = dir.join("rejects.csv");
    let run = import(&app, &file, &["--rejects", rejects.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, REFUSED_SOME, "{}", run.both());
    assert!(run.stdout.contains("0 inserted, 5 updated, 27 rejected"), "{}", run.both());
    assert!(run.stderr.contains(&format!("every refused row is in {}", rejects.display())), "{}", run.stderr);
    let written = std::fs::read_to_string(&rejects).expect("rejects file");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 1 + 27, "{written}");
    assert_eq!(lines[0], "line,externalId,reason");
    assert_eq!(lines[1], "2,r0,\"unknown role \"\"ai-engineer\"\"\"");
    assert_eq!(lines[26], "32,r30,\"unknown role \"\"ghost\"\"\"", "the row starts on line 32");
    assert_eq!(lines[27], "34,r31,\"salaryMin must be positive, got -5\"", "after the two-line row, line 34");
}

#[tokio::test]
async fn an_import_with_no_refused_row_exits_0_and_an_unwritable_rejects_file_stops_it() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let dir = scratch_dir();
    let file = dir.join("good.csv");
    std::fs::write(&file, format!("{HEADER}board,g1,llm-engineer,Engineer,Acme,,false,MID,,,,,,2026-11-02,\n"))
        .expect("write");
    let run = import(&app, &file, &[]);
    assert_eq!(run.code, STORED_ALL, "{}", run.both());
    assert!(run.stdout.contains("1 inserted, 0 updated, 0 rejected"), "{}", run.both());
    assert_eq!(run.stderr.trim(), "", "nothing to report");

    let nowhere = dir.join("no-such-dir").join("rejects.csv");
    let run = import(&app, &file, &["--rejects", nowhere.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, FAILED, "{}", run.both());
    assert!(run.stderr.contains("--rejects"), "{}", run.stderr);
    assert!(run.stderr.contains("rejects.csv"), "{}", run.stderr);
}
