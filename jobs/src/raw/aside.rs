//! The rows kept aside because their title matches no role: stored whole (for
//! reclassification), listed by title frequency, never counted in a figure.

use chrono::{DateTime, Utc};
use entity::unclassified_posting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::RawPosting;
use crate::Date;
use crate::sql::{self, KeyedTable, statement};

/// Keys per statement.
const CHUNK: usize = 500;

/// Deletes the rows of `table` with these keys, one statement per source and chunk.
async fn delete_keys(db: &impl ConnectionTrait, table: KeyedTable, keys: &[(String, String)]) -> Result<(), DbErr> {
    let mut by_source: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
    for (s, e) in keys {
        by_source.entry(s.as_str()).or_default().push(e.clone());
    }
    for (source, ids) in by_source {
        sql::delete_by_keys(db, table, source, &ids).await?;
    }
    Ok(())
}

/// Keeps rows aside (updating those kept before), and takes any posting with the same
/// source and id out of the figures: its title no longer matches a role.
pub async fn keep(db: &impl ConnectionTrait, rows: Vec<(RawPosting, String)>, now: DateTime<Utc>) -> Result<(), DbErr> {
    for chunk in rows.chunks(CHUNK) {
        let keys: Vec<(String, String)> =
            chunk.iter().map(|(r, _)| (r.source.trim().to_owned(), r.external_id.trim().to_owned())).collect();
        delete_keys(db, KeyedTable::Posting, &keys).await?;
        let models = chunk.iter().map(|(row, title_key)| unclassified_posting::ActiveModel {
            source: Set(row.source.trim().to_owned()),
            external_id: Set(row.external_id.trim().to_owned()),
            title: Set(row.title.trim().chars().take(crate::ingest::MAX_TEXT_LEN).collect()),
            title_key: Set(title_key.chars().take(crate::ingest::MAX_TEXT_LEN).collect()),
            company: Set(row.company.trim().chars().take(crate::ingest::MAX_TEXT_LEN).collect()),
            raw: Set(serde_json::to_string(row).unwrap_or_default()),
            closed_at: Set(row.closed_at.map(|d| d.0)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        unclassified_posting::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([unclassified_posting::Column::Source, unclassified_posting::Column::ExternalId])
                    .update_columns([
                        unclassified_posting::Column::Title,
                        unclassified_posting::Column::TitleKey,
                        unclassified_posting::Column::Company,
                        unclassified_posting::Column::Raw,
                        unclassified_posting::Column::ClosedAt,
                        unclassified_posting::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Forgets rows kept aside that have become postings.
pub async fn remove(db: &impl ConnectionTrait, keys: &[(String, String)]) -> Result<(), DbErr> {
    for chunk in keys.chunks(CHUNK) {
        delete_keys(db, KeyedTable::Unclassified, chunk).await?;
    }
    Ok(())
}

/// The next rows kept aside after `after_id`, with their ids; `closedAt` as last set.
pub async fn page(db: &impl ConnectionTrait, after_id: i32, limit: u64) -> Result<Vec<(i32, RawPosting)>, DbErr> {
    let rows = unclassified_posting::Entity::find()
        .filter(unclassified_posting::Column::Id.gt(after_id))
        .order_by_asc(unclassified_posting::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            // A row that does not decode is an error to see, not a posting to classify with
            // its description and pay silently dropped.
            let mut raw: RawPosting = serde_json::from_str(&r.raw)
                .map_err(|e| DbErr::Type(format!("unclassified_posting {}: raw is not a raw posting: {e}", r.id)))?;
            raw.closed_at = r.closed_at.map(Date);
            Ok((r.id, raw))
        })
        .collect()
}

/// A title that matched no role, and how many rows kept aside carry it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TitleCount {
    /// The title (one spelling of it).
    pub title: String,
    /// Rows with this title.
    pub count: i64,
}

/// The titles kept aside, most frequent first (ties by title), at most `limit`.
pub async fn titles_by_frequency(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<TitleCount>, DbErr> {
    let sql = "SELECT MIN(u.title) AS title, COUNT(*) AS count
               FROM unclassified_posting u
               GROUP BY u.title_key
               ORDER BY COUNT(*) DESC, u.title_key
               LIMIT $1";
    let stmt = statement(db.get_database_backend(), sql, vec![(limit as i64).into()]);
    TitleCount::find_by_statement(stmt).all(db).await
}

/// Rows kept aside in all.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    unclassified_posting::Entity::find().count(db).await
}
