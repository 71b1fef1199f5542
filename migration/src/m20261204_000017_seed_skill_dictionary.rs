use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

/// Ships the skill dictionary (`seed/skills.txt`, over 200 AI and ML skills with their
/// aliases). Admins edit it afterwards; a migration runs once, so what they delete stays
/// deleted. Skills that postings already name keep their display name.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SEED: &str = include_str!("seed/skills.txt");
const CHUNK: usize = 200;

/// The shipped dictionary: (canonical name, its phrases) per line of the seed file.
pub fn shipped_skills() -> Vec<(String, Vec<String>)> {
    SEED.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.split('|').map(str::trim).filter(|p| !p.is_empty());
            let name = parts.next().unwrap_or_default().to_owned();
            let mut aliases: Vec<String> = parts.map(str::to_owned).collect();
            if aliases.is_empty() {
                aliases.push(name.clone());
            }
            (name, aliases)
        })
        .collect()
}

/// The same identity as `entity::skill::skill_key` (a migration never imports `entity`).
fn skill_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An alias's identity: lower case, words separated by one space.
fn alias_key(alias: &str) -> String {
    alias.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn custom(e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(e.to_string())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let entries = shipped_skills();
        for chunk in entries.chunks(CHUNK) {
            let mut insert = Query::insert();
            insert.into_table(Skill::Table).columns([Skill::Key, Skill::Name]);
            for (name, _) in chunk {
                insert.values([skill_key(name).into(), name.clone().into()]).map_err(custom)?;
            }
            insert.on_conflict(OnConflict::column(Skill::Key).do_nothing().to_owned());
            manager.exec_stmt(insert).await?;
        }
        let backend = db.get_database_backend();
        let rows = db.query_all_raw(Statement::from_string(backend, "SELECT id, key FROM skill")).await?;
        let mut ids = std::collections::HashMap::new();
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let key: String = row.try_get("", "key")?;
            ids.insert(key, id);
        }
        let aliases: Vec<(i32, String)> = entries
            .iter()
            .filter_map(|(name, aliases)| ids.get(&skill_key(name)).map(|id| (*id, aliases)))
            .flat_map(|(id, aliases)| aliases.iter().map(move |a| (id, a.clone())))
            .collect();
        for chunk in aliases.chunks(CHUNK) {
            let mut insert = Query::insert();
            insert.into_table(SkillAlias::Table).columns([SkillAlias::SkillId, SkillAlias::Alias, SkillAlias::Key]);
            for (id, alias) in chunk {
                insert.values([(*id).into(), alias.clone().into(), alias_key(alias).into()]).map_err(custom)?;
            }
            insert.on_conflict(OnConflict::column(SkillAlias::Key).do_nothing().to_owned());
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let entries = shipped_skills();
        let alias_keys: Vec<String> = entries.iter().flat_map(|(_, a)| a.iter().map(|x| alias_key(x))).collect();
        for chunk in alias_keys.chunks(CHUNK) {
            manager
                .exec_stmt(
                    Query::delete()
                        .from_table(SkillAlias::Table)
                        .and_where(Expr::col(SkillAlias::Key).is_in(chunk.iter().cloned()))
                        .to_owned(),
                )
                .await?;
        }
        // Seeded skills no posting names and no alias keeps go too.
        let skill_keys: Vec<String> = entries.iter().map(|(n, _)| skill_key(n)).collect();
        for chunk in skill_keys.chunks(CHUNK) {
            manager
                .exec_stmt(
                    Query::delete()
                        .from_table(Skill::Table)
                        .and_where(Expr::col(Skill::Key).is_in(chunk.iter().cloned()))
                        .and_where(Expr::col((Skill::Table, Skill::Id)).not_in_subquery(
                            Query::select().column(PostingSkill::SkillId).from(PostingSkill::Table).to_owned(),
                        ))
                        .and_where(Expr::col((Skill::Table, Skill::Id)).not_in_subquery(
                            Query::select().column(SkillAlias::SkillId).from(SkillAlias::Table).to_owned(),
                        ))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Skill {
    Table,
    Id,
    Key,
    Name,
}

#[derive(DeriveIden)]
enum SkillAlias {
    Table,
    SkillId,
    Alias,
    Key,
}

#[derive(DeriveIden)]
enum PostingSkill {
    Table,
    SkillId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_has_at_least_150_skills_and_no_alias_twice() {
        let entries = shipped_skills();
        assert!(entries.len() >= 150, "{} skills", entries.len());
        let mut seen = std::collections::HashSet::new();
        for (name, aliases) in &entries {
            assert!(!name.is_empty() && name.chars().count() <= 64, "{name}");
            for alias in aliases {
                assert!(seen.insert(alias_key(alias)), "alias \"{alias}\" of {name} is listed twice");
            }
        }
    }
}
