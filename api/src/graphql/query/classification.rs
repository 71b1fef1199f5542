//! Admin reads of classification: role rules, the skill dictionary, exchange rates and the
//! titles kept aside; and their output types.

use async_graphql::{Context, Enum, ID, Object, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{exchange_rate, role_rule};

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::types::{Role, load_role};
use crate::state::{AppState, app_state};

/// Whether a rule puts titles into its role or keeps them out.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::RuleKind")]
pub enum RuleKind {
    /// A title with the phrase belongs to the role (the longest matching phrase wins).
    Match,
    /// A title with the phrase never belongs to the role (an exclusion always wins).
    Exclude,
}

/// A phrase that classifies titles into a role, or keeps them out of it.
#[derive(Debug, Clone)]
pub struct RoleRule(pub role_rule::Model);

/// A phrase that classifies titles into a role, or keeps them out of it.
#[Object]
impl RoleRule {
    /// Its id (postings it classified record it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The role.
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Role> {
        load_role(ctx, self.0.role_id).await.map_err(|e| async_graphql::ErrorExtensions::extend(&e))
    }
    /// MATCH or EXCLUDE.
    async fn kind(&self) -> RuleKind {
        self.0.kind.into()
    }
    /// Whole words of a title, lower case.
    async fn phrase(&self) -> &str {
        &self.0.phrase
    }
    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A canonical skill of the dictionary and the phrases that name it.
#[derive(SimpleObject, Debug, Clone)]
pub struct DictionarySkill {
    /// Display name, as postings show it.
    pub name: String,
    /// Phrases matched in titles and descriptions (case-insensitive, whole words).
    pub aliases: Vec<String>,
}

impl From<jobs::dictionary::DictionarySkill> for DictionarySkill {
    fn from(s: jobs::dictionary::DictionarySkill) -> Self {
        Self { name: s.name, aliases: s.aliases }
    }
}

/// A rate for turning pay in another currency into US dollars.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExchangeRate {
    /// ISO 4217 code.
    pub currency: String,
    /// US dollars one unit buys.
    pub usd_per_unit: f64,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
}

impl From<exchange_rate::Model> for ExchangeRate {
    fn from(r: exchange_rate::Model) -> Self {
        Self { currency: r.currency, usd_per_unit: r.usd_per_unit, updated_at: r.updated_at }
    }
}

/// A title no rule classifies, with how many rows kept aside carry it.
#[derive(SimpleObject, Debug, Clone)]
pub struct UnclassifiedTitle {
    /// The title (one spelling of it).
    pub title: String,
    /// Rows kept aside with this title.
    pub count: i32,
}

/// Most titles `unclassifiedTitles` lists.
const MAX_TITLES: i32 = 1_000;

/// Admin reads of classification.
#[derive(Default)]
pub struct ClassificationQuery;

#[Object]
impl ClassificationQuery {
    /// The classification rules, of every role or of one.
    #[graphql(guard = "AdminGuard")]
    async fn role_rules(&self, ctx: &Context<'_>, role: Option<String>) -> async_graphql::Result<Vec<RoleRule>> {
        let state = app_state(ctx);
        let rules = jobs::rules::list(&state.db, role.as_deref()).await.map_err(ApiError::from).extend()?;
        Ok(rules.into_iter().map(RoleRule).collect())
    }

    /// The skill dictionary by name, or the skills whose name or an alias contains `search`.
    #[graphql(guard = "AdminGuard")]
    async fn skill_dictionary(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
    ) -> async_graphql::Result<Vec<DictionarySkill>> {
        let state = app_state(ctx);
        let skills = jobs::dictionary::list(&state.db, search.as_deref()).await.map_err(ApiError::from).extend()?;
        Ok(skills.into_iter().map(DictionarySkill::from).collect())
    }

    /// The exchange rates set, by currency.
    #[graphql(guard = "AdminGuard")]
    async fn exchange_rates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ExchangeRate>> {
        let state = app_state(ctx);
        let rates = jobs::exchange_rates::list(&state.db).await.map_err(ApiError::from).extend()?;
        Ok(rates.into_iter().map(ExchangeRate::from).collect())
    }

    /// Titles of the raw postings kept aside (no rule matched), most frequent first.
    #[graphql(guard = "AdminGuard")]
    async fn unclassified_titles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<UnclassifiedTitle>> {
        unclassified_titles(app_state(ctx), first).await.extend()
    }
}

async fn unclassified_titles(state: &AppState, first: i32) -> ApiResult<Vec<UnclassifiedTitle>> {
    if !(1..=MAX_TITLES).contains(&first) {
        return Err(ApiError::BadUserInput(format!("first must be from 1 to {MAX_TITLES}, got {first}")));
    }
    let titles = jobs::raw::aside::titles_by_frequency(&state.db, first as u64).await?;
    Ok(titles.into_iter().map(|t| UnclassifiedTitle { title: t.title, count: t.count as i32 }).collect())
}
