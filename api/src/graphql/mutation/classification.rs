//! Admin edits of classification: role rules, the skill dictionary and exchange rates.

use async_graphql::{Context, ID, Object, ResultExt};
use chrono::Utc;

use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::query::classification::{DictionarySkill, ExchangeRate, RoleRule, RuleKind};
use crate::state::app_state;

fn rule_id(id: &ID) -> ApiResult<i32> {
    id.parse::<i32>().map_err(|_| ApiError::BadUserInput(format!("id: \"{}\" is not a rule id", id.as_str())))
}

/// Admin edits of classification.
#[derive(Default)]
pub struct ClassificationMutation;

#[Object]
impl ClassificationMutation {
    /// Adds a phrase to a role: MATCH puts titles with it in the role, EXCLUDE keeps them out.
    /// Run `reclassify` afterwards for the titles kept aside.
    #[graphql(guard = "AdminGuard")]
    async fn add_role_rule(
        &self,
        ctx: &Context<'_>,
        role: String,
        kind: RuleKind,
        phrase: String,
    ) -> async_graphql::Result<RoleRule> {
        let state = app_state(ctx);
        let rule = jobs::rules::add(&state.db, &role, kind.into(), &phrase, Utc::now())
            .await
            .map_err(ApiError::from)
            .extend()?;
        Ok(RoleRule(rule))
    }

    /// Deletes a rule; the postings it classified keep their role.
    #[graphql(guard = "AdminGuard")]
    async fn delete_role_rule(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let state = app_state(ctx);
        let id = rule_id(&id).extend()?;
        state.write(jobs::rules::delete(&state.db, id)).await.map_err(ApiError::from).extend()
    }

    /// Replaces a demo role's rules by the shipped ones.
    #[graphql(guard = "AdminGuard")]
    async fn reset_role_rules(&self, ctx: &Context<'_>, role: String) -> async_graphql::Result<Vec<RoleRule>> {
        let state = app_state(ctx);
        let rules = jobs::rules::reset(&state.db, &role, Utc::now()).await.map_err(ApiError::from).extend()?;
        Ok(rules.into_iter().map(RoleRule).collect())
    }

    /// Creates a skill of the dictionary or replaces its aliases (the name given becomes
    /// its display name).
    #[graphql(guard = "AdminGuard")]
    async fn upsert_dictionary_skill(
        &self,
        ctx: &Context<'_>,
        name: String,
        aliases: Vec<String>,
    ) -> async_graphql::Result<DictionarySkill> {
        let state = app_state(ctx);
        let skill =
            state.write(jobs::dictionary::upsert(&state.db, &name, &aliases)).await.map_err(ApiError::from).extend()?;
        Ok(skill.into())
    }

    /// Takes a skill out of the dictionary (postings that name it keep it).
    #[graphql(guard = "AdminGuard")]
    async fn delete_dictionary_skill(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<bool> {
        let state = app_state(ctx);
        state.write(jobs::dictionary::delete(&state.db, &name)).await.map_err(ApiError::from).extend()
    }

    /// Sets the US dollars one unit of a currency buys; pay in it is accepted from now on.
    #[graphql(guard = "AdminGuard")]
    async fn upsert_exchange_rate(
        &self,
        ctx: &Context<'_>,
        currency: String,
        usd_per_unit: f64,
    ) -> async_graphql::Result<ExchangeRate> {
        let state = app_state(ctx);
        let rate = jobs::exchange_rates::upsert(&state.db, &currency, usd_per_unit, Utc::now())
            .await
            .map_err(ApiError::from)
            .extend()?;
        Ok(rate.into())
    }

    /// Removes a rate: pay in that currency is refused again.
    #[graphql(guard = "AdminGuard")]
    async fn delete_exchange_rate(&self, ctx: &Context<'_>, currency: String) -> async_graphql::Result<bool> {
        let state = app_state(ctx);
        jobs::exchange_rates::delete(&state.db, &currency).await.map_err(ApiError::from).extend()
    }
}
