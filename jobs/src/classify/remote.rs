//! Remote or not: the source's own field first, then the location, then the description.
//! "Hybrid" is not remote.

/// Phrases of a description that say the job is remote.
const REMOTE_PHRASES: &[&str] = &[
    "fully remote",
    "100% remote",
    "remote position",
    "remote role",
    "remote job",
    "remote opportunity",
    "remote-first",
    "remote first",
    "this role is remote",
    "this position is remote",
    "this is a remote",
    "work from home",
    "work-from-home",
    "work from anywhere",
    "work remotely",
    "working remotely",
];
/// Phrases of a description that say it is not (they win over the above).
const ON_SITE_PHRASES: &[&str] = &[
    "hybrid role",
    "hybrid position",
    "hybrid work",
    "hybrid schedule",
    "hybrid model",
    "hybrid arrangement",
    "not remote",
    "not a remote",
    "no remote",
    "in-office",
    "in office",
    "on-site role",
    "onsite role",
    "on-site position",
    "onsite position",
    "days a week in",
    "days per week in",
];

/// What a location says: remote, not remote (hybrid, or a place), or nothing.
pub fn from_location(location: &str) -> Option<bool> {
    let location = location.to_lowercase();
    if location.trim().is_empty() {
        return None;
    }
    if location.contains("hybrid") {
        return Some(false);
    }
    if ["remote", "anywhere", "work from home", "wfh"].iter().any(|w| location.contains(w)) {
        return Some(true);
    }
    None
}

/// What a description says: remote when it has a remote phrase and no on-site one.
pub fn from_description(description: &str) -> Option<bool> {
    let text = description.to_lowercase();
    if ON_SITE_PHRASES.iter().any(|p| text.contains(p)) {
        return Some(false);
    }
    REMOTE_PHRASES.iter().any(|p| text.contains(p)).then_some(true)
}

/// Remote or not, in that order of trust: the source's field, the location, the description.
pub fn remote(stated: Option<bool>, location: &str, description: &str) -> bool {
    stated.or_else(|| from_location(location)).or_else(|| from_description(description)).unwrap_or(false)
}

/// The metro a location names: its first place, without remote or hybrid words
/// ("San Francisco, CA; New York, NY" → "San Francisco"; "Remote - US" → none).
pub fn metro(location: &str) -> Option<String> {
    let first = location.split([';', '|', '/', '\n']).next().unwrap_or_default();
    let first = first.split(" or ").next().unwrap_or_default();
    let cleaned: String = first
        .split(['(', ')'])
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect::<Vec<_>>()
        .join(" ");
    let place = cleaned.split(',').next().unwrap_or_default();
    let kept: Vec<&str> = place
        .split(|c: char| c.is_whitespace() || c == '-' || c == '–')
        .filter(|w| !w.is_empty())
        .filter(|w| !["remote", "hybrid", "anywhere", "onsite", "on-site", "wfh"].contains(&w.to_lowercase().as_str()))
        .collect();
    let place = kept.join(" ");
    let generic = ["us", "usa", "united states", "global", "worldwide", "europe", "emea", "apac", "americas", "na"];
    if place.is_empty() || generic.contains(&place.to_lowercase().as_str()) {
        return None;
    }
    Some(place.chars().take(crate::ingest::MAX_TEXT_LEN).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_field_wins_then_the_location_then_the_description() {
        assert!(remote(Some(true), "Berlin", ""));
        assert!(!remote(Some(false), "Remote", "fully remote"));
        assert!(remote(None, "Remote - US", ""));
        assert!(!remote(None, "Hybrid - Remote friendly, NYC", "fully remote"));
        assert!(remote(None, "San Francisco", "This role is remote within the US."));
        assert!(!remote(None, "", "A hybrid role: work from home two days a week."));
        assert!(!remote(None, "", "We build remote sensing models."));
        assert!(remote(None, "Anywhere", ""));
    }

    #[test]
    fn the_metro_is_the_first_place_named() {
        assert_eq!(metro("San Francisco, CA; New York, NY").as_deref(), Some("San Francisco"));
        assert_eq!(metro("Hybrid - London, UK").as_deref(), Some("London"));
        assert_eq!(metro("Remote - US"), None);
        assert_eq!(metro("Remote"), None);
        assert_eq!(metro("New York City (Hybrid)").as_deref(), Some("New York City"));
        assert_eq!(metro("Berlin or Remote").as_deref(), Some("Berlin"));
        assert_eq!(metro(""), None);
    }
}
