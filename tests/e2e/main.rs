//! End-to-end tests of the whole service: real HTTP, real GraphQL documents, a fresh
//! database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

mod admin;
mod browser;
mod contract;
mod dashboard;
mod dashboard_reads;
mod digest;
mod documents;
mod faults;
mod feeds;
mod figures;
mod fixtures;
mod foundation;
mod http_api;
mod http_limits;
mod import;
mod memory;
mod observability;
mod pool_release;
mod posting_tally;
mod quality;
mod query_plans;
mod raw;
mod shutdown;
mod sign_up_abuse;
mod signed_links;
mod smtp_tls;
mod subscription_pages;
mod subscriptions;
mod ws_limits;
