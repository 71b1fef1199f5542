//! Job-board feeds: the public JSON APIs of Greenhouse, Lever and Ashby, followed per
//! board. Each fetch turns a board's postings into raw rows for the raw ingest; a posting
//! missing from its board's latest complete fetch is closed that day, one that comes back
//! is reopened, and a failed fetch closes nothing.

pub mod ashby;
pub mod client;
pub mod fetch;
pub mod greenhouse;
pub mod lever;
pub mod sources;

use entity::FeedKind;

pub use client::{ClientSettings, FeedClient, FetchError};
pub use fetch::{fetch_all, fetch_source};

/// Where each API lives (settings, so that tests point them at a local server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrls {
    /// Greenhouse job board API, default `https://boards-api.greenhouse.io`.
    pub greenhouse: String,
    /// Lever postings API, default `https://api.lever.co`.
    pub lever: String,
    /// Ashby job posting API, default `https://api.ashbyhq.com`.
    pub ashby: String,
}

impl Default for BaseUrls {
    fn default() -> Self {
        Self {
            greenhouse: "https://boards-api.greenhouse.io".to_owned(),
            lever: "https://api.lever.co".to_owned(),
            ashby: "https://api.ashbyhq.com".to_owned(),
        }
    }
}

impl BaseUrls {
    /// The address of a board's postings.
    pub fn board_url(&self, kind: FeedKind, board: &str) -> String {
        match kind {
            FeedKind::Greenhouse => {
                format!("{}/v1/boards/{board}/jobs?content=true&pay_transparency=true", self.greenhouse)
            }
            FeedKind::Lever => format!("{}/v0/postings/{board}?mode=json", self.lever),
            FeedKind::Ashby => format!("{}/posting-api/job-board/{board}?includeCompensation=true", self.ashby),
        }
    }
}

/// The feeds' client and where the APIs are. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Feeds {
    /// The HTTP client.
    pub client: FeedClient,
    /// The APIs' base URLs.
    pub urls: BaseUrls,
}

/// Why a board's answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    /// Not the API's documented shape.
    #[error("the answer is not a job board: {0}")]
    Shape(String),
    /// The answer says it holds more jobs than it lists.
    #[error("the answer is incomplete: {got} of {expected} jobs")]
    Incomplete {
        /// Jobs the board says it has.
        expected: usize,
        /// Jobs it listed.
        got: usize,
    },
}

/// A board's postings as raw rows, from its API's answer.
pub fn parse_board(
    kind: FeedKind,
    body: &[u8],
    board: &str,
    source: &str,
) -> Result<Vec<crate::raw::RawPosting>, BoardError> {
    match kind {
        FeedKind::Greenhouse => greenhouse::parse(body, board, source),
        FeedKind::Lever => lever::parse(body, board, source),
        FeedKind::Ashby => ashby::parse(body, board, source),
    }
}
