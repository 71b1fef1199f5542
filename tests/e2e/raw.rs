//! Raw postings: classification into postings, rows kept aside, refusals with reasons, the
//! admin's rules, skill dictionary and exchange rates, and `import --raw`.

use std::process::Command;

use salarygraph_tests::{TestApp, error_code};
use serde_json::{Value, json};

use crate::fixtures::create_role;

const INGEST: &str = "mutation($p: [RawPostingInput!]!) { ingestRawPostings(postings: $p) {
    inserted updated unclassified rejected { index externalId reason } } }";
const POSTINGS: &str = "{ postings { totalCount nodes { externalId role { slug } seniority remote metro
    salaryMin salaryMax skills url ruleId closedAt } } }";
const TITLES: &str = "{ unclassifiedTitles { title count } }";

fn raw(id: &str, title: &str, fields: Value) -> Value {
    let mut row =
        json!({ "source": "file", "externalId": id, "title": title, "company": "Gamma", "postedAt": "2026-11-02" });
    if let (Some(row), Some(extra)) = (row.as_object_mut(), fields.as_object()) {
        row.extend(extra.clone());
    }
    row
}

async fn ingest(app: &TestApp, rows: Vec<Value>) -> Value {
    let response = app.gql_as_admin(INGEST, json!({ "p": rows })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["ingestRawPostings"].clone()
}

#[tokio::test]
async fn raw_rows_become_classified_postings_are_kept_aside_or_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    for (slug, title) in
        [("llm-engineer", "LLM Engineer"), ("ai-ml-engineer", "AI/ML Engineer"), ("data-scientist", "Data Scientist")]
    {
        create_role(&app, slug, title).await;
    }
    let rows = vec![
        raw(
            "r0",
            "Senior LLM Engineer",
            json!({ "company": "Acme AI", "location": "Remote - US",
            "description": "<p>Build <b>RAG</b> pipelines with LangChain &amp; PyTorch on AWS.</p>",
            "payText": "$150,000 - $200,000 a year", "url": "https://jobs.example/r0" }),
        ),
        raw(
            "r1",
            "Machine Learning Engineer",
            json!({ "company": "Beta", "location": "Berlin, Germany",
            "description": "5+ years of experience with Python. This is a hybrid role.", "payText": "$75/hr" }),
        ),
        raw("r2", "Office Manager", json!({ "company": "Acme AI" })),
        raw("r3", "LLM Engineer", json!({ "payText": "€90,000 - €110,000" })),
        raw("r4", "AI Engineer", json!({ "payMin": 5000, "payMax": 6000 })),
        raw("r5", "  ", json!({})),
        raw("r6", "AI Engineer", json!({ "url": "ftp://x" })),
        raw("r7", "AI Engineer", json!({ "payMin": 200000, "payMax": 150000 })),
        raw(
            "r8",
            "Junior Data Scientist",
            json!({ "company": "Delta", "remote": true, "payMin": 8000, "payMax": 9000,
            "payPeriod": "MONTH", "description": "SQL and statistics" }),
        ),
        raw("r9", "AI Engineer", json!({ "closedAt": "2026-11-01" })),
    ];
    let report = ingest(&app, rows).await;
    assert_eq!(
        report,
        json!({ "inserted": 3, "updated": 0, "unclassified": 1, "rejected": [
            { "index": 3, "externalId": "r3", "reason": "pay is in EUR, which has no exchange rate: an admin sets one with upsertExchangeRate" },
            { "index": 4, "externalId": "r4", "reason": "pay minimum of $5,000 a year is implausible: expected $10,000 to $2,000,000 a year" },
            { "index": 5, "externalId": "r5", "reason": "title must not be empty" },
            { "index": 6, "externalId": "r6", "reason": "url \"ftp://x\" is not an http(s) address" },
            { "index": 7, "externalId": "r7", "reason": "pay minimum ($200,000 a year) is above its maximum ($150,000 a year)" },
            { "index": 9, "externalId": "r9", "reason": "closedAt (2026-11-01) is before postedAt (2026-11-02)" }
        ] })
    );
    let stored = app.gql(POSTINGS, json!({})).await;
    let nodes = stored["data"]["postings"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 3, "{stored}");
    let view = |n: &Value| {
        json!([
            n["externalId"],
            n["role"]["slug"],
            n["seniority"],
            n["remote"],
            n["metro"],
            n["salaryMin"],
            n["salaryMax"],
            n["skills"],
            n["url"]
        ])
    };
    assert_eq!(
        view(&nodes[0]),
        json!([
            "r0",
            "llm-engineer",
            "SENIOR",
            true,
            null,
            150000,
            200000,
            ["AWS", "LLMs", "LangChain", "PyTorch", "RAG"],
            "https://jobs.example/r0"
        ])
    );
    assert_eq!(
        view(&nodes[1]),
        json!([
            "r1",
            "ai-ml-engineer",
            "SENIOR",
            false,
            "Berlin",
            156000,
            156000,
            ["Machine Learning", "Python"],
            null
        ])
    );
    assert_eq!(
        view(&nodes[2]),
        json!(["r8", "data-scientist", "ENTRY", true, null, 96000, 108000, ["SQL", "Statistics"], null])
    );
    assert!(nodes.iter().all(|n| n["ruleId"].is_string()), "each posting records its rule: {stored}");
    assert_eq!(
        app.gql_as_admin(TITLES, json!({})).await["data"]["unclassifiedTitles"],
        json!([{ "title": "Office Manager", "count": 1 }])
    );

    // Then figures: the raw postings count in the week's snapshot like any other.
    let snapshots = app
        .gql_as_admin(
            r#"mutation { recomputeSnapshots(week: "2026-11-02") { role { slug } openPositions remotePct topSkills { skill } } }"#,
            json!({}),
        )
        .await;
    let llm = snapshots["data"]["recomputeSnapshots"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["role"]["slug"] == "llm-engineer").cloned())
        .unwrap_or_default();
    assert_eq!(llm["openPositions"], 1, "{snapshots}");
    assert_eq!(llm["remotePct"], 100.0);
    assert_eq!(
        llm["topSkills"],
        json!([{ "skill": "AWS" }, { "skill": "LLMs" }, { "skill": "LangChain" }, { "skill": "PyTorch" }, { "skill": "RAG" }]),
        "one posting each: ties by name"
    );
}

