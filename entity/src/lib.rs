//! SeaORM entities of salarygraph. GraphQL types live in `api`; these are storage only.

pub mod delivery;
pub mod digest_run;
pub mod enums;
pub mod link_key;
pub mod posting;
pub mod posting_skill;
pub mod role;
pub mod skill;
pub mod snapshot;
pub mod subscriber;
pub mod subscriber_token;

pub use enums::{DeliveryStatus, RunStatus, Seniority, SnapshotSource, SubscriberStatus, TokenPurpose};
