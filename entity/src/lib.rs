//! SeaORM entities of salarygraph. GraphQL types live in `api`; these are storage only.

pub mod delivery;
pub mod digest_run;
pub mod enums;
pub mod exchange_rate;
pub mod feed_source;
mod json_list;
pub mod link_key;
pub mod posting;
pub mod posting_skill;
pub mod role;
pub mod role_rule;
pub mod skill;
pub mod skill_alias;
pub mod snapshot;
pub mod subscriber;
pub mod subscriber_token;
pub mod unclassified_posting;

pub use enums::{
    DeliveryStatus, FeedKind, RuleKind, RunStatus, Seniority, SnapshotSource, SubscriberStatus, TokenPurpose,
};
