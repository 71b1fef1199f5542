//! Relay-style pagination: opaque cursors over ids, `first` at most 100.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// Most items one page may ask for.
pub const MAX_FIRST: i32 = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Items wanted.
    pub first: u64,
    /// Items after this id.
    pub after: Option<i32>,
}

/// The cursor of an item of `kind` with `id`.
pub fn cursor(kind: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

impl Page {
    /// Checks `first` and decodes `after` (a cursor of the same kind).
    pub fn parse(first: i32, after: Option<&str>, kind: &str) -> Result<Self, ApiError> {
        if !(0..=MAX_FIRST).contains(&first) {
            return Err(ApiError::BadUserInput(format!("first must be between 0 and {MAX_FIRST}, got {first}")));
        }
        let after = after
            .map(|c| {
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .and_then(|s| s.strip_prefix(&format!("{kind}:")).and_then(|id| id.parse::<i32>().ok()))
                    .ok_or_else(|| ApiError::BadUserInput(format!("after: \"{c}\" is not a cursor of this list")))
            })
            .transpose()?;
        Ok(Self { first: first as u64, after })
    }
}

impl From<Page> for jobs::keyset::PageRequest {
    fn from(page: Page) -> Self {
        Self { first: page.first, after: page.after }
    }
}

/// Whether there is a next page, given rows fetched with `first + 1`; trims the extra.
pub fn split_page<T>(rows: &mut Vec<T>, page: Page) -> bool {
    let more = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    more
}

/// The total of a list when the page itself shows it: the first page, with nothing after it.
pub fn known_total(page: Page, has_next_page: bool, rows: usize) -> Option<i32> {
    (page.after.is_none() && !has_next_page).then(|| i32::try_from(rows).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let page = Page::parse(10, Some(&cursor("role", 42)), "role").expect("valid");
        assert_eq!(page.after, Some(42));
        assert!(Page::parse(10, Some(&cursor("posting", 42)), "role").is_err());
        assert!(Page::parse(10, Some("garbage!"), "role").is_err());
        let err = Page::parse(101, None, "role").expect_err("too many");
        assert_eq!(err.to_string(), "first must be between 0 and 100, got 101");
        assert!(Page::parse(-1, None, "role").is_err());
    }

    #[test]
    fn only_a_whole_first_page_shows_its_total() {
        let first = Page::parse(10, None, "role").expect("valid");
        let later = Page::parse(10, Some(&cursor("role", 3)), "role").expect("valid");
        assert_eq!(known_total(first, false, 7), Some(7));
        assert_eq!(known_total(first, true, 10), None);
        assert_eq!(known_total(later, false, 2), None);
    }
}
