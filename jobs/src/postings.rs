//! Pages of postings for dashboards: filters over indexed columns, keyset pages in id order,
//! and the pages of many roles in one statement (a `LATERAL` join on PostgreSQL, a `UNION ALL`
//! of per-role index scans on SQLite), so a list of roles with their postings costs one
//! statement however many roles it shows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{Seniority, posting, posting_skill, skill};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::sqlx;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Statement,
};

pub use crate::keyset::PageRequest;
use crate::posting_tally;
use crate::week::Week;

/// Which postings to list; every field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PostingFilter {
    /// Remote-friendly or not.
    pub remote: Option<bool>,
    /// Seniority.
    pub seniority: Option<Seniority>,
    /// Metro, exactly as stored.
    pub metro: Option<String>,
    /// Company, exactly as stored.
    pub company: Option<String>,
    /// A skill, by its key (`skill::skill_key`).
    pub skill_key: Option<String>,
    /// Salary midpoint at least this (USD a year).
    pub min_salary: Option<i32>,
    /// Open in that week.
    pub open_in: Option<Week>,
}

impl PostingFilter {
    /// The filter as a condition on `posting` (without the role).
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(remote) = self.remote {
            cond = cond.add(posting::Column::Remote.eq(remote));
        }
        if let Some(seniority) = self.seniority {
            cond = cond.add(posting::Column::Seniority.eq(seniority));
        }
        if let Some(metro) = &self.metro {
            cond = cond.add(posting::Column::Metro.eq(metro.as_str()));
        }
        if let Some(company) = &self.company {
            cond = cond.add(posting::Column::Company.eq(company.as_str()));
        }
        if let Some(min) = self.min_salary {
            cond = cond.add(posting::Column::SalaryMid.gte(f64::from(min)));
        }
        if let Some(week) = self.open_in {
            cond = cond.add(week.open_postings());
        }
        if let Some(key) = &self.skill_key {
            let with_skill = Query::select()
                .column(posting_skill::Column::PostingId)
                .from(posting_skill::Entity)
                .inner_join(
                    skill::Entity,
                    Expr::col((skill::Entity, skill::Column::Id))
                        .equals((posting_skill::Entity, posting_skill::Column::SkillId)),
                )
                .and_where(Expr::col((skill::Entity, skill::Column::Key)).eq(key.as_str()))
                .to_owned();
            cond = cond.add(posting::Column::Id.in_subquery(with_skill));
        }
        cond
    }

    /// The filter, plus the role when given.
    fn with_role(&self, role_id: Option<i32>) -> Condition {
        match role_id {
            Some(id) => self.condition().add(posting::Column::RoleId.eq(id)),
            None => self.condition(),
        }
    }
}

/// The index that holds a role's postings in id order, with the columns most filters test.
const ROLE_ID_ORDER_INDEX: &str = "idx-posting-role_id-id-remote-salary_mid";

