//! `salarygraph import FILE`: postings from JSON Lines or CSV, streamed in batches so that
//! millions of rows need little memory. Rejections carry their line numbers.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::ingest::{self, IngestReport, MAX_BATCH, PostingInput, Rejection, SalaryPeriod};

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line with the `PostingInput` field names.
    JsonLines,
    /// A header row with the `PostingInput` field names; skills separated by `;`.
    Csv,
}

impl Format {
    /// The format a file name suggests (`.csv`, else JSON Lines).
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Self::Csv,
            _ => Self::JsonLines,
        }
    }
}

/// Why an import stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV header lacks a required column.
    #[error("{0}")]
    Header(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

type Parsed = Result<PostingInput, String>;

fn parse_json_line(line: &str) -> Parsed {
    serde_json::from_str::<PostingInput>(line).map_err(|e| format!("not a posting: {e}"))
}

const REQUIRED_COLUMNS: &[&str] =
    &["source", "externalId", "role", "title", "company", "remote", "seniority", "postedAt"];

struct CsvColumns {
    names: Vec<String>,
}

impl CsvColumns {
    fn new(header: &csv::StringRecord) -> Result<Self, ImportError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
        let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !names.iter().any(|n| n == c)).collect();
        if missing.is_empty() {
            Ok(Self { names })
        } else {
            Err(ImportError::Header(format!("CSV header lacks the columns: {}", missing.join(", "))))
        }
    }

    fn parse(&self, record: &csv::StringRecord) -> Parsed {
        let get = |name: &str| -> Option<&str> {
            self.names
                .iter()
                .position(|n| n == name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let text = |name: &str| get(name).unwrap_or_default().to_owned();
        let number = |name: &str| -> Result<Option<i64>, String> {
            get(name)
                .map(|v| v.parse::<i64>().map_err(|_| format!("{name}: \"{v}\" is not a whole number")))
                .transpose()
        };
        let date = |name: &str| -> Result<Option<NaiveDate>, String> {
            get(name)
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map_err(|_| format!("{name}: \"{v}\" is not a date (YYYY-MM-DD)"))
                })
                .transpose()
        };
        let remote = match get("remote").map(str::to_ascii_lowercase).as_deref() {
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            other => return Err(format!("remote: \"{}\" is not true or false", other.unwrap_or(""))),
        };
        let seniority = match get("seniority").map(str::to_ascii_uppercase).as_deref() {
            Some("ENTRY") => entity::Seniority::Entry,
            Some("MID") => entity::Seniority::Mid,
            Some("SENIOR") => entity::Seniority::Senior,
            other => return Err(format!("seniority: \"{}\" is not ENTRY, MID or SENIOR", other.unwrap_or(""))),
        };
        let salary_period = match get("salaryPeriod").map(str::to_ascii_uppercase).as_deref() {
            None | Some("YEAR") => SalaryPeriod::Year,
            Some("MONTH") => SalaryPeriod::Month,
            Some("HOUR") => SalaryPeriod::Hour,
            Some(other) => return Err(format!("salaryPeriod: \"{other}\" is not YEAR, MONTH or HOUR")),
        };
        Ok(PostingInput {
            source: text("source"),
            external_id: text("externalId"),
            role: text("role"),
            title: text("title"),
            company: text("company"),
            metro: get("metro").map(str::to_owned),
            remote,
            seniority,
            salary_min: number("salaryMin")?,
            salary_max: number("salaryMax")?,
            currency: get("currency").unwrap_or("USD").to_owned(),
            salary_period,
            skills: get("skills")
                .map(|s| s.split(';').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default(),
            posted_at: date("postedAt")?.ok_or("postedAt is required")?,
            closed_at: date("closedAt")?,
            url: get("url").map(str::to_owned),
            rule_id: None,
        })
    }
}

/// Reads rows one by one with their line numbers (1-based, as an editor shows them).
fn rows(reader: Box<dyn Read>, format: Format) -> Result<Box<dyn Iterator<Item = (usize, Parsed)>>, ImportError> {
    match format {
        Format::JsonLines => {
            Ok(Box::new(BufReader::new(reader).lines().enumerate().filter_map(|(i, line)| match line {
                Ok(l) if l.trim().is_empty() => None,
                Ok(l) => Some((i + 1, parse_json_line(&l))),
                Err(e) => Some((i + 1, Err(format!("unreadable line: {e}")))),
            })))
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
            let header = reader.headers().map_err(|e| ImportError::Header(format!("CSV header: {e}")))?.clone();
            let columns = CsvColumns::new(&header)?;
            Ok(Box::new(reader.into_records().map(move |record| match record {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    (line, columns.parse(&r))
                }
                Err(e) => (e.position().map_or(0, |p| p.line() as usize), Err(format!("malformed CSV row: {e}"))),
            })))
        }
    }
}

/// Imports a file; `on_batch` gets the running report after each batch.
pub async fn import_file<C>(
    db: &C,
    path: &Path,
    format: Format,
    now: DateTime<Utc>,
    mut on_batch: impl FnMut(&IngestReport, usize),
) -> Result<IngestReport, ImportError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.display().to_string(), source })?;
    let mut rows = rows(Box::new(file), format)?;
    let mut report = IngestReport::default();
    let mut lines_read = 0;
    loop {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut line_numbers = Vec::with_capacity(MAX_BATCH);
        let mut taken = 0;
        for (line, parsed) in rows.by_ref().take(MAX_BATCH) {
            taken += 1;
            lines_read = line;
            match parsed {
                Ok(input) => {
                    line_numbers.push(line);
                    batch.push(input);
                }
                Err(reason) => report.rejected.push(Rejection { index: line, external_id: None, reason }),
            }
        }
        if taken == 0 {
            break;
        }
        let mut part = ingest::ingest(db, batch, 0, now).await?;
        // Rejections inside the batch carry batch positions: turn them into line numbers.
        for rejection in &mut part.rejected {
            rejection.index = line_numbers.get(rejection.index).copied().unwrap_or(rejection.index);
        }
        report.merge(part);
        on_batch(&report, lines_read);
        if taken < MAX_BATCH {
            break;
        }
    }
    report.rejected.sort_by_key(|r| r.index);
    Ok(report)
}
