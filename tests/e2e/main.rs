//! End-to-end tests of the whole service: real HTTP, real GraphQL documents, a fresh
//! database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

mod admin;
mod browser;
mod contract;
mod dashboard_reads;
mod dashboard;
mod digest;
mod faults;
mod feeds;
mod figures;
mod fixtures;
mod foundation;
mod http_api;
mod import;
mod http_limits;
mod memory;
mod observability;
mod quality;
mod query_plans;
mod raw;
mod shutdown;
mod smtp_tls;
mod sign_up_abuse;
mod signed_links;
mod subscription_pages;
mod subscriptions;
mod ws_limits;
