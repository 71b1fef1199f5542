//! Every figure of docs/figures.md against values worked out by hand, through the API.

use proptest::prelude::*;
use salarygraph_tests::{TestApp, error_code};
use serde_json::json;

use crate::fixtures::{self, SNAPSHOT_FIELDS, WEEK};

async fn recompute(app: &TestApp, week: &str, force: bool) -> serde_json::Value {
    app.gql_as_admin(
        "mutation($w: Date, $f: Boolean) { recomputeSnapshots(week: $w, force: $f) { role { slug } source openPositions medianSalary } }",
        json!({ "w": week, "f": force }),
    )
    .await
}

#[tokio::test]
async fn snapshot_figures_match_the_hand_computed_values() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let recomputed = recompute(&app, WEEK, false).await;
    assert_eq!(recomputed["data"]["recomputeSnapshots"].as_array().map(Vec::len), Some(2), "{recomputed}");
    let query = format!(r#"{{ role(slug: "test-role") {{ snapshot(week: "{WEEK}") {{ {SNAPSHOT_FIELDS} }} }} }}"#);
    let response = app.gql(&query, json!({})).await;
    assert_eq!(
        response["data"]["role"]["snapshot"],
        json!({
            "week": WEEK, "source": "COMPUTED", "openPositions": 8, "sampleSize": 7,
            // Means over the postings that have each bound: 590000/6 and 760000/6.
            "salaryRangeLow": 98_333, "salaryRangeHigh": 126_667,
            // Midpoints 70k 90k 100k 120k 120k 150k 200k (p3 and p4 have one bound each).
            "averageSalary": 121_429, "p25Salary": 95_000, "medianSalary": 120_000, "p75Salary": 135_000, "p90Salary": 170_000,
            "remotePct": 25.0,
            "experienceMix": { "entryPct": 25.0, "midPct": 50.0, "seniorPct": 25.0 },
            // "rag", " Rag " and "RAG" are one skill shown as first seen; ties by name.
            "topSkills": [
                { "skill": "Python", "postings": 3, "pct": 37.5 },
                { "skill": "RAG", "postings": 3, "pct": 37.5 },
                { "skill": "AWS", "postings": 2, "pct": 25.0 },
                { "skill": "Go", "postings": 1, "pct": 12.5 },
                { "skill": "Rust", "postings": 1, "pct": 12.5 }
            ],
            "topCompanies": [
                { "name": "Acme", "count": 3 }, { "name": "Beta", "count": 2 },
                { "name": "Gamma", "count": 2 }, { "name": "Delta", "count": 1 }
            ],
            "topMetros": [ { "name": "Berlin", "count": 3 }, { "name": "Paris", "count": 3 }, { "name": "Lisbon", "count": 1 } ]
        }),
        "{response}"
    );
}

#[tokio::test]
async fn fewer_than_five_salaries_publish_no_salary_figures() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    recompute(&app, WEEK, false).await;
    let query = format!(r#"{{ role(slug: "other-role") {{ snapshot {{ {SNAPSHOT_FIELDS} }} }} }}"#);
    let response = app.gql(&query, json!({})).await;
    assert_eq!(
        response["data"]["role"]["snapshot"],
        json!({
            "week": WEEK, "source": "COMPUTED", "openPositions": 3, "sampleSize": 2,
            "salaryRangeLow": null, "salaryRangeHigh": null, "averageSalary": null,
            "p25Salary": null, "medianSalary": null, "p75Salary": null, "p90Salary": null,
            "remotePct": 33.3,
            "experienceMix": { "entryPct": 0.0, "midPct": 66.7, "seniorPct": 33.3 },
            "topSkills": [
                { "skill": "Java", "postings": 3, "pct": 100.0 },
                { "skill": "Python", "postings": 1, "pct": 33.3 },
                { "skill": "RAG", "postings": 1, "pct": 33.3 }
            ],
            "topCompanies": [ { "name": "Zeta", "count": 2 }, { "name": "Eta", "count": 1 } ],
            "topMetros": [ { "name": "Oslo", "count": 1 } ]
        }),
        "{response}"
    );
}