/// A role's page as SQLite should read it. Its planner, even with statistics, answers a
/// filtered page (remote, a salary floor, open in a week) by reading every match through
/// `(role_id, remote, salary_mid)` and sorting them (190 ms at 270,000 postings of a role);
/// reading the role's postings in id order stops after the page (0.4 ms). Filters on a skill,
/// a company or a metro keep the planner's choice: their own indexes may find fewer rows.
fn sqlite_in_id_order(mut statement: Statement, filter: &PostingFilter) -> Statement {
    let narrow = filter.skill_key.is_some() || filter.company.is_some() || filter.metro.is_some();
    if statement.db_backend == DbBackend::Sqlite && !narrow {
        let hinted = format!(r#" FROM "posting" INDEXED BY "{ROLE_ID_ORDER_INDEX}" "#);
        statement.sql = statement.sql.replacen(r#" FROM "posting" "#, &hinted, 1);
    }
    statement
}

/// The page's select: the columns of matching postings in id order, one more than asked (it
/// tells whether a next page exists).
fn page_select(cond: Condition, page: PageRequest, columns: PostingColumns) -> SelectStatement {
    page.select(columns.select().filter(cond), posting::Column::Id).into_query()
}

/// One page of the postings matching `filter` (of `role_id` when given): up to
/// `page.first + 1` rows, the extra one telling that a next page exists.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &PostingFilter,
    role_id: Option<i32>,
    page: PageRequest,
    columns: PostingColumns,
) -> Result<Vec<PostingRow>, DbErr> {
    let mut statement = db.get_database_backend().build(&page_select(filter.with_role(role_id), page, columns));
    if role_id.is_some() {
        statement = sqlite_in_id_order(statement, filter);
    }
    read_postings(db, statement, columns).await
}

/// The same page for each of `role_ids`, in one statement; every role is in the answer.
pub async fn pages_by_role(
    db: &impl ConnectionTrait,
    filter: &PostingFilter,
    role_ids: &[i32],
    page: PageRequest,
    columns: PostingColumns,
) -> Result<HashMap<i32, Vec<PostingRow>>, DbErr> {
    let mut out: HashMap<i32, Vec<PostingRow>> = role_ids.iter().map(|&id| (id, Vec::new())).collect();
    if role_ids.is_empty() {
        return Ok(out);
    }
    let statement = pages_by_role_statement(db.get_database_backend(), filter, role_ids, page, columns);
    for row in read_postings(db, statement, columns).await? {
        out.entry(row.role_id).or_default().push(row);
    }
    for rows in out.values_mut() {
        rows.sort_by_key(|p| p.id);
    }
    Ok(out)
}

/// The postings of a select of `columns`, in their order.
async fn read_postings(
    db: &impl ConnectionTrait,
    statement: Statement,
    columns: PostingColumns,
) -> Result<Vec<PostingRow>, DbErr> {
    db.query_all_raw(statement).await?.into_iter().map(|row| PostingRow::new(row, columns)).collect()
}

/// Which of a posting's columns a page reads: always its id and role, the others as the
/// query asks for them. A dashboard shows two or three of the 19: the others cost the
/// database its output functions and the server their bytes, for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostingColumns(u32);

impl PostingColumns {
    /// The id and role only.
    pub const KEYS: Self = Self(1 << posting::Column::Id as u32 | 1 << posting::Column::RoleId as u32);

    /// Every column.
    pub fn all() -> Self {
        posting::Column::iter().fold(Self::KEYS, Self::with)
    }

    /// These columns and `column`.
    #[must_use]
    pub fn with(self, column: posting::Column) -> Self {
        Self(self.0 | 1 << column as u32)
    }

    /// Where `column` is in a row of these columns, if it is one of them.
    fn position(self, column: posting::Column) -> Option<usize> {
        let bit = 1u32 << column as u32;
        (self.0 & bit != 0).then(|| (self.0 & (bit - 1)).count_ones() as usize)
    }

    /// A select of these columns, in `posting::Column`'s order (the order of their positions).
    fn select(self) -> sea_orm::Select<posting::Entity> {
        let columns = posting::Column::iter().filter(move |c| self.position(*c).is_some());
        posting::Entity::find().select_only().columns(columns)
    }
}

/// A posting as a page read it: its id and role at once, its other columns (those the page
/// read) only when asked for, straight from the row. Decoding every column (a string
/// allocated and checked for every text column of every posting) was a sixth of the server's
/// instructions on a nested page of postings.
pub struct PostingRow {
    /// Its id.
    pub id: i32,
    /// Its role's id.
    pub role_id: i32,
    columns: PostingColumns,
    row: QueryResult,
}

impl std::fmt::Debug for PostingRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostingRow").field("id", &self.id).field("role_id", &self.role_id).finish_non_exhaustive()
    }
}

/// Reads `column` from either database's row, through `$get` (`try_get`, or
/// `try_get_unchecked` for text); an error names the column, and one the page did not read
/// is an error, never a default.
macro_rules! read_column {
    ($posting:expr, $column:expr, $get:ident) => {{
        let column = $column;
        let name = sea_orm::IdenStatic::as_str(&column);
        let Some(index) = $posting.columns.position(column) else {
            return Err(DbErr::Custom(format!("posting.{name} was not read for this page")));
        };
        let row = &$posting.row;
        let read = if let Some(row) = row.try_as_pg_row() {
            sqlx::Row::$get(row, index)
        } else if let Some(row) = row.try_as_sqlite_row() {
            sqlx::Row::$get(row, index)
        } else {
            return Err(DbErr::Type("a posting row from neither PostgreSQL nor SQLite".into()));
        };
        read.map_err(|e| DbErr::Type(format!("posting.{name}: {e}")))
    }};
}

