//! The string-valued enums stored in text columns (portable across SQLite and PostgreSQL).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Seniority of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Seniority {
    /// Entry level.
    #[sea_orm(string_value = "ENTRY")]
    Entry,
    /// Mid level.
    #[sea_orm(string_value = "MID")]
    Mid,
    /// Senior level.
    #[sea_orm(string_value = "SENIOR")]
    Senior,
}

/// Where a snapshot's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SnapshotSource {
    /// Computed from postings by the snapshot engine.
    #[sea_orm(string_value = "COMPUTED")]
    Computed,
    /// Entered by an admin (figures published elsewhere).
    #[sea_orm(string_value = "IMPORTED")]
    Imported,
}

/// Lifecycle of a newsletter subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SubscriberStatus {
    /// Signed up, not yet confirmed.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Confirmed: receives the digest.
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Left: receives nothing.
    #[sea_orm(string_value = "UNSUBSCRIBED")]
    Unsubscribed,
    /// Repeated permanent delivery failures: receives nothing.
    #[sea_orm(string_value = "BOUNCED")]
    Bounced,
}

/// What a subscriber token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TokenPurpose {
    /// The double opt-in confirmation link.
    #[sea_orm(string_value = "CONFIRM")]
    Confirm,
    /// Unsubscribe and preferences links in every email.
    #[sea_orm(string_value = "MANAGE")]
    Manage,
}

/// State of a weekly digest run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RunStatus {
    /// Deliveries are being sent.
    #[sea_orm(string_value = "SENDING")]
    Sending,
    /// Every delivery reached a final state.
    #[sea_orm(string_value = "DONE")]
    Done,
}

/// State of one digest email to one subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Not yet attempted (or released after a temporary failure).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Claimed by a sender; may have been handed to SMTP if the sender crashed.
    #[sea_orm(string_value = "SENDING")]
    Sending,
    /// Accepted by the SMTP server.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Permanently refused by the SMTP server.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Not sent: the subscriber left before the email went out.
    #[sea_orm(string_value = "SKIPPED")]
    Skipped,
}

/// Whether a role rule puts titles into its role or keeps them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum RuleKind {
    /// A title containing the phrase belongs to the role.
    #[sea_orm(string_value = "MATCH")]
    Match,
    /// A title containing the phrase never belongs to the role.
    #[sea_orm(string_value = "EXCLUDE")]
    Exclude,
}

/// The job-board APIs salarygraph reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FeedKind {
    /// Greenhouse's job board API.
    #[sea_orm(string_value = "GREENHOUSE")]
    Greenhouse,
    /// Lever's postings API.
    #[sea_orm(string_value = "LEVER")]
    Lever,
    /// Ashby's job posting API.
    #[sea_orm(string_value = "ASHBY")]
    Ashby,
}

impl FeedKind {
    /// The lower-case name its postings' `source` starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Greenhouse => "greenhouse",
            Self::Lever => "lever",
            Self::Ashby => "ashby",
        }
    }
}
