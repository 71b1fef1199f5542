//! Raw postings (as job boards and files have them) into postings: each row is classified
//! (role, skills, seniority, remote, pay) and handed to the ordinary ingest, kept aside when
//! its title matches no role, or refused with a reason.

pub mod aside;
pub mod file_import;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::Date;
use crate::classify::pay::PayPeriod;
use crate::classify::{Classifier, Outcome};
use crate::ingest::{self, PostingInput, Rejection};
use crate::input_values;

/// Most rows one `ingestRawPostings` call takes.
pub const MAX_BATCH: usize = ingest::MAX_BATCH;

/// A posting as a job board or a file has it; salarygraph classifies it.
// Its `///` lines are the contract's descriptions of `RawPostingInput` (feature `graphql`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject), graphql(name = "RawPostingInput"))]
#[serde(rename_all = "camelCase")]
pub struct RawPosting {
    /// Where it was found.
    pub source: String,
    /// Its id there; with `source`, its identity.
    pub external_id: String,
    /// Title as posted: its role, and seniority words, come from it.
    pub title: String,
    /// Hiring company.
    pub company: String,
    /// Location as written ("Remote - US", "Hybrid - London").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Description, plain text or HTML: skills, years of experience, remote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lower pay bound in `payCurrency` per `payPeriod`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "input_values::read_optional")]
    pub pay_min: Option<f64>,
    /// Upper pay bound.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "input_values::read_optional")]
    pub pay_max: Option<f64>,
    /// ISO currency of the bounds (default USD; others need an exchange rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_currency: Option<String>,
    /// Period of the bounds (default YEAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_period: Option<PayPeriod>,
    /// Pay as written, read when no bounds are given ("$150K–$200K a year", "$75/hr").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_text: Option<String>,
    /// Remote, when the source states it (else read from location and description).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "input_values::read_optional")]
    pub remote: Option<bool>,
    /// Date posted (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_at: Option<Date>,
    /// Date closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Date>,
    /// The advert's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What a raw ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawReport {
    /// Postings created.
    pub inserted: usize,
    /// Postings updated (same source and external id).
    pub updated: usize,
    /// Rows kept aside: their title matches no role.
    pub unclassified: usize,
    /// Rows refused, each with its reason.
    pub rejected: Vec<Rejection>,
}

impl RawReport {
    /// Adds another batch's report to this one.
    pub fn merge(&mut self, other: RawReport) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unclassified += other.unclassified;
        self.rejected.extend(other.rejected);
    }
}

/// Classifies and stores a batch in one transaction: postings through the ordinary ingest,
/// unclassified rows aside (a posting whose title no longer matches a role moves aside
/// too), refusals reported by index from `first_index`.
pub async fn ingest_raw(
    db: &DatabaseConnection,
    classifier: &Classifier,
    rows: Vec<RawPosting>,
    first_index: usize,
    now: DateTime<Utc>,
) -> Result<RawReport, DbErr> {
    let today = now.date_naive();
    let mut report = RawReport::default();
    let mut postings: Vec<PostingInput> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    let mut aside: Vec<(RawPosting, String)> = Vec::new();
    for (offset, row) in rows.into_iter().enumerate() {
        match classifier.classify(&row, today) {
            Outcome::Posting(posting) => {
                positions.push(first_index + offset);
                postings.push(*posting);
            }
            Outcome::Unclassified { title_key } => aside.push((row, title_key)),
            Outcome::Refused(reason) => report.rejected.push(Rejection {
                index: first_index + offset,
                external_id: Some(row.external_id.clone()).filter(|e| !e.trim().is_empty()),
                reason,
            }),
        }
    }
    let classified_keys: Vec<(String, String)> =
        postings.iter().map(|p| (p.source.trim().to_owned(), p.external_id.trim().to_owned())).collect();
    // The postings are stored (in a transaction of their own) before the rows kept aside are
    // brought up to date: should the second step fail, a row is at worst both a posting and
    // still listed aside until the next ingest or reclassification, never lost.
    let stored = ingest::ingest(db, postings, 0, now).await?;
    let refused: std::collections::HashSet<usize> = stored.rejected.iter().map(|r| r.index).collect();
    report.inserted = stored.inserted;
    report.updated = stored.updated;
    report.rejected.extend(stored.rejected.into_iter().map(|mut r| {
        r.index = positions.get(r.index).copied().unwrap_or(r.index);
        r
    }));
    let now_classified: Vec<(String, String)> =
        classified_keys.into_iter().enumerate().filter(|(i, _)| !refused.contains(i)).map(|(_, k)| k).collect();
    let txn = db.begin().await?;
    aside::remove(&txn, &now_classified).await?;
    report.unclassified = aside.len();
    aside::keep(&txn, aside, now).await?;
    txn.commit().await?;
    report.rejected.sort_by_key(|r| r.index);
    Ok(report)
}

/// What a reclassification did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReclassifyReport {
    /// Rows that were kept aside and looked at again.
    pub examined: usize,
    /// Of them, those that became postings.
    pub classified: usize,
    /// Those still matching no role.
    pub unclassified: usize,
    /// Those refused now (e.g. an exchange rate was removed); they stay aside.
    pub rejected: Vec<Rejection>,
}

/// Rows read per pass over the rows kept aside.
const RECLASSIFY_PAGE: u64 = 1_000;

/// Runs the current rules again over every row kept aside; those that match a role now
/// become postings and leave the aside list.
pub async fn reclassify(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<ReclassifyReport, DbErr> {
    let classifier = Classifier::load(db).await?;
    let mut report = ReclassifyReport::default();
    let mut after_id = 0;
    loop {
        let page = aside::page(db, after_id, RECLASSIFY_PAGE).await?;
        let Some(last) = page.last() else { break };
        after_id = last.0;
        let rows: Vec<RawPosting> = page.into_iter().map(|(_, row)| row).collect();
        report.examined += rows.len();
        let count = rows.len();
        let part = ingest_raw(db, &classifier, rows, report.examined - count, now).await?;
        report.classified += part.inserted + part.updated;
        report.unclassified += part.unclassified;
        report.rejected.extend(part.rejected);
    }
    Ok(report)
}
