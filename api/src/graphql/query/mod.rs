//! Read resolvers, one file per domain.

pub mod compare;
pub mod digest;
pub mod market;
pub mod postings;
pub mod roles;
pub mod subscribers;

pub use compare::CompareQuery;
pub use digest::DigestQuery;
pub use market::MarketQuery;
pub use postings::PostingQuery;
pub use roles::RoleQuery;
pub use subscribers::SubscriberQuery;
