//! Role rules as admins edit them: list, add, delete, and the shipped defaults.

use chrono::{DateTime, Utc};
use entity::{RuleKind, posting, role, role_rule};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use crate::classify::defaults;
use crate::classify::text::words;
use crate::edit::EditError;
use crate::roles::find_by_slug;

/// Longest phrase, in characters once normalised.
pub const MAX_PHRASE_LEN: usize = 100;
/// Most rules one role may have.
pub const MAX_RULES_PER_ROLE: u64 = 500;

/// Every rule, with its role's slug; of one role when `slug` is given.
pub async fn list(db: &impl ConnectionTrait, slug: Option<&str>) -> Result<Vec<role_rule::Model>, EditError> {
    let mut query =
        role_rule::Entity::find().order_by_asc(role_rule::Column::RoleId).order_by_asc(role_rule::Column::Id);
    if let Some(slug) = slug {
        let role = find_by_slug(db, slug)
            .await?
            .ok_or_else(|| EditError::NotFound(format!("no role has the slug \"{slug}\"")))?;
        query = query.filter(role_rule::Column::RoleId.eq(role.id));
    }
    Ok(query.all(db).await?)
}

/// A phrase as stored: lower-case words; refused when empty or too long.
pub fn normalise_phrase(phrase: &str) -> Result<String, EditError> {
    let normalised = words(phrase);
    if normalised.is_empty() {
        return Err(EditError::Invalid(format!("phrase \"{phrase}\" has no letters or digits")));
    }
    if normalised.chars().count() > MAX_PHRASE_LEN {
        return Err(EditError::Invalid(format!("phrase must be at most {MAX_PHRASE_LEN} characters")));
    }
    Ok(normalised)
}

/// Adds a MATCH or EXCLUDE phrase to a role.
pub async fn add(
    db: &impl ConnectionTrait,
    slug: &str,
    kind: RuleKind,
    phrase: &str,
    now: DateTime<Utc>,
) -> Result<role_rule::Model, EditError> {
    let phrase = normalise_phrase(phrase)?;
    let role =
        find_by_slug(db, slug).await?.ok_or_else(|| EditError::NotFound(format!("no role has the slug \"{slug}\"")))?;
    let existing = role_rule::Entity::find().filter(role_rule::Column::RoleId.eq(role.id)).count(db).await?;
    if existing >= MAX_RULES_PER_ROLE {
        return Err(EditError::Invalid(format!("role \"{slug}\" has {existing} rules: at most {MAX_RULES_PER_ROLE}")));
    }
    let duplicate = role_rule::Entity::find()
        .filter(role_rule::Column::RoleId.eq(role.id))
        .filter(role_rule::Column::Kind.eq(kind))
        .filter(role_rule::Column::Phrase.eq(phrase.clone()))
        .one(db)
        .await?;
    if duplicate.is_some() {
        return Err(EditError::Invalid(format!(
            "role \"{slug}\" already has the {} phrase \"{phrase}\"",
            kind_name(kind)
        )));
    }
    let model = role_rule::ActiveModel {
        role_id: Set(role.id),
        kind: Set(kind),
        phrase: Set(phrase),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(role_rule::Entity::insert(model).exec_with_returning(db).await?)
}

fn kind_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Match => "MATCH",
        RuleKind::Exclude => "EXCLUDE",
    }
}

/// Deletes a rule; postings it classified keep their role and forget the rule.
pub async fn delete<C: ConnectionTrait + TransactionTrait>(db: &C, id: i32) -> Result<bool, EditError> {
    let txn = db.begin().await?;
    let deleted = delete_rules(&txn, &[id]).await?;
    txn.commit().await?;
    if deleted == 0 {
        return Err(EditError::NotFound(format!("no rule has the id {id}")));
    }
    Ok(true)
}

async fn delete_rules(db: &impl ConnectionTrait, ids: &[i32]) -> Result<u64, EditError> {
    if ids.is_empty() {
        return Ok(0);
    }
    posting::Entity::update_many()
        .col_expr(posting::Column::RuleId, Expr::value(Option::<i32>::None))
        .filter(posting::Column::RuleId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(role_rule::Entity::delete_many()
        .filter(role_rule::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Adds the shipped rules of `role` (if its slug has any) that it lacks.
pub async fn install_defaults(
    db: &impl ConnectionTrait,
    role: &role::Model,
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    let Some((matches, excludes)) = defaults::default_rules(&role.slug) else { return Ok(0) };
    let models: Vec<role_rule::ActiveModel> = matches
        .iter()
        .map(|p| (RuleKind::Match, *p))
        .chain(excludes.iter().map(|p| (RuleKind::Exclude, *p)))
        .map(|(kind, phrase)| role_rule::ActiveModel {
            role_id: Set(role.id),
            kind: Set(kind),
            phrase: Set(words(phrase)),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    let count = models.len();
    role_rule::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([role_rule::Column::RoleId, role_rule::Column::Kind, role_rule::Column::Phrase])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(count)
}

/// Replaces a role's rules by the shipped ones (refused for a role that has none).
pub async fn reset<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Vec<role_rule::Model>, EditError> {
    let role =
        find_by_slug(db, slug).await?.ok_or_else(|| EditError::NotFound(format!("no role has the slug \"{slug}\"")))?;
    if defaults::default_rules(slug).is_none() {
        let shipped: Vec<&str> = defaults::slugs().collect();
        return Err(EditError::Invalid(format!(
            "role \"{slug}\" has no shipped rules: only {} do",
            shipped.join(", ")
        )));
    }
    let txn = db.begin().await?;
    let ids: Vec<i32> = role_rule::Entity::find()
        .filter(role_rule::Column::RoleId.eq(role.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    delete_rules(&txn, &ids).await?;
    install_defaults(&txn, &role, now).await?;
    txn.commit().await?;
    list(db, Some(slug)).await
}
