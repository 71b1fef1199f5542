//! The contract's output types, built from entities (never the entities themselves).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{posting, role, snapshot};
use jobs::postings::{PostingColumns, PostingRow};

use super::loaders::{PostingSkillsKey, RoleKey, SiblingRoles, loader};
use super::scalars::Date;
use crate::error::{ApiError, ApiResult};

/// Seniority of a posting (an input and an output of the contract, declared with the inputs).
pub use jobs::ingest::Seniority;

/// Where a snapshot's figures come from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::SnapshotSource")]
pub enum SnapshotSource {
    /// Computed from postings.
    Computed,
    /// Entered by an admin.
    Imported,
}

/// A subscriber's state.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::SubscriberStatus")]
pub enum SubscriberStatus {
    /// Signed up, not confirmed.
    Pending,
    /// Receives the digest.
    Confirmed,
    /// Left.
    Unsubscribed,
    /// Too many permanent delivery failures.
    Bounced,
}

/// Relay page information.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether more items follow.
    pub has_next_page: bool,
    /// The cursor of the last item of this page.
    pub end_cursor: Option<String>,
}

/// A job role.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct Role {
    /// Opaque id.
    pub id: ID,
    /// URL-safe identity, e.g. `ai-architect`.
    pub slug: String,
    /// Display title, e.g. `AI Architect`.
    pub title: String,
    /// A sentence on what the role does.
    pub summary: Option<String>,
    /// Roles this one commonly leads to.
    pub career_path: Vec<String>,
    #[graphql(skip)]
    pub role_id: i32,
    /// The other roles of the page this one was listed in, when it was.
    #[graphql(skip)]
    pub siblings: Option<Arc<SiblingRoles>>,
}

impl From<role::Model> for Role {
    fn from(model: role::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            career_path: model.career_path.into(),
            slug: model.slug,
            title: model.title,
            summary: model.summary,
            role_id: model.id,
            siblings: None,
        }
    }
}

/// Loads a role by id through the request's loader.
pub async fn load_role(ctx: &Context<'_>, role_id: i32) -> ApiResult<Role> {
    loader(ctx)
        .load_one(RoleKey(role_id))
        .await?
        .map(Role::from)
        .ok_or_else(|| ApiError::NotFound(format!("role {role_id} no longer exists")))
}

/// The figures of one role for one week (docs/figures.md#snapshots).
#[derive(Debug, Clone)]
pub struct Snapshot(pub snapshot::Model);

/// The figures of one role for one week (docs/figures.md#snapshots).
#[Object]
impl Snapshot {
    /// The role.
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Role> {
        load_role(ctx, self.0.role_id).await.map_err(|e| async_graphql::ErrorExtensions::extend(&e))
    }
    /// The week, named by its Monday.
    async fn week(&self) -> Date {
        Date(self.0.week)
    }
    /// COMPUTED from postings or IMPORTED by an admin.
    async fn source(&self) -> SnapshotSource {
        self.0.source.into()
    }
    /// Postings open that week.
    async fn open_positions(&self) -> i32 {
        self.0.open_positions
    }
    /// How many of them have a salary.
    async fn sample_size(&self) -> i32 {
        self.0.sample_size
    }
    /// Mean of the salary minimums (USD a year); null below 5 salaries.
    async fn salary_range_low(&self) -> Option<i32> {
        self.0.salary_range_low
    }
    /// Mean of the salary maximums.
    async fn salary_range_high(&self) -> Option<i32> {
        self.0.salary_range_high
    }
    /// Mean of the salary midpoints.
    async fn average_salary(&self) -> Option<i32> {
        self.0.average_salary
    }
    /// 25th percentile of the midpoints.
    async fn p25_salary(&self) -> Option<i32> {
        self.0.p25_salary
    }
    /// Median of the midpoints.
    async fn median_salary(&self) -> Option<i32> {
        self.0.median_salary
    }
    /// 75th percentile of the midpoints.
    async fn p75_salary(&self) -> Option<i32> {
        self.0.p75_salary
    }
    /// 90th percentile of the midpoints.
    async fn p90_salary(&self) -> Option<i32> {
        self.0.p90_salary
    }
    /// Share of remote postings, percent with one decimal.
    async fn remote_pct(&self) -> f64 {
        self.0.remote_pct
    }
    /// Shares of entry, mid and senior postings.
    async fn experience_mix(&self) -> ExperienceMix {
        ExperienceMix { entry_pct: self.0.entry_pct, mid_pct: self.0.mid_pct, senior_pct: self.0.senior_pct }
    }
    /// The 8 skills most postings name, most first.
    async fn top_skills(&self) -> Vec<SkillShare> {
        self.0.top_skills.iter().cloned().map(SkillShare::from).collect()
    }
    /// The 5 companies with most postings.
    async fn top_companies(&self) -> Vec<NameCount> {
        self.0.top_companies.iter().cloned().map(NameCount::from).collect()
    }
    /// The 5 metros with most postings.
    async fn top_metros(&self) -> Vec<NameCount> {
        self.0.top_metros.iter().cloned().map(NameCount::from).collect()
    }
}