#[tokio::test]
async fn the_comparison_of_the_small_set_matches_the_hand_computed_one() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    recompute(&app, WEEK, false).await;
    let response = app
        .gql(
            r#"{ compareRoles(a: "test-role", b: "other-role") {
                week totalOpenPositions higherPaying { slug } payPremiumPct moreOpenings { slug } salaryCeilingGap
                sharedSkills onlyA onlyB skillOverlapPct verdict
                a { role { slug } shareOfListingsPct } b { shareOfListingsPct }
            } market { week totalOpenPositions roles { role { slug } openPositions shareOfListingsPct } topSkills { skill postings pct } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        response["data"],
        json!({
            "compareRoles": {
                "week": WEEK, "totalOpenPositions": 11,
                // other-role publishes no salary figure: no pay comparison.
                "higherPaying": null, "payPremiumPct": null, "moreOpenings": { "slug": "test-role" }, "salaryCeilingGap": null,
                "sharedSkills": ["Python", "RAG"], "onlyA": ["AWS", "Go", "Rust"], "onlyB": ["Java"],
                "skillOverlapPct": 40,
                "verdict": [
                    "Choose Test Role if you want more open positions (8 vs 3 currently listed).",
                    "2 overlapping skills (40% of top skills).",
                    "Skills unique to Test Role: AWS, Go, Rust.",
                    "Skills unique to Other Role: Java.",
                    "Test Role makes up 73% of the 11 tracked listings.",
                    "Other Role makes up 27% of the 11 tracked listings."
                ],
                "a": { "role": { "slug": "test-role" }, "shareOfListingsPct": 72.7 },
                "b": { "shareOfListingsPct": 27.3 }
            },
            "market": {
                "week": WEEK, "totalOpenPositions": 11,
                "roles": [
                    { "role": { "slug": "test-role" }, "openPositions": 8, "shareOfListingsPct": 72.7 },
                    { "role": { "slug": "other-role" }, "openPositions": 3, "shareOfListingsPct": 27.3 }
                ],
                "topSkills": [
                    { "skill": "Python", "postings": 4, "pct": 36.4 },
                    { "skill": "RAG", "postings": 4, "pct": 36.4 },
                    { "skill": "Java", "postings": 3, "pct": 27.3 },
                    { "skill": "AWS", "postings": 2, "pct": 18.2 },
                    { "skill": "Go", "postings": 1, "pct": 9.1 },
                    { "skill": "Rust", "postings": 1, "pct": 9.1 }
                ]
            }
        }),
        "{response}"
    );
}

#[tokio::test]
async fn the_trend_gives_the_median_change_week_on_week() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let imported = app
        .gql_as_admin(
            r#"mutation { upsertSnapshot(input: { role: "test-role", week: "2026-11-02", openPositions: 5, medianSalary: 100000,
                remotePct: 0, entryPct: 0, midPct: 100, seniorPct: 0, topSkills: [] }) { source } }"#,
            json!({}),
        )
        .await;
    assert_eq!(imported["data"]["upsertSnapshot"]["source"], "IMPORTED", "{imported}");
    recompute(&app, "2026-11-09", false).await;
    recompute(&app, WEEK, false).await;
    let response = app
        .gql(
            r#"{ role(slug: "test-role") {
                three: trend(weeks: 3) { week openPositions medianSalary p75Salary medianChangePct }
                two: trend(weeks: 2) { week medianChangePct }
                before: trend(weeks: 2, until: "2026-11-09") { week p25Salary medianSalary p75Salary } } }"#,
            json!({}),
        )
        .await;
    // Week of 11-09: p1–p6, p8 (closes 11-22) and p9 are open; p7 is not posted yet.
    assert_eq!(
        response["data"]["role"],
        json!({
            "three": [
                { "week": "2026-11-02", "openPositions": 5, "medianSalary": 100_000, "p75Salary": null, "medianChangePct": null },
                { "week": "2026-11-09", "openPositions": 8, "medianSalary": 120_000, "p75Salary": 175_000, "medianChangePct": 20.0 },
                { "week": WEEK, "openPositions": 8, "medianSalary": 120_000, "p75Salary": 135_000, "medianChangePct": 0.0 }
            ],
            "two": [ { "week": "2026-11-09", "medianChangePct": null }, { "week": WEEK, "medianChangePct": 0.0 } ],
            // Ending with an earlier week: the weeks up to it, with the quartiles of the band
            // (11-09's midpoints 90k 100k 120k 120k 150k 200k 300k: p25 at rank 1.5, 110k).
            "before": [
                { "week": "2026-11-02", "p25Salary": null, "medianSalary": 100_000, "p75Salary": null },
                { "week": "2026-11-09", "p25Salary": 110_000, "medianSalary": 120_000, "p75Salary": 175_000 }
            ]
        }),
        "{response}"
    );
}