#[tokio::test]
async fn an_admin_rule_and_reclassify_turn_titles_kept_aside_into_postings() {
    let app = TestApp::spawn().await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    let rules =
        app.gql_as_admin(r#"{ roleRules(role: "llm-engineer") { kind phrase role { slug } } }"#, json!({})).await;
    let shipped = rules["data"]["roleRules"].as_array().cloned().unwrap_or_default();
    assert!(
        shipped.contains(&json!({ "kind": "MATCH", "phrase": "llm engineer", "role": { "slug": "llm-engineer" } })),
        "{rules}"
    );
    assert!(shipped.contains(&json!({ "kind": "EXCLUDE", "phrase": "manager", "role": { "slug": "llm-engineer" } })));

    let report = ingest(
        &app,
        vec![
            raw("o1", "Office Manager", json!({})),
            raw("o2", "office  manager", json!({})),
            raw("p1", "Prompt Whisperer", json!({})),
        ],
    )
    .await;
    assert_eq!(report["unclassified"], 3);
    assert_eq!(
        app.gql_as_admin(TITLES, json!({})).await["data"]["unclassifiedTitles"],
        json!([{ "title": "Office Manager", "count": 2 }, { "title": "Prompt Whisperer", "count": 1 }])
    );
    let added = app
        .gql_as_admin(r#"mutation { addRoleRule(role: "llm-engineer", kind: MATCH, phrase: "Prompt  Whisperer!") { id kind phrase } }"#, json!({}))
        .await;
    let rule_id = added["data"]["addRoleRule"]["id"].clone();
    assert_eq!(added["data"]["addRoleRule"]["phrase"], "prompt whisperer", "{added}");
    let again = app
        .gql_as_admin("mutation { reclassify { examined classified unclassified rejected { reason } } }", json!({}))
        .await;
    assert_eq!(
        again["data"]["reclassify"],
        json!({ "examined": 3, "classified": 1, "unclassified": 2, "rejected": [] })
    );
    assert_eq!(
        app.gql_as_admin(TITLES, json!({})).await["data"]["unclassifiedTitles"],
        json!([{ "title": "Office Manager", "count": 2 }])
    );
    let stored = app.gql(POSTINGS, json!({})).await;
    assert_eq!(stored["data"]["postings"]["nodes"][0]["ruleId"], rule_id, "{stored}");

    // Deleting the rule keeps the posting in its role, without a rule.
    let deleted = app.gql_as_admin("mutation($id: ID!) { deleteRoleRule(id: $id) }", json!({ "id": rule_id })).await;
    assert_eq!(deleted["data"]["deleteRoleRule"], true, "{deleted}");
    let stored = app.gql(POSTINGS, json!({})).await;
    assert_eq!(stored["data"]["postings"]["nodes"][0]["role"]["slug"], "llm-engineer");
    assert!(stored["data"]["postings"]["nodes"][0]["ruleId"].is_null());

    // A posting whose title no longer matches a role leaves the figures and goes aside, and
    // its skill links with it (on PostgreSQL no foreign key cascades them).
    app.gql_as_admin(
        r#"mutation { addRoleRule(role: "llm-engineer", kind: MATCH, phrase: "prompt whisperer") { id } }"#,
        json!({}),
    )
    .await;
    let report = ingest(&app, vec![raw("p1", "Prompt Whisperer", json!({ "description": "Python and RAG" }))]).await;
    assert_eq!(report["updated"], 1, "{report}");
    let stored = app.gql(POSTINGS, json!({})).await;
    assert_eq!(stored["data"]["postings"]["nodes"][0]["skills"], json!(["Python", "RAG"]), "{stored}");
    assert_eq!(skill_links(&app).await, 2);
    app.gql_as_admin(
        r#"mutation { addRoleRule(role: "llm-engineer", kind: EXCLUDE, phrase: "whisperer") { id } }"#,
        json!({}),
    )
    .await;
    let report = ingest(&app, vec![raw("p1", "Prompt Whisperer", json!({}))]).await;
    assert_eq!(report["unclassified"], 1, "{report}");
    assert_eq!(app.gql(POSTINGS, json!({})).await["data"]["postings"]["totalCount"], 0);
    assert_eq!(skill_links(&app).await, 0, "a link outlived its posting");
}

/// Rows of `posting_skill`, read straight from the database.
async fn skill_links(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let count = Statement::from_string(app.db.get_database_backend(), "SELECT COUNT(*) AS n FROM posting_skill");
    let row = app.db.query_one_raw(count).await.expect("counting links").expect("one row");
    row.try_get("", "n").expect("a count")
}

#[tokio::test]
async fn other_currencies_are_accepted_only_at_a_rate_an_admin_set() {
    let app = TestApp::spawn().await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    let row = raw("e1", "LLM Engineer", json!({ "payMin": 90000, "payMax": 110000, "payCurrency": "eur" }));
    assert_eq!(
        ingest(&app, vec![row.clone()]).await["rejected"][0]["reason"],
        "pay is in EUR, which has no exchange rate: an admin sets one with upsertExchangeRate"
    );
    let set = app
        .gql_as_admin(
            r#"mutation { upsertExchangeRate(currency: "eur", usdPerUnit: 1.1) { currency usdPerUnit } }"#,
            json!({}),
        )
        .await;
    assert_eq!(set["data"]["upsertExchangeRate"], json!({ "currency": "EUR", "usdPerUnit": 1.1 }));
    assert_eq!(ingest(&app, vec![row]).await["inserted"], 1);
    let stored = app.gql(POSTINGS, json!({})).await;
    assert_eq!(
        (
            stored["data"]["postings"]["nodes"][0]["salaryMin"].clone(),
            stored["data"]["postings"]["nodes"][0]["salaryMax"].clone()
        ),
        (json!(99000), json!(121000))
    );
    assert_eq!(
        app.gql_as_admin("{ exchangeRates { currency } }", json!({})).await["data"]["exchangeRates"],
        json!([{ "currency": "EUR" }])
    );

    for (currency, rate, message) in [
        ("EURO", 1.0, "currency \"EURO\" is not an ISO 4217 code such as EUR"),
        ("USD", 1.0, "currency USD is the base: its rate is always 1"),
        ("GBP", 0.0, "usdPerUnit must be above 0 and at most 100000, got 0"),
        ("GBP", -2.0, "usdPerUnit must be above 0 and at most 100000, got -2"),
    ] {
        let response = app
            .gql_as_admin(
                "mutation($c: String!, $r: Float!) { upsertExchangeRate(currency: $c, usdPerUnit: $r) { currency } }",
                json!({ "c": currency, "r": rate }),
            )
            .await;
        assert_eq!(
            (error_code(&response), response["errors"][0]["message"].as_str()),
            (Some("BAD_USER_INPUT"), Some(message))
        );
    }
    let missing = app.gql_as_admin(r#"mutation { deleteExchangeRate(currency: "JPY") }"#, json!({})).await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"));
    assert_eq!(
        app.gql_as_admin(r#"mutation { deleteExchangeRate(currency: "EUR") }"#, json!({})).await["data"]["deleteExchangeRate"],
        true
    );
}

#[tokio::test]
async fn the_shipped_skill_dictionary_is_edited_by_admins() {
    let app = TestApp::spawn().await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    let all = app.gql_as_admin("{ skillDictionary { name aliases } }", json!({})).await;
    let skills = all["data"]["skillDictionary"].as_array().cloned().unwrap_or_default();
    assert!(skills.len() >= 150, "{} skills", skills.len());
    let rag =
        app.gql_as_admin(r#"{ skillDictionary(search: "retrieval-augmented") { name aliases } }"#, json!({})).await;
    assert_eq!(rag["data"]["skillDictionary"][0]["name"], "RAG", "{rag}");

    let mojo = app.gql_as_admin(r#"mutation { upsertDictionarySkill(name: "Mojo", aliases: ["mojo lang", "Mojo  language"]) { name aliases } }"#, json!({})).await;
    assert_eq!(
        mojo["data"]["upsertDictionarySkill"],
        json!({ "name": "Mojo", "aliases": ["mojo lang", "Mojo language"] })
    );
    ingest(&app, vec![raw("m1", "LLM Engineer", json!({ "description": "We write MOJO LANG and Google Cloud." }))])
        .await;
    assert_eq!(
        app.gql(POSTINGS, json!({})).await["data"]["postings"]["nodes"][0]["skills"],
        json!(["GCP", "LLMs", "Mojo"])
    );

    for (name, aliases, message) in [
        ("", json!(["x y"]), "name must be 1–64 characters"),
        ("Torchy", json!([]), "aliases: give 1–50 phrases, got 0"),
        ("Torchy", json!(["t"]), "alias \"t\" must be 2–100 characters (single letters match too much)"),
        ("Torchy", json!(["PyTorch"]), "alias \"pytorch\" already names the skill \"PyTorch\""),
    ] {
        let response = app
            .gql_as_admin(
                "mutation($n: String!, $a: [String!]!) { upsertDictionarySkill(name: $n, aliases: $a) { name } }",
                json!({ "n": name, "a": aliases }),
            )
            .await;
        assert_eq!(
            (error_code(&response), response["errors"][0]["message"].as_str()),
            (Some("BAD_USER_INPUT"), Some(message)),
            "{response}"
        );
    }
    let gone = app.gql_as_admin(r#"mutation { deleteDictionarySkill(name: "mojo") }"#, json!({})).await;
    assert_eq!(gone["data"]["deleteDictionarySkill"], true);
    let again = app.gql_as_admin(r#"mutation { deleteDictionarySkill(name: "mojo") }"#, json!({})).await;
    assert_eq!(error_code(&again), Some("NOT_FOUND"));
}

#[tokio::test]
async fn wrong_values_for_rules_and_raw_ingest_are_refused_by_name() {
    let app = TestApp::spawn().await;
    create_role(&app, "custom-role", "Custom").await;
    let cases = [
        (
            r#"mutation { addRoleRule(role: "ghost", kind: MATCH, phrase: "x") { id } }"#,
            "NOT_FOUND",
            "no role has the slug \"ghost\"",
        ),
        (
            r#"mutation { addRoleRule(role: "custom-role", kind: MATCH, phrase: "!!!") { id } }"#,
            "BAD_USER_INPUT",
            "phrase \"!!!\" has no letters or digits",
        ),
        (r#"mutation { deleteRoleRule(id: "abc") }"#, "BAD_USER_INPUT", "id: \"abc\" is not a rule id"),
        (r#"mutation { deleteRoleRule(id: "999999") }"#, "NOT_FOUND", "no rule has the id 999999"),
        (
            r#"mutation { resetRoleRules(role: "custom-role") { id } }"#,
            "BAD_USER_INPUT",
            "role \"custom-role\" has no shipped rules: only ai-ml-engineer, ai-architect, llm-engineer, data-scientist, mlops-engineer, nlp-engineer, computer-vision-engineer, ai-research-scientist do",
        ),
        ("{ unclassifiedTitles(first: 0) { title } }", "BAD_USER_INPUT", "first must be from 1 to 1000, got 0"),
        (r#"{ roleRules(role: "ghost") { id } }"#, "NOT_FOUND", "no role has the slug \"ghost\""),
    ];
    for (query, code, message) in cases {
        let response = app.gql_as_admin(query, json!({})).await;
        assert_eq!(
            (error_code(&response), response["errors"][0]["message"].as_str()),
            (Some(code), Some(message)),
            "{query}"
        );
    }
    let once = app
        .gql_as_admin(
            r#"mutation { addRoleRule(role: "custom-role", kind: MATCH, phrase: "Widget Engineer") { id } }"#,
            json!({}),
        )
        .await;
    assert!(once["errors"].is_null(), "{once}");
    let twice = app
        .gql_as_admin(
            r#"mutation { addRoleRule(role: "custom-role", kind: MATCH, phrase: "widget engineer") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(twice["errors"][0]["message"], "role \"custom-role\" already has the MATCH phrase \"widget engineer\"");

    let too_many: Vec<Value> = (0..10_001).map(|i| raw(&format!("x{i}"), "T", json!({}))).collect();
    let response = app.gql_as_admin(INGEST, json!({ "p": too_many })).await;
    assert_eq!(response["errors"][0]["message"], "postings: at most 10000 a call, got 10001: split the list");
    let wrong_type = app.gql_as_admin(INGEST, json!({ "p": [raw("w", "T", json!({ "payMin": "lots" }))] })).await;
    assert!(wrong_type["errors"][0]["message"].as_str().is_some_and(|m| m.contains("Float")), "{wrong_type}");
    let not_admin = app.gql(TITLES, json!({})).await;
    assert_eq!(error_code(&not_admin), Some("UNAUTHORIZED"));
    let not_admin = app.gql(INGEST, json!({ "p": [] })).await;
    assert_eq!(error_code(&not_admin), Some("UNAUTHORIZED"));
}

/// Runs `import --raw`: its exit status (0 all stored, 3 rows refused, 1 could not run) and
/// what it printed.
fn import_raw(app: &TestApp, file: &std::path::Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test"))
        .args(["import", "--raw"])
        .arg(file)
        .env("DATABASE_URL", &app.database.url)
        .env("DEMO_DATA", "false")
        .output()
        .expect("run import --raw");
    (
        output.status.code(),
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
    )
}

#[tokio::test]
async fn import_raw_reads_csv_and_json_lines() {
    let app = TestApp::spawn().await;
    create_role(&app, "ai-ml-engineer", "AI/ML Engineer").await;
    let dir = std::env::temp_dir().join(format!("import-raw-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("raw.csv");
    std::fs::write(
        &csv,
        "source,externalId,title,company,location,description,payText,payMin,remote,postedAt\n\
         careers,c1,Sr. ML Engineer,Acme,\"New York, NY\",\"Python, Kubernetes\",\"$180K-$220K\",,,2026-11-02\n\
         careers,c2,Barista,Acme,Paris,,,,,2026-11-02\n\
         careers,c3,AI Engineer,Acme,Paris,,,abc,,2026-11-02\n\
         careers,c4,AI Engineer,Acme,Paris,,\"£50,000\",,maybe,2026-11-02\n",
    )
    .expect("write csv");
    let (status, out) = import_raw(&app, &csv);
    assert_eq!(status, Some(3), "rows were refused, the rest stored: {out}");
    assert!(out.contains("1 inserted, 0 updated, 1 unclassified, 2 rejected"), "{out}");
    assert!(out.contains("line 4: payMin: \"abc\" is not a number"), "{out}");
    assert!(out.contains("line 5: remote: \"maybe\" is not true or false"), "{out}");

    let jsonl = dir.join("raw.jsonl");
    let row = json!({ "source": "careers", "externalId": "j1", "title": "Machine Learning Engineer", "company": "Beta", "payText": "£50,000" });
    std::fs::write(&jsonl, format!("{}\n{{\"title\": 3}}\n", row)).expect("write jsonl");
    let (status, out) = import_raw(&app, &jsonl);
    assert_eq!(status, Some(3), "{out}");
    assert!(out.contains("0 inserted, 0 updated, 0 unclassified, 2 rejected"), "{out}");
    assert!(out.contains("line 1 (j1): pay is in GBP, which has no exchange rate"), "{out}");
    let stored = app.gql(POSTINGS, json!({})).await;
    let node = &stored["data"]["postings"]["nodes"][0];
    assert_eq!(
        json!([
            node["externalId"],
            node["seniority"],
            node["metro"],
            node["salaryMin"],
            node["salaryMax"],
            node["skills"]
        ]),
        json!(["c1", "SENIOR", "New York", 180000, 220000, ["Kubernetes", "Python"]])
    );
    let bad_header = dir.join("bad.csv");
    std::fs::write(&bad_header, "source,title\nx,y\n").expect("write");
    let (status, out) = import_raw(&app, &bad_header);
    assert_eq!(status, Some(1), "could not run: {out}");
    assert!(out.contains("CSV header lacks the columns: externalId, company"), "{out}");
}

/// A row kept aside whose stored raw posting does not decode stops `reclassify` with an
/// error, rather than being classified without its description and pay.
#[tokio::test]
async fn a_corrupt_row_kept_aside_is_an_error_not_a_posting_without_its_details() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    create_role(&app, "llm-engineer", "LLM Engineer").await;
    let report = ingest(&app, vec![raw("p1", "Prompt Whisperer", json!({}))]).await;
    assert_eq!(report["unclassified"], 1, "{report}");
    app.db.execute_unprepared("UPDATE unclassified_posting SET raw = '{\"corrupt\": true}'").await.expect("corrupt");
    let again = app.gql_as_admin("mutation { reclassify { examined classified } }", json!({})).await;
    assert_eq!(error_code(&again), Some("INTERNAL"), "{again}");
    assert_eq!(app.gql(POSTINGS, json!({})).await["data"]["postings"]["nodes"], json!([]));
}