// Text columns skip sqlx's type check (`try_get_unchecked`): for a string it compares the
// column's type with six text types, one of them by name, which was a seventh of a nested
// request's instructions. These columns are text in every migration, and the test that
// compares this reader with SeaORM's on both databases would see one that is not.
impl PostingRow {
    /// A row of a select of `columns` (which hold the id and role).
    pub fn new(row: QueryResult, columns: PostingColumns) -> Result<Self, DbErr> {
        let mut posting = Self { id: 0, role_id: 0, columns, row };
        posting.id = posting.int(posting::Column::Id)?;
        posting.role_id = posting.int(posting::Column::RoleId)?;
        Ok(posting)
    }

    fn int(&self, column: posting::Column) -> Result<i32, DbErr> {
        read_column!(self, column, try_get)
    }

    fn text(&self, column: posting::Column) -> Result<&str, DbErr> {
        read_column!(self, column, try_get_unchecked)
    }

    fn optional_text(&self, column: posting::Column) -> Result<Option<&str>, DbErr> {
        read_column!(self, column, try_get_unchecked)
    }

    fn optional_int(&self, column: posting::Column) -> Result<Option<i32>, DbErr> {
        read_column!(self, column, try_get)
    }

    fn optional_date(&self, column: posting::Column) -> Result<Option<NaiveDate>, DbErr> {
        read_column!(self, column, try_get)
    }

    fn timestamp(&self, column: posting::Column) -> Result<DateTime<Utc>, DbErr> {
        read_column!(self, column, try_get)
    }

    /// Where it was found.
    pub fn source(&self) -> Result<&str, DbErr> {
        self.text(posting::Column::Source)
    }

    /// Its id there.
    pub fn external_id(&self) -> Result<&str, DbErr> {
        self.text(posting::Column::ExternalId)
    }

    /// Title as posted.
    pub fn title(&self) -> Result<&str, DbErr> {
        self.text(posting::Column::Title)
    }

    /// Hiring company.
    pub fn company(&self) -> Result<&str, DbErr> {
        self.text(posting::Column::Company)
    }

    /// Metro area.
    pub fn metro(&self) -> Result<Option<&str>, DbErr> {
        self.optional_text(posting::Column::Metro)
    }

    /// Remote-friendly.
    pub fn remote(&self) -> Result<bool, DbErr> {
        read_column!(self, posting::Column::Remote, try_get)
    }

    /// Seniority.
    pub fn seniority(&self) -> Result<Seniority, DbErr> {
        let value = self.text(posting::Column::Seniority)?;
        <Seniority as sea_orm::ActiveEnum>::try_from_value(&value.to_owned())
    }

    /// Lower salary bound.
    pub fn salary_min(&self) -> Result<Option<i32>, DbErr> {
        self.optional_int(posting::Column::SalaryMin)
    }

    /// Upper salary bound.
    pub fn salary_max(&self) -> Result<Option<i32>, DbErr> {
        self.optional_int(posting::Column::SalaryMax)
    }

    /// Salary midpoint.
    pub fn salary_mid(&self) -> Result<Option<f64>, DbErr> {
        read_column!(self, posting::Column::SalaryMid, try_get)
    }

    /// Skill ids, sorted and comma-separated.
    pub fn skill_ids(&self) -> Result<&str, DbErr> {
        self.text(posting::Column::SkillIds)
    }

    /// Date posted.
    pub fn posted_at(&self) -> Result<NaiveDate, DbErr> {
        read_column!(self, posting::Column::PostedAt, try_get)
    }

    /// Date closed, if it has.
    pub fn closed_at(&self) -> Result<Option<NaiveDate>, DbErr> {
        self.optional_date(posting::Column::ClosedAt)
    }

    /// The role rule that classified it.
    pub fn rule_id(&self) -> Result<Option<i32>, DbErr> {
        self.optional_int(posting::Column::RuleId)
    }

    /// The advert's address.
    pub fn url(&self) -> Result<Option<&str>, DbErr> {
        self.optional_text(posting::Column::Url)
    }

