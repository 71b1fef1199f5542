//! GraphiQL for browsers that open `/graphql`: every file it needs is served by this binary
//! (`/assets/graphiql/…`), and its start-up code is a file too, so it works offline and
//! under a `Content-Security-Policy` of `script-src 'self'; style-src 'self'`.

use std::sync::LazyLock;

use super::assets::{graphiql_href, href};
use super::pages::escape;

/// The query GraphiQL opens with.
const DEFAULT_QUERY: &str = "{\n  compareRoles(a: \"ai-ml-engineer\", b: \"ai-architect\") {\n    payPremiumPct\n    skillOverlapPct\n    verdict\n  }\n}\n";

/// The GraphiQL page.
pub static PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>salarygraph GraphiQL</title>
<link rel="icon" href="{icon}" type="image/svg+xml">
<link rel="stylesheet" href="{css}">
<link rel="stylesheet" href="{page_css}">
</head>
<body>
<div id="graphiql" data-default-query="{query}"><p class="graphiql-loading">Loading GraphiQL…</p></div>
<noscript><p class="graphiql-loading">GraphiQL needs JavaScript. Without it, send queries to this address with POST or GET: see <a href="/">the dashboard</a> and its "query behind this page" links.</p></noscript>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script src="{init}"></script>
</body>
</html>
"#,
        icon = href("favicon.svg"),
        css = graphiql_href("graphiql.min.css"),
        page_css = href("graphiql-page.css"),
        query = escape(DEFAULT_QUERY),
        react = graphiql_href("react.production.min.js"),
        react_dom = graphiql_href("react-dom.production.min.js"),
        graphiql = graphiql_href("graphiql.min.js"),
        init = href("graphiql-init.js"),
    )
});
