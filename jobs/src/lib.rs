//! salarygraph's engine: the figures of docs/figures.md, the snapshot engine, posting ingest (of
//! classified rows and of raw ones, with their classification and job-board feeds), demo
//! data, mail, the weekly digest and its scheduler.

pub mod catalog;
pub mod classify;
pub mod data_version;
pub mod date;
pub mod demo;
pub mod dictionary;
pub mod digest;
pub mod edit;
pub mod exchange_rates;
pub mod feeds;
pub mod figures;
pub mod file_import;
pub mod host;
pub mod imported_snapshots;
pub mod ingest;
mod input_values;
pub mod keyset;
pub mod mail;
pub mod posting_tally;
pub mod postings;
pub mod raw;
pub mod roles;
pub mod rules;
pub mod scale;
pub mod schedule;
pub mod signed_links;
pub mod snapshots;
pub mod sql;
pub mod statistics;
pub mod subscriptions;
pub mod tokens;
pub mod week;

pub use date::Date;
pub use week::Week;
