//! The posting filters dashboards use are served by indexes on both databases.

use entity::posting;
use salarygraph_tests::{Backend, TestApp};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};

async fn plan(app: &TestApp, select: sea_orm::Select<posting::Entity>) -> String {
    plan_of(app, select.build(app.db.get_database_backend())).await
}

async fn plan_of(app: &TestApp, built: Statement) -> String {
    let backend = app.db.get_database_backend();
    let prefix = match backend {
        DbBackend::Sqlite => "EXPLAIN QUERY PLAN ",
        _ => "EXPLAIN ",
    };
    if app.database.backend == Backend::Postgres {
        // A tiny table is cheaper to scan: make the planner show the index it would use.
        app.db.execute_unprepared("SET enable_seqscan = off").await.expect("set");
    }
    let statement = Statement::from_sql_and_values(
        backend,
        format!("{prefix}{}", built.sql),
        built.values.map(|v| v.0).unwrap_or_default(),
    );
    let rows = app.db.query_all_raw(statement).await.expect("explain");
    rows.iter()
        .map(|row| match backend {
            DbBackend::Sqlite => row.try_get::<String>("", "detail").unwrap_or_default(),
            _ => row.try_get::<String>("", "QUERY PLAN").unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// No full scan of the posting table (SQLite `SCAN posting`, PostgreSQL `Seq Scan`).
fn uses_an_index(plan: &str) -> bool {
    !plan.contains("Seq Scan") && plan.lines().all(|l| !l.trim().starts_with("SCAN posting") || l.contains("INDEX"))
}

#[tokio::test]
async fn role_remote_and_min_salary_use_the_composite_index() {
    // One connection, so that the PostgreSQL setting applies to the EXPLAIN.
    let app = TestApp::spawn().await;
    let select = posting::Entity::find()
        .filter(posting::Column::RoleId.eq(1))
        .filter(posting::Column::Remote.eq(true))
        .filter(posting::Column::SalaryMid.gte(150_000.0))
        .order_by_asc(posting::Column::Id)
        .limit(21);
    let plan = plan(&app, select).await;
    assert!(uses_an_index(&plan), "{plan}");
    assert!(plan.contains("idx-posting-role_id-"), "one of the role's composite indexes: {plan}");
}

#[tokio::test]
async fn a_role_s_page_in_id_order_reads_the_role_s_entries_not_the_whole_primary_key() {
    let app = TestApp::spawn().await;
    let page = |remote: Option<bool>| {
        let mut select = posting::Entity::find().filter(posting::Column::RoleId.eq(1));
        if let Some(remote) = remote {
            select = select.filter(posting::Column::Remote.eq(remote));
        }
        select.filter(posting::Column::Id.gt(100)).order_by_asc(posting::Column::Id).limit(21)
    };
    for remote in [None, Some(true)] {
        let plan = plan(&app, page(remote)).await;
        assert!(uses_an_index(&plan) && plan.contains("idx-posting-role_id-"), "remote {remote:?}: {plan}");
        // PostgreSQL's trap: `ORDER BY id LIMIT` walking the primary key while filtering. SQLite
        // searches a role index by equality and sorts the role's matches instead.
        if app.database.backend == Backend::Postgres {
            assert!(plan.contains("idx-posting-role_id-id-remote-salary_mid"), "remote {remote:?}: {plan}");
            assert!(!plan.contains("Sort"), "read in id order, not sorted: {plan}");
        }
    }
}

#[tokio::test]
async fn company_and_metro_filters_use_their_indexes() {
    let app = TestApp::spawn().await;
    let by_company = plan(&app, posting::Entity::find().filter(posting::Column::Company.eq("Acme")).limit(21)).await;
    assert!(uses_an_index(&by_company) && by_company.contains("idx-posting-company"), "{by_company}");
    let by_metro = plan(&app, posting::Entity::find().filter(posting::Column::Metro.eq("Berlin")).limit(21)).await;
    assert!(uses_an_index(&by_metro) && by_metro.contains("idx-posting-metro"), "{by_metro}");
}

#[tokio::test]
async fn the_pages_of_many_roles_are_one_index_scan_per_role() {
    use jobs::postings::{PageRequest, PostingColumns, PostingFilter, pages_by_role_statement};
    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    let page = PageRequest { first: 10, after: Some(100) };
    for filter in [
        PostingFilter::default(),
        PostingFilter { remote: Some(true), min_salary: Some(150_000), ..Default::default() },
    ] {
        let plan =
            plan_of(&app, pages_by_role_statement(backend, &filter, &[1, 2, 3], page, PostingColumns::KEYS)).await;
        assert!(uses_an_index(&plan) && plan.contains("idx-posting-role_id-"), "{filter:?}: {plan}");
        if app.database.backend == Backend::Postgres {
            assert!(
                plan.contains("Nested Loop") && plan.contains("Limit"),
                "a LATERAL loop with a limit per role: {plan}"
            );
            assert!(plan.contains("idx-posting-role_id-id-remote-salary_mid") && !plan.contains("Sort"), "{plan}");
        }
    }
}