/// Shares of entry, mid and senior postings, percent with one decimal.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExperienceMix {
    /// Entry level.
    pub entry_pct: f64,
    /// Mid level.
    pub mid_pct: f64,
    /// Senior.
    pub senior_pct: f64,
}

/// A skill with how many postings name it and their share.
#[derive(SimpleObject, Debug, Clone)]
pub struct SkillShare {
    /// Skill name.
    pub skill: String,
    /// Postings naming it (0 when imported without counts).
    pub postings: i32,
    /// Share of open postings, percent with one decimal.
    pub pct: f64,
}

impl From<snapshot::SkillShare> for SkillShare {
    fn from(s: snapshot::SkillShare) -> Self {
        Self { skill: s.skill, postings: s.postings, pct: s.pct }
    }
}

/// A name with a count.
#[derive(SimpleObject, Debug, Clone)]
pub struct NameCount {
    /// Company or metro.
    pub name: String,
    /// Open postings.
    pub count: i32,
}

impl From<snapshot::NameCount> for NameCount {
    fn from(n: snapshot::NameCount) -> Self {
        Self { name: n.name, count: n.count }
    }
}

/// One week of a role's trend.
#[derive(SimpleObject, Debug, Clone)]
pub struct TrendPoint {
    /// The week.
    pub week: Date,
    /// Open positions that week.
    pub open_positions: i32,
    /// 25th percentile.
    pub p25_salary: Option<i32>,
    /// Median salary.
    pub median_salary: Option<i32>,
    /// 75th percentile.
    pub p75_salary: Option<i32>,
    /// Change of the median against the previous point, percent with one decimal.
    pub median_change_pct: Option<f64>,
}

impl From<jobs::figures::TrendPoint> for TrendPoint {
    fn from(p: jobs::figures::TrendPoint) -> Self {
        Self {
            week: Date(p.week),
            open_positions: p.open_positions,
            p25_salary: p.p25_salary,
            median_salary: p.median_salary,
            p75_salary: p.p75_salary,
            median_change_pct: p.median_change_pct,
        }
    }
}

/// A job posting (shared: a page's postings appear as nodes and again in edges).
#[derive(Debug, Clone)]
pub struct Posting(pub Arc<PostingRow>);

/// The columns of a posting that the current field (a connection of postings) selects, in
/// its `nodes` and its `edges { node }`, through fragments: a page reads only those.
pub fn posting_columns(ctx: &Context<'_>) -> PostingColumns {
    let connection = ctx.look_ahead();
    let nodes = connection.field("nodes").selection_fields();
    let edge_nodes = connection.field("edges").field("node").selection_fields();
    let fields = nodes.iter().chain(&edge_nodes).flat_map(|node| node.selection_set());
    fields.filter_map(|field| column_of(field.name())).fold(PostingColumns::KEYS, PostingColumns::with)
}

/// The column a field of [`Posting`] reads, for those that read one besides the id and the
/// role (every field below that reads its row is here).
fn column_of(field: &str) -> Option<posting::Column> {
    use posting::Column;
    Some(match field {
        "source" => Column::Source,
        "externalId" => Column::ExternalId,
        "title" => Column::Title,
        "company" => Column::Company,
        "metro" => Column::Metro,
        "remote" => Column::Remote,
        "seniority" => Column::Seniority,
        "salaryMin" => Column::SalaryMin,
        "salaryMax" => Column::SalaryMax,
        "postedAt" => Column::PostedAt,
        "closedAt" => Column::ClosedAt,
        "url" => Column::Url,
        "ruleId" => Column::RuleId,
        _ => return None,
    })
}

