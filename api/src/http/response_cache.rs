//! Answers to anonymous queries, kept in memory until the data changes. A cached answer is
//! tied to the generation of [`crate::changes::DataChanges`] read before it was computed: any
//! write heard since (here at once, from other replicas within the poll interval) makes it
//! unusable, so no answer older than the last write this replica took is ever served.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::HeaderValue;
use sha2::{Digest, Sha256};

use super::byte_lru::ByteLru;

/// Bytes counted for an entry beyond its body: key, tag, list node and map slot.
const ENTRY_OVERHEAD: usize = 160;
/// Smallest answer size assumed when bounding the number of entries.
const TYPICAL_MIN_ANSWER: usize = 256;

/// What identifies an answer: the document, the variables and the operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of a request whose query text is known (persisted queries resolved first).
    pub fn of(request: &async_graphql::Request) -> Self {
        let mut hash = Sha256::new();
        hash.update(request.query.as_bytes());
        hash.update([0]);
        hash.update(request.operation_name.as_deref().unwrap_or("").as_bytes());
        hash.update([0]);
        // Variables are a sorted map: the same values give the same bytes.
        hash.update(serde_json::to_vec(&request.variables).unwrap_or_default());
        Self(hash.finalize().into())
    }
}

/// A strong entity tag for a body.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// A cached answer: the JSON body and its entity tag.
#[derive(Debug)]
pub struct CachedAnswer {
    /// The response body.
    pub body: Bytes,
    /// Its `ETag`.
    pub etag: HeaderValue,
    /// The name of the operation it answers, for the metrics of answers served from memory.
    pub operation: Option<String>,
}

impl CachedAnswer {
    /// An answer with its tag computed.
    pub fn new(body: Bytes, operation: Option<String>) -> Self {
        let etag = etag_of(&body);
        Self { body, etag, operation }
    }
}

struct Entries {
    /// The generation the entries were computed at; older ones were dropped.
    generation: u64,
    answers: ByteLru<CacheKey, Arc<CachedAnswer>>,
}

/// The response cache of one process, bounded by `RESPONSE_CACHE_MB`.
pub struct ResponseCache {
    entries: Option<Mutex<Entries>>,
}

impl ResponseCache {
    /// A cache of at most `max_bytes`; 0 turns it off.
    pub fn new(max_bytes: usize) -> Self {
        let entries = NonZeroUsize::new(max_bytes / TYPICAL_MIN_ANSWER)
            .map(|max_entries| Mutex::new(Entries { generation: 0, answers: ByteLru::new(max_entries, max_bytes) }));
        Self { entries }
    }

    /// Whether answers are kept at all.
    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The answer to `key` computed at `generation`, if it is still current; counted in
    /// `/metrics` as a hit or a miss, whoever asks (`/graphql` or a page).
    pub fn get(&self, key: &CacheKey, generation: u64) -> Option<Arc<CachedAnswer>> {
        let mut entries = self.entries.as_ref()?.lock().unwrap_or_else(PoisonError::into_inner);
        let found = if entries.generation == generation {
            entries.answers.get(key).cloned()
        } else {
            // The data changed since these answers were computed.
            entries.answers.clear();
            entries.generation = generation;
            None
        };
        let counter =
            if found.is_some() { "graphql_response_cache_hits_total" } else { "graphql_response_cache_misses_total" };
        metrics::counter!(counter).increment(1);
        found
    }

    /// Keeps `answer`, computed from data read at `generation` (read before the query ran).
    pub fn insert(&self, key: CacheKey, generation: u64, answer: Arc<CachedAnswer>) {
        let Some(entries) = &self.entries else { return };
        let mut entries = entries.lock().unwrap_or_else(PoisonError::into_inner);
        if generation < entries.generation {
            return; // a write was heard while it ran: it may be older than that write
        }
        if generation > entries.generation {
            entries.answers.clear();
            entries.generation = generation;
        }
        let size = answer.body.len() + answer.etag.len() + ENTRY_OVERHEAD;
        entries.answers.insert(key, answer, size);
        metrics::gauge!("graphql_response_cache_bytes").set(entries.answers.bytes() as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Arc<CachedAnswer> {
        Arc::new(CachedAnswer::new(Bytes::from(body.to_owned()), None))
    }

    fn key(query: &str) -> CacheKey {
        CacheKey::of(&async_graphql::Request::new(query))
    }

    #[test]
    fn an_answer_is_served_until_the_generation_moves() {
        let cache = ResponseCache::new(1 << 20);
        cache.insert(key("{ a }"), 0, answer("{\"data\":1}"));
        assert!(cache.get(&key("{ a }"), 0).is_some());
        assert!(cache.get(&key("{ b }"), 0).is_none());
        assert!(cache.get(&key("{ a }"), 1).is_none(), "a write was heard");
        assert!(cache.get(&key("{ a }"), 1).is_none(), "and the old answer is gone");
    }

    #[test]
    fn an_answer_computed_before_a_write_is_not_kept() {
        let cache = ResponseCache::new(1 << 20);
        assert!(cache.get(&key("{ a }"), 3).is_none());
        cache.insert(key("{ a }"), 2, answer("old"));
        assert!(cache.get(&key("{ a }"), 3).is_none());
    }

    #[test]
    fn variables_and_operation_names_are_part_of_the_key() {
        let plain = async_graphql::Request::new("query Q($w: Date) { market(week: $w) { week } }");
        let with_vars = async_graphql::Request::new(plain.query.clone())
            .variables(async_graphql::Variables::from_json(serde_json::json!({ "w": "2026-11-23" })));
        let named = async_graphql::Request::new(plain.query.clone()).operation_name("Q");
        assert_ne!(CacheKey::of(&plain), CacheKey::of(&with_vars));
        assert_ne!(CacheKey::of(&plain), CacheKey::of(&named));
        assert_eq!(CacheKey::of(&plain), key("query Q($w: Date) { market(week: $w) { week } }"));
    }

    #[test]
    fn zero_bytes_turns_the_cache_off_and_the_budget_bounds_it() {
        let off = ResponseCache::new(0);
        off.insert(key("{ a }"), 0, answer("x"));
        assert!(!off.is_enabled());
        assert!(off.get(&key("{ a }"), 0).is_none());

        let small = ResponseCache::new(4 * 1024);
        for i in 0..100 {
            small.insert(key(&format!("{{ a{i} }}")), 0, answer(&"x".repeat(500)));
        }
        let kept = (0..100).filter(|i| small.get(&key(&format!("{{ a{i} }}")), 0).is_some()).count();
        assert!((1..=6).contains(&kept), "4 KiB holds a handful of 500-byte answers, kept {kept}");
        assert!(small.get(&key("{ a99 }"), 0).is_some(), "the most recent one is kept");
    }

    #[test]
    fn etags_are_quoted_and_follow_the_body() {
        let a = etag_of(b"one");
        assert!(a.to_str().expect("ascii").starts_with('"'));
        assert_ne!(a, etag_of(b"two"));
        assert_eq!(a, etag_of(b"one"));
    }
}
