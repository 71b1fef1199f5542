//! Recurring jobs: when they fire ([`cron`]: a cron expression in a time zone, DST-correct)
//! and what wakes them at that instant ([`timer`]: tokio-cron-scheduler).

pub mod cron;
pub mod timer;

pub use cron::{Schedule, validate_cron};
pub use timer::{WeeklyTask, start};
