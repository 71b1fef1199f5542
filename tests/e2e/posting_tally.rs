//! The posting tally that `totalCount` sums: database triggers keep it equal to the postings
//! through every kind of write (ingest inserts and updates, statements from any other
//! writer, deletes, a truncate), and every count read from it, top-level or per role of a
//! list, equals counting the postings themselves.

use salarygraph_tests::{TestApp, TestOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::fixtures::{self, posting};

/// (role id, remote, seniority, salary midpoint or -1, postings), in key order.
type Groups = Vec<(i32, bool, String, f64, i64)>;

const ROLES: [&str; 2] = ["tally-a", "tally-b"];
const SENIORITIES: [&str; 3] = ["ENTRY", "MID", "SENIOR"];

async fn groups(app: &TestApp, sql: &str) -> Groups {
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.expect(sql);
    rows.iter()
        .map(|row| {
            (
                row.try_get_by_index(0).expect("role_id"),
                row.try_get_by_index(1).expect("remote"),
                row.try_get_by_index(2).expect("seniority"),
                row.try_get_by_index(3).expect("salary_mid"),
                row.try_get_by_index(4).expect("postings"),
            )
        })
        .collect()
}

/// The postings grouped as the tally groups them.
async fn counted(app: &TestApp) -> Groups {
    groups(
        app,
        "SELECT role_id, remote, seniority, COALESCE(salary_mid, -1.0), COUNT(*) FROM posting \
         GROUP BY role_id, remote, seniority, COALESCE(salary_mid, -1.0) ORDER BY 1, 2, 3, 4",
    )
    .await
}

/// The tally's groups that hold postings.
async fn tallied(app: &TestApp) -> Groups {
    groups(
        app,
        "SELECT role_id, remote, seniority, salary_mid, CAST(postings AS BIGINT) FROM posting_tally \
         WHERE postings <> 0 ORDER BY 1, 2, 3, 4",
    )
    .await
}

async fn role_ids(app: &TestApp) -> Vec<(String, i32)> {
    let sql = "SELECT slug, id FROM role WHERE slug LIKE 'tally-%' ORDER BY slug";
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.expect(sql);
    rows.iter().map(|r| (r.try_get_by_index(0).expect("slug"), r.try_get_by_index(1).expect("id"))).collect()
}

/// Each filter a dashboard can count from the tally, as GraphQL input.
fn filters() -> Vec<Value> {
    let mut out = Vec::new();
    for remote in [None, Some(true), Some(false)] {
        for seniority in [None, Some("SENIOR"), Some("ENTRY")] {
            for min in [None, Some(-5), Some(0), Some(120_000), Some(151_000)] {
                let mut filter = serde_json::Map::new();
                if let Some(remote) = remote {
                    filter.insert("remote".into(), json!(remote));
                }
                if let Some(seniority) = seniority {
                    filter.insert("seniority".into(), json!(seniority));
                }
                if let Some(min) = min {
                    filter.insert("minSalary".into(), json!(min));
                }
                out.push(Value::Object(filter));
            }
        }
    }
    out
}

/// How many of the postings (role, remote, seniority, midpoint) `filter` matches, counted here.
fn expected(postings: &[(i32, bool, String, Option<f64>)], filter: &Value, role: Option<i32>) -> i64 {
    let matches = |(role_id, remote, seniority, mid): &&(i32, bool, String, Option<f64>)| {
        role.is_none_or(|r| r == *role_id)
            && filter["remote"].as_bool().is_none_or(|r| r == *remote)
            && filter["seniority"].as_str().is_none_or(|s| s == seniority.as_str())
            && filter["minSalary"].as_f64().is_none_or(|min| mid.is_some_and(|m| m >= min))
    };
    postings.iter().filter(matches).count() as i64
}

/// The tally equals the postings, and every count the API gives equals counting them here.
async fn assert_tally_matches(app: &TestApp, step: &str) {
    assert_eq!(tallied(app).await, counted(app).await, "after {step}: the tally's groups");
    let sql = "SELECT role_id, remote, seniority, salary_mid FROM posting";
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.expect(sql);
    let postings: Vec<(i32, bool, String, Option<f64>)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).expect("role"),
                r.try_get_by_index(1).expect("remote"),
                r.try_get_by_index(2).expect("seniority"),
                r.try_get_by_index(3).expect("mid"),
            )
        })
        .collect();
    let roles = role_ids(app).await;
    for filter in filters() {
        let query = "query($f: PostingFilter, $r: PostingFilter) {
            postings(filter: $f, first: 1) { totalCount }
            roles(first: 10) { nodes { slug postings(filter: $r, first: 1) { totalCount } } }
            a: postings(filter: $r, first: 1) { totalCount } }";
        let mut of_role = filter.clone();
        of_role["role"] = json!(ROLES[0]);
        let answer = app.gql(query, json!({ "f": filter, "r": of_role })).await;
        assert!(answer["errors"].is_null(), "{answer}");
        assert_eq!(
            answer["data"]["postings"]["totalCount"].as_i64(),
            Some(expected(&postings, &filter, None)),
            "after {step}: every role, {filter}"
        );
        let first_role = roles[0].1;
        assert_eq!(
            answer["data"]["a"]["totalCount"].as_i64(),
            Some(expected(&postings, &filter, Some(first_role))),
            "after {step}: {of_role}"
        );
        // Under a list, the filter names the first role: the others count none.
        for node in answer["data"]["roles"]["nodes"].as_array().expect("roles") {
            let role = roles.iter().find(|(slug, _)| node["slug"] == json!(slug)).map(|(_, id)| *id);
            let want = match role {
                Some(id) if id == first_role => expected(&postings, &filter, Some(id)),
                _ => 0,
            };
            assert_eq!(node["postings"]["totalCount"].as_i64(), Some(want), "after {step}: {node} with {of_role}");
        }
    }
}

