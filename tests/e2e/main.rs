//! End-to-end tests of the whole service: real HTTP, real GraphQL documents, a fresh
//! database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

mod admin;
mod browser;
mod contract;
mod dashboard;
mod digest;
mod faults;
mod figures;
mod fixtures;
mod foundation;
mod http_api;
mod observability;
mod query_plans;
mod shutdown;
mod subscription_pages;
mod subscriptions;
