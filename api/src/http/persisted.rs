//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of a query
//! instead of its text once the server has seen it. Resolved in the HTTP layer, before the
//! GET-mutation check, so that a persisted mutation is refused over GET like any other.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::byte_lru::ByteLru;

/// Most persisted queries kept; the least recently used goes first.
const MAX_PERSISTED_QUERIES: NonZeroUsize = NonZeroUsize::new(1_000).expect("non-zero");
/// Longest query text that is persisted (longer ones run but are not kept).
const MAX_PERSISTED_QUERY_BYTES: usize = 100 * 1024;
/// Bytes of query text kept in all, so that 1,000 queries of 100 KB cannot take 100 MB.
const MAX_PERSISTED_TOTAL_BYTES: usize = 8 * 1024 * 1024;

/// Automatic persisted queries: query texts by their SHA-256 (lowercase hex), bounded, the
/// least recently used evicted first. Per process: a client that meets a replica which has
/// not seen its hash gets `PersistedQueryNotFound` and sends the query again.
#[derive(Clone)]
pub struct PersistedQueries(Arc<Mutex<ByteLru<String, Arc<str>>>>);

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::with_limits(MAX_PERSISTED_QUERIES, MAX_PERSISTED_TOTAL_BYTES)
    }
}

impl PersistedQueries {
    fn with_limits(max_entries: NonZeroUsize, max_bytes: usize) -> Self {
        Self(Arc::new(Mutex::new(ByteLru::new(max_entries, max_bytes))))
    }

    /// The query stored under `hash`, now the most recently used.
    fn get(&self, hash: &str) -> Option<Arc<str>> {
        // A panic while holding the lock leaves the map consistent (no step panics half-way).
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(hash).cloned()
    }

    fn insert(&self, hash: String, query: &str) {
        if query.len() <= MAX_PERSISTED_QUERY_BYTES {
            let size = hash.len() + query.len();
            self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(hash, Arc::from(query), size);
        }
    }
}

/// The lowercase hex SHA-256 of a query, as Apollo clients compute it.
fn sha256_hex(query: &str) -> String {
    format!("{:x}", Sha256::digest(query.as_bytes()))
}

/// Why a request's `extensions.persistedQuery` cannot be used.
#[derive(Debug, PartialEq)]
pub enum PersistedError {
    /// Not `{version: 1, sha256Hash: string}`: 400.
    Malformed(&'static str),
    /// A hash alone that is not stored: 200, so that Apollo clients send the query with it.
    NotFound,
    /// A query whose SHA-256 is not the hash sent with it: 400.
    Mismatch,
}

/// The `sha256Hash` of `extensions.persistedQuery = {version: 1, sha256Hash}`.
pub fn persisted_hash(extension: async_graphql::Value) -> Result<String, PersistedError> {
    const SHAPE: &str = "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": string}";
    let async_graphql::Value::Object(fields) = extension else { return Err(PersistedError::Malformed(SHAPE)) };
    match (fields.get("version"), fields.get("sha256Hash")) {
        (Some(async_graphql::Value::Number(v)), Some(async_graphql::Value::String(hash))) if v.as_i64() == Some(1) => {
            Ok(hash.to_ascii_lowercase())
        }
        (Some(async_graphql::Value::Number(_)), Some(async_graphql::Value::String(_))) => {
            Err(PersistedError::Malformed("unsupported persisted query version: only version 1 is"))
        }
        _ => Err(PersistedError::Malformed(SHAPE)),
    }
}

/// Resolves `extensions.persistedQuery`: a hash alone becomes its stored query, a query with
/// its hash is checked and stored. Runs before the GET-mutation check, so that a persisted
/// mutation is refused over GET like any other.
pub fn resolve_persisted(store: &PersistedQueries, request: &mut async_graphql::Request) -> Result<(), PersistedError> {
    let Some(extension) = request.extensions.remove("persistedQuery") else { return Ok(()) };
    let hash = persisted_hash(extension)?;
    if request.query.is_empty() {
        request.query = store.get(&hash).ok_or(PersistedError::NotFound)?.to_string();
    } else if sha256_hex(&request.query) == hash {
        store.insert(hash, &request.query);
    } else {
        return Err(PersistedError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_query_is_evicted_first() {
        let store = PersistedQueries::with_limits(NonZeroUsize::new(2).expect("non-zero"), 1024);
        store.insert("a".into(), "{ a }");
        store.insert("b".into(), "{ b }");
        assert!(store.get("a").is_some(), "a is now more recent than b");
        store.insert("c".into(), "{ c }");
        assert_eq!(store.get("b"), None);
        assert_eq!(store.get("a").as_deref(), Some("{ a }"));
        assert_eq!(store.get("c").as_deref(), Some("{ c }"));
    }

    #[test]
    fn stored_bytes_stay_within_the_budget() {
        let store = PersistedQueries::with_limits(NonZeroUsize::new(100).expect("non-zero"), 20);
        store.insert("a".into(), "0123456789");
        store.insert("b".into(), "0123456789");
        assert_eq!(store.get("a"), None, "two entries of 11 bytes exceed 20");
        assert!(store.get("b").is_some());
        store.insert("big".into(), &"x".repeat(MAX_PERSISTED_QUERY_BYTES + 1));
        assert_eq!(store.get("big"), None, "too long to keep");
    }

    #[test]
    fn hashes_are_apollo_s_lowercase_hex_sha256() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let extension = |v: serde_json::Value| async_graphql::Value::from_json(v).unwrap_or_default();
        assert_eq!(
            persisted_hash(extension(serde_json::json!({ "version": 1, "sha256Hash": "ABC" }))),
            Ok("abc".into())
        );
        assert!(persisted_hash(extension(serde_json::json!({ "version": 2, "sha256Hash": "abc" }))).is_err());
        assert!(persisted_hash(extension(serde_json::json!({ "sha256Hash": "abc" }))).is_err());
    }
}
