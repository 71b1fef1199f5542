//! A posting as submitted, before validation: one type for the `ingestPostings` mutation (the
//! contract's `PostingInput`, with the `graphql` feature), the JSON Lines and CSV of `import`,
//! the demo and the classifier. Its `///` lines are the contract's descriptions.

use crate::Date;
use crate::input_values::{self, Kind};

/// One posting to ingest.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
#[serde(rename_all = "camelCase")]
pub struct PostingInput {
    /// Where it was found.
    pub source: String,
    /// Its id there; with `source`, its identity.
    pub external_id: String,
    /// Role slug.
    pub role: String,
    /// Title as posted.
    pub title: String,
    /// Hiring company.
    pub company: String,
    /// Metro area.
    #[serde(default)]
    pub metro: Option<String>,
    /// Remote-friendly.
    #[serde(deserialize_with = "input_values::read")]
    pub remote: bool,
    /// Seniority.
    pub seniority: Seniority,
    /// Lower salary bound in `currency` per `salaryPeriod`.
    #[serde(default, deserialize_with = "input_values::read_optional")]
    #[cfg_attr(feature = "graphql", graphql(validator(custom = "int32")))]
    pub salary_min: Option<i64>,
    /// Upper salary bound.
    #[serde(default, deserialize_with = "input_values::read_optional")]
    #[cfg_attr(feature = "graphql", graphql(validator(custom = "int32")))]
    pub salary_max: Option<i64>,
    /// Currency; only USD is accepted for now.
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default_with = "Some(String::from(\"USD\"))"))]
    pub currency: Option<String>,
    /// Period the bounds are quoted in.
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default_with = "Some(SalaryPeriod::Year)"))]
    pub salary_period: Option<SalaryPeriod>,
    /// Skills named.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Date posted.
    pub posted_at: Date,
    /// Date closed.
    #[serde(default)]
    pub closed_at: Option<Date>,
    /// The advert's address (http or https).
    #[serde(default)]
    pub url: Option<String>,
    /// The role rule that classified it (raw ingest); `None` when the role was given.
    #[serde(skip)]
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub rule_id: Option<i32>,
}

/// The contract's `Int` has 32 bits: a salary bound past them is an error of the request, as
/// for any `Int` (files take any whole number, and validation refuses an implausible salary).
#[cfg(feature = "graphql")]
fn int32(value: &i64) -> Result<(), String> {
    match i32::try_from(*value) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("Only integers from {} to {} are accepted.", i32::MIN, i32::MAX)),
    }
}

/// Seniority of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum Seniority {
    /// Entry level.
    Entry,
    /// Mid level.
    Mid,
    /// Senior level.
    Senior,
}

impl Kind for Seniority {
    const WHAT: &'static str = "ENTRY, MID or SENIOR";

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "ENTRY" => Some(Self::Entry),
            "MID" => Some(Self::Mid),
            "SENIOR" => Some(Self::Senior),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Seniority {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        input_values::read(deserializer)
    }
}

impl From<Seniority> for entity::Seniority {
    fn from(seniority: Seniority) -> Self {
        match seniority {
            Seniority::Entry => Self::Entry,
            Seniority::Mid => Self::Mid,
            Seniority::Senior => Self::Senior,
        }
    }
}

impl From<entity::Seniority> for Seniority {
    fn from(seniority: entity::Seniority) -> Self {
        match seniority {
            entity::Seniority::Entry => Self::Entry,
            entity::Seniority::Mid => Self::Mid,
            entity::Seniority::Senior => Self::Senior,
        }
    }
}

/// The period a salary is quoted in.
// Ingest turns the bounds into dollars a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum SalaryPeriod {
    /// Per year.
    #[default]
    Year,
    /// Per month (×12).
    Month,
    /// Per hour (×2080).
    Hour,
}

impl SalaryPeriod {
    /// How many of this period make a year.
    pub fn per_year(self) -> i64 {
        match self {
            Self::Year => 1,
            Self::Month => 12,
            Self::Hour => 2080,
        }
    }
}

impl Kind for SalaryPeriod {
    const WHAT: &'static str = "YEAR, MONTH or HOUR";

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "YEAR" => Some(Self::Year),
            "MONTH" => Some(Self::Month),
            "HOUR" => Some(Self::Hour),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for SalaryPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        input_values::read(deserializer)
    }
}
