//! Hearing every write, wherever it was made. Writes to the published data bump the data
//! version in the database (triggers, same transaction); each process polls it, so a write
//! by another replica, a CLI command or the weekly job of another process is heard within
//! [`POLL_INTERVAL`]. Hearing one bumps the local generation (what the response cache checks)
//! and tells `snapshotPublished` subscribers about every snapshot written since, once.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use entity::snapshot;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use tokio::sync::{Notify, broadcast};

/// How often each process looks for writes made elsewhere.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Snapshots kept for a slow subscriber before it skips ahead (a week of 8 roles is 8).
const SNAPSHOT_BUFFER: usize = 256;

/// The changes this process has heard of.
pub struct DataChanges {
    generation: AtomicU64,
    /// The highest data version the generation already reflects.
    heard: AtomicI64,
    wake: Arc<Notify>,
    snapshots: broadcast::Sender<snapshot::Model>,
}

impl Default for DataChanges {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            heard: AtomicI64::new(i64::MIN),
            wake: Arc::default(),
            snapshots: broadcast::channel(SNAPSHOT_BUFFER).0,
        }
    }
}

impl DataChanges {
    /// Grows each time this process learns that the data changed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Call after a write through this process has ended: what was cached is stale at once,
    /// and the snapshots it wrote are published as soon as the watcher reads them.
    pub async fn written(&self, db: &impl ConnectionTrait) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        // The version now includes this write: the watcher need not drop the cache again for it.
        if let Ok(version) = jobs::data_version::current(db).await {
            self.heard.fetch_max(version, Ordering::AcqRel);
        }
        self.wake.notify_one();
    }

    /// Records that the data is at `version`; a version not heard before makes cached
    /// answers stale.
    fn hear(&self, version: i64) {
        if self.heard.fetch_max(version, Ordering::AcqRel) < version {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Every snapshot written from now on, by any process sharing the database.
    pub fn subscribe(&self) -> broadcast::Receiver<snapshot::Model> {
        self.snapshots.subscribe()
    }

    /// Starts watching the database at `database_url` for writes, on a connection of its own
    /// (a busy pool must not delay it); the watcher ends when `changes` is dropped.
    pub fn watch(changes: &Arc<Self>, database_url: Arc<str>) -> tokio::task::JoinHandle<()> {
        let wake = changes.wake.clone();
        let changes = Arc::downgrade(changes);
        tokio::spawn(async move { watch(changes, wake, &database_url).await })
    }
}

async fn watch(changes: Weak<DataChanges>, wake: Arc<Notify>, database_url: &str) {
    let mut seen: Option<i64> = None;
    let mut db: Option<DatabaseConnection> = None;
    loop {
        let Some(this) = changes.upgrade() else { return };
        if db.is_none() {
            match crate::db::connect_single(database_url).await {
                Ok(connected) => db = Some(connected),
                Err(error) => tracing::warn!(%error, "change watcher cannot connect: retrying"),
            }
        }
        if let Some(db) = &db {
            match poll(&this, db, seen).await {
                Ok(version) => seen = Some(version),
                Err(error) => tracing::warn!(%error, "cannot read the data version: retrying"),
            }
        }
        // Holding only the Weak while asleep lets the state go when the server stops.
        drop(this);
        let _ = tokio::time::timeout(POLL_INTERVAL, wake.notified()).await;
    }
}

/// One look: the current version, having published what was written since `seen`.
async fn poll(changes: &DataChanges, db: &DatabaseConnection, seen: Option<i64>) -> Result<i64, DbErr> {
    let version = jobs::data_version::current(db).await?;
    changes.hear(version);
    let Some(seen) = seen else { return Ok(version) };
    if version > seen {
        for snapshot in jobs::data_version::snapshots_written(db, seen, version).await? {
            // No receiver is not an error: nobody is listening right now.
            let _ = changes.snapshots.send(snapshot);
        }
    }
    Ok(version)
}
