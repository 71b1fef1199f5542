use std::collections::BTreeSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// An address is one subscriber whatever its letter case (`Ann@Example.com` is
/// `ann@example.com`): a unique index on `lower(email)` replaces the one on `email`.
///
/// Addresses stored twice in different cases are merged first, into the row that was
/// confirmed earliest (or, when none was confirmed, the oldest). It follows the union of the
/// roles of the merged rows that were confirmed, since those are the digests the mailbox was
/// getting (an empty list is every role); when none was confirmed, of all of them, because
/// those are all requests still pending. The other rows' tokens move to it, so the links in
/// their emails keep working, and so do their digest deliveries, where it had none of that
/// run, so that a week already sent to the mailbox is not sent again.
///
/// `down` restores the unique index on `email` as typed; merged rows stay merged.
#[derive(DeriveMigrationName)]
pub struct Migration;

const CASE_INSENSITIVE: &str = "idx-subscriber-email_lower";
const AS_TYPED: &str = "idx-subscriber-email";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        merge_duplicates(manager).await?;
        manager.drop_index(Index::drop().name(AS_TYPED).table(Subscriber::Table).to_owned()).await?;
        // An index on an expression: the same statement on SQLite and PostgreSQL, used by
        // both for `WHERE lower(email) = ?`.
        let create = format!(r#"CREATE UNIQUE INDEX "{CASE_INSENSITIVE}" ON "subscriber" (lower("email"))"#);
        manager.get_connection().execute_unprepared(&create).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(&format!(r#"DROP INDEX "{CASE_INSENSITIVE}""#)).await?;
        manager
            .create_index(
                Index::create().name(AS_TYPED).table(Subscriber::Table).col(Subscriber::Email).unique().to_owned(),
            )
            .await
    }
}

/// One stored subscriber of a group that differs only in case.
struct Row {
    id: i32,
    confirmed: bool,
    roles: Option<BTreeSet<String>>,
}

async fn merge_duplicates(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let lower = || Func::lower(Expr::col(Subscriber::Email));
    let groups = Query::select()
        .expr_as(lower(), Alias::new("address"))
        .from(Subscriber::Table)
        .group_by_col(Alias::new("address"))
        .and_having(Expr::col(Subscriber::Id).count().gt(1))
        .to_owned();
    for group in db.query_all(&groups).await? {
        let address: String = group.try_get("", "address")?;
        let confirmed = Expr::col(Subscriber::Status).eq("CONFIRMED");
        let rows = Query::select()
            .column(Subscriber::Id)
            .expr_as(confirmed.clone(), Alias::new("confirmed"))
            .expr_as(Expr::col(Subscriber::Roles).cast_as(Alias::new("text")), Alias::new("roles"))
            .from(Subscriber::Table)
            .and_where(lower().eq(address))
            // The earliest confirmed first, then the oldest.
            .order_by_expr(Expr::case(confirmed, 0).finally(1).into(), Order::Asc)
            .order_by_expr(
                Func::coalesce([Expr::col(Subscriber::ConfirmedAt), Expr::col(Subscriber::CreatedAt)]).into(),
                Order::Asc,
            )
            .order_by(Subscriber::Id, Order::Asc)
            .to_owned();
        let rows = db
            .query_all(&rows)
            .await?
            .into_iter()
            .map(|row| {
                let roles: String = row.try_get("", "roles")?;
                Ok(Row {
                    id: row.try_get("", "id")?,
                    confirmed: row.try_get("", "confirmed")?,
                    roles: role_set(&roles),
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        merge(manager, &rows).await?;
    }
    Ok(())
}

/// The slugs of a stored role list; `None` for the empty list, which means every role.
fn role_set(json: &str) -> Option<BTreeSet<String>> {
    let slugs: Vec<String> = serde_json::from_str(json).unwrap_or_default();
    (!slugs.is_empty()).then(|| slugs.into_iter().collect())
}

async fn merge(manager: &SchemaManager<'_>, rows: &[Row]) -> Result<(), DbErr> {
    let Some((keeper, others)) = rows.split_first() else { return Ok(()) };
    let db = manager.get_connection();
    let counted: Vec<&Row> =
        if keeper.confirmed { rows.iter().filter(|r| r.confirmed).collect() } else { rows.iter().collect() };
    let union = counted.iter().try_fold(BTreeSet::new(), |mut all, row| {
        all.extend(row.roles.clone()?);
        Some(all)
    });
    let roles = serde_json::to_string(&union.unwrap_or_default()).map_err(|e| DbErr::Custom(e.to_string()))?;
    let roles = match manager.get_database_backend() {
        DatabaseBackend::Postgres => Expr::val(roles).cast_as(Alias::new("jsonb")),
        _ => Expr::val(roles),
    };
    db.execute(
        &Query::update()
            .table(Subscriber::Table)
            .value(Subscriber::Roles, roles)
            .and_where(Expr::col(Subscriber::Id).eq(keeper.id))
            .to_owned(),
    )
    .await?;
    let others: Vec<i32> = others.iter().map(|r| r.id).collect();
    db.execute(
        &Query::update()
            .table(SubscriberToken::Table)
            .value(SubscriberToken::SubscriberId, keeper.id)
            .and_where(Expr::col(SubscriberToken::SubscriberId).is_in(others.clone()))
            .to_owned(),
    )
    .await?;
    // One delivery per run and subscriber: take over each run's first delivery of the
    // others where the keeper has none; the rest go with their rows.
    for other in &others {
        let keeper_runs = Query::select()
            .column(Delivery::RunId)
            .from(Delivery::Table)
            .and_where(Expr::col(Delivery::SubscriberId).eq(keeper.id))
            .to_owned();
        db.execute(
            &Query::update()
                .table(Delivery::Table)
                .value(Delivery::SubscriberId, keeper.id)
                .and_where(Expr::col(Delivery::SubscriberId).eq(*other))
                .and_where(Expr::col(Delivery::RunId).not_in_subquery(keeper_runs))
                .to_owned(),
        )
        .await?;
    }
    db.execute(
        &Query::delete().from_table(Subscriber::Table).and_where(Expr::col(Subscriber::Id).is_in(others)).to_owned(),
    )
    .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum Subscriber {
    Table,
    Id,
    Email,
    Status,
    Roles,
    ConfirmedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SubscriberToken {
    Table,
    SubscriberId,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    RunId,
    SubscriberId,
}
