//! The contract's scalars: `Date` is declared with the inputs that take it (jobs, feature
//! `graphql`); here, what the API makes of a date that names a week.

pub use jobs::Date;
use jobs::Week;

use crate::error::ApiError;

/// A date given where a week is asked for.
pub trait NamesAWeek {
    /// The week this date names; an error unless it is a Monday.
    fn week(self) -> Result<Week, ApiError>;
}

impl NamesAWeek for Date {
    fn week(self) -> Result<Week, ApiError> {
        Ok(Week::from_monday(self.0)?)
    }
}

/// An optional week argument.
pub fn optional_week(date: Option<Date>) -> Result<Option<Week>, ApiError> {
    date.map(Date::week).transpose()
}
