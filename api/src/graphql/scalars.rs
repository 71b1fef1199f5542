//! The contract's scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;
use jobs::Week;

use crate::error::ApiError;

/// A calendar date, `"2026-11-23"`; a week is named by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Date).map_err(|_| {
                InputValueError::custom(format!("\"{s}\" is not a date: expected YYYY-MM-DD"))
                    .with_extension("code", "BAD_USER_INPUT")
            }),
            _ => Err(InputValueError::expected_type(value).with_extension("code", "BAD_USER_INPUT")),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl Date {
    /// The week this date names; an error unless it is a Monday.
    pub fn week(self) -> Result<Week, ApiError> {
        Ok(Week::from_monday(self.0)?)
    }
}

/// An optional week argument.
pub fn optional_week(date: Option<Date>) -> Result<Option<Week>, ApiError> {
    date.map(Date::week).transpose()
}
