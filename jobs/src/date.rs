//! A calendar date as the inputs write it, `2026-11-23`: in files, in rows kept aside and
//! (with the `graphql` feature) as the contract's `Date` scalar.

use std::fmt;

use chrono::NaiveDate;

use crate::input_values::{self, Kind};

/// A calendar date, `"2026-11-23"`; a week is named by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// How dates are written.
const FORMAT: &str = "%Y-%m-%d";

impl Date {
    /// The date `text` writes as YYYY-MM-DD, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, FORMAT).ok().map(Self)
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Self(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format(FORMAT).fmt(f)
    }
}

impl Kind for Date {
    const WHAT: &'static str = "a date (YYYY-MM-DD)";

    fn from_text(text: &str) -> Option<Self> {
        Self::parse(text)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        input_values::read(deserializer)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "graphql")]
#[async_graphql::Scalar(name = "Date")]
impl async_graphql::ScalarType for Date {
    fn parse(value: async_graphql::Value) -> async_graphql::InputValueResult<Self> {
        use async_graphql::{InputValueError, Value};
        match &value {
            Value::String(s) => Self::parse(s).ok_or_else(|| {
                InputValueError::custom(format!("\"{s}\" is not a date: expected YYYY-MM-DD"))
                    .with_extension("code", "BAD_USER_INPUT")
            }),
            _ => Err(InputValueError::expected_type(value).with_extension("code", "BAD_USER_INPUT")),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_reads_and_writes_as_yyyy_mm_dd_and_refuses_the_rest() {
        let date: Date = serde_json::from_str("\"2026-11-02\"").expect("date");
        assert_eq!(date, Date(NaiveDate::from_ymd_opt(2026, 11, 2).expect("date")));
        assert_eq!(serde_json::to_string(&date).expect("json"), "\"2026-11-02\"");
        let refusal = |json: &str| serde_json::from_str::<Date>(json).expect_err("refused").to_string();
        assert_eq!(refusal("\"11/02/2026\""), "\"11/02/2026\" is not a date (YYYY-MM-DD) at line 1 column 12");
        assert_eq!(refusal("20261102"), "20261102 is not a date (YYYY-MM-DD) at line 1 column 8");
    }
}
