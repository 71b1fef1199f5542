//! Batched loads: a dashboard asking for 20 roles with their snapshot and trend runs a
//! constant number of SQL statements, not one per role.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use entity::{role, snapshot};
use jobs::postings::{self, PageRequest, PostingColumns, PostingFilter, PostingRow};
use jobs::{Week, catalog};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::OnceCell;

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

/// The loader of a GraphQL request (the schema is always built with it).
pub fn loader<'a>(ctx: &async_graphql::Context<'a>) -> &'a AppLoader {
    ctx.data_unchecked::<AppLoader>()
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
/// A role by slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleSlugKey(pub String);
/// A page of a role's postings, with the filter and page its siblings in the list share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RolePostingsKey(pub i32, pub PostingsSpec);
/// How many of a role's postings match a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RolePostingCountKey(pub i32, pub Arc<PostingFilter>);

/// The roles of one page of `roles`, shared by its nodes: a list nested under them
/// (`Role.postings`) is read for all of them by whichever node resolves it first, in one
/// statement and without the loader's batching delay. Per request, so bounded by the query's
/// complexity: one entry per distinct filter and page asked for.
#[derive(Default)]
pub struct SiblingRoles {
    role_ids: Vec<i32>,
    postings: Mutex<HashMap<PostingsSpec, Arc<OnceCell<PagesByRole>>>>,
}

/// Each role's page of postings.
pub type PagesByRole = Arc<HashMap<i32, PostingRows>>;

/// A page of postings, each shared: a role's page is handed out by cloning it (from the
/// siblings' pages, or from the loader).
pub type PostingRows = Vec<Arc<PostingRow>>;

/// Each role's rows as [`PostingRows`].
fn shared_rows(pages: HashMap<i32, Vec<PostingRow>>) -> impl Iterator<Item = (i32, PostingRows)> {
    pages.into_iter().map(|(id, rows)| (id, rows.into_iter().map(Arc::new).collect()))
}

/// The filter, page and columns that the postings of sibling roles share.
pub type PostingsSpec = Arc<(PostingFilter, PageRequest, PostingColumns)>;

impl std::fmt::Debug for SiblingRoles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiblingRoles").field("role_ids", &self.role_ids).finish_non_exhaustive()
    }
}

impl SiblingRoles {
    /// The roles of a page, in order.
    pub fn new(role_ids: Vec<i32>) -> Self {
        Self { role_ids, postings: Mutex::default() }
    }

    /// Every sibling's page of postings under `spec`, read once.
    pub async fn postings(&self, db: &DatabaseConnection, spec: &PostingsSpec) -> Result<PagesByRole, LoadError> {
        let cell =
            self.postings.lock().unwrap_or_else(PoisonError::into_inner).entry(spec.clone()).or_default().clone();
        let pages = cell
            .get_or_try_init(|| async {
                let (filter, page, columns) = spec.as_ref();
                let pages =
                    postings::pages_by_role(db, filter, &self.role_ids, *page, *columns).await.map_err(load_error)?;
                Ok::<_, LoadError>(Arc::new(shared_rows(pages).collect()))
            })
            .await?;
        Ok(pages.clone())
    }
}

/// Groups the role ids of a batch by what they share, so each group is one statement.
fn by_shared<S: Clone + Eq + std::hash::Hash>(keys: impl Iterator<Item = (i32, S)>) -> HashMap<S, Vec<i32>> {
    let mut groups: HashMap<S, Vec<i32>> = HashMap::new();
    for (id, shared) in keys {
        groups.entry(shared).or_default().push(id);
    }
    groups
}

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
        let mut out = HashMap::new();
        for (week, ids) in by_shared(keys.iter().map(|k| (k.0, k.1))) {
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
        let mut out = HashMap::new();
        for ((weeks, until), ids) in by_shared(keys.iter().map(|k| (k.0, (k.1, k.2)))) {
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

impl Loader<PostingSkillsKey> for Loaders {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[PostingSkillsKey]) -> Result<HashMap<PostingSkillsKey, Vec<String>>, LoadError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let skills = postings::skills_by_posting(&self.db, &ids).await.map_err(load_error)?;
        Ok(skills.into_iter().map(|(id, names)| (PostingSkillsKey(id), names)).collect())
    }
}

impl Loader<RoleSlugKey> for Loaders {
    type Value = role::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[RoleSlugKey]) -> Result<HashMap<RoleSlugKey, role::Model>, LoadError> {
        let slugs: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let roles = catalog::roles_by_slug(&self.db, &slugs).await.map_err(load_error)?;
        Ok(roles.into_iter().map(|r| (RoleSlugKey(r.slug.clone()), r)).collect())
    }
}

impl Loader<RolePostingsKey> for Loaders {
    type Value = PostingRows;
    type Error = LoadError;

    async fn load(&self, keys: &[RolePostingsKey]) -> Result<HashMap<RolePostingsKey, PostingRows>, LoadError> {
        let mut out = HashMap::new();
        for (spec, ids) in by_shared(keys.iter().map(|k| (k.0, k.1.clone()))) {
            let (filter, page, columns) = spec.as_ref();
            let pages = postings::pages_by_role(&self.db, filter, &ids, *page, *columns).await.map_err(load_error)?;
            out.extend(shared_rows(pages).map(|(id, rows)| (RolePostingsKey(id, spec.clone()), rows)));
        }
        Ok(out)
    }
}

impl Loader<RolePostingCountKey> for Loaders {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[RolePostingCountKey]) -> Result<HashMap<RolePostingCountKey, u64>, LoadError> {
        let mut out = HashMap::new();
        for (filter, ids) in by_shared(keys.iter().map(|k| (k.0, k.1.clone()))) {
            let counts = postings::counts_by_role(&self.db, &filter, &ids).await.map_err(load_error)?;
            out.extend(counts.into_iter().map(|(id, n)| (RolePostingCountKey(id, filter.clone()), n)));
        }
        Ok(out)
    }
}
