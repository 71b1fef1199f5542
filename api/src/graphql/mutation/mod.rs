//! Write resolvers, one file per domain.

pub mod catalog;
pub mod digest;
pub mod subscriptions;

pub use catalog::CatalogMutation;
pub use digest::DigestMutation;
pub use subscriptions::SubscriptionMutation;
