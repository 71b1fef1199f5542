//! Weeks as docs/figures.md#weeks names them: by their Monday (ISO week, UTC), and which postings are
//! open in one.

use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use entity::posting;
use sea_orm::{ColumnTrait, Condition};

/// A week, named by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week(NaiveDate);

/// A date that does not name a week.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{date} is a {weekday}, not a Monday: weeks are named by their Monday ({monday})")]
pub struct NotAMonday {
    /// The date given.
    pub date: NaiveDate,
    /// Its day of the week.
    pub weekday: Weekday,
    /// The Monday of its week.
    pub monday: NaiveDate,
}

impl Week {
    /// The week named by `monday`; an error names the right Monday otherwise.
    pub fn from_monday(monday: NaiveDate) -> Result<Self, NotAMonday> {
        if monday.weekday() == Weekday::Mon {
            Ok(Self(monday))
        } else {
            Err(NotAMonday { date: monday, weekday: monday.weekday(), monday: Self::containing(monday).0 })
        }
    }

    /// The week that contains `date`.
    pub fn containing(date: NaiveDate) -> Self {
        let back = u64::from(date.weekday().num_days_from_monday());
        Self(date - Days::new(back))
    }

    /// The last week that has fully ended at `now` (the week before the current one).
    pub fn last_completed(now: DateTime<Utc>) -> Self {
        Self::containing(now.date_naive()).previous()
    }

    /// The Monday that names the week.
    pub fn monday(self) -> NaiveDate {
        self.0
    }

    /// The Sunday that ends the week: a posting is open in the week when posted by then.
    pub fn sunday(self) -> NaiveDate {
        self.0 + Days::new(6)
    }

    /// The week before.
    pub fn previous(self) -> Self {
        Self(self.0 - Days::new(7))
    }

    /// The week after.
    pub fn next(self) -> Self {
        Self(self.0 + Days::new(7))
    }

    /// The postings open in this week, as a condition on `posting`'s columns: posted by its
    /// Sunday and not closed by then (docs/figures.md#weeks). The snapshot engines and the postings filter
    /// all select with it.
    pub fn open_postings(self) -> Condition {
        let sunday = self.sunday();
        Condition::all()
            .add(posting::Column::PostedAt.lte(sunday))
            .add(Condition::any().add(posting::Column::ClosedAt.is_null()).add(posting::Column::ClosedAt.gt(sunday)))
    }

    /// Whether a posting with these dates is open in this week: [`Week::open_postings`] for
    /// one posting in memory (the snapshot engines' property test holds the two together).
    pub fn is_open(self, posted_at: NaiveDate, closed_at: Option<NaiveDate>) -> bool {
        let sunday = self.sunday();
        posted_at <= sunday && closed_at.is_none_or(|closed| closed > sunday)
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn a_week_is_named_by_its_monday_and_ends_on_sunday() {
        let week = Week::from_monday(date("2026-11-23")).expect("monday");
        assert_eq!(week.sunday(), date("2026-11-29"));
        assert_eq!(Week::containing(date("2026-11-29")), week);
        assert_eq!(Week::containing(date("2026-11-30")), week.next());
    }

    #[test]
    fn a_date_that_is_not_a_monday_names_the_monday_of_its_week() {
        let err = Week::from_monday(date("2026-11-25")).expect_err("wednesday");
        assert_eq!(err.to_string(), "2026-11-25 is a Wed, not a Monday: weeks are named by their Monday (2026-11-23)");
    }

    #[test]
    fn open_in_week_follows_the_sunday_boundaries() {
        let week = Week::from_monday(date("2026-11-23")).expect("monday");
        assert!(week.is_open(date("2026-11-29"), None), "posted on Sunday");
        assert!(!week.is_open(date("2026-11-30"), None), "posted the next Monday");
        assert!(!week.is_open(date("2026-11-01"), Some(date("2026-11-29"))), "closed on Sunday");
        assert!(week.is_open(date("2026-11-01"), Some(date("2026-11-30"))), "closed on Monday");
    }

    #[test]
    fn last_completed_week_is_the_one_before_today() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z").expect("time").to_utc();
        assert_eq!(Week::last_completed(now).monday(), date("2026-11-23"));
    }
}
