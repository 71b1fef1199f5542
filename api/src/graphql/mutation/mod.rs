//! Write resolvers, one file per domain.

pub mod catalog;
pub mod subscriptions;

pub use catalog::CatalogMutation;
pub use subscriptions::SubscriptionMutation;
