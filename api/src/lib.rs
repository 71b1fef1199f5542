//! salarygraph's HTTP and GraphQL surface, and the `salarygraph` binary's commands.

pub mod auth;
pub mod changes;
pub mod cli;
pub mod client;
pub mod config;
pub mod db;
pub mod dotenv;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod rate_limit;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod weekly_job;