fn salary(n: usize) -> Value {
    if n.is_multiple_of(5) {
        return json!({});
    }
    let min = 90_000 + 7_000 * n as i64;
    json!({ "salaryMin": min, "salaryMax": min + 30_000 })
}

fn row(n: usize, role: &str, remote: bool, seniority: &str, salary: Value) -> Value {
    let mut fields = json!({ "remote": remote, "seniority": seniority });
    if let (Some(fields), Some(salary)) = (fields.as_object_mut(), salary.as_object()) {
        fields.extend(salary.clone());
    }
    posting(&format!("t{n}"), role, fields)
}

async fn run(app: &TestApp, sql: &str) {
    app.db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn the_tally_follows_every_write_and_counts_as_counting_the_postings_does() {
    let app = TestApp::spawn_with(TestOptions {
        smtp: false,
        env: vec![("RESPONSE_CACHE_MB".into(), "0".into())],
        ..Default::default()
    })
    .await;
    for slug in ROLES {
        fixtures::create_role(&app, slug, slug).await;
    }
    let rows: Vec<Value> = (0..40).map(|n| row(n, ROLES[n % 2], n % 3 == 0, SENIORITIES[n % 3], salary(n))).collect();
    let report = fixtures::ingest(&app, rows).await;
    assert_eq!(report["inserted"], json!(40), "{report}");
    assert_tally_matches(&app, "the first ingest").await;

    // Ingest again: some postings move role, place, seniority or salary; some change only
    // their title (an update that leaves their group); some are new.
    let mut again = Vec::new();
    for n in 0..12 {
        again.push(row(n, ROLES[(n + 1) % 2], n % 2 == 0, SENIORITIES[(n + 1) % 3], salary(n + 3)));
    }
    for n in 12..16 {
        let mut same = row(n, ROLES[n % 2], n % 3 == 0, SENIORITIES[n % 3], salary(n));
        same["title"] = json!("Renamed");
        again.push(same);
    }
    again.extend((40..46).map(|n| row(n, ROLES[0], true, "SENIOR", salary(n))));
    let report = fixtures::ingest(&app, again).await;
    assert_eq!((report["inserted"].clone(), report["updated"].clone()), (json!(6), json!(16)), "{report}");
    assert_tally_matches(&app, "a second ingest").await;

    // Statements from any other writer: the triggers are in the database.
    run(&app, "UPDATE posting SET salary_min = NULL, salary_max = NULL, salary_mid = NULL WHERE id % 7 = 0").await;
    assert_tally_matches(&app, "salaries removed by hand").await;
    run(&app, "UPDATE posting SET remote = NOT remote, seniority = 'ENTRY' WHERE id % 4 = 1").await;
    assert_tally_matches(&app, "many rows changing groups in one statement").await;
    run(&app, "DELETE FROM posting_skill WHERE posting_id IN (SELECT id FROM posting WHERE id % 6 = 2)").await;
    run(&app, "DELETE FROM posting WHERE id % 6 = 2").await;
    assert_tally_matches(&app, "a delete").await;

    if app.db.get_database_backend() == DbBackend::Postgres {
        run(&app, "TRUNCATE posting CASCADE").await;
        assert_eq!(tallied(&app).await, Groups::new(), "a truncate empties the tally");
        assert_tally_matches(&app, "a truncate").await;
    }
}

#[tokio::test]
async fn writers_at_once_keep_the_tally_whole() {
    let app = TestApp::spawn_with(TestOptions { smtp: false, ..Default::default() }).await;
    for slug in ROLES {
        fixtures::create_role(&app, slug, slug).await;
    }
    // Each writer touches the same groups, in its own order, and half of them move postings
    // another writer inserted: every change must land once, whichever commits first.
    let batch = |writer: usize| -> Vec<Value> {
        let mut rows: Vec<Value> = (0..30)
            .map(|n| {
                row(n + 100 * (writer % 2), ROLES[(n + writer) % 2], n % 2 == 0, SENIORITIES[n % 3], salary(n % 6))
            })
            .collect();
        if writer % 2 == 1 {
            rows.reverse();
        }
        rows
    };
    let writers = (0..6).map(|writer| fixtures::ingest(&app, batch(writer)));
    for report in futures::future::join_all(writers).await {
        assert_eq!(report["rejected"], json!([]), "{report}");
    }
    assert_tally_matches(&app, "six writers at once").await;
}
