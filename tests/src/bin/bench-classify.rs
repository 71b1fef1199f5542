//! Measures the classification: role precision and recall on the labelled titles, skill
//! precision and recall on the labelled descriptions, and raw normalisation speed (postings
//! classified a second, one thread) over real titles and descriptions.
//!
//! `cargo run --release -p salarygraph-tests --bin bench-classify -- [POSTINGS] [--mistakes]`

use std::time::Instant;

use chrono::NaiveDate;
use jobs::classify::Outcome;
use jobs::raw::RawPosting;
use salarygraph_tests::quality::{descriptions, role_score, shipped_classifier, skill_score, titles};

const SALARIES: &str = "/work/shared/data/aijobs-salaries-2024-12-15.csv";

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let show_mistakes = std::env::args().any(|a| a == "--mistakes");
    let classifier = shipped_classifier();
    println!("classifier: {} rules, {} dictionary skills", classifier.rule_count(), classifier.skill_count());

    let (roles, role_mistakes) = role_score(&classifier);
    println!(
        "roles:  {} titles, precision {:.1}% ({} of {}), recall {:.1}% ({} of {})",
        titles().len(),
        100.0 * roles.precision(),
        roles.true_positives,
        roles.true_positives + roles.false_positives,
        100.0 * roles.recall(),
        roles.true_positives,
        roles.true_positives + roles.false_negatives
    );
    let (skills, skill_mistakes) = skill_score(&classifier);
    println!(
        "skills: {} descriptions, precision {:.1}% ({} of {}), recall {:.1}% ({} of {})",
        descriptions().len(),
        100.0 * skills.precision(),
        skills.true_positives,
        skills.true_positives + skills.false_positives,
        100.0 * skills.recall(),
        skills.true_positives,
        skills.true_positives + skills.false_negatives
    );
    if show_mistakes {
        role_mistakes.iter().chain(&skill_mistakes).for_each(|m| println!("  {m}"));
    }

    // Real titles (the salary index, with its seniority as a title word) and real
    // descriptions (HTML, as boards send them), with pay as text.
    let mut reader = csv::Reader::from_path(SALARIES).unwrap_or_else(|e| panic!("{SALARIES}: {e}"));
    let rows: Vec<(String, String, i64)> = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| (r[3].to_owned(), r[1].to_owned(), r[6].parse().unwrap_or(100_000)))
        .collect();
    let texts: Vec<String> =
        descriptions().into_iter().map(|d| format!("<p>{}</p><ul><li>Apply now</li></ul>", d.description)).collect();
    let locations = ["Remote - US", "San Francisco, CA", "Hybrid - London, UK", "Berlin", "New York, NY; Remote"];
    let postings: Vec<RawPosting> = (0..count)
        .map(|i| {
            let (title, level, salary) = &rows[i % rows.len()];
            let prefix = match level.as_str() {
                "SE" => "Senior ",
                "EN" => "Junior ",
                "EX" => "Principal ",
                _ => "",
            };
            RawPosting {
                source: "bench".into(),
                external_id: i.to_string(),
                title: format!("{prefix}{title}"),
                company: "Company".into(),
                location: Some(locations[i % locations.len()].into()),
                description: Some(texts[i % texts.len()].clone()),
                pay_text: Some(format!("${salary} - ${} a year", salary + salary / 5)),
                ..Default::default()
            }
        })
        .collect();
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let bytes: usize = postings.iter().map(|p| p.title.len() + p.description.as_ref().map_or(0, String::len)).sum();
    let started = Instant::now();
    let (mut classified, mut aside, mut refused) = (0, 0, 0);
    for posting in &postings {
        match classifier.classify(posting, day) {
            Outcome::Posting(_) => classified += 1,
            Outcome::Unclassified { .. } => aside += 1,
            Outcome::Refused(_) => refused += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "speed:  {count} raw postings ({:.0} MB of titles and descriptions) in {elapsed:.2} s: {:.0} postings/s, one thread ({classified} classified, {aside} kept aside, {refused} refused)",
        bytes as f64 / 1e6,
        count as f64 / elapsed
    );
}
