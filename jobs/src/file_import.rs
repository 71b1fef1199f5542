//! `salarygraph import FILE`: postings from JSON Lines or CSV, streamed in batches so that
//! millions of rows need little memory. Rejections carry their line numbers.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::ingest::{self, PostingInput, Rejection};

mod csv_row;
pub(crate) mod rows;

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line with the `PostingInput` field names.
    JsonLines,
    /// A header row with the `PostingInput` field names; skills separated by `;`; an empty
    /// cell for an absent field.
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
    /// The rejects file could not be written.
    #[error("--rejects {path}: {source}")]
    Rejects {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Rows as read from a file: each with its line number (1-based, as an editor shows them),
/// parsed or refused with a reason.
pub(crate) type RowsOf<T> = Box<dyn Iterator<Item = (usize, Result<T, String>)> + Send>;

/// The columns a CSV file of postings must have: the fields without a default.
const REQUIRED_COLUMNS: &[&str] =
    &["source", "externalId", "role", "title", "company", "remote", "seniority", "postedAt"];

fn posting_rows(reader: impl Read + Send + 'static, format: Format) -> Result<RowsOf<PostingInput>, ImportError> {
    match format {
        Format::JsonLines => Ok(rows::json_lines(reader, "posting")),
        Format::Csv => rows::csv_rows(reader, REQUIRED_COLUMNS, "posting"),
    }
}

/// Rows read, validated and stored per transaction.
pub const IMPORT_BATCH: usize = 20_000;

/// What an import stored and refused, in counts (the refused rows went to a [`RejectionLog`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Postings created.
    pub inserted: usize,
    /// Postings that existed and were updated.
    pub updated: usize,
    /// Rows refused.
    pub rejected: usize,
    /// Raw rows kept aside because their title matches no role (`import --raw` only).
    pub unclassified: usize,
    /// The line reached in the file.
    pub line: usize,
}

/// Imports a file in batches of [`IMPORT_BATCH`] rows, each stored in one transaction.
/// Refused rows go to `rejections` in line order as they are found, so memory does not grow
/// with their number; `on_batch` gets the running counts after each batch.
pub async fn import_file(
    db: &DatabaseConnection,
    path: &Path,
    format: Format,
    now: DateTime<Utc>,
    rejections: &mut RejectionLog,
    mut on_batch: impl FnMut(&ImportSummary),
) -> Result<ImportSummary, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.display().to_string(), source })?;
    let rows = posting_rows(file, format)?;
    import_rows(db, path, rows, IMPORT_BATCH, rejections, &mut on_batch, async |inputs| {
        let part = ingest::ingest(db, inputs, 0, now).await?;
        Ok(StoredBatch { inserted: part.inserted, updated: part.updated, unclassified: 0, rejected: part.rejected })
    })
    .await
}

/// What storing one batch of a file did.
pub(crate) struct StoredBatch {
    /// Postings created.
    pub(crate) inserted: usize,
    /// Postings updated.
    pub(crate) updated: usize,
    /// Rows kept aside (raw postings whose title matches no role).
    pub(crate) unclassified: usize,
    /// Rows the store refused, by position in the batch.
    pub(crate) rejected: Vec<Rejection>,
}

/// The import of any file of rows: reads them in batches of `size` one batch ahead (see
/// [`spawn_reader`]), stores each batch with `store`, records refused rows by line, reports
/// the running counts to `on_batch`, and gathers planner statistics at the end.
pub(crate) async fn import_rows<T: Send + 'static>(
    db: &DatabaseConnection,
    path: &Path,
    rows: RowsOf<T>,
    size: usize,
    rejections: &mut RejectionLog,
    on_batch: &mut impl FnMut(&ImportSummary),
    mut store: impl AsyncFnMut(Vec<T>) -> Result<StoredBatch, ImportError>,
) -> Result<ImportSummary, ImportError> {
    let (mut batches, reader) = spawn_reader(rows, size);
    let mut summary = ImportSummary::default();
    while let Some(batch) = batches.recv().await {
        summary.line = batch.last_line;
        let part = store(batch.inputs).await?;
        summary.inserted += part.inserted;
        summary.updated += part.updated;
        summary.unclassified += part.unclassified;
        record_refused(&mut summary, rejections, batch.refused, part.rejected, &batch.line_numbers)?;
        on_batch(&summary);
    }
    finish_reader(reader, path).await?;
    crate::statistics::refresh(db).await?;
    Ok(summary)
}

