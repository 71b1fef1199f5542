//! Lever's postings API: `GET /v0/postings/{site}?mode=json` answers a bare list of postings;
//! `text` is the title, `createdAt` milliseconds, `salaryRange` has an `interval` such as
//! `per-year-salary`, `workplaceType` is `remote`, `hybrid`, `on-site` or `unspecified`.

use chrono::DateTime;
use serde::Deserialize;

use super::BoardError;
use crate::Date;
use crate::classify::pay::PayPeriod;
use crate::raw::RawPosting;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Posting {
    id: String,
    text: String,
    #[serde(default)]
    categories: Option<Categories>,
    #[serde(default)]
    workplace_type: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    hosted_url: Option<String>,
    #[serde(default)]
    description_plain: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    lists: Vec<List>,
    #[serde(default)]
    additional_plain: Option<String>,
    #[serde(default)]
    salary_range: Option<SalaryRange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Categories {
    location: Option<String>,
}

#[derive(Deserialize)]
struct List {
    text: Option<String>,
    content: Option<String>,
}

#[derive(Deserialize)]
struct SalaryRange {
    currency: Option<String>,
    interval: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
}

fn period(interval: &str) -> Option<PayPeriod> {
    match interval {
        "per-year-salary" => Some(PayPeriod::Year),
        "per-month-salary" => Some(PayPeriod::Month),
        "per-week-salary" => Some(PayPeriod::Week),
        "per-day-wage" => Some(PayPeriod::Day),
        "per-hour-wage" => Some(PayPeriod::Hour),
        _ => None,
    }
}

/// The site's postings.
pub fn parse(body: &[u8], board: &str, source: &str) -> Result<Vec<RawPosting>, BoardError> {
    let parsed: Vec<Posting> = serde_json::from_slice(body).map_err(|e| BoardError::Shape(e.to_string()))?;
    Ok(parsed
        .into_iter()
        .map(|p| {
            let mut description = p.description_plain.or(p.description).unwrap_or_default();
            for list in p.lists {
                description.push_str("\n\n");
                description.push_str(list.text.as_deref().unwrap_or_default());
                description.push('\n');
                description.push_str(list.content.as_deref().unwrap_or_default());
            }
            if let Some(more) = p.additional_plain {
                description.push_str("\n\n");
                description.push_str(&more);
            }
            let pay = p.salary_range.and_then(|s| {
                let period = period(s.interval.as_deref().unwrap_or("per-year-salary"))?;
                Some((s.min, s.max, s.currency, period))
            });
            RawPosting {
                source: source.to_owned(),
                external_id: p.id,
                title: p.text,
                company: board.to_owned(),
                location: p.categories.and_then(|c| c.location),
                description: Some(description),
                pay_min: pay.as_ref().and_then(|x| x.0),
                pay_max: pay.as_ref().and_then(|x| x.1),
                pay_currency: pay.as_ref().and_then(|x| x.2.clone()),
                pay_period: pay.map(|x| x.3),
                remote: match p.workplace_type.as_deref() {
                    Some("remote") => Some(true),
                    Some("hybrid" | "on-site" | "onsite") => Some(false),
                    _ => None,
                },
                posted_at: p.created_at.and_then(DateTime::from_timestamp_millis).map(|t| Date(t.date_naive())),
                url: p.hosted_url,
                ..Default::default()
            }
        })
        .collect())
}
