//! Greenhouse's job board API: `GET /v1/boards/{board}/jobs?content=true&pay_transparency=true`
//! answers `{"jobs": [...], "meta": {"total": N}}`; `content` is HTML escaped as entities,
//! pay is `pay_input_ranges` in cents.

use chrono::DateTime;
use serde::Deserialize;

use super::BoardError;
use crate::Date;
use crate::classify::pay::PayPeriod;
use crate::raw::RawPosting;

#[derive(Deserialize)]
struct Board {
    jobs: Vec<Job>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    total: Option<usize>,
}

#[derive(Deserialize)]
struct Job {
    id: serde_json::Value,
    title: String,
    #[serde(default)]
    company_name: Option<String>,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    absolute_url: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    first_published: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    pay_input_ranges: Vec<PayRange>,
}

#[derive(Deserialize)]
struct Location {
    name: Option<String>,
}

#[derive(Deserialize)]
struct PayRange {
    min_cents: Option<f64>,
    max_cents: Option<f64>,
    currency_type: Option<String>,
}

/// The date of an RFC 3339 timestamp, as written (its own offset).
pub fn date_of(timestamp: Option<&str>) -> Option<Date> {
    DateTime::parse_from_rfc3339(timestamp?).ok().map(|t| Date(t.date_naive()))
}

/// The board's postings; a response that says it holds more jobs than it lists is incomplete.
pub fn parse(body: &[u8], board: &str, source: &str) -> Result<Vec<RawPosting>, BoardError> {
    let parsed: Board = serde_json::from_slice(body).map_err(|e| BoardError::Shape(e.to_string()))?;
    if let Some(total) = parsed.meta.and_then(|m| m.total)
        && total != parsed.jobs.len()
    {
        return Err(BoardError::Incomplete { expected: total, got: parsed.jobs.len() });
    }
    Ok(parsed
        .jobs
        .into_iter()
        .map(|job| {
            let pay = job.pay_input_ranges.into_iter().next();
            let (pay_min, pay_max) =
                pay.as_ref().map_or((None, None), |p| (p.min_cents.map(|c| c / 100.0), p.max_cents.map(|c| c / 100.0)));
            // Greenhouse states no period: ranges under $1,000 are hourly rates.
            let pay_period = pay_max.or(pay_min).map(|v| if v < 1_000.0 { PayPeriod::Hour } else { PayPeriod::Year });
            RawPosting {
                source: source.to_owned(),
                external_id: match job.id {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                },
                title: job.title,
                company: job.company_name.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| board.to_owned()),
                location: job.location.and_then(|l| l.name),
                description: job.content,
                pay_min,
                pay_max,
                pay_currency: pay.and_then(|p| p.currency_type),
                pay_period,
                posted_at: date_of(job.first_published.as_deref()).or_else(|| date_of(job.updated_at.as_deref())),
                url: job.absolute_url,
                ..Default::default()
            }
        })
        .collect())
}
