//! Skills from a posting's title and description: every alias of the dictionary in one
//! pass (Aho-Corasick, ASCII case-insensitive), kept where it stands on word boundaries.
//! Overlapping matches go to the longest ("google cloud platform" over "google cloud").

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Most skills one posting gets (the ingest's limit).
pub const MAX_SKILLS: usize = crate::ingest::MAX_SKILLS;

/// The dictionary compiled for matching.
#[derive(Debug, Clone)]
pub struct SkillDictionary {
    /// Canonical names.
    names: Vec<String>,
    /// Per pattern: the index of its canonical name, and whether its first and last
    /// characters are word characters (only then must a boundary surround them).
    patterns: Vec<(usize, bool, bool)>,
    matcher: Option<AhoCorasick>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl SkillDictionary {
    /// Compiles `(canonical name, aliases)` entries.
    pub fn new(entries: Vec<(String, Vec<String>)>) -> Self {
        let mut names = Vec::with_capacity(entries.len());
        let mut patterns = Vec::new();
        let mut texts = Vec::new();
        for (name, aliases) in entries {
            let index = names.len();
            names.push(name);
            for alias in aliases {
                let alias = alias.split_whitespace().collect::<Vec<_>>().join(" ");
                let bytes = alias.as_bytes();
                let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else { continue };
                patterns.push((index, is_word_byte(first), is_word_byte(last)));
                texts.push(alias);
            }
        }
        let matcher = if texts.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(&texts).ok()
        };
        Self { names, patterns, matcher }
    }

    /// How many canonical skills it holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The canonical skills named in `text`, in order of first mention, at most
    /// [`MAX_SKILLS`]; `ignore` filters out names (e.g. the hiring company's own product).
    pub fn extract(&self, text: &str, ignore: impl Fn(&str) -> bool) -> Vec<String> {
        let Some(matcher) = &self.matcher else { return Vec::new() };
        let bytes = text.as_bytes();
        let mut found: Vec<(usize, usize, usize)> = matcher
            .find_overlapping_iter(text)
            .filter_map(|m| {
                let (skill, word_start, word_end) = self.patterns[m.pattern().as_usize()];
                let before_ok = !word_start || m.start() == 0 || !is_word_byte(bytes[m.start() - 1]);
                let after_ok = !word_end || m.end() == bytes.len() || !is_word_byte(bytes[m.end()]);
                (before_ok && after_ok).then_some((m.start(), m.end(), skill))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut skills: Vec<usize> = Vec::new();
        let mut covered_to = 0;
        for (start, end, skill) in found {
            if start < covered_to {
                continue;
            }
            covered_to = end;
            if !skills.contains(&skill) {
                skills.push(skill);
            }
        }
        skills
            .into_iter()
            .map(|i| self.names[i].as_str())
            .filter(|name| !ignore(name))
            .take(MAX_SKILLS)
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionary() -> SkillDictionary {
        let entry = |name: &str, aliases: &[&str]| (name.to_owned(), aliases.iter().map(|a| (*a).to_owned()).collect());
        SkillDictionary::new(vec![
            entry("RAG", &["rag", "retrieval-augmented generation", "retrieval augmented generation"]),
            entry("PyTorch", &["pytorch"]),
            entry("GCP", &["gcp", "google cloud", "google cloud platform"]),
            entry("C++", &["c++"]),
            entry("Go", &["golang"]),
            entry("Node.js", &["node.js"]),
            entry("Cloud", &["cloud"]),
        ])
    }

    #[test]
    fn aliases_match_case_insensitively_on_word_boundaries() {
        let d = dictionary();
        let none = |_: &str| false;
        assert_eq!(
            d.extract("Retrieval-Augmented Generation with PYTORCH on Google Cloud Platform; RAG again", none),
            ["RAG", "PyTorch", "GCP"]
        );
        assert_eq!(d.extract("fragments, pytorchx, xgcp, golangci", none), Vec::<String>::new());
        assert_eq!(d.extract("C++, Golang and Node.js.", none), ["C++", "Go", "Node.js"]);
        // The longest overlapping match wins: "google cloud" is GCP, not Cloud.
        assert_eq!(d.extract("google cloud", none), ["GCP"]);
        assert_eq!(d.extract("Cloud first", none), ["Cloud"]);
        assert_eq!(d.extract("PyTorch at GCP", |n| n == "GCP"), ["PyTorch"]);
    }
}
