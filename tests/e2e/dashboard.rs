//! The dashboard's pages over HTTP, without a browser: what each page shows against what
//! `/graphql` answers, the addresses they accept and refuse, caching, and where their
//! assets come from. (`browser.rs` looks at them in Chromium.)

use chrono::{Days, Utc};
use jobs::figures::thousands;
use reqwest::header;
use salarygraph_tests::{TestApp, TestOptions};
use serde_json::{Value, json};

/// An app over the demo data.
async fn demo_app() -> TestApp {
    TestApp::spawn_with(TestOptions { demo: true, smtp: false, ..TestOptions::default() }).await
}

/// Status, headers and body of a GET.
async fn get(app: &TestApp, path: &str) -> (u16, header::HeaderMap, String) {
    let response = app.client.get(format!("{}{path}", app.base_url)).send().await.expect("GET");
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.expect("body"))
}

/// A GET with one request header; the whole response.
async fn get_with(app: &TestApp, path: &str, name: header::HeaderName, value: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.base_url)).header(name, value).send().await.expect("GET")
}

/// Text as the page shows it: entities decoded.
fn unescape(html: &str) -> String {
    let mut out = html.replace("&#39;", "'").replace("&quot;", "\"");
    for (entity, ch) in [("&#60;", "<"), ("&#62;", ">"), ("&lt;", "<"), ("&gt;", ">"), ("&#34;", "\""), ("&#38;", "&")]
    {
        out = out.replace(entity, ch);
    }
    out.replace("&amp;", "&")
}

/// Every value of `attribute` in the page (`href`, `src`).
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let needle = format!(" {attribute}=\"");
    html.split(&needle).skip(1).filter_map(|rest| rest.split('"').next()).map(unescape).collect()
}

/// What every dashboard page is: a document, readable on a phone, and nothing the
/// `Content-Security-Policy` would refuse (no script, no inline style).
fn assert_page(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("<style") && !lower.contains(" style="), "{html}");
    for url in attribute_values(html, "href").into_iter().chain(attribute_values(html, "src")) {
        assert!(url.starts_with('/') || url.starts_with('#'), "only addresses of this service: {url}");
    }
}

const MARKET: &str =
    "query($w: Date) { market(week: $w) { week totalOpenPositions roles { role { slug title } openPositions } } }";