/// A column of a posting's row, or the error of one that cannot be read.
fn column<T>(read: Result<T, sea_orm::DbErr>) -> async_graphql::Result<T> {
    read.map_err(|e| async_graphql::ErrorExtensions::extend(&ApiError::from(e)))
}

/// A job posting.
#[Object]
impl Posting {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where it was found.
    async fn source(&self) -> async_graphql::Result<&str> {
        column(self.0.source())
    }
    /// Its id there.
    async fn external_id(&self) -> async_graphql::Result<&str> {
        column(self.0.external_id())
    }
    /// Its role.
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Role> {
        load_role(ctx, self.0.role_id).await.map_err(|e| async_graphql::ErrorExtensions::extend(&e))
    }
    /// Title as posted.
    async fn title(&self) -> async_graphql::Result<&str> {
        column(self.0.title())
    }
    /// Hiring company.
    async fn company(&self) -> async_graphql::Result<&str> {
        column(self.0.company())
    }
    /// Metro area.
    async fn metro(&self) -> async_graphql::Result<Option<&str>> {
        column(self.0.metro())
    }
    /// Remote-friendly.
    async fn remote(&self) -> async_graphql::Result<bool> {
        column(self.0.remote())
    }
    /// Seniority.
    async fn seniority(&self) -> async_graphql::Result<Seniority> {
        column(self.0.seniority()).map(Seniority::from)
    }
    /// Lower salary bound, whole USD a year.
    async fn salary_min(&self) -> async_graphql::Result<Option<i32>> {
        column(self.0.salary_min())
    }
    /// Upper salary bound, whole USD a year.
    async fn salary_max(&self) -> async_graphql::Result<Option<i32>> {
        column(self.0.salary_max())
    }
    /// Skills named, by name.
    async fn skills(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(loader(ctx)
            .load_one(PostingSkillsKey(self.0.id))
            .await
            .map_err(|e| async_graphql::ErrorExtensions::extend(&ApiError::from(e)))?
            .unwrap_or_default())
    }
    /// Date posted.
    async fn posted_at(&self) -> async_graphql::Result<Date> {
        column(self.0.posted_at()).map(Date)
    }
    /// Date closed, if it has.
    async fn closed_at(&self) -> async_graphql::Result<Option<Date>> {
        column(self.0.closed_at()).map(|d| d.map(Date))
    }
    /// The advert's address.
    async fn url(&self) -> async_graphql::Result<Option<&str>> {
        column(self.0.url())
    }
    /// The id of the role rule that classified it (raw ingest); null when its role was given.
    async fn rule_id(&self) -> async_graphql::Result<Option<ID>> {
        column(self.0.rule_id()).map(|id| id.map(|id| ID(id.to_string())))
    }
}

/// An edge of a role list.
#[derive(SimpleObject, Debug, Clone)]
pub struct RoleEdge {
    /// Opaque cursor.
    pub cursor: String,
    /// The role.
    pub node: Role,
}

/// A page of roles.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct RoleConnection {
    /// The roles of the page.
    pub nodes: Vec<Role>,
    /// Paging.
    pub page_info: PageInfo,
    /// Roles in all, when the page shows them all (else counted when asked for).
    #[graphql(skip)]
    pub known_total: Option<i32>,
}

/// An edge of a posting list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PostingEdge {
    /// Opaque cursor.
    pub cursor: String,
    /// The posting.
    pub node: Posting,
}

/// A page of postings.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct PostingConnection {
    /// The postings of the page.
    pub nodes: Vec<Posting>,
    /// Paging.
    pub page_info: PageInfo,
    /// Where `totalCount` comes from, when asked for.
    #[graphql(skip)]
    pub total: crate::graphql::query::postings::PostingTotal,
}

/// A page of items: its nodes and its page info, the one shape every connection is built
/// from. Edges are made from the nodes only when a query asks for them, so that a page read
/// through `nodes` encodes one cursor, not one per item.
pub fn page_of<M, T>(
    rows: Vec<M>,
    has_next_page: bool,
    cursor: impl Fn(&M) -> String,
    node: impl Fn(M) -> T,
) -> (Vec<T>, PageInfo) {
    let end_cursor = rows.last().map(cursor);
    (rows.into_iter().map(node).collect(), PageInfo { has_next_page, end_cursor })
}