#[tokio::test]
async fn a_trend_ending_on_a_day_other_than_monday_is_refused() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let response = app.gql(r#"{ role(slug: "test-role") { trend(until: "2026-11-18") { week } } }"#, json!({})).await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{response}");
    assert_eq!(
        response["errors"][0]["message"],
        "until: 2026-11-18 is a Wed, not a Monday: weeks are named by their Monday (2026-11-16)"
    );
}

#[tokio::test]
async fn comparing_a_role_with_itself_is_refused_as_bad_input() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    recompute(&app, WEEK, false).await;
    let response =
        app.gql(r#"{ compareRoles(a: "test-role", b: "test-role") { payPremiumPct verdict } }"#, json!({})).await;
    assert_eq!(
        response,
        json!({
            "data": null,
            "errors": [{
                "message": "b: compare two different roles (a and b are both \"test-role\"); role(slug) has one role's figures",
                "locations": [{ "line": 1, "column": 3 }],
                "path": ["compareRoles"],
                "extensions": { "code": "BAD_USER_INPUT" }
            }]
        })
    );
}

#[tokio::test]
async fn recomputation_keeps_imported_snapshots_unless_forced() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let imported = app
        .gql_as_admin(
            &format!(
                r#"mutation {{ upsertSnapshot(input: {{ role: "test-role", week: "{WEEK}", openPositions: 999, medianSalary: 1,
                remotePct: 0, entryPct: 0, midPct: 100, seniorPct: 0, topSkills: ["X"] }}) {{ source }} }}"#
            ),
            json!({}),
        )
        .await;
    assert!(imported["errors"].is_null(), "{imported}");
    let kept = recompute(&app, WEEK, false).await;
    let slugs: Vec<&str> = kept["data"]["recomputeSnapshots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["role"]["slug"].as_str())
        .collect();
    assert_eq!(slugs, vec!["other-role"], "{kept}");
    let query = format!(r#"{{ role(slug: "test-role") {{ snapshot(week: "{WEEK}") {{ source openPositions }} }} }}"#);
    assert_eq!(
        app.gql(&query, json!({})).await["data"]["role"]["snapshot"],
        json!({ "source": "IMPORTED", "openPositions": 999 })
    );
    recompute(&app, WEEK, true).await;
    assert_eq!(
        app.gql(&query, json!({})).await["data"]["role"]["snapshot"],
        json!({ "source": "COMPUTED", "openPositions": 8 })
    );
}

#[tokio::test]
async fn the_published_table_gives_back_the_published_comparison() {
    let app = TestApp::spawn().await;
    fixtures::create_role(&app, "ai-ml-engineer", "AI/ML Engineer").await;
    fixtures::create_role(&app, "ai-architect", "AI Architect").await;
    let upsert = "mutation($i: SnapshotInput!) { upsertSnapshot(input: $i) { source } }";
    let week = "2026-11-23";
    let a = json!({ "role": "ai-ml-engineer", "week": week, "openPositions": 23752, "salaryRangeLow": 93000, "salaryRangeHigh": 148000,
        "medianSalary": 120000, "p75Salary": 218000, "remotePct": 7, "entryPct": 11, "midPct": 71, "seniorPct": 18,
        "topSkills": ["RAG", "AWS", "Rust", "Python", "Azure", "GCP", "Prompt Engineering", "OpenAI"] });
    let b = json!({ "role": "ai-architect", "week": week, "openPositions": 138, "salaryRangeLow": 178000, "salaryRangeHigh": 267000,
        "medianSalary": 292000, "p75Salary": 325000, "remotePct": 12, "entryPct": 0, "midPct": 48, "seniorPct": 52,
        "topSkills": ["RAG", "Python", "GCP", "Azure", "AWS", "Rust", "Prompt Engineering", "LangChain"] });
    for input in [a, b] {
        let r = app.gql_as_admin(upsert, json!({ "i": input })).await;
        assert_eq!(r["data"]["upsertSnapshot"]["source"], "IMPORTED", "{r}");
    }
    let response = app
        .gql(
            r#"{ compareRoles(a: "ai-ml-engineer", b: "ai-architect") { week higherPaying { title } payPremiumPct
                moreOpenings { title } salaryCeilingGap sharedSkills onlyA onlyB skillOverlapPct verdict } }"#,
            json!({}),
        )
        .await;
    let c = &response["data"]["compareRoles"];
    assert_eq!(c["week"], week);
    assert_eq!(c["higherPaying"]["title"], "AI Architect");
    // (178K + 267K) / 2 against (93K + 148K) / 2: the table's own figures give 85%, not the page's 79%.
    assert_eq!(c["payPremiumPct"], 85);
    assert_eq!(c["moreOpenings"]["title"], "AI/ML Engineer");
    assert_eq!(c["salaryCeilingGap"], 119_000);
    assert_eq!(c["sharedSkills"].as_array().map(Vec::len), Some(7));
    assert_eq!(c["onlyA"], json!(["OpenAI"]));
    assert_eq!(c["onlyB"], json!(["LangChain"]));
    assert_eq!(c["skillOverlapPct"], 87);
    let verdict: Vec<&str> = c["verdict"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
    assert!(
        verdict.contains(&"Choose AI Architect if you want higher compensation: it pays 85% more on average."),
        "{verdict:?}"
    );
    assert!(
        verdict.contains(&"Choose AI/ML Engineer if you want more open positions (23,752 vs 138 currently listed)."),
        "{verdict:?}"
    );
    assert!(verdict.contains(&"AI Architect commands a $119K higher average salary ceiling."), "{verdict:?}");
    assert!(verdict.contains(&"7 overlapping skills (87% of top skills)."), "{verdict:?}");
    assert!(verdict.contains(&"Skills unique to AI/ML Engineer: OpenAI."), "{verdict:?}");
    assert!(verdict.contains(&"AI/ML Engineer makes up 99% of the 23,890 tracked listings."), "{verdict:?}");
}

