//! Batched loads: a dashboard asking for 20 roles with their snapshot and trend runs a
//! constant number of SQL statements, not one per role.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use entity::{posting_skill, role, skill, snapshot};
use jobs::{Week, catalog};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};

use crate::error::ApiError;

/// A failed batch load (shared by every key of the batch).
#[derive(Debug, Clone)]
pub struct LoadError(pub Arc<DbErr>);

impl From<LoadError> for ApiError {
    fn from(error: LoadError) -> Self {
        ApiError::database(DbErrRef(error.0))
    }
}

#[derive(Debug)]
struct DbErrRef(Arc<DbErr>);

impl std::fmt::Display for DbErrRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DbErrRef {}

impl std::borrow::Borrow<DbErr> for DbErrRef {
    fn borrow(&self) -> &DbErr {
        &self.0
    }
}

fn load_error(e: DbErr) -> LoadError {
    LoadError(Arc::new(e))
}

/// Batches loads of concurrent resolvers. It caches nothing (`DataLoader::new` uses
/// `NoCache`), so one instance serves every request and subscription without staleness.
pub struct Loaders {
    db: DatabaseConnection,
}

/// The schema's data loader.
pub type AppLoader = DataLoader<Loaders>;

/// A loader over the pool.
pub fn new_loader(db: DatabaseConnection) -> AppLoader {
    // Siblings enqueue their keys in the same poll, so a short window batches them all;
    // the default 1 ms would be half of a dashboard query's time.
    DataLoader::new(Loaders { db }, tokio::spawn).delay(std::time::Duration::from_micros(200))
}

/// A role by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleKey(pub i32);
/// A role's latest snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LatestSnapshotKey(pub i32);
/// A role's snapshot of one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekSnapshotKey(pub i32, pub NaiveDate);
/// A role's last `n` snapshots up to a week (the latest when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrendKey(pub i32, pub usize, pub Option<NaiveDate>);
/// The skills of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostingSkillsKey(pub i32);

impl Loader<RoleKey> for Loaders {
    type Value = role::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[RoleKey]) -> Result<HashMap<RoleKey, role::Model>, LoadError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let roles = catalog::roles_by_id(&self.db, &ids).await.map_err(load_error)?;
        Ok(roles.into_iter().map(|(id, r)| (RoleKey(id), r)).collect())
    }
}

impl Loader<LatestSnapshotKey> for Loaders {
    type Value = snapshot::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[LatestSnapshotKey]) -> Result<HashMap<LatestSnapshotKey, snapshot::Model>, LoadError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let latest = catalog::latest_snapshots(&self.db, &ids).await.map_err(load_error)?;
        Ok(latest.into_iter().map(|(id, s)| (LatestSnapshotKey(id), s)).collect())
    }
}

impl Loader<WeekSnapshotKey> for Loaders {
    type Value = snapshot::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[WeekSnapshotKey]) -> Result<HashMap<WeekSnapshotKey, snapshot::Model>, LoadError> {
        let mut by_week: HashMap<NaiveDate, Vec<i32>> = HashMap::new();
        for key in keys {
            by_week.entry(key.1).or_default().push(key.0);
        }
        let mut out = HashMap::new();
        for (week, ids) in by_week {
            let found = catalog::snapshots_in_week(&self.db, &ids, Week::containing(week)).await.map_err(load_error)?;
            out.extend(found.into_iter().map(|(id, s)| (WeekSnapshotKey(id, week), s)));
        }
        Ok(out)
    }
}

impl Loader<TrendKey> for Loaders {
    type Value = Vec<snapshot::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TrendKey]) -> Result<HashMap<TrendKey, Vec<snapshot::Model>>, LoadError> {
        let mut by_span: HashMap<(usize, Option<NaiveDate>), Vec<i32>> = HashMap::new();
        for key in keys {
            by_span.entry((key.1, key.2)).or_default().push(key.0);
        }
        let mut out = HashMap::new();
        for ((weeks, until), ids) in by_span {
            let mut found = catalog::recent_snapshots_until(&self.db, &ids, weeks, until.map(Week::containing))
                .await
                .map_err(load_error)?;
            for id in ids {
                out.insert(TrendKey(id, weeks, until), found.remove(&id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

fn posting_skill_to_skill() -> RelationDef {
    posting_skill::Entity::belongs_to(skill::Entity).from(posting_skill::Column::SkillId).to(skill::Column::Id).into()
}

impl Loader<PostingSkillsKey> for Loaders {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[PostingSkillsKey]) -> Result<HashMap<PostingSkillsKey, Vec<String>>, LoadError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows: Vec<(i32, String)> = posting_skill::Entity::find()
            .select_only()
            .column(posting_skill::Column::PostingId)
            .column(skill::Column::Name)
            .join(JoinType::InnerJoin, posting_skill_to_skill())
            .filter(posting_skill::Column::PostingId.is_in(ids.iter().copied()))
            .order_by_asc(posting_skill::Column::PostingId)
            .order_by_asc(skill::Column::Name)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut out: HashMap<PostingSkillsKey, Vec<String>> =
            ids.iter().map(|&id| (PostingSkillsKey(id), Vec::new())).collect();
        for (posting_id, name) in rows {
            out.entry(PostingSkillsKey(posting_id)).or_default().push(name);
        }
        Ok(out)
    }
}
