//! salarygraph's engine: the figures of stats.md, the snapshot engine, posting ingest,
//! demo data, mail, the weekly digest and its scheduler.

pub mod catalog;
pub mod demo;
pub mod digest;
pub mod figures;
pub mod import;
pub mod imported;
pub mod ingest;
pub mod mail;
pub mod roles;
pub mod scale;
pub mod schedule;
pub mod scheduler;
pub mod snapshots;
pub mod sql;
pub mod subscriptions;
pub mod tokens;
pub mod week;

pub use week::Week;