#[tokio::test]
async fn a_week_without_data_gives_null_snapshots_and_unknown_roles_are_named() {
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    recompute(&app, WEEK, false).await;
    let empty = app
        .gql(r#"{ compareRoles(a: "test-role", b: "other-role", week: "2020-01-06") { week totalOpenPositions a { snapshot { week } } skillOverlapPct verdict } }"#, json!({}))
        .await;
    assert_eq!(
        empty["data"]["compareRoles"],
        json!({ "week": "2020-01-06", "totalOpenPositions": 0, "a": { "snapshot": null }, "skillOverlapPct": null, "verdict": [] })
    );
    let unknown = app.gql(r#"{ compareRoles(a: "test-role", b: "no-such-role") { week } }"#, json!({})).await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    assert_eq!(unknown["errors"][0]["message"], "no role has the slug \"no-such-role\"");
    let not_monday = app.gql(r#"{ market(week: "2026-11-18") { week } }"#, json!({})).await;
    assert_eq!(error_code(&not_monday), Some("BAD_USER_INPUT"));
    assert_eq!(
        not_monday["errors"][0]["message"],
        "week: 2026-11-18 is a Wed, not a Monday: weeks are named by their Monday (2026-11-16)"
    );
    let missing = app.gql(r#"{ role(slug: "nope") { slug } }"#, json!({})).await;
    assert_eq!(missing, json!({ "data": { "role": null } }));
}

#[tokio::test]
async fn the_database_and_the_rust_computations_agree() {
    use jobs::snapshots::{Engine, compute_week};
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    let demo_week = jobs::Week::containing(chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("date"));
    jobs::demo::load(&app.db, &jobs::demo::DemoPlan::with_postings(3_000), demo_week, chrono::Utc::now(), |_| {})
        .await
        .expect("demo");
    let rust = compute_week(&app.db, demo_week, Engine::Rust).await.expect("rust");
    assert_eq!(rust.len(), 8, "6 demo roles and the 2 hand-computed ones");
    let database = compute_week(&app.db, demo_week, Engine::Database).await.expect("database");
    assert_eq!(rust, database);
}

/// A posting as the property test submits it: every field that changes a figure varies,
/// with dates near the edges of the weeks computed.
fn random_posting() -> impl Strategy<Value = (usize, serde_json::Value)> {
    let skill = (prop::sample::select(vec!["rag", "Python", "go", "AWS", "rust", "LLM", "sql"]), 0..3usize).prop_map(
        |(name, style)| match style {
            0 => name.to_owned(),
            1 => format!(" {} ", name.to_uppercase()),
            _ => name.to_lowercase(),
        },
    );
    let salary = prop::option::of(prop::sample::select(vec![60_000, 75_001, 90_000, 120_500, 150_000, 201_001]));
    (
        0..3usize,
        prop::sample::select(vec!["ENTRY", "MID", "SENIOR"]),
        any::<bool>(),
        (salary.clone(), salary),
        prop::collection::vec(skill, 0..5),
        prop::sample::select(vec!["Acme", "Globex", "Initech"]),
        prop::option::of(prop::sample::select(vec!["Berlin", "Austin"])),
        (-16i64..4, prop::option::of(0i64..20)),
    )
        .prop_map(|(role, seniority, remote, (low, high), skills, company, metro, (posted, open_for))| {
            // Both bounds in order when both are given; one bound alone stays as given.
            let (low, high) = match (low, high) {
                (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                other => other,
            };
            let sunday = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
            let posted_at = sunday + chrono::Duration::days(posted);
            let closed_at = open_for.map(|days| posted_at + chrono::Duration::days(days));
            let posting = json!({
                "source": "prop", "externalId": "", "role": ROLES[role], "title": "Engineer", "company": company,
                "metro": metro, "remote": remote, "seniority": seniority, "salaryMin": low, "salaryMax": high,
                "skills": skills, "postedAt": posted_at, "closedAt": closed_at,
            });
            (role, posting)
        })
}

const ROLES: [&str; 3] = ["prop-a", "prop-b", "prop-c"];

/// The two snapshot engines follow one definition of every figure: fed the same random
/// postings, they give identical snapshots on this database, and count as open exactly the
/// postings `Week::is_open` calls open.
#[test]
fn both_snapshot_engines_give_identical_figures_for_random_postings() {
    use jobs::snapshots::{Engine, compute_week};
    use sea_orm::ConnectionTrait;

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime.block_on(async {
        let database = salarygraph_tests::db::TestDatabase::create().await;
        let db = sea_orm::Database::connect(&database.url).await.expect("connect");
        <migration::Migrator as migration::MigratorTrait>::up(&db, None).await.expect("migrate");
        for slug in ROLES {
            let role =
                jobs::roles::RoleInput { slug: slug.into(), title: slug.into(), summary: None, career_path: None };
            jobs::roles::upsert_role(&db, role, chrono::Utc::now()).await.expect("role");
        }
        let ids = jobs::ingest::role_ids(&db).await.expect("roles");
        (db, ROLES.map(|slug| ids[slug]))
    });
    let (db, role_ids) = db;
    let weeks: Vec<jobs::Week> = ["2026-11-16", "2026-11-23", "2026-11-30"]
        .iter()
        .map(|d| jobs::Week::from_monday(d.parse().expect("date")).expect("monday"))
        .collect();
    proptest!(ProptestConfig::with_cases(40), |(postings in prop::collection::vec(random_posting(), 0..40))| {
        let (roles, rows): (Vec<usize>, Vec<jobs::ingest::PostingInput>) = postings
            .into_iter()
            .enumerate()
            .map(|(n, (role, mut posting))| {
                posting["externalId"] = json!(format!("e{n}"));
                (role, serde_json::from_value(posting).expect("a posting input"))
            })
            .unzip();
        let dates: Vec<_> = rows.iter().map(|p| (p.posted_at.0, p.closed_at.map(|d| d.0))).collect();
        runtime.block_on(async {
            for table in ["posting_skill", "posting", "skill_alias", "skill"] {
                db.execute_unprepared(&format!("DELETE FROM {table}")).await.expect("clear");
            }
            let report = jobs::ingest::ingest(&db, rows, 0, chrono::Utc::now()).await.expect("ingest");
            assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        });
        for &week in &weeks {
            let (rust, database) = runtime.block_on(async {
                let rust = compute_week(&db, week, Engine::Rust).await.expect("rust engine");
                (rust, compute_week(&db, week, Engine::Database).await.expect("database engine"))
            });
            prop_assert_eq!(&rust, &database, "week {}", week);
            for (index, slug) in ROLES.iter().enumerate() {
                let open = roles.iter().zip(&dates).filter(|(r, (posted, closed))| **r == index && week.is_open(*posted, *closed)).count();
                let computed = rust.iter().find(|s| s.role_id == role_ids[index]).map_or(0, |s| s.figures.open_positions as usize);
                prop_assert_eq!(computed, open, "{} in week {}", slug, week);
            }
        }
    });
}

#[tokio::test]
async fn a_corrupt_ranking_is_an_error_not_an_empty_list() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    fixtures::load(&app).await;
    recompute(&app, WEEK, false).await;
    app.db.execute_unprepared(r#"UPDATE snapshot SET top_skills = '{"corrupt": true}'"#).await.expect("corrupt");
    let query = format!(r#"{{ role(slug: "test-role") {{ snapshot(week: "{WEEK}") {{ topSkills {{ skill }} }} }} }}"#);
    let response = app.gql(&query, json!({})).await;
    assert_eq!(error_code(&response), Some("INTERNAL"), "{response}");
    assert_eq!(response["data"]["role"]["snapshot"], json!(null), "{response}");
}
