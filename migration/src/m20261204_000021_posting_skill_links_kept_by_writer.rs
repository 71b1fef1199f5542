use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// On PostgreSQL, `posting_skill` loses its two foreign keys; the one writer of links keeps
/// them whole instead. PostgreSQL checks a foreign key with a query of its own for every
/// inserted row: two per link, six per posting of three skills, which cost a third of
/// `ingestPostings`' time (15,900–16,700 postings/s with the keys, 21,600–25,800 without, on
/// one machine in one session). A link is written only by ingest, in the transaction that writes its posting's
/// `skill_ids`, from skill ids it has just read or created; skills are never deleted (merged
/// names become aliases); the one statement that deletes postings
/// (`jobs::sql::delete_by_keys`) deletes their links first.
///
/// SQLite keeps its keys: it checks one with an index lookup, not a query, and ingests there
/// run above 29,000 postings/s with them. `down` restores PostgreSQL's keys, after deleting
/// any link whose posting or skill no longer exists.
#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTING_KEY: &str = "fk-posting_skill-posting_id";
const SKILL_KEY: &str = "fk-posting_skill-skill_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for key in [POSTING_KEY, SKILL_KEY] {
            manager.drop_foreign_key(ForeignKey::drop().name(key).table(PostingSkill::Table).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM posting_skill ps WHERE NOT EXISTS (SELECT 1 FROM posting p WHERE p.id = ps.posting_id)
                    OR NOT EXISTS (SELECT 1 FROM skill s WHERE s.id = ps.skill_id)",
            )
            .await?;
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name(POSTING_KEY)
                    .from(PostingSkill::Table, PostingSkill::PostingId)
                    .to(Posting::Table, Posting::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
            )
            .await?;
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name(SKILL_KEY)
                    .from(PostingSkill::Table, PostingSkill::SkillId)
                    .to(Skill::Table, Skill::Id)
                    .on_delete(ForeignKeyAction::Restrict)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PostingSkill {
    Table,
    PostingId,
    SkillId,
}

#[derive(DeriveIden)]
enum Posting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skill {
    Table,
    Id,
}
