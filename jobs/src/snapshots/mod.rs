//! The snapshot engine: turns the postings open in a week into each role's figures
//! (docs/figures.md#snapshots). Used by `recomputeSnapshots`, `salarygraph snapshot`, the weekly job and
//! the demo loader.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{SnapshotSource, snapshot};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};

use crate::week::Week;

mod in_database;
mod in_rust;
pub mod totals;

/// The computed figures of one role for one week, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedSnapshot {
    /// The role.
    pub role_id: i32,
    /// Its figures.
    pub figures: snapshot::Figures,
}

/// Which engine computes the figures. Both follow the rules of [`totals`]; they differ in
/// where the work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// In the database: grouped aggregates and `percentile_cont`.
    Database,
    /// In Rust, over one paged pass of the open postings.
    Rust,
}

impl Engine {
    /// The faster engine on this backend: PostgreSQL aggregates in parallel where SQLite's
    /// grouped scans lose to one sequential pass.
    pub fn for_backend(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Database,
            _ => Self::Rust,
        }
    }
}

/// Computes every role's figures for `week` from the postings open in it.
pub async fn compute_week(
    db: &impl ConnectionTrait,
    week: Week,
    engine: Engine,
) -> Result<Vec<ComputedSnapshot>, DbErr> {
    match engine {
        Engine::Database => in_database::compute(db, week).await,
        Engine::Rust => in_rust::compute(db, week).await,
    }
}

/// Every skill's name by id.
async fn skill_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, DbErr> {
    let rows: Vec<(i32, String)> = entity::skill::Entity::find()
        .select_only()
        .columns([entity::skill::Column::Id, entity::skill::Column::Name])
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

impl ComputedSnapshot {
    /// A computed snapshot of a role with no open posting in the week.
    pub fn empty(role_id: i32) -> Self {
        totals::RoleTotals::default().finish(role_id, None, &HashMap::new())
    }

    fn apply(self, model: &mut snapshot::ActiveModel, now: DateTime<Utc>) {
        model.role_id = Set(self.role_id);
        model.source = Set(SnapshotSource::Computed);
        model.set_figures(self.figures);
        model.computed_at = Set(now);
    }
}

/// Recomputes and stores every role's COMPUTED snapshot of `week`; IMPORTED snapshots
/// are left alone unless `force`. Returns the snapshots written.
#[tracing::instrument(skip(db, now), fields(%week))]
pub async fn recompute_week<C>(
    db: &C,
    week: Week,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Vec<snapshot::Model>, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let engine = Engine::for_backend(txn.get_database_backend());
    let mut computed: HashMap<i32, ComputedSnapshot> =
        compute_week(&txn, week, engine).await?.into_iter().map(|c| (c.role_id, c)).collect();
    let existing = snapshot::Entity::find().filter(snapshot::Column::Week.eq(week.monday())).all(&txn).await?;
    let mut written = Vec::new();
    for current in existing {
        let figures = computed.remove(&current.role_id);
        if current.source == SnapshotSource::Imported && !force {
            continue;
        }
        // A role whose postings all closed keeps a snapshot that says so.
        let figures = figures.unwrap_or_else(|| ComputedSnapshot::empty(current.role_id));
        let mut model = current.into_active_model();
        figures.apply(&mut model, now);
        written.push(model.update(&txn).await?);
    }
    let mut fresh: Vec<ComputedSnapshot> = computed.into_values().collect();
    fresh.sort_by_key(|c| c.role_id);
    for figures in fresh {
        let mut model = snapshot::ActiveModel { week: Set(week.monday()), ..Default::default() };
        figures.apply(&mut model, now);
        written.push(model.insert(&txn).await?);
    }
    txn.commit().await?;
    written.sort_by_key(|s| s.role_id);
    tracing::info!(snapshots = written.len(), "recomputed snapshots");
    Ok(written)
}
