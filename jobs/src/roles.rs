//! Roles: the admin's `upsertRole` / `deleteRole` and the lookups everything else shares.

use chrono::{DateTime, Utc};
use entity::role::CareerPath;
use entity::{posting, role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::keyset::PageRequest;

/// Why a role operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// No role has this slug.
    #[error("unknown role \"{0}\"")]
    NotFound(String),
    /// The role still has postings, which would be orphaned.
    #[error("role \"{slug}\" still has {postings} postings: delete or move them first")]
    InUse {
        /// The role.
        slug: String,
        /// How many postings reference it.
        postings: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A role as an admin enters it.
#[derive(Debug, Clone)]
pub struct RoleInput {
    /// URL-safe identity: lower-case letters, digits and hyphens.
    pub slug: String,
    /// Display title.
    pub title: String,
    /// One-paragraph description.
    pub summary: Option<String>,
    /// Roles this one leads to; `None` keeps the current path on update.
    pub career_path: Option<Vec<String>>,
}

/// Checks a role slug: 1–64 lower-case letters, digits and inner hyphens.
pub fn validate_slug(slug: &str) -> Result<(), RoleError> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(RoleError::Invalid(format!(
            "slug \"{slug}\" must be 1–64 lower-case letters, digits and hyphens (e.g. \"ai-architect\")"
        )))
    }
}

fn validate(input: &RoleInput) -> Result<(), RoleError> {
    validate_slug(&input.slug)?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(RoleError::Invalid("title must be 1–200 characters".into()));
    }
    if input.summary.as_ref().is_some_and(|s| s.chars().count() > 2000) {
        return Err(RoleError::Invalid("summary must be at most 2000 characters".into()));
    }
    if let Some(path) = &input.career_path
        && (path.len() > 20 || path.iter().any(|p| p.trim().is_empty() || p.chars().count() > 200))
    {
        return Err(RoleError::Invalid(
            "careerPath must have at most 20 non-empty titles of at most 200 characters".into(),
        ));
    }
    Ok(())
}

/// Creates the role, or updates the one with the same slug.
pub async fn upsert_role(
    db: &impl ConnectionTrait,
    input: RoleInput,
    now: DateTime<Utc>,
) -> Result<role::Model, RoleError> {
    validate(&input)?;
    let career_path = input.career_path.map(|p| CareerPath(p.iter().map(|s| s.trim().to_owned()).collect()));
    match find_by_slug(db, &input.slug).await? {
        Some(existing) => {
            let mut model = existing.into_active_model();
            model.title = Set(input.title.trim().to_owned());
            model.summary = Set(input.summary);
            if let Some(path) = career_path {
                model.career_path = Set(path);
            }
            model.updated_at = Set(now);
            Ok(model.update(db).await?)
        }
        None => {
            let role = role::ActiveModel {
                slug: Set(input.slug),
                title: Set(input.title.trim().to_owned()),
                summary: Set(input.summary),
                career_path: Set(career_path.unwrap_or_default()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            // One of the eight demo roles comes with its shipped classification rules.
            crate::rules::install_defaults(db, &role, now).await?;
            Ok(role)
        }
    }
}

/// Deletes a role and its snapshots; refused while postings reference it.
pub async fn delete_role(db: &impl ConnectionTrait, slug: &str) -> Result<bool, RoleError> {
    let role = find_by_slug(db, slug).await?.ok_or_else(|| RoleError::NotFound(slug.to_owned()))?;
    let postings = posting::Entity::find().filter(posting::Column::RoleId.eq(role.id)).count(db).await?;
    if postings > 0 {
        return Err(RoleError::InUse { slug: slug.to_owned(), postings });
    }
    entity::snapshot::Entity::delete_many().filter(entity::snapshot::Column::RoleId.eq(role.id)).exec(db).await?;
    role::Entity::delete_by_id(role.id).exec(db).await?;
    Ok(true)
}

/// The role with this slug, if any.
pub async fn find_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find().filter(role::Column::Slug.eq(slug)).one(db).await
}

/// One page of roles in creation (id) order: up to `page.first + 1`, the extra one telling
/// that a next page exists.
pub async fn page(db: &impl ConnectionTrait, page: PageRequest) -> Result<Vec<role::Model>, DbErr> {
    page.select(role::Entity::find(), role::Column::Id).all(db).await
}

/// How many roles there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    role::Entity::find().count(db).await
}

/// The first `limit` roles by title (the roles a form lists).
pub async fn by_title(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<role::Model>, DbErr> {
    role::Entity::find().order_by_asc(role::Column::Title).limit(limit).all(db).await
}

/// Resolves slugs to roles; the error lists every unknown slug.
pub async fn resolve_slugs(db: &impl ConnectionTrait, slugs: &[String]) -> Result<Vec<role::Model>, RoleError> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let found = role::Entity::find().filter(role::Column::Slug.is_in(slugs.iter().cloned())).all(db).await?;
    let unknown: Vec<&str> =
        slugs.iter().filter(|s| !found.iter().any(|r| &r.slug == *s)).map(String::as_str).collect();
    if unknown.is_empty() {
        Ok(found)
    } else {
        Err(RoleError::Invalid(format!("unknown roles: {}", unknown.join(", "))))
    }
}
