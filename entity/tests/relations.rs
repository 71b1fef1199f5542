//! Each relation joins on the columns of a foreign key of the migrations, in both directions.

use entity::{
    delivery, digest_run, posting, posting_skill, role, role_rule, skill, skill_alias, snapshot, subscriber,
    subscriber_token,
};
use sea_orm::{DbBackend, EntityTrait, QueryTrait, Related};

/// The joins of `from` to `to` through their relation, as SQL.
fn joins<From, To>(to: To) -> String
where
    From: EntityTrait + Related<To>,
    To: EntityTrait,
{
    let sql = From::find().inner_join(to).build(DbBackend::Sqlite).sql;
    sql.split_once(" INNER JOIN ").map(|(_, joins)| format!("INNER JOIN {joins}")).unwrap_or(sql)
}

#[test]
fn children_join_their_parent_on_the_foreign_key() {
    let on =
        |table: &str, fk: &str, parent: &str| format!(r#"INNER JOIN "{parent}" ON "{table}"."{fk}" = "{parent}"."id""#);
    assert_eq!(joins::<posting::Entity, _>(role::Entity), on("posting", "role_id", "role"));
    assert_eq!(joins::<snapshot::Entity, _>(role::Entity), on("snapshot", "role_id", "role"));
    assert_eq!(joins::<role_rule::Entity, _>(role::Entity), on("role_rule", "role_id", "role"));
    assert_eq!(joins::<posting_skill::Entity, _>(posting::Entity), on("posting_skill", "posting_id", "posting"));
    assert_eq!(joins::<posting_skill::Entity, _>(skill::Entity), on("posting_skill", "skill_id", "skill"));
    assert_eq!(joins::<skill_alias::Entity, _>(skill::Entity), on("skill_alias", "skill_id", "skill"));
    assert_eq!(
        joins::<subscriber_token::Entity, _>(subscriber::Entity),
        on("subscriber_token", "subscriber_id", "subscriber")
    );
    assert_eq!(joins::<delivery::Entity, _>(digest_run::Entity), on("delivery", "run_id", "digest_run"));
    assert_eq!(joins::<delivery::Entity, _>(subscriber::Entity), on("delivery", "subscriber_id", "subscriber"));
}

#[test]
fn parents_join_their_children_on_the_same_key() {
    let on =
        |parent: &str, table: &str, fk: &str| format!(r#"INNER JOIN "{table}" ON "{parent}"."id" = "{table}"."{fk}""#);
    assert_eq!(joins::<role::Entity, _>(posting::Entity), on("role", "posting", "role_id"));
    assert_eq!(joins::<role::Entity, _>(snapshot::Entity), on("role", "snapshot", "role_id"));
    assert_eq!(joins::<role::Entity, _>(role_rule::Entity), on("role", "role_rule", "role_id"));
    assert_eq!(joins::<skill::Entity, _>(skill_alias::Entity), on("skill", "skill_alias", "skill_id"));
    assert_eq!(
        joins::<subscriber::Entity, _>(subscriber_token::Entity),
        on("subscriber", "subscriber_token", "subscriber_id")
    );
    assert_eq!(joins::<subscriber::Entity, _>(delivery::Entity), on("subscriber", "delivery", "subscriber_id"));
    assert_eq!(joins::<digest_run::Entity, _>(delivery::Entity), on("digest_run", "delivery", "run_id"));
}

#[test]
fn postings_and_skills_join_through_posting_skill() {
    assert_eq!(
        joins::<posting::Entity, _>(skill::Entity),
        r#"INNER JOIN "posting_skill" ON "posting"."id" = "posting_skill"."posting_id" INNER JOIN "skill" ON "posting_skill"."skill_id" = "skill"."id""#
    );
    assert_eq!(
        joins::<skill::Entity, _>(posting::Entity),
        r#"INNER JOIN "posting_skill" ON "skill"."id" = "posting_skill"."skill_id" INNER JOIN "posting" ON "posting_skill"."posting_id" = "posting"."id""#
    );
}
