//! The weekly schedule: a cron expression (with seconds) in a time zone. Fire times are
//! computed here with croner and chrono-tz (DST-correct); tokio-cron-scheduler only wakes
//! the job at the computed instant.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

fn parse(expression: &str) -> Result<Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields != 6 {
        return Err(format!(
            "\"{expression}\" has {fields} fields: expected 6, seconds first, such as \"0 0 8 * * Mon\""
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
        .map_err(|e| format!("\"{expression}\" is not a cron expression ({e}): expected 6 fields, seconds first, such as \"0 0 8 * * Mon\""))
}

/// Checks a 6-field cron expression (seconds first), as tokio-cron-scheduler reads it.
pub fn validate_cron(expression: &str) -> Result<(), String> {
    parse(expression).map(|_| ())
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    /// Its time zone.
    pub timezone: Tz,
}

impl Schedule {
    /// A schedule from a cron expression and a time zone.
    pub fn new(expression: &str, timezone: Tz) -> Result<Self, String> {
        Ok(Self { cron: parse(expression)?, timezone })
    }

    /// The last scheduled time at or before `now`.
    pub fn last_fire_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_previous_occurrence(&now.with_timezone(&self.timezone), true).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The next scheduled time strictly after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&now.with_timezone(&self.timezone), false).ok().map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    #[test]
    fn the_default_schedule_fires_mondays_at_eight_in_its_zone_across_dst() {
        let berlin = Schedule::new("0 0 8 * * Mon", chrono_tz::Europe::Berlin).expect("valid");
        // Winter: 08:00 CET is 07:00 UTC.
        assert_eq!(berlin.next_after(at("2026-11-28T12:00:00Z")), Some(at("2026-11-30T07:00:00Z")));
        // Summer: 08:00 CEST is 06:00 UTC.
        assert_eq!(berlin.next_after(at("2026-07-01T12:00:00Z")), Some(at("2026-07-06T06:00:00Z")));
        assert_eq!(berlin.last_fire_at_or_before(at("2026-12-01T00:00:00Z")), Some(at("2026-11-30T07:00:00Z")));
    }

    #[test]
    fn malformed_expressions_say_what_is_expected() {
        assert!(validate_cron("0 8 * * Mon").expect_err("5 fields").contains("expected 6"));
        assert!(validate_cron("0 0 25 * * Mon").is_err());
        assert!(validate_cron("every monday at 8").is_err());
    }
}
