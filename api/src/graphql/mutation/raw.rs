//! `ingestRawPostings` and `reclassify` (admin): raw postings through classification into
//! postings. Each calls one service function, the place to hook "postings changed".

use async_graphql::{Context, Enum, InputObject, Object, ResultExt, SimpleObject};
use chrono::Utc;
use jobs::raw::{self, MAX_BATCH, RawPosting, RawReport};

use super::catalog::Rejection;
use crate::auth::AdminGuard;
use crate::error::{ApiError, ApiResult};
use crate::graphql::scalars::Date;
use crate::state::{AppState, app_state};

/// The period pay is quoted in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jobs::classify::pay::PayPeriod")]
pub enum PayPeriod {
    /// A year.
    Year,
    /// A month (×12).
    Month,
    /// A week (×52).
    Week,
    /// A working day (×260).
    Day,
    /// A working hour (×2,080).
    Hour,
}

/// A posting as a job board or a file has it; salarygraph classifies it.
#[derive(InputObject, Debug, Clone)]
pub struct RawPostingInput {
    /// Where it was found.
    pub source: String,
    /// Its id there; with `source`, its identity.
    pub external_id: String,
    /// Title as posted: its role, and seniority words, come from it.
    pub title: String,
    /// Hiring company.
    pub company: String,
    /// Location as written ("Remote - US", "Hybrid - London").
    pub location: Option<String>,
    /// Description, plain text or HTML: skills, years of experience, remote.
    pub description: Option<String>,
    /// Lower pay bound in `payCurrency` per `payPeriod`.
    pub pay_min: Option<f64>,
    /// Upper pay bound.
    pub pay_max: Option<f64>,
    /// ISO currency of the bounds (default USD; others need an exchange rate).
    pub pay_currency: Option<String>,
    /// Period of the bounds (default YEAR).
    pub pay_period: Option<PayPeriod>,
    /// Pay as written, read when no bounds are given ("$150K–$200K a year", "$75/hr").
    pub pay_text: Option<String>,
    /// Remote, when the source states it (else read from location and description).
    pub remote: Option<bool>,
    /// Date posted (default: today).
    pub posted_at: Option<Date>,
    /// Date closed.
    pub closed_at: Option<Date>,
    /// The advert's address.
    pub url: Option<String>,
}

impl From<RawPostingInput> for RawPosting {
    fn from(p: RawPostingInput) -> Self {
        Self {
            source: p.source,
            external_id: p.external_id,
            title: p.title,
            company: p.company,
            location: p.location,
            description: p.description,
            pay_min: p.pay_min,
            pay_max: p.pay_max,
            pay_currency: p.pay_currency,
            pay_period: p.pay_period.map(Into::into),
            pay_text: p.pay_text,
            remote: p.remote,
            posted_at: p.posted_at.map(|d| d.0),
            closed_at: p.closed_at.map(|d| d.0),
            url: p.url,
        }
    }
}

/// What a raw ingest did.
#[derive(SimpleObject, Debug, Clone)]
pub struct RawIngestReport {
    /// Postings created.
    pub inserted: i32,
    /// Postings updated (same source and external id).
    pub updated: i32,
    /// Rows kept aside: their title matches no role (see `unclassifiedTitles`).
    pub unclassified: i32,
    /// Rows refused, each with its index and reason.
    pub rejected: Vec<Rejection>,
}

fn rejections(list: Vec<jobs::ingest::Rejection>) -> Vec<Rejection> {
    list.into_iter()
        .map(|x| Rejection { index: x.index as i32, external_id: x.external_id, reason: x.reason })
        .collect()
}

impl From<RawReport> for RawIngestReport {
    fn from(r: RawReport) -> Self {
        Self {
            inserted: r.inserted as i32,
            updated: r.updated as i32,
            unclassified: r.unclassified as i32,
            rejected: rejections(r.rejected),
        }
    }
}

/// What `reclassify` did.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReclassifyReport {
    /// Rows kept aside that were looked at again.
    pub examined: i32,
    /// Of them, those that became postings.
    pub classified: i32,
    /// Those still matching no role.
    pub unclassified: i32,
    /// Those refused now (they stay aside).
    pub rejected: Vec<Rejection>,
}

/// Admin mutations over raw postings.
#[derive(Default)]
pub struct RawMutation;

#[Object]
impl RawMutation {
    /// Classifies and stores up to 10,000 raw postings: each becomes a posting, is kept
    /// aside (its title matches no role), or is refused with a reason.
    #[graphql(guard = "AdminGuard")]
    async fn ingest_raw_postings(
        &self,
        ctx: &Context<'_>,
        postings: Vec<RawPostingInput>,
    ) -> async_graphql::Result<RawIngestReport> {
        ingest_raw_postings(app_state(ctx), postings).await.extend()
    }

    /// Runs the current rules again over the raw postings kept aside.
    #[graphql(guard = "AdminGuard")]
    async fn reclassify(&self, ctx: &Context<'_>) -> async_graphql::Result<ReclassifyReport> {
        reclassify(app_state(ctx)).await.extend()
    }
}

/// The service behind `ingestRawPostings`.
pub async fn ingest_raw_postings(state: &AppState, postings: Vec<RawPostingInput>) -> ApiResult<RawIngestReport> {
    if postings.len() > MAX_BATCH {
        return Err(ApiError::BadUserInput(format!(
            "postings: at most {MAX_BATCH} a call, got {}: split the list",
            postings.len()
        )));
    }
    let classifier = jobs::classify::Classifier::load(&state.db).await?;
    let rows = postings.into_iter().map(RawPosting::from).collect();
    Ok(state.write(raw::ingest_raw(&state.db, &classifier, rows, 0, Utc::now())).await?.into())
}

/// The service behind `reclassify`.
pub async fn reclassify(state: &AppState) -> ApiResult<ReclassifyReport> {
    let r = state.write(raw::reclassify(&state.db, Utc::now())).await?;
    Ok(ReclassifyReport {
        examined: r.examined as i32,
        classified: r.classified as i32,
        unclassified: r.unclassified as i32,
        rejected: rejections(r.rejected),
    })
}
