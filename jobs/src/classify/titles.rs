//! Roles from titles. Every rule is a phrase of whole words; the precedence is fixed:
//!
//! 1. A role with an EXCLUDE phrase in the title is out, whatever else matches.
//! 2. Of the MATCH phrases left, the longest (in characters) wins: a more specific phrase
//!    beats a general one ("generative ai engineer" beats "ai engineer").
//! 3. Equal lengths: the rule created first (lowest id) wins.
//!
//! No MATCH phrase left: the title is unclassified.

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use entity::RuleKind;

use super::text::words;

/// A rule as the matcher uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id (what a classified posting records).
    pub id: i32,
    /// The role it classifies into.
    pub role_id: i32,
    /// MATCH or EXCLUDE.
    pub kind: RuleKind,
    /// Lower-case words separated by one space.
    pub phrase: String,
}

/// The role a title belongs to, and the rule that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The role.
    pub role_id: i32,
    /// The MATCH rule that won.
    pub rule_id: i32,
}

/// Every rule, compiled into one multi-pattern matcher over space-padded titles.
#[derive(Debug, Clone)]
pub struct RoleRules {
    rules: Vec<Rule>,
    matcher: Option<AhoCorasick>,
}

impl RoleRules {
    /// Compiles rules (their phrases already normalised with [`words`]).
    pub fn new(mut rules: Vec<Rule>) -> Self {
        rules.retain(|r| !r.phrase.is_empty());
        rules.sort_by_key(|r| r.id);
        let patterns: Vec<String> = rules.iter().map(|r| format!(" {} ", r.phrase)).collect();
        let matcher = if patterns.is_empty() { None } else { AhoCorasick::new(&patterns).ok() };
        Self { rules, matcher }
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The role of a title, if a rule gives one.
    pub fn classify(&self, title: &str) -> Option<Classification> {
        let matcher = self.matcher.as_ref()?;
        let padded = format!(" {} ", words(title));
        let mut excluded: HashSet<i32> = HashSet::new();
        let mut matched: Vec<&Rule> = Vec::new();
        for m in matcher.find_overlapping_iter(&padded) {
            let rule = &self.rules[m.pattern().as_usize()];
            match rule.kind {
                RuleKind::Exclude => {
                    excluded.insert(rule.role_id);
                }
                RuleKind::Match => matched.push(rule),
            }
        }
        matched
            .into_iter()
            .filter(|r| !excluded.contains(&r.role_id))
            .min_by(|a, b| b.phrase.len().cmp(&a.phrase.len()).then(a.id.cmp(&b.id)))
            .map(|r| Classification { role_id: r.role_id, rule_id: r.id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i32, role_id: i32, kind: RuleKind, phrase: &str) -> Rule {
        Rule { id, role_id, kind, phrase: words(phrase) }
    }

    fn rules() -> RoleRules {
        RoleRules::new(vec![
            rule(1, 10, RuleKind::Match, "ai engineer"),
            rule(2, 10, RuleKind::Match, "machine learning engineer"),
            rule(3, 10, RuleKind::Exclude, "manager"),
            rule(4, 20, RuleKind::Match, "generative ai engineer"),
            rule(5, 30, RuleKind::Match, "data scientist"),
            rule(6, 40, RuleKind::Match, "ml engineer"),
            rule(7, 50, RuleKind::Match, "ml engineer"),
        ])
    }

    #[test]
    fn the_longest_phrase_wins_and_exclusions_win_over_everything() {
        let rules = rules();
        let role = |t: &str| rules.classify(t).map(|c| (c.role_id, c.rule_id));
        assert_eq!(role("Senior AI Engineer"), Some((10, 1)));
        assert_eq!(role("Generative AI Engineer"), Some((20, 4)));
        assert_eq!(role("AI Engineering Manager"), None);
        assert_eq!(role("Machine Learning Engineer, Manager"), None);
        assert_eq!(role("Sr. Data-Scientist"), Some((30, 5)));
        // Whole words only.
        assert_eq!(role("Data Scientists Lead"), None);
        assert_eq!(role("Paid Engineer"), None);
        // Same length: the older rule.
        assert_eq!(role("ML Engineer"), Some((40, 6)));
        assert_eq!(RoleRules::new(Vec::new()).classify("AI Engineer"), None);
    }
}
