//! The skill dictionary as admins edit it: canonical skills and the phrases that name them.

use std::collections::{BTreeMap, HashMap};

use entity::{skill, skill_alias};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};

use crate::edit::EditError;
use crate::ingest::MAX_SKILL_LEN;

/// Longest alias.
pub const MAX_ALIAS_LEN: usize = 100;
/// Most aliases one skill may have.
pub const MAX_ALIASES: usize = 50;

/// A canonical skill and the phrases that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictionarySkill {
    /// Display name.
    pub name: String,
    /// Phrases, in the order entered.
    pub aliases: Vec<String>,
}

/// Every skill of the dictionary by name, or those whose name or an alias contains `search`.
pub async fn list(db: &impl ConnectionTrait, search: Option<&str>) -> Result<Vec<DictionarySkill>, EditError> {
    let aliases = skill_alias::Entity::find().order_by_asc(skill_alias::Column::Id).all(db).await?;
    let ids: Vec<i32> = aliases.iter().map(|a| a.skill_id).collect();
    let names: HashMap<i32, String> = skill::Entity::find()
        .filter(skill::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut by_name: BTreeMap<String, DictionarySkill> = BTreeMap::new();
    for alias in aliases {
        let Some(name) = names.get(&alias.skill_id) else { continue };
        by_name
            .entry(name.to_lowercase())
            .or_insert_with(|| DictionarySkill { name: name.clone(), aliases: Vec::new() })
            .aliases
            .push(alias.alias);
    }
    let search = search.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    Ok(by_name
        .into_values()
        .filter(|s| {
            search.as_ref().is_none_or(|q| {
                s.name.to_lowercase().contains(q) || s.aliases.iter().any(|a| a.to_lowercase().contains(q))
            })
        })
        .collect())
}

/// Creates a dictionary skill or replaces its aliases; the name given becomes its display
/// name (a rename). An alias another skill has is refused.
pub async fn upsert<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    name: &str,
    aliases: &[String],
) -> Result<DictionarySkill, EditError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_SKILL_LEN {
        return Err(EditError::Invalid(format!("name must be 1–{MAX_SKILL_LEN} characters")));
    }
    if aliases.is_empty() || aliases.len() > MAX_ALIASES {
        return Err(EditError::Invalid(format!("aliases: give 1–{MAX_ALIASES} phrases, got {}", aliases.len())));
    }
    let mut cleaned: Vec<(String, String)> = Vec::new();
    for alias in aliases {
        let alias = alias.split_whitespace().collect::<Vec<_>>().join(" ");
        if alias.chars().count() < 2 || alias.chars().count() > MAX_ALIAS_LEN {
            return Err(EditError::Invalid(format!(
                "alias \"{alias}\" must be 2–{MAX_ALIAS_LEN} characters (single letters match too much)"
            )));
        }
        let key = skill_alias::alias_key(&alias);
        if !cleaned.iter().any(|(_, k)| *k == key) {
            cleaned.push((alias, key));
        }
    }
    let key = skill::skill_key(name);
    let txn = db.begin().await?;
    let existing = skill::Entity::find().filter(skill::Column::Key.eq(key.clone())).one(&txn).await?;
    let skill_id = match existing {
        Some(s) => {
            if s.name != name {
                skill::Entity::update(skill::ActiveModel {
                    id: Set(s.id),
                    name: Set(name.to_owned()),
                    ..Default::default()
                })
                .exec(&txn)
                .await?;
            }
            s.id
        }
        None => {
            skill::Entity::insert(skill::ActiveModel {
                key: Set(key),
                name: Set(name.to_owned()),
                ..Default::default()
            })
            .exec(&txn)
            .await?
            .last_insert_id
        }
    };
    let taken = skill_alias::Entity::find()
        .filter(skill_alias::Column::Key.is_in(cleaned.iter().map(|(_, k)| k.clone())))
        .filter(skill_alias::Column::SkillId.ne(skill_id))
        .find_also_related(skill::Entity)
        .one(&txn)
        .await?;
    if let Some((taken, owner)) = taken {
        let owner = owner.map(|s| s.name).unwrap_or_default();
        return Err(EditError::Invalid(format!("alias \"{}\" already names the skill \"{owner}\"", taken.alias)));
    }
    skill_alias::Entity::delete_many().filter(skill_alias::Column::SkillId.eq(skill_id)).exec(&txn).await?;
    skill_alias::Entity::insert_many(cleaned.iter().map(|(alias, key)| skill_alias::ActiveModel {
        skill_id: Set(skill_id),
        alias: Set(alias.clone()),
        key: Set(key.clone()),
        ..Default::default()
    }))
    .on_conflict(OnConflict::column(skill_alias::Column::Key).do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(DictionarySkill { name: name.to_owned(), aliases: cleaned.into_iter().map(|(a, _)| a).collect() })
}

/// Takes a skill out of the dictionary (postings that name it keep it).
pub async fn delete(db: &impl ConnectionTrait, name: &str) -> Result<bool, EditError> {
    let missing = || EditError::NotFound(format!("no skill of the dictionary is named \"{}\"", name.trim()));
    let skill = skill::Entity::find()
        .filter(skill::Column::Key.eq(skill::skill_key(name)))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let deleted = skill_alias::Entity::delete_many().filter(skill_alias::Column::SkillId.eq(skill.id)).exec(db).await?;
    if deleted.rows_affected == 0 {
        return Err(missing());
    }
    Ok(true)
}