#[tokio::test]
async fn the_market_page_lists_every_role_and_is_cacheable_with_an_etag() {
    let app = demo_app().await;
    let (status, headers, html) = get(&app, "/").await;
    assert_eq!(status, 200);
    assert_page(&html);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    let market = app.gql(MARKET, json!({})).await["data"]["market"].clone();
    assert!(html.contains(&format!(
        ">{}</strong> open positions",
        thousands(market["totalOpenPositions"].as_i64().expect("n"))
    )));
    for role in market["roles"].as_array().expect("roles") {
        let row = format!(
            r#"<a href="/roles/{}">{}</a></th>
<td class="num" data-label="Open">{}</td>"#,
            role["role"]["slug"].as_str().expect("slug"),
            role["role"]["title"].as_str().expect("title"),
            thousands(role["openPositions"].as_i64().expect("n"))
        );
        assert!(html.contains(&row), "{row}\n{html}");
    }
    assert!(html.contains(r#"<a href="/compare/ai-ml-engineer-vs-ai-architect">"#), "the published comparison");

    let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
    let again = get_with(&app, "/", header::IF_NONE_MATCH, &etag).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[header::ETAG], etag.as_str());
    assert_eq!(again.text().await.expect("body"), "");
    assert_eq!(get_with(&app, "/", header::IF_NONE_MATCH, "\"other\"").await.status(), 200);
}

#[tokio::test]
async fn the_compare_page_is_light_and_links_the_query_that_answers_its_figures() {
    let app = demo_app().await;
    let (status, headers, html) = get(&app, "/compare/ai-ml-engineer-vs-ai-architect").await;
    assert_eq!(status, 200);
    assert_page(&html);
    assert!(html.len() < 60_000, "HTML with its SVG under 60 KB: {} bytes", html.len());
    assert!(headers.contains_key(header::ETAG));
    let text = unescape(&html);
    for figure in ["23,752", "$120K", "$292K", "pays 85% more", "87%", "<h1>AI/ML Engineer vs AI Architect</h1>"] {
        assert!(text.contains(figure), "{figure}");
    }

    let (status, _, document) = get(&app, "/queries/compare.graphql").await;
    assert_eq!(status, 200);
    let published = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../api/queries/compare.graphql"));
    assert_eq!(document, published.expect("the document in the repository"));
    let answer =
        attribute_values(&html, "href").into_iter().find(|h| h.starts_with("/graphql?query=")).expect("answer link");
    let response = app.client.get(format!("{}{answer}", app.base_url)).send().await.expect("GET answer");
    let answer: Value = response.json().await.expect("JSON");
    assert!(answer["errors"].is_null(), "{answer}");
    let verdict = answer["data"]["compareRoles"]["verdict"].as_array().expect("verdict");
    assert!(!verdict.is_empty());
    for line in verdict {
        assert!(text.contains(&format!(r#"<li data-field="verdict">{}</li>"#, line.as_str().expect("line"))), "{line}");
    }
    assert_eq!(get(&app, "/queries/none.graphql").await.0, 404);
}

#[tokio::test]
async fn a_role_compared_with_itself_redirects_and_unknown_roles_get_a_404_listing_the_roles() {
    let app = demo_app().await;
    let response = app
        .client
        .get(format!("{}/compare/llm-engineer-vs-llm-engineer?week=2026-11-16", app.base_url))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()[header::LOCATION], "/roles/llm-engineer?week=2026-11-16");

    for (path, named) in [
        ("/compare/ai-ml-engineer-vs-nobody", "No role has the slug \"nobody\""),
        ("/compare/nobody-vs-ai-architect", "No role has the slug \"nobody\""),
        ("/compare/no-pair-here", "\"no-pair-here\" does not name two roles"),
        ("/roles/nobody", "No role has the slug \"nobody\""),
        ("/no/such/page", "There is no page at /no/such/page."),
    ] {
        let (status, headers, html) = get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert_page(&html);
        assert!(unescape(&html).contains(named), "{path}: {html}");
        assert!(html.contains(r#"<a href="/roles/ai-architect">AI Architect</a>"#), "the roles are listed: {html}");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    }

    let pick = |query: &'static str| {
        let url = format!("{}/compare?{query}", app.base_url);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("GET") }
    };
    let picked = pick("a=data-scientist&b=nlp-engineer").await;
    assert_eq!(picked.status(), 303);
    assert_eq!(picked.headers()[header::LOCATION], "/compare/data-scientist-vs-nlp-engineer");
    assert_eq!(pick("a=data-scientist&b=data-scientist").await.headers()[header::LOCATION], "/roles/data-scientist");
    assert_eq!(pick("a=data-scientist").await.status(), 400);
    assert_eq!(pick("a=data-scientist&b=%2F%2Fevil.example").await.status(), 404, "never a redirect elsewhere");
}

#[tokio::test]
async fn every_page_shows_the_week_asked_for_and_refuses_what_is_not_a_date() {
    let app = demo_app().await;
    let latest = jobs::Week::last_completed(Utc::now()).monday();
    let earlier = latest - Days::new(14);
    let market = app.gql(MARKET, json!({ "w": earlier })).await["data"]["market"].clone();
    let (status, _, html) = get(&app, &format!("/?week={earlier}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Week of <strong>{}</strong>", earlier.format("%-d %B %Y"))), "{html}");
    let total = thousands(market["totalOpenPositions"].as_i64().expect("n"));
    assert!(html.contains(&format!(r#"<strong data-field="totalOpenPositions">{total}</strong>"#)), "{html}");
    assert!(html.contains(r#"<a href="/">Latest week →</a>"#));

    let role = app
        .gql(
            "query($w: Date) { role(slug: \"llm-engineer\") { snapshot(week: $w) { openPositions medianSalary } } }",
            json!({ "w": earlier }),
        )
        .await["data"]["role"]["snapshot"]
        .clone();
    let (status, _, html) = get(&app, &format!("/roles/llm-engineer?week={earlier}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(
        r#"<dd data-field="openPositions">{}</dd>"#,
        thousands(role["openPositions"].as_i64().expect("n"))
    )));
    let (status, _, html) = get(&app, &format!("/compare/llm-engineer-vs-data-scientist?week={earlier}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Week of <strong>{}</strong>", earlier.format("%-d %B %Y"))));

    let wednesday = earlier + Days::new(2);
    let response = app
        .client
        .get(format!("{}/roles/llm-engineer?week={wednesday}&remote=true", app.base_url))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("/roles/llm-engineer?week={earlier}&remote=true").as_str()
    );
    let (status, _, html) = get(&app, "/?week=last-tuesday").await;
    assert_eq!(status, 400);
    assert!(unescape(&html).contains("week: \"last-tuesday\" is not a date: expected YYYY-MM-DD"), "{html}");
    let (status, _, html) = get(&app, "/?week=2001-01-01").await;
    assert_eq!(status, 404);
    assert!(html.contains("There are no figures for the week of 1 January 2001"), "{html}");
}

#[tokio::test]
async fn a_role_with_only_imported_figures_shows_them_without_a_trend_and_says_why() {
    let app = demo_app().await;
    let (status, _, html) = get(&app, "/roles/ai-architect").await;
    assert_eq!(status, 200);
    assert_page(&html);
    assert!(html.contains(r#"<dd data-field="medianSalary">$292K</dd>"#), "{html}");
    assert!(html.contains("No trend: these figures were imported from a published source"), "{html}");
    assert!(!html.contains(r#"class="chart trend""#), "no trend chart");
    assert!(html.contains("No postings are stored for this role: its figures were imported."), "{html}");
    let (_, _, html) = get(&app, "/roles/llm-engineer").await;
    assert!(html.contains(r#"class="chart trend""#) && !html.contains("No trend:"), "a computed role has its trend");
}

#[tokio::test]
async fn an_empty_database_gets_a_page_that_says_how_to_load_data() {
    let app = TestApp::spawn_with(TestOptions { smtp: false, ..TestOptions::default() }).await;
    let (status, _, html) = get(&app, "/").await;
    assert_eq!(status, 200);
    assert_page(&html);
    assert!(html.contains("<h2>How to load data</h2>") && html.contains("salarygraph demo --postings"), "{html}");
    assert!(html.contains("no roles and no postings yet"), "{html}");
    crate::fixtures::create_role(&app, "llm-engineer", "LLM Engineer").await;
    let (_, _, html) = get(&app, "/").await;
    assert!(html.contains("Roles are set up, but no week has figures yet"), "{html}");
    let (status, _, html) = get(&app, "/roles/llm-engineer").await;
    assert_eq!(status, 200);
    assert!(html.contains("No figures for LLM Engineer yet"), "{html}");
}

const POSTINGS: &str = "query($f: PostingFilter!, $after: String) { role(slug: \"llm-engineer\") {
    postings(filter: $f, first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { title company } } } }";

#[tokio::test]
async fn the_role_page_filters_its_postings_and_pages_them_with_plain_links() {
    let app = demo_app().await;
    let week = jobs::Week::last_completed(Utc::now()).monday();
    let filter = json!({ "openIn": week, "remote": true, "minSalary": 150_000 });
    let api = app.gql(POSTINGS, json!({ "f": filter })).await["data"]["role"]["postings"].clone();
    let (status, _, html) = get(&app, "/roles/llm-engineer?remote=true&min_salary=150000").await;
    assert_eq!(status, 200);
    let listed: Vec<String> = html
        .split(r#"<p class="posting-title"><strong>"#)
        .skip(1)
        .filter_map(|rest| rest.split("</p>").next())
        .map(|t| unescape(&t.replace("</strong> · ", " · ")))
        .collect();
    let expected: Vec<String> = api["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| format!("{} · {}", n["title"].as_str().expect("t"), n["company"].as_str().expect("c")))
        .collect();
    assert_eq!(listed, expected);
    assert!(html.contains(r#"<option value="true" selected>Remote</option>"#));
    let next = attribute_values(&html, "href").into_iter().find(|h| h.contains("after=")).expect("a next link");
    assert!(next.starts_with("/roles/llm-engineer?remote=true&min_salary=150000&after="), "{next}");
    let (status, _, page_two) = get(&app, &next).await;
    assert_eq!(status, 200);
    let second = app.gql(POSTINGS, json!({ "f": filter, "after": api["pageInfo"]["endCursor"] })).await;
    let first_title = second["data"]["role"]["postings"]["nodes"][0]["company"].as_str().expect("company").to_owned();
    assert!(page_two.contains(&first_title) && page_two.contains("← First page"), "{page_two}");

    for (query, named) in [
        ("min_salary=lots", "min_salary: \"lots\" is not a whole number"),
        ("seniority=BOSS", "seniority: \"BOSS\" is not one of ENTRY, MID, SENIOR"),
        ("remote=maybe", "remote: \"maybe\" is not one of true, false"),
        ("after=not-a-cursor", "after: \"not-a-cursor\" is not a cursor of this list"),
    ] {
        let (status, _, html) = get(&app, &format!("/roles/llm-engineer?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(unescape(&html).contains(named), "{query}: {html}");
    }
}

#[tokio::test]
async fn graphiql_and_the_stylesheet_come_from_the_service_with_long_cache_headers() {
    let app = TestApp::spawn_with(TestOptions { smtp: false, ..TestOptions::default() }).await;
    let html = get_with(&app, "/graphql", header::ACCEPT, "text/html").await.text().await.expect("html");
    let (_, _, page) = get(&app, "/").await;
    // Scripts, and the stylesheets and icons of `<link>` elements (not the links a reader follows).
    let linked = |html: &str| -> Vec<String> {
        html.split("<link ")
            .skip(1)
            .flat_map(|tag| attribute_values(&format!(" {}", tag.split('>').next().unwrap_or("")), "href"))
            .collect()
    };
    let mut assets: Vec<String> = attribute_values(&html, "src");
    assets.extend(linked(&html));
    assets.extend(linked(&page));
    assert!(assets.len() >= 7, "{assets:?}");
    for asset in &assets {
        assert!(asset.starts_with("/assets/"), "served by the binary: {asset}");
        let (status, headers, body) = get(&app, asset).await;
        assert_eq!(status, 200, "{asset}");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{asset}");
        let kind = headers[header::CONTENT_TYPE].to_str().expect("type");
        let expected = if asset.contains(".js") {
            "text/javascript"
        } else if asset.contains(".css") {
            "text/css"
        } else {
            "image/svg+xml"
        };
        assert!(kind.starts_with(expected), "{asset}: {kind}");
        assert!(!body.contains("sourceMappingURL"), "{asset}");
        let etag = headers[header::ETAG].to_str().expect("etag");
        assert_eq!(get_with(&app, asset, header::IF_NONE_MATCH, etag).await.status(), 304, "{asset}");
    }
    let version = api::http::assets::GRAPHIQL_VERSION;
    let (status, _, licence) = get(&app, &format!("/assets/graphiql/{version}/LICENSE.graphiql")).await;
    assert_eq!(status, 200);
    assert!(licence.contains("MIT License"), "{licence}");
    assert_eq!(get(&app, "/assets/graphiql/0.0.1/graphiql.min.js").await.0, 404);
    assert_eq!(get(&app, "/assets/../Cargo.toml").await.0, 404);
}
