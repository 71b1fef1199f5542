//! The classification's measured quality: the shipped rules and skill dictionary against the
//! labelled real titles and descriptions of `tests/fixtures/quality/`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jobs::classify::defaults::shipped_rules;
use jobs::classify::pay::Rates;
use jobs::classify::{Classifier, Outcome};
use jobs::raw::RawPosting;

/// The eight demo roles, with the ids the measurement gives them.
pub const ROLES: &[(i32, &str)] = &[
    (1, "ai-ml-engineer"),
    (2, "ai-architect"),
    (3, "llm-engineer"),
    (4, "data-scientist"),
    (5, "mlops-engineer"),
    (6, "nlp-engineer"),
    (7, "computer-vision-engineer"),
    (8, "ai-research-scientist"),
];

/// `tests/fixtures/quality/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/quality").join(name)
}

/// The classifier as shipped: the eight roles' rules and the migrations' dictionary.
pub fn shipped_classifier() -> Classifier {
    let slugs = ROLES.iter().map(|(id, slug)| (*id, (*slug).to_owned())).collect();
    Classifier::new(shipped_rules(ROLES), slugs, migration::shipped_skills(), Rates::new())
}

/// A labelled title.
#[derive(Debug, Clone)]
pub struct LabelledTitle {
    /// The title.
    pub title: String,
    /// Its role's slug, or `None`.
    pub role: Option<String>,
}

/// The labelled titles of `titles.tsv`.
pub fn titles() -> Vec<LabelledTitle> {
    let text = std::fs::read_to_string(fixture("titles.tsv")).expect("titles.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(title, role)| LabelledTitle {
            title: title.to_owned(),
            role: (role.trim() != "none").then(|| role.trim().to_owned()),
        })
        .collect()
}

/// A real description with its labelled skills.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LabelledDescription {
    /// Where the posting was published.
    pub source: String,
    /// Its title.
    pub title: String,
    /// Its text (an excerpt).
    pub description: String,
    /// The dictionary's skills it names, by canonical name.
    pub skills: Vec<String>,
}

/// The labelled descriptions of `descriptions.jsonl`.
pub fn descriptions() -> Vec<LabelledDescription> {
    let text = std::fs::read_to_string(fixture("descriptions.jsonl")).expect("descriptions.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled description"))
        .collect()
}

/// Precision and recall, with the counts behind them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    /// Predictions that were right.
    pub true_positives: usize,
    /// Predictions that were wrong.
    pub false_positives: usize,
    /// Labels that were missed.
    pub false_negatives: usize,
}

impl Score {
    /// Right predictions over all predictions.
    pub fn precision(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_positives).max(1) as f64
    }

    /// Right predictions over all labels.
    pub fn recall(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_negatives).max(1) as f64
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 2).expect("date")
}

fn raw(title: &str, description: &str) -> RawPosting {
    RawPosting {
        source: "quality".into(),
        external_id: "x".into(),
        title: title.into(),
        company: "Company".into(),
        description: Some(description.into()),
        ..Default::default()
    }
}

/// Role classification of the labelled titles: a title classified into a role is a true
/// positive when that is its label, else a false positive; a labelled title left
/// unclassified or given another role counts a false negative. Also returns the mistakes.
pub fn role_score(classifier: &Classifier) -> (Score, Vec<String>) {
    let mut score = Score::default();
    let mut mistakes = Vec::new();
    for t in titles() {
        let predicted = match classifier.classify(&raw(&t.title, ""), day()) {
            Outcome::Posting(p) => Some(p.role.clone()),
            _ => None,
        };
        match (&predicted, &t.role) {
            (Some(p), Some(l)) if p == l => score.true_positives += 1,
            (Some(p), label) => {
                score.false_positives += 1;
                if label.is_some() {
                    score.false_negatives += 1;
                }
                mistakes.push(format!("{:?}: {p}, labelled {}", t.title, label.as_deref().unwrap_or("none")));
            }
            (None, Some(l)) => {
                score.false_negatives += 1;
                mistakes.push(format!("{:?}: none, labelled {l}", t.title));
            }
            (None, None) => {}
        }
    }
    (score, mistakes)
}

/// Skill extraction over the labelled descriptions (title and text, as ingest reads them).
pub fn skill_score(classifier: &Classifier) -> (Score, Vec<String>) {
    let dictionary: HashMap<String, Vec<String>> = migration::shipped_skills().into_iter().collect();
    let mut score = Score::default();
    let mut mistakes = Vec::new();
    for d in descriptions() {
        for skill in &d.skills {
            assert!(dictionary.contains_key(skill), "{}: \"{skill}\" is not a skill of the dictionary", d.source);
        }
        let plain = jobs::classify::text::plain_text(&d.description);
        let found: HashSet<String> = classifier.skills_in(&d.title, &plain, "").into_iter().collect();
        let labelled: HashSet<String> = d.skills.iter().cloned().collect();
        for s in &found {
            if labelled.contains(s) {
                score.true_positives += 1;
            } else {
                score.false_positives += 1;
                mistakes.push(format!("{}: found {s}, not labelled", d.source));
            }
        }
        for s in labelled.difference(&found) {
            score.false_negatives += 1;
            mistakes.push(format!("{}: missed {s}", d.source));
        }
    }
    (score, mistakes)
}
