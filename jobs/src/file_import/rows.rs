//! The rows of an import file, JSON Lines or CSV, read with serde into one input type (a
//! posting, a raw posting): both formats accept the same values, and a row refused for a
//! field's value is refused as `field: what is wrong` in both.

use std::io::{BufRead, BufReader, Read};

use serde::de::DeserializeOwned;

use super::csv_row;
use super::{ImportError, RowsOf};

/// The reason a row is refused: the field at fault and what is wrong with its value, or what
/// is wrong with the row (`not a posting: missing field …`). `kind` names the input type.
fn reason(kind: &str, field: Option<&str>, message: &str) -> String {
    match field {
        Some(field) => format!("{field}: {message}"),
        None => format!("not a {kind}: {message}"),
    }
}

/// One JSON line as a `T`, or why not: for a wrong value, the first field at fault in the
/// order the line writes them (as a CSV row's first cell at fault, in the order of its columns).
fn json_row<T: DeserializeOwned>(line: &str, kind: &str) -> Result<T, String> {
    serde_json::from_str(line).map_err(|error| {
        if error.classify() != serde_json::error::Category::Data {
            return reason(kind, None, &error.to_string());
        }
        // Read again (refused rows only), noting the path to the field at fault.
        let refused = match serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_str(line)) {
            Err(refused) => refused,
            Ok(_) => return reason(kind, None, &error.to_string()),
        };
        let field = refused.path().iter().next().is_some().then(|| refused.path().to_string());
        let inner = refused.into_inner();
        // A CSV cell has no position in a line: the message leaves it out.
        let message = inner.to_string();
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        reason(kind, field.as_deref(), message.strip_suffix(&position).unwrap_or(&message))
    })
}

/// The rows of a JSON Lines file, one object a line (blank lines skipped), by line number.
pub(crate) fn json_lines<T: DeserializeOwned + 'static>(
    reader: impl Read + Send + 'static,
    kind: &'static str,
) -> RowsOf<T> {
    Box::new(BufReader::new(reader).lines().enumerate().filter_map(move |(i, line)| match line {
        Ok(l) if l.trim().is_empty() => None,
        Ok(l) => Some((i + 1, json_row(&l, kind))),
        Err(e) => Some((i + 1, Err(format!("unreadable line: {e}")))),
    }))
}

/// The rows of a CSV file whose header names the fields (`required` among them), by line
/// number.
pub(crate) fn csv_rows<T: DeserializeOwned + 'static>(
    reader: impl Read + Send + 'static,
    required: &[&str],
    kind: &'static str,
) -> Result<RowsOf<T>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = reader.headers().map_err(|e| ImportError::Header(format!("CSV header: {e}")))?.clone();
    let missing: Vec<&str> = required.iter().copied().filter(|c| !header.iter().any(|h| h.trim() == *c)).collect();
    if !missing.is_empty() {
        return Err(ImportError::Header(format!("CSV header lacks the columns: {}", missing.join(", "))));
    }
    Ok(Box::new(reader.into_records().map(move |record| match record {
        Ok(r) => {
            let line = r.position().map_or(0, |p| p.line() as usize);
            let row = csv_row::deserialize(&header, &r)
                .map_err(|refused| reason(kind, refused.column.as_deref(), &refused.message));
            (line, row)
        }
        Err(e) => (e.position().map_or(0, |p| p.line() as usize), Err(format!("malformed CSV row: {e}"))),
    })))
}
