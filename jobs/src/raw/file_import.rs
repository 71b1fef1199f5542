//! `salarygraph import --raw FILE`: raw postings from JSON Lines or CSV (a header row of
//! `RawPostingInput` field names), streamed in batches; rejections carry line numbers.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{MAX_BATCH, RawPosting, ingest_raw};
use crate::classify::Classifier;
use crate::file_import::{
    Format, ImportError, ImportSummary, RejectionLog, RowsOf, finish_reader, record_refused, spawn_reader,
};

type Parsed = Result<RawPosting, String>;

const REQUIRED_COLUMNS: &[&str] = &["source", "externalId", "title", "company"];

fn json_rows(file: File) -> impl Iterator<Item = (usize, Parsed)> {
    BufReader::new(file).lines().enumerate().filter_map(|(i, line)| match line {
        Ok(l) if l.trim().is_empty() => None,
        Ok(l) => Some((i + 1, serde_json::from_str::<RawPosting>(&l).map_err(|e| format!("not a raw posting: {e}")))),
        Err(e) => Some((i + 1, Err(format!("unreadable line: {e}")))),
    })
}

fn csv_rows(file: File) -> Result<RowsOf<RawPosting>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = reader.headers().map_err(|e| ImportError::Header(format!("CSV header: {e}")))?.clone();
    let missing: Vec<&str> =
        REQUIRED_COLUMNS.iter().copied().filter(|c| !header.iter().any(|h| h.trim() == *c)).collect();
    if !missing.is_empty() {
        return Err(ImportError::Header(format!("CSV header lacks the columns: {}", missing.join(", "))));
    }
    Ok(Box::new(reader.into_records().map(move |record| match record {
        Ok(r) => {
            let line = r.position().map_or(0, |p| p.line() as usize);
            (line, r.deserialize::<RawPosting>(Some(&header)).map_err(|e| format!("not a raw posting: {e}")))
        }
        Err(e) => (e.position().map_or(0, |p| p.line() as usize), Err(format!("malformed CSV row: {e}"))),
    })))
}

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
        Format::JsonLines => Box::new(json_rows(file)),
        Format::Csv => csv_rows(file)?,
    };
    let classifier = Classifier::load(db).await?;
    let (mut batches, reader) = spawn_reader(rows, MAX_BATCH);
    let mut summary = ImportSummary::default();
    while let Some(batch) = batches.recv().await {
        summary.line = batch.last_line;
        let part = ingest_raw(db, &classifier, batch.inputs, 0, now).await?;
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
