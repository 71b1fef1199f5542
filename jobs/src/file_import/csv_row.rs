//! A CSV row offered to serde as a map from column names to cells, so that it becomes the same
//! input type as a JSON line. Every cell is text; a field that takes text gets it as is, and a
//! field that takes anything else (true or false, a number, a date, an enum's name) is offered
//! `true`, `false` and numbers written as JSON writes them as such, and any other text as
//! text: what such a field accepts and how it refuses are then the same in both formats.
//! Names and cells are trimmed; an empty cell is an absent optional field; a list (`skills`)
//! is separated by `;`.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Why a row is not the input type: the message, and the column when a cell was at fault.
#[derive(Debug)]
pub(crate) struct RowError {
    /// The column of the cell at fault; `None` for the row as a whole (a missing field).
    pub(crate) column: Option<String>,
    /// What is wrong, as serde and the field's type say it.
    pub(crate) message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RowError {}

impl de::Error for RowError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self { column: None, message: message.to_string() }
    }
}

/// Reads `record` (cells under the columns of `header`) as a `T`.
pub(crate) fn deserialize<T: DeserializeOwned>(
    header: &csv::StringRecord,
    record: &csv::StringRecord,
) -> Result<T, RowError> {
    T::deserialize(MapAccessDeserializer::new(Row { columns: header.iter().zip(record.iter()), cell: None }))
}

/// The cells of a row, each under its column (cells past the header's end are ignored).
struct Row<'a> {
    columns: std::iter::Zip<csv::StringRecordIter<'a>, csv::StringRecordIter<'a>>,
    /// The column and cell whose name was read last.
    cell: Option<(&'a str, &'a str)>,
}

impl<'de> MapAccess<'de> for Row<'de> {
    type Error = RowError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, RowError> {
        let Some((column, cell)) = self.columns.next() else { return Ok(None) };
        let column = column.trim();
        self.cell = Some((column, cell.trim()));
        seed.deserialize(BorrowedStrDeserializer::new(column)).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, RowError> {
        let (column, cell) = self.cell.take().ok_or_else(|| de::Error::custom("a value read before its column"))?;
        seed.deserialize(Cell(cell)).map_err(|error| RowError { column: Some(column.to_owned()), ..error })
    }
}

/// One cell.
struct Cell<'a>(&'a str);

impl<'de> IntoDeserializer<'de, RowError> for Cell<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Cell<'de> {
    type Error = RowError;

    /// A field that takes anything but text: `true`, `false` and numbers as such.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            // Parsed by serde_json itself, so that a number is the same value in both formats
            // (`-0` and integers past 64 bits are floats, as in a JSON line).
            text if is_json_number(text) => match serde_json::from_str::<serde_json::Number>(text) {
                Ok(number) => {
                    if let Some(n) = number.as_u64() {
                        visitor.visit_u64(n)
                    } else if let Some(n) = number.as_i64() {
                        visitor.visit_i64(n)
                    } else {
                        visitor.visit_f64(number.as_f64().unwrap_or(f64::NAN))
                    }
                }
                // Out of a float's range: JSON refuses the line, CSV keeps the text.
                Err(_) => visitor.visit_borrowed_str(text),
            },
            text => visitor.visit_borrowed_str(text),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        if self.0.is_empty() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let items = self.0.split(';').map(str::trim).filter(|item| !item.is_empty()).map(Cell);
        let mut items = SeqDeserializer::new(items);
        let list = visitor.visit_seq(&mut items)?;
        items.end()?;
        Ok(list)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct map struct enum identifier
    }
}

/// Whether `text` is a number as JSON writes it (`-12`, `0.5`, `2e9`; not `+1`, `.5`, `007`).
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let digits = |at: &mut usize| {
        let start = *at;
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at > start
    };
    match bytes.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => {
            digits(&mut at);
        }
        _ => return false,
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        if !digits(&mut at) {
            return false;
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if !digits(&mut at) {
            return false;
        }
    }
    at == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_those_json_writes() {
        for number in ["0", "-0", "12", "-12", "0.5", "-1.25e-3", "2E9", "1e+2", "99999999999999999999"] {
            assert!(is_json_number(number), "{number}");
        }
        for text in ["", "-", "+1", ".5", "1.", "007", "1e", "2026-11-02", "1_000", "nan", "inf", " 1"] {
            assert!(!is_json_number(text), "{text}");
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        name: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
        count: serde_json::Value,
    }

    fn row(header: &[&str], cells: &[&str]) -> Result<Row, RowError> {
        deserialize(&csv::StringRecord::from(header.to_vec()), &csv::StringRecord::from(cells.to_vec()))
    }

    #[test]
    fn cells_are_text_to_text_fields_and_typed_to_the_others() {
        let read =
            row(&[" name", "note ", "tags", "count", "extra"], &[" 007 ", " ", " a; ;b ", "-0", "x"]).expect("row");
        assert_eq!(
            read,
            Row { name: "007".into(), note: None, tags: vec!["a".into(), "b".into()], count: serde_json::json!(-0.0) }
        );
        assert_eq!(row(&["name", "count"], &["n", "true"]).expect("row").count, serde_json::json!(true));
        assert_eq!(row(&["name", "count"], &["n", "12"]).expect("row").count, serde_json::json!(12));
        assert_eq!(row(&["name", "count"], &["n", "1e400"]).expect("row").count, serde_json::json!("1e400"));
        let missing = row(&["name", "count"], &["n"]).expect_err("count is missing");
        assert_eq!((missing.column, missing.message.as_str()), (None, "missing field `count`"));
    }
}
