//! Write resolvers, one file per domain.

pub mod catalog;

pub use catalog::CatalogMutation;