/// One batch of rows as read: the parsed inputs with their line numbers, the rows that did
/// not parse, and the last line read.
struct ParsedBatch<T> {
    inputs: Vec<T>,
    line_numbers: Vec<usize>,
    refused: Vec<Rejection>,
    last_line: usize,
}

/// Reads and parses `rows` in batches of `size` on a thread of its own, one batch ahead of
/// the database: parsing the next batch overlaps with storing this one.
fn spawn_reader<T: Send + 'static>(
    rows: RowsOf<T>,
    size: usize,
) -> (tokio::sync::mpsc::Receiver<ParsedBatch<T>>, tokio::task::JoinHandle<()>) {
    let (send, batches) = tokio::sync::mpsc::channel(1);
    (batches, tokio::task::spawn_blocking(move || read_batches(rows, size, send)))
}

/// Waits for the reader; it only ends early when the importer stopped listening.
async fn finish_reader(reader: tokio::task::JoinHandle<()>, path: &Path) -> Result<(), ImportError> {
    reader.await.map_err(|e| ImportError::Io { path: path.display().to_string(), source: std::io::Error::other(e) })
}

fn read_batches<T>(mut rows: RowsOf<T>, size: usize, send: tokio::sync::mpsc::Sender<ParsedBatch<T>>) {
    loop {
        let mut batch = ParsedBatch {
            inputs: Vec::with_capacity(size),
            line_numbers: Vec::with_capacity(size),
            refused: Vec::new(),
            last_line: 0,
        };
        let mut taken = 0;
        for (line, parsed) in rows.by_ref().take(size) {
            taken += 1;
            batch.last_line = line;
            match parsed {
                Ok(input) => {
                    batch.line_numbers.push(line);
                    batch.inputs.push(input);
                }
                Err(reason) => batch.refused.push(Rejection { index: line, external_id: None, reason }),
            }
        }
        if taken == 0 || send.blocking_send(batch).is_err() || taken < size {
            return;
        }
    }
}

/// Records a stored batch's refused rows in line order: those that did not parse (already
/// by line) and those the store refused (by position in the batch, turned into lines).
fn record_refused(
    summary: &mut ImportSummary,
    rejections: &mut RejectionLog,
    mut refused: Vec<Rejection>,
    stored_refused: Vec<Rejection>,
    line_numbers: &[usize],
) -> Result<(), ImportError> {
    refused.extend(stored_refused.into_iter().map(|mut rejection| {
        rejection.index = line_numbers.get(rejection.index).copied().unwrap_or(rejection.index);
        rejection
    }));
    refused.sort_by_key(|r| r.index);
    summary.rejected += refused.len();
    for rejection in refused {
        rejections.record(rejection)?;
    }
    Ok(())
}

/// Where an import's refused rows go: every one to the rejects file when there is one
/// (CSV: line, externalId, reason), the first [`RejectionLog::SHOWN`] kept to show, and a
/// count per reason (for at most [`RejectionLog::REASONS`] reasons; the rest are counted
/// together).
pub struct RejectionLog {
    file: Option<(String, csv::Writer<File>)>,
    shown: Vec<Rejection>,
    by_reason: HashMap<String, usize>,
    other_reasons: usize,
    total: usize,
}

impl RejectionLog {
    /// Rejections kept to show on the terminal.
    pub const SHOWN: usize = 20;
    /// Distinct reasons counted one by one.
    pub const REASONS: usize = 100;

