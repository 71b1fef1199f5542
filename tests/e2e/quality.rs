//! The shipped rules and skill dictionary against the labelled real titles and descriptions
//! (figures in BENCHMARKS.md): a change that makes them worse than the targets fails here.

use salarygraph_tests::quality::{descriptions, role_score, shipped_classifier, skill_score, titles};

#[test]
fn the_labelled_sets_are_as_large_as_promised() {
    assert!(titles().len() >= 300, "{} titles", titles().len());
    assert!(descriptions().len() >= 50, "{} descriptions", descriptions().len());
}

#[test]
fn roles_from_titles_reach_95_percent_precision_and_90_percent_recall() {
    let (score, mistakes) = role_score(&shipped_classifier());
    assert!(score.precision() >= 0.95 && score.recall() >= 0.90, "{score:?}\n{}", mistakes.join("\n"));
}

#[test]
fn skills_from_descriptions_reach_90_percent_precision() {
    let (score, mistakes) = skill_score(&shipped_classifier());
    assert!(score.precision() >= 0.90, "{score:?} precision {:.3}\n{}", score.precision(), mistakes.join("\n"));
}
