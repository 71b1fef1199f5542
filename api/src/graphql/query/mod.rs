//! Read resolvers, one file per domain.

pub mod classification;
pub mod compare;
pub mod digest;
pub mod feeds;
pub mod market;
pub mod postings;
pub mod roles;
pub mod subscribers;

pub use classification::ClassificationQuery;
pub use compare::CompareQuery;
pub use digest::DigestQuery;
pub use feeds::FeedQuery;
pub use market::MarketQuery;
pub use postings::PostingQuery;
pub use roles::RoleQuery;
pub use subscribers::SubscriberQuery;
