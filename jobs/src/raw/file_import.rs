//! `salarygraph import --raw FILE`: raw postings from JSON Lines or CSV (a header row of
//! `RawPostingInput` field names), streamed in batches; rejections carry line numbers.

use std::fs::File;
use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{MAX_BATCH, RawPosting, ingest_raw};
use crate::classify::Classifier;
use crate::file_import::{Format, ImportError, ImportSummary, RejectionLog, RowsOf, StoredBatch, import_rows, rows};

/// The columns a CSV file of raw postings must have: the fields without a default.
const REQUIRED_COLUMNS: &[&str] = &["source", "externalId", "title", "company"];

/// Imports a file of raw postings in batches; refused rows go to `rejections` in line order
/// as they are found (as for [`crate::file_import::import_file`]), and `on_batch` gets the running
/// counts after each batch.
pub async fn import_raw_file(
    db: &DatabaseConnection,
    path: &Path,
    format: Format,
    now: DateTime<Utc>,
    rejections: &mut RejectionLog,
    mut on_batch: impl FnMut(&ImportSummary),
) -> Result<ImportSummary, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.display().to_string(), source })?;
    let rows: RowsOf<RawPosting> = match format {
        Format::JsonLines => rows::json_lines(file, "raw posting"),
        Format::Csv => rows::csv_rows(file, REQUIRED_COLUMNS, "raw posting")?,
    };
    let classifier = Classifier::load(db).await?;
    import_rows(db, path, rows, MAX_BATCH, rejections, &mut on_batch, async |inputs| {
        let part = ingest_raw(db, &classifier, inputs, 0, now).await?;
        Ok(StoredBatch {
            inserted: part.inserted,
            updated: part.updated,
            unclassified: part.unclassified,
            rejected: part.rejected,
        })
    })
    .await
}