    /// Every column, decoded (of a page that read them all).
    pub fn to_model(&self) -> Result<posting::Model, DbErr> {
        Ok(posting::Model {
            id: self.id,
            source: self.source()?.to_owned(),
            external_id: self.external_id()?.to_owned(),
            role_id: self.role_id,
            title: self.title()?.to_owned(),
            company: self.company()?.to_owned(),
            metro: self.metro()?.map(str::to_owned),
            remote: self.remote()?,
            seniority: self.seniority()?,
            salary_min: self.salary_min()?,
            salary_max: self.salary_max()?,
            salary_mid: self.salary_mid()?,
            skill_ids: self.skill_ids()?.to_owned(),
            posted_at: self.posted_at()?,
            closed_at: self.closed_at()?,
            created_at: self.timestamp(posting::Column::CreatedAt)?,
            updated_at: self.timestamp(posting::Column::UpdatedAt)?,
            rule_id: self.rule_id()?,
            url: self.url()?.map(str::to_owned),
        })
    }
}

/// The one statement of [`pages_by_role`] (`role_ids` must not be empty).
pub fn pages_by_role_statement(
    backend: DbBackend,
    filter: &PostingFilter,
    role_ids: &[i32],
    page: PageRequest,
    columns: PostingColumns,
) -> Statement {
    match backend {
        DbBackend::Postgres => {
            // One index scan per role on (role_id, id), each stopping after its page. The
            // limit is written into the text, as the role ids are: given as a parameter, it
            // makes PostgreSQL plan the statement anew at every execution (its generic plan,
            // costed for an unknown limit, always loses to a custom one), 0.13 ms a request
            // against 0.02 ms with the plan kept.
            let correlated =
                Expr::col((posting::Entity, posting::Column::RoleId)).equals((Alias::new("r"), Alias::new("role_id")));
            let unlimited = page
                .select_without_limit(columns.select().filter(filter.condition().add(correlated)), posting::Column::Id);
            let inner = backend.build(&unlimited.into_query());
            let ids: Vec<String> = role_ids.iter().map(|id| format!("({id})")).collect();
            let sql = format!(
                "SELECT p.* FROM (VALUES {}) AS r(role_id) CROSS JOIN LATERAL ({} LIMIT {}) AS p",
                ids.join(", "),
                inner.sql,
                page.first + 1
            );
            Statement { sql, values: inner.values, db_backend: backend }
        }
        _ => {
            // SQLite has no LATERAL: the same per-role scans as the members of one UNION ALL.
            let mut sql = String::new();
            let mut values = Vec::new();
            for (i, &id) in role_ids.iter().enumerate() {
                let member = page_select(filter.with_role(Some(id)), page, columns);
                let member = sqlite_in_id_order(backend.build(&member), filter);
                if i > 0 {
                    sql.push_str(" UNION ALL ");
                }
                sql.push_str(&format!("SELECT * FROM ({}) AS r{i}", member.sql));
                values.extend(member.values.map(|v| v.0).unwrap_or_default());
            }
            Statement::from_sql_and_values(backend, sql, values)
        }
    }
}

