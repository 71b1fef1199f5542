//! The data version: a counter that database triggers bump in the same transaction as every
//! write to roles, skills, postings and snapshots, from any process. Readers poll it to learn
//! that what they cached is stale, and read the snapshots written since they last looked.

use entity::snapshot;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Statement};

/// The current data version: it only grows, and becomes visible when its write commits.
pub async fn current(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, "SELECT version FROM data_version WHERE id = 1"))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the data_version row is missing: run the migrations".to_owned()))?;
    row.try_get_by_index::<i64>(0)
}

/// The snapshots written by versions in `(after, up_to]`, in the order they were written.
pub async fn snapshots_written(
    db: &impl ConnectionTrait,
    after: i64,
    up_to: i64,
) -> Result<Vec<snapshot::Model>, DbErr> {
    snapshot::Entity::find()
        .filter(snapshot::Column::DataVersion.gt(after))
        .filter(snapshot::Column::DataVersion.lte(up_to))
        .order_by_asc(snapshot::Column::DataVersion)
        .order_by_asc(snapshot::Column::RoleId)
        .all(db)
        .await
}