    /// A log that writes every rejection to `rejects_file` (created or truncated) when given.
    pub fn new(rejects_file: Option<&Path>) -> Result<Self, ImportError> {
        let file = match rejects_file {
            None => None,
            Some(path) => {
                let name = path.display().to_string();
                let io = |source: std::io::Error| ImportError::Rejects { path: name.clone(), source };
                let mut writer = csv::Writer::from_path(path).map_err(|e| io(e.into()))?;
                writer.write_record(["line", "externalId", "reason"]).map_err(|e| io(e.into()))?;
                Some((name, writer))
            }
        };
        Ok(Self { file, shown: Vec::new(), by_reason: HashMap::new(), other_reasons: 0, total: 0 })
    }

    /// Records one refused row.
    pub fn record(&mut self, rejection: Rejection) -> Result<(), ImportError> {
        self.total += 1;
        if let Some((name, writer)) = &mut self.file {
            let line = rejection.index.to_string();
            writer
                .write_record([
                    line.as_str(),
                    rejection.external_id.as_deref().unwrap_or(""),
                    rejection.reason.as_str(),
                ])
                .map_err(|e| ImportError::Rejects { path: name.clone(), source: e.into() })?;
        }
        let known = self.by_reason.len();
        match self.by_reason.get_mut(&rejection.reason) {
            Some(count) => *count += 1,
            None if known < Self::REASONS => {
                self.by_reason.insert(rejection.reason.clone(), 1);
            }
            None => self.other_reasons += 1,
        }
        if self.shown.len() < Self::SHOWN {
            self.shown.push(rejection);
        }
        Ok(())
    }

    /// Rows refused so far.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The first refused rows, in line order.
    pub fn first(&self) -> &[Rejection] {
        &self.shown
    }

    /// Counts per reason, most frequent first (ties by reason), then the count of rows refused
    /// for reasons past the first [`RejectionLog::REASONS`].
    pub fn by_reason(&self) -> (Vec<(&str, usize)>, usize) {
        let mut reasons: Vec<(&str, usize)> = self.by_reason.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        (reasons, self.other_reasons)
    }

    /// Writes out the rejects file.
    pub fn flush(&mut self) -> Result<(), ImportError> {
        if let Some((name, writer)) = &mut self.file {
            writer.flush().map_err(|source| ImportError::Rejects { path: name.clone(), source })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(line: usize, reason: &str) -> Rejection {
        Rejection { index: line, external_id: Some(format!("x{line}")), reason: reason.to_owned() }
    }

    #[test]
    fn the_log_keeps_the_first_rows_and_counts_by_reason_within_its_bounds() {
        let mut log = RejectionLog::new(None).expect("log");
        for line in 2..1_000 {
            let reason = if line % 3 == 0 { "unknown role \"ghost\"".to_owned() } else { format!("reason {line}") };
            log.record(rejection(line, &reason)).expect("record");
        }
        assert_eq!(log.total(), 998);
        assert_eq!(log.first().len(), RejectionLog::SHOWN);
        assert_eq!(log.first()[0].index, 2);
        let (reasons, other) = log.by_reason();
        assert_eq!(reasons.len(), RejectionLog::REASONS);
        assert_eq!(reasons[0], ("unknown role \"ghost\"", 333));
        assert_eq!(reasons.iter().map(|(_, n)| n).sum::<usize>() + other, 998);
    }

    #[test]
    fn the_rejects_file_lists_every_row_as_csv() {
        let path = std::env::temp_dir().join(format!("rejects-{}.csv", rand::random::<u64>()));
        let mut log = RejectionLog::new(Some(&path)).expect("log");
        log.record(rejection(3, "remote: \"maybe\" is not true or false")).expect("record");
        log.record(Rejection { index: 7, external_id: None, reason: "not a posting: x, y".into() }).expect("record");
        log.flush().expect("flush");
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            written,
            "line,externalId,reason\n3,x3,\"remote: \"\"maybe\"\" is not true or false\"\n7,,\"not a posting: x, y\"\n"
        );
        let _ = std::fs::remove_file(path);
    }
}