/// How many postings match `filter` (of `role_id` when given): from the tally when it can
/// answer, else a plain `COUNT(*)` over the condition, which both databases can answer from
/// an index alone.
pub async fn count(db: &impl ConnectionTrait, filter: &PostingFilter, role_id: Option<i32>) -> Result<u64, DbErr> {
    if posting_tally::counts(filter) {
        return posting_tally::count(db, filter, role_id).await;
    }
    let count: Option<i64> = posting::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "count")
        .filter(filter.with_role(role_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(count.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

/// The names of the skills each of `posting_ids` names, alphabetically; every posting is in
/// the answer.
pub async fn skills_by_posting(
    db: &impl ConnectionTrait,
    posting_ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let rows: Vec<(i32, String)> = posting_skill::Entity::find()
        .select_only()
        .column(posting_skill::Column::PostingId)
        .column(skill::Column::Name)
        .inner_join(skill::Entity)
        .filter(posting_skill::Column::PostingId.is_in(posting_ids.iter().copied()))
        .order_by_asc(posting_skill::Column::PostingId)
        .order_by_asc(skill::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<String>> = posting_ids.iter().map(|&id| (id, Vec::new())).collect();
    for (posting_id, name) in rows {
        out.entry(posting_id).or_default().push(name);
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct RoleCount {
    role_id: i32,
    count: i64,
}

/// How many postings match `filter` for each of `role_ids`, in one statement (from the
/// tally when it can answer).
pub async fn counts_by_role(
    db: &impl ConnectionTrait,
    filter: &PostingFilter,
    role_ids: &[i32],
) -> Result<HashMap<i32, u64>, DbErr> {
    if posting_tally::counts(filter) {
        return posting_tally::counts_by_role(db, filter, role_ids).await;
    }
    let mut out: HashMap<i32, u64> = role_ids.iter().map(|&id| (id, 0)).collect();
    if role_ids.is_empty() {
        return Ok(out);
    }
    let query = posting::Entity::find()
        .select_only()
        .column(posting::Column::RoleId)
        .column_as(Expr::cust("COUNT(*)"), "count")
        .filter(filter.condition().add(posting::Column::RoleId.is_in(role_ids.iter().copied())))
        .group_by(posting::Column::RoleId)
        .into_model::<RoleCount>()
        .all(db)
        .await?;
    for row in query {
        out.insert(row.role_id, u64::try_from(row.count).unwrap_or(0));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_page(backend: DbBackend, filter: &PostingFilter) -> String {
        let page = PageRequest { first: 20, after: None };
        pages_by_role_statement(backend, filter, &[3, 4], page, PostingColumns::all()).sql
    }

    #[test]
    fn sqlite_reads_a_role_page_in_id_order_unless_a_narrower_index_may_serve() {
        let broad = PostingFilter { remote: Some(true), min_salary: Some(150_000), ..Default::default() };
        let hinted = format!(r#"FROM "posting" INDEXED BY "{ROLE_ID_ORDER_INDEX}" WHERE"#);
        assert_eq!(role_page(DbBackend::Sqlite, &broad).matches(&hinted).count(), 2, "each role's member");
        assert!(!role_page(DbBackend::Postgres, &broad).contains("INDEXED BY"), "PostgreSQL plans for itself");
        let by_skill = PostingFilter { skill_key: Some("rag".into()), ..broad };
        assert!(!role_page(DbBackend::Sqlite, &by_skill).contains("INDEXED BY"));
    }

    /// The columns a select lists, by name.
    fn selected(columns: PostingColumns) -> Vec<String> {
        let sql = columns.select().build(DbBackend::Sqlite).sql;
        let list = sql.split(" FROM ").next().unwrap_or_default().trim_start_matches("SELECT ");
        list.split(", ").map(|c| c.trim_start_matches(r#""posting"."#).trim_matches('"').to_owned()).collect()
    }

    #[test]
    fn a_column_is_read_at_its_place_in_the_select() {
        let some = PostingColumns::KEYS.with(posting::Column::Url).with(posting::Column::Title);
        for columns in [PostingColumns::all(), PostingColumns::KEYS, some] {
            let selected = selected(columns);
            for column in posting::Column::iter() {
                let name = sea_orm::IdenStatic::as_str(&column);
                let place = selected.iter().position(|c| c == name);
                assert_eq!(columns.position(column), place, "{name} in {selected:?}");
            }
        }
        assert_eq!(selected(some), ["id", "role_id", "title", "url"]);
        assert_eq!(selected(PostingColumns::all()).len(), posting::Column::iter().count());
    }

    #[test]
    fn postgres_writes_the_role_page_limit_into_the_text_so_that_its_plan_is_kept() {
        let filter = PostingFilter { remote: Some(true), ..Default::default() };
        let page = PageRequest { first: 20, after: None };
        let built = pages_by_role_statement(DbBackend::Postgres, &filter, &[3, 4], page, PostingColumns::KEYS);
        assert!(built.sql.ends_with(r#"ORDER BY "posting"."id" ASC LIMIT 21) AS p"#), "{}", built.sql);
        assert_eq!(built.values.map(|v| v.0), Some(vec![true.into()]), "only the filter's values are parameters");
        let unfiltered = PostingFilter::default();
        let page = PageRequest { first: 10, after: None };
        let built = pages_by_role_statement(DbBackend::Postgres, &unfiltered, &[3], page, PostingColumns::KEYS);
        let values = built.values.map(|v| v.0).unwrap_or_default();
        assert!(values.is_empty(), "no parameter at all: {values:?}");
    }
}
