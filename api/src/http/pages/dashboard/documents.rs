//! The published GraphQL documents behind the pages (`api/queries/*.graphql`). Each page runs
//! its documents against the service's own schema, in process, so every figure on a page is
//! what a dashboard gets from `/graphql`; `/queries/{file}` serves them to dashboard authors.

use std::sync::Arc;

use async_graphql::Variables;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::http::response_cache::{CacheKey, CachedAnswer};
use crate::http::{HttpState, caching};

/// A published document.
#[derive(Debug)]
pub struct Document {
    /// Its file name under `api/queries/` and `/queries/`.
    pub file: &'static str,
    /// The operation it runs.
    pub operation: &'static str,
    /// Its text.
    pub source: &'static str,
}

/// The market page's document.
pub const MARKET: Document = Document {
    file: "market.graphql",
    operation: "MarketPage",
    source: include_str!("../../../../queries/market.graphql"),
};
/// A role page's figures.
pub const ROLE: Document =
    Document { file: "role.graphql", operation: "RolePage", source: include_str!("../../../../queries/role.graphql") };
/// A role page's postings.
pub const ROLE_POSTINGS: Document = Document {
    file: "role-postings.graphql",
    operation: "RolePostings",
    source: include_str!("../../../../queries/role-postings.graphql"),
};
/// A comparison page's document.
pub const COMPARE: Document = Document {
    file: "compare.graphql",
    operation: "ComparePage",
    source: include_str!("../../../../queries/compare.graphql"),
};
/// Every role, for the not-found page.
pub const ROLES: Document = Document {
    file: "roles.graphql",
    operation: "RoleList",
    source: include_str!("../../../../queries/roles.graphql"),
};

const ALL: [&Document; 5] = [&MARKET, &ROLE, &ROLE_POSTINGS, &COMPARE, &ROLES];

impl Document {
    /// Where the document is published.
    pub fn href(&self) -> String {
        format!("/queries/{}", self.file)
    }

    /// A `GET /graphql` address that answers this document with `variables`, as JSON.
    pub fn answer_href(&self, variables: &Json) -> String {
        let query: String = self
            .source
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let params = [("query", query), ("variables", variables.to_string())];
        format!("/graphql?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    }
}

/// Why a page's document gave no data.
#[derive(Debug)]
pub enum PageError {
    /// `BAD_USER_INPUT`: the address asked for something malformed; the message says what.
    BadInput(String),
    /// `NOT_FOUND`: the message names what does not exist.
    NotFound(String),
    /// `UNAVAILABLE`: the database is out of reach for now.
    Unavailable,
    /// Anything else: a bug, already logged.
    Internal,
}

/// The `data` of a kept answer.
#[derive(serde::Deserialize)]
struct Answered<T> {
    data: T,
}

/// Runs `document` with `variables` against the schema and reads its `data` as `T`. The
/// answer is kept in the response cache like any anonymous query's, until the next write.
pub async fn run<T: DeserializeOwned>(state: &HttpState, document: &Document, variables: Json) -> Result<T, PageError> {
    let request = async_graphql::Request::new(document.source)
        .operation_name(document.operation)
        .variables(Variables::from_json(variables));
    let cache = &state.app.response_cache;
    let kept = cache.is_enabled().then(|| (CacheKey::of(&request), state.app.changes.generation()));
    if let Some((key, generation)) = &kept
        && let Some(answer) = cache.get(key, *generation)
        && let Ok(Answered { data }) = serde_json::from_slice::<Answered<T>>(&answer.body)
    {
        return Ok(data);
    }
    let response = state.schema.execute(request).await;
    if let Some(error) = response.errors.first() {
        let code = error.extensions.as_ref().and_then(|e| e.get("code")).map(|code| code.to_string());
        return Err(match code.as_deref() {
            Some("\"BAD_USER_INPUT\"") => PageError::BadInput(error.message.clone()),
            Some("\"NOT_FOUND\"") => PageError::NotFound(error.message.clone()),
            Some("\"UNAVAILABLE\"") => PageError::Unavailable,
            _ => {
                tracing::error!(document = document.file, error = %error.message, "page document failed");
                PageError::Internal
            }
        });
    }
    if let Some((key, generation)) = kept
        && let Ok(body) = serde_json::to_vec(&response)
    {
        cache.insert(key, generation, Arc::new(CachedAnswer::new(body.into(), Some(document.operation.to_owned()))));
    }
    let data = response.data.into_json().map_err(|error| {
        tracing::error!(document = document.file, %error, "page document answered data that is not JSON");
        PageError::Internal
    })?;
    serde_json::from_value(data).map_err(|error| {
        tracing::error!(document = document.file, %error, "page document answered an unexpected shape");
        PageError::Internal
    })
}

/// `GET /queries/{file}`: a published document as text.
pub async fn serve(State(_): State<HttpState>, Path(file): Path<String>, request: Request) -> Response {
    match ALL.iter().find(|d| d.file == file) {
        Some(document) => caching::respond(
            request.headers(),
            StatusCode::OK,
            "text/plain; charset=utf-8",
            caching::PAGE,
            &caching::etag(document.source.as_bytes()),
            document.source,
        ),
        None => (StatusCode::NOT_FOUND, "no such document: see /queries/market.graphql").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_document_parses_and_names_its_operation() {
        for document in ALL {
            let parsed = async_graphql::parser::parse_query(document.source).expect(document.file);
            let names: Vec<String> = match parsed.operations {
                async_graphql::parser::types::DocumentOperations::Single(_) => Vec::new(),
                async_graphql::parser::types::DocumentOperations::Multiple(ops) => {
                    ops.keys().map(ToString::to_string).collect()
                }
            };
            assert!(names.is_empty() || names.contains(&document.operation.to_owned()), "{}: {names:?}", document.file);
            assert!(document.source.contains(&format!("query {}", document.operation)), "{}", document.file);
        }
        let href = MARKET.answer_href(&serde_json::json!({ "week": null }));
        assert!(href.starts_with("/graphql?query=query+MarketPage%28%24week%3A+Date%29"), "{href}");
        assert!(!href.contains("%23"), "comments are left out of the link: {href}");
    }
}
