//! Parsed documents kept by their text, so that a dashboard sending the same query again
//! is not parsed again (and a document too long to keep is parsed once per request): parsing was an eighth of the server's instructions on the nested
//! roles→postings query. Only what the parser gives is kept; every check that depends on
//! the request (the admin token, variables, limits, validation) still runs every time.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerResult};

use crate::http::byte_lru::ByteLru;

/// Most documents kept.
const MAX_DOCUMENTS: usize = 512;
/// Most bytes kept, as estimated by [`estimated_size`].
const MAX_BYTES: usize = 8 << 20;
/// Longest document kept: a longer one is parsed every time, so that a few of them cannot
/// push out every dashboard's queries.
const MAX_DOCUMENT_LEN: usize = 16 << 10;

/// What a parsed document holds: its syntax tree takes several times the bytes of its text
/// (a node with its position, name and lists for every field), plus the key.
fn estimated_size(text: &str) -> usize {
    text.len() * 17 + 256
}

/// Documents by text, least recently used first out.
pub struct ParsedDocuments(Mutex<ByteLru<String, Arc<ExecutableDocument>>>);

impl Default for ParsedDocuments {
    fn default() -> Self {
        let max_documents = std::num::NonZeroUsize::new(MAX_DOCUMENTS).unwrap_or(std::num::NonZeroUsize::MIN);
        Self(Mutex::new(ByteLru::new(max_documents, MAX_BYTES)))
    }
}

/// A request's document: the one kept for its text, or one parsed into the request.
pub enum Document<'r> {
    /// Kept for its text; the request does not hold it yet.
    Kept(Arc<ExecutableDocument>),
    /// Too long to keep: parsed into the request, once, where the schema finds it.
    InRequest(&'r ExecutableDocument),
}

impl std::ops::Deref for Document<'_> {
    type Target = ExecutableDocument;

    fn deref(&self) -> &ExecutableDocument {
        match self {
            Self::Kept(document) => document,
            Self::InRequest(document) => document,
        }
    }
}

impl ParsedDocuments {
    /// The document of `text`, parsed unless it was parsed before; `None` for a text too long
    /// to keep.
    fn kept(&self, text: &str) -> Option<ServerResult<Arc<ExecutableDocument>>> {
        if let Some(known) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(text) {
            return Some(Ok(known.clone()));
        }
        if text.len() > MAX_DOCUMENT_LEN {
            return None;
        }
        let document = match async_graphql::parser::parse_query(text) {
            Ok(document) => Arc::new(document),
            Err(error) => return Some(Err(error.into())),
        };
        let size = estimated_size(text);
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(text.to_owned(), document.clone(), size);
        Some(Ok(document))
    }

    /// The request's document, parsed at most once per text (kept), or once per request for a
    /// text too long to keep.
    pub fn document<'r>(&self, request: &'r mut Request) -> ServerResult<Document<'r>> {
        match self.kept(&request.query) {
            Some(kept) => kept.map(Document::Kept),
            None => request.parsed_query().map(Document::InRequest),
        }
    }

    /// How many documents are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_per_text() {
        let documents = ParsedDocuments::default();
        let text = "query Page($n: Int) { roles(first: $n) { nodes { slug } } }";
        let first = documents.kept(text).expect("short enough to keep").expect("parses");
        let again = documents.kept(text).expect("short enough to keep").expect("kept");
        assert!(Arc::ptr_eq(&first, &again), "the kept tree, not a second parse");
        assert_eq!(format!("{first:?}"), format!("{:?}", async_graphql::parser::parse_query(text).expect("parses")));
        assert_eq!(documents.len(), 1);
    }

    #[test]
    fn a_document_that_does_not_parse_is_refused_every_time_and_never_kept() {
        let documents = ParsedDocuments::default();
        for _ in 0..2 {
            let mut broken = Request::new("{ roles { nodes { slug } ");
            let Err(error) = documents.document(&mut broken) else { panic!("does not parse") };
            assert!(error.message.contains("expected"), "{}", error.message);
        }
        assert_eq!(documents.len(), 0);
    }

    #[test]
    fn a_long_document_is_parsed_but_not_kept() {
        let documents = ParsedDocuments::default();
        let long = format!("{{ {} }}", vec!["__typename"; MAX_DOCUMENT_LEN / 10].join(" "));
        assert!(long.len() > MAX_DOCUMENT_LEN);
        let mut request = Request::new(long);
        assert!(matches!(documents.document(&mut request), Ok(Document::InRequest(_))), "parsed into the request");
        assert_eq!(documents.len(), 0);
    }

    #[test]
    fn the_cache_keeps_at_most_its_count_of_documents() {
        let documents = ParsedDocuments::default();
        for i in 0..MAX_DOCUMENTS + 10 {
            documents.kept(&format!("{{ a{i}: __typename }}")).expect("short enough to keep").expect("parses");
        }
        assert_eq!(documents.len(), MAX_DOCUMENTS);
    }
}
