//! Ashby's job posting API: `GET /posting-api/job-board/{board}?includeCompensation=true`
//! answers `{"apiVersion": "1", "jobs": [...]}`; pay is the `Salary` component of
//! `compensation` (`interval` such as `1 YEAR`), remote is `workplaceType` or `isRemote`.

use serde::Deserialize;

use super::BoardError;
use super::greenhouse::date_of;
use crate::classify::pay::PayPeriod;
use crate::raw::RawPosting;

#[derive(Deserialize)]
struct Board {
    jobs: Vec<Job>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    is_remote: Option<bool>,
    #[serde(default)]
    workplace_type: Option<String>,
    #[serde(default)]
    is_listed: Option<bool>,
    #[serde(default)]
    description_html: Option<String>,
    #[serde(default)]
    description_plain: Option<String>,
    #[serde(default)]
    published_at: Option<String>,
    #[serde(default)]
    job_url: Option<String>,
    #[serde(default)]
    compensation: Option<Compensation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Compensation {
    #[serde(default)]
    summary_components: Vec<Component>,
    #[serde(default)]
    compensation_tiers: Vec<Tier>,
}

#[derive(Deserialize)]
struct Tier {
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Component {
    compensation_type: Option<String>,
    interval: Option<String>,
    currency_code: Option<String>,
    min_value: Option<f64>,
    max_value: Option<f64>,
}

fn period(interval: &str) -> Option<PayPeriod> {
    match interval {
        "1 YEAR" => Some(PayPeriod::Year),
        "1 MONTH" => Some(PayPeriod::Month),
        "1 WEEK" => Some(PayPeriod::Week),
        "1 DAY" => Some(PayPeriod::Day),
        "1 HOUR" => Some(PayPeriod::Hour),
        _ => None,
    }
}

/// The board's listed postings.
pub fn parse(body: &[u8], board: &str, source: &str) -> Result<Vec<RawPosting>, BoardError> {
    let parsed: Board = serde_json::from_slice(body).map_err(|e| BoardError::Shape(e.to_string()))?;
    Ok(parsed
        .jobs
        .into_iter()
        .filter(|j| j.is_listed != Some(false))
        .map(|job| {
            let salary = job.compensation.and_then(|c| {
                c.summary_components
                    .into_iter()
                    .chain(c.compensation_tiers.into_iter().flat_map(|t| t.components))
                    .find(|x| x.compensation_type.as_deref() == Some("Salary"))
            });
            let pay =
                salary.and_then(|s| Some((s.min_value, s.max_value, s.currency_code, period(s.interval.as_deref()?)?)));
            let remote = match job.workplace_type.as_deref() {
                Some("Remote") => Some(true),
                Some("Hybrid" | "OnSite") => Some(false),
                _ => job.is_remote,
            };
            RawPosting {
                source: source.to_owned(),
                external_id: job.id.or(job.job_url.clone()).unwrap_or_default(),
                title: job.title,
                company: board.to_owned(),
                location: job.location,
                description: job.description_plain.or(job.description_html),
                pay_min: pay.as_ref().and_then(|p| p.0),
                pay_max: pay.as_ref().and_then(|p| p.1),
                pay_currency: pay.as_ref().and_then(|p| p.2.clone()),
                pay_period: pay.map(|p| p.3),
                remote,
                posted_at: date_of(job.published_at.as_deref()),
                url: job.job_url,
                ..Default::default()
            }
        })
        .collect())
}
