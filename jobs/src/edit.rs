//! The error of the admin's edits to classification data (rules, skill dictionary,
//! exchange rates, feed sources).

use sea_orm::DbErr;

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The named thing does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}
