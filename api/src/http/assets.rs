//! Static files embedded in the binary and served from `/assets/`: the pages' stylesheet and
//! icon, and GraphiQL with the React it runs on (pinned; `api/assets/graphiql/update.sh`
//! fetches them), so that no page needs anything from another host.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::caching;

/// The GraphiQL release served under `/assets/graphiql/<version>/`.
pub const GRAPHIQL_VERSION: &str = include_str!("../../assets/graphiql/VERSION");

const GRAPHIQL_FILES: &[(&str, &[u8])] = include!("../../assets/graphiql/files.rs");

const OWN_FILES: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../assets/style.css")),
    ("favicon.svg", include_bytes!("../../assets/favicon.svg")),
    ("graphiql-init.js", include_bytes!("../../assets/graphiql-init.js")),
    ("graphiql-page.css", include_bytes!("../../assets/graphiql-page.css")),
];

/// A file ready to serve.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    etag: String,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "text/plain; charset=utf-8",
    }
}

/// Every asset by its path under `/assets/`, with its validator computed once.
static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    let graphiql = GRAPHIQL_FILES.iter().map(|(name, bytes)| (format!("graphiql/{GRAPHIQL_VERSION}/{name}"), *bytes));
    let own = OWN_FILES.iter().map(|(name, bytes)| ((*name).to_owned(), *bytes));
    graphiql
        .chain(own)
        .map(|(path, bytes)| {
            let asset = Asset { bytes, content_type: content_type(&path), etag: caching::etag(bytes) };
            (path, asset)
        })
        .collect()
});

/// The address of one of our own assets, fingerprinted with its content so that it can be
/// cached for a year and still change with a new release (`/assets/style.css?v=…`).
pub fn href(name: &str) -> String {
    match ASSETS.get(name) {
        Some(asset) => format!("/assets/{name}?v={}", asset.etag.trim_matches('"')),
        None => format!("/assets/{name}"),
    }
}

/// The address of a GraphiQL file.
pub fn graphiql_href(name: &str) -> String {
    format!("/assets/graphiql/{GRAPHIQL_VERSION}/{name}")
}

/// The pages' stylesheet, fingerprinted.
pub fn stylesheet() -> &'static str {
    static HREF: LazyLock<String> = LazyLock::new(|| href("style.css"));
    &HREF
}

/// The site's icon, fingerprinted.
pub fn favicon() -> &'static str {
    static HREF: LazyLock<String> = LazyLock::new(|| href("favicon.svg"));
    &HREF
}

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>, request: Request) -> Response {
    let Some(asset) = ASSETS.get(path.as_str()) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    caching::respond(
        request.headers(),
        StatusCode::OK,
        asset.content_type,
        caching::IMMUTABLE,
        &asset.etag,
        asset.bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphiql_and_its_licences_are_embedded_under_their_version() {
        assert!(!GRAPHIQL_VERSION.is_empty() && !GRAPHIQL_VERSION.contains(char::is_whitespace));
        for name in ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"] {
            assert!(ASSETS.contains_key(&format!("graphiql/{GRAPHIQL_VERSION}/{name}")), "{name}");
        }
        for licence in ["LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"] {
            let path = format!("graphiql/{GRAPHIQL_VERSION}/{licence}");
            let text = std::str::from_utf8(ASSETS[&path].bytes).expect("text");
            assert!(text.contains("MIT License") || text.contains("Permission is hereby granted"), "{licence}");
        }
        // Every font the stylesheet names is served beside it.
        let css =
            std::str::from_utf8(ASSETS[&format!("graphiql/{GRAPHIQL_VERSION}/graphiql.min.css")].bytes).expect("css");
        assert!(!css.contains("data:font"), "fonts are files, allowed by font-src 'self'");
        for font in css.split("url(fonts/").skip(1).filter_map(|rest| rest.split(')').next()) {
            assert!(ASSETS.contains_key(&format!("graphiql/{GRAPHIQL_VERSION}/fonts/{font}")), "{font}");
        }
        assert!(stylesheet().starts_with("/assets/style.css?v="));
    }
}
