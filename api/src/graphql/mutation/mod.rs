//! Write resolvers, one file per domain.

pub mod catalog;
pub mod classification;
pub mod digest;
pub mod feeds;
pub mod raw;
pub mod subscriptions;

pub use catalog::CatalogMutation;
pub use classification::ClassificationMutation;
pub use digest::DigestMutation;
pub use feeds::FeedMutation;
pub use raw::RawMutation;
pub use subscriptions::SubscriptionMutation;
