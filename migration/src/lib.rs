//! Database migrations of salarygraph, one table (or one later change) per file, for SQLite
//! and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_role;
mod m20261128_000002_create_skill;
mod m20261128_000003_create_posting;
mod m20261128_000004_create_posting_skill;
mod m20261128_000005_create_snapshot;
mod m20261128_000006_create_subscriber;
mod m20261128_000007_create_subscriber_token;
mod m20261128_000008_create_digest_run;
mod m20261128_000009_create_delivery;
mod m20261129_000010_index_posting_role_id_id;
mod m20261204_000011_create_role_rule;
mod m20261204_000012_create_skill_alias;
mod m20261204_000013_create_exchange_rate;
mod m20261204_000014_create_unclassified_posting;
mod m20261204_000015_create_feed_source;
mod m20261204_000016_add_posting_rule_id_url;
mod m20261204_000017_seed_skill_dictionary;
mod m20261204_000018_create_data_version;
mod m20261204_000019_subscriber_email_case_insensitive;
mod m20261204_000020_create_link_key;
mod m20261204_000021_posting_skill_links_kept_by_writer;
mod m20261205_000022_create_posting_tally;

/// The skill dictionary the migrations ship (benchmarks and tests measure it).
pub use m20261204_000017_seed_skill_dictionary::shipped_skills;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_role::Migration),
            Box::new(m20261128_000002_create_skill::Migration),
            Box::new(m20261128_000003_create_posting::Migration),
            Box::new(m20261128_000004_create_posting_skill::Migration),
            Box::new(m20261128_000005_create_snapshot::Migration),
            Box::new(m20261128_000006_create_subscriber::Migration),
            Box::new(m20261128_000007_create_subscriber_token::Migration),
            Box::new(m20261128_000008_create_digest_run::Migration),
            Box::new(m20261128_000009_create_delivery::Migration),
            Box::new(m20261129_000010_index_posting_role_id_id::Migration),
            Box::new(m20261204_000011_create_role_rule::Migration),
            Box::new(m20261204_000012_create_skill_alias::Migration),
            Box::new(m20261204_000013_create_exchange_rate::Migration),
            Box::new(m20261204_000014_create_unclassified_posting::Migration),
            Box::new(m20261204_000015_create_feed_source::Migration),
            Box::new(m20261204_000016_add_posting_rule_id_url::Migration),
            Box::new(m20261204_000017_seed_skill_dictionary::Migration),
            Box::new(m20261204_000018_create_data_version::Migration),
            Box::new(m20261204_000019_subscriber_email_case_insensitive::Migration),
            Box::new(m20261204_000020_create_link_key::Migration),
            Box::new(m20261204_000021_posting_skill_links_kept_by_writer::Migration),
            Box::new(m20261205_000022_create_posting_tally::Migration),
        ]
    }
}
