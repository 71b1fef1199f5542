//! Posting ingest: validation of each row, then one transaction of set-based upserts
//! (`COPY` on PostgreSQL, prepared multi-row statements on SQLite). Used by the
//! `ingestPostings` mutation, `salarygraph import` and the demo generator.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use entity::{role, skill};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};

mod copy;
mod input;
mod sqlite;

pub use input::{PostingInput, SalaryPeriod, Seniority};

/// Most rows one `ingestPostings` call takes.
pub const MAX_BATCH: usize = 10_000;
/// A yearly salary must be below this many dollars.
pub const MAX_YEARLY_SALARY: i64 = 10_000_000;
/// Most skills a posting may name.
pub const MAX_SKILLS: usize = 50;
/// Longest skill name.
pub const MAX_SKILL_LEN: usize = 64;
/// Longest title, company or metro.
pub const MAX_TEXT_LEN: usize = 200;
/// Skills per multi-row INSERT.
const INSERT_CHUNK: usize = 1_000;
/// Values per `IN (…)` list.
const LOOKUP_CHUNK: usize = 900;

/// A posting that passed every rule: salaries in whole USD a year, skills deduplicated.
#[derive(Debug, Clone)]
pub struct ValidPosting {
    source: String,
    external_id: String,
    role_id: i32,
    title: String,
    company: String,
    metro: Option<String>,
    remote: bool,
    seniority: entity::Seniority,
    salary_min: Option<i32>,
    salary_max: Option<i32>,
    skills: Vec<String>,
    posted_at: NaiveDate,
    closed_at: Option<NaiveDate>,
    url: Option<String>,
    rule_id: Option<i32>,
}

/// Longest advert address.
pub const MAX_URL_LEN: usize = 2_000;

/// A row that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Position in the submitted list (or line number for files).
    pub index: usize,
    /// The row's external id, when it had one.
    pub external_id: Option<String>,
    /// What is wrong, naming the field.
    pub reason: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Postings created.
    pub inserted: usize,
    /// Postings that existed (same source and external id) and were updated.
    pub updated: usize,
    /// Rows refused, each with its reason.
    pub rejected: Vec<Rejection>,
}

impl IngestReport {
    /// Adds another batch's report to this one.
    pub fn merge(&mut self, other: IngestReport) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.rejected.extend(other.rejected);
    }
}

fn text(field: &str, value: &str, required: bool, max: usize) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return if required { Err(format!("{field} must not be empty")) } else { Ok(None) };
    }
    if value.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    Ok(Some(value.to_owned()))
}

fn yearly(field: &str, value: Option<i64>, period: SalaryPeriod) -> Result<Option<i32>, String> {
    let Some(value) = value else { return Ok(None) };
    if value <= 0 {
        return Err(format!("{field} must be positive, got {value}"));
    }
    let per_year = value.saturating_mul(period.per_year());
    if per_year >= MAX_YEARLY_SALARY {
        return Err(format!("{field} must be below $10,000,000 a year, got {per_year} a year"));
    }
    Ok(Some(per_year as i32))
}

/// Checks one row against every rule of the ingest; `roles` maps known slugs to ids.
pub fn validate(input: PostingInput, roles: &HashMap<String, i32>) -> Result<ValidPosting, String> {
    let source = text("source", &input.source, true, 64)?.unwrap_or_default();
    let external_id = text("externalId", &input.external_id, true, MAX_TEXT_LEN)?.unwrap_or_default();
    let role_id = *roles.get(input.role.trim()).ok_or_else(|| format!("unknown role \"{}\"", input.role))?;
    let title = text("title", &input.title, true, MAX_TEXT_LEN)?.unwrap_or_default();
    let company = text("company", &input.company, true, MAX_TEXT_LEN)?.unwrap_or_default();
    let metro = match &input.metro {
        Some(m) => text("metro", m, false, MAX_TEXT_LEN)?,
        None => None,
    };
    if let Some(currency) = &input.currency
        && !currency.trim().eq_ignore_ascii_case("USD")
    {
        return Err(format!("currency \"{currency}\" is not supported: only USD"));
    }
    let period = input.salary_period.unwrap_or_default();
    let salary_min = yearly("salaryMin", input.salary_min, period)?;
    let salary_max = yearly("salaryMax", input.salary_max, period)?;
    if let (Some(lo), Some(hi)) = (salary_min, salary_max)
        && lo > hi
    {
        return Err(format!("salaryMin ({lo}) must not exceed salaryMax ({hi})"));
    }
    if let Some(closed) = input.closed_at
        && closed < input.posted_at
    {
        return Err(format!("closedAt ({closed}) is before postedAt ({})", input.posted_at));
    }
    let url = match input.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(u) if u.len() > MAX_URL_LEN => return Err(format!("url must be at most {MAX_URL_LEN} characters")),
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(char::is_whitespace) => {
            return Err(format!("url \"{u}\" is not an http(s) address"));
        }
        Some(u) => Some(u.to_owned()),
    };
    if input.skills.len() > MAX_SKILLS {
        return Err(format!("at most {MAX_SKILLS} skills, got {}", input.skills.len()));
    }
    let mut seen = HashSet::new();
    let mut skills = Vec::with_capacity(input.skills.len());
    for name in &input.skills {
        let name = name.trim();
        if name.is_empty() {
            return Err("skills must not contain an empty name".into());
        }
        if name.chars().count() > MAX_SKILL_LEN {
            return Err(format!("skill \"{name}\" is longer than {MAX_SKILL_LEN} characters"));
        }
        if seen.insert(skill::skill_key(name)) {
            skills.push(name.to_owned());
        }
    }
    Ok(ValidPosting {
        source,
        external_id,
        role_id,
        title,
        company,
        metro,
        remote: input.remote,
        seniority: input.seniority.into(),
        salary_min,
        salary_max,
        skills,
        posted_at: input.posted_at.0,
        closed_at: input.closed_at.map(|d| d.0),
        url,
        rule_id: input.rule_id,
    })
}

/// Every role's slug and id, for validation.
pub async fn role_ids(db: &impl ConnectionTrait) -> Result<HashMap<String, i32>, DbErr> {
    let rows: Vec<(i32, String)> =
        role::Entity::find().select_only().columns([role::Column::Id, role::Column::Slug]).into_tuple().all(db).await?;
    Ok(rows.into_iter().map(|(id, slug)| (slug, id)).collect())
}

/// Validates and stores a batch: bad rows are reported by index (from `first_index`),
/// every valid row is stored, all in one transaction.
pub async fn ingest(
    db: &DatabaseConnection,
    rows: Vec<PostingInput>,
    first_index: usize,
    now: DateTime<Utc>,
) -> Result<IngestReport, DbErr> {
    let roles = role_ids(db).await?;
    let mut report = IngestReport::default();
    let mut valid = Vec::with_capacity(rows.len());
    for (offset, row) in rows.into_iter().enumerate() {
        let external_id = Some(row.external_id.clone()).filter(|e| !e.trim().is_empty());
        match validate(row, &roles) {
            Ok(posting) => valid.push(posting),
            Err(reason) => report.rejected.push(Rejection { index: first_index + offset, external_id, reason }),
        }
    }
    let (inserted, updated) = store(db, valid, now).await?;
    report.inserted = inserted;
    report.updated = updated;
    Ok(report)
}

/// A posting ready to write: its skills resolved to ids.
struct Prepared<'a> {
    posting: &'a ValidPosting,
    /// Skill ids, sorted and comma-separated, as `posting.skill_ids` keeps them.
    skill_ids: String,
}

/// Upserts valid postings and their skills in one transaction; returns (inserted, updated).
/// PostgreSQL streams the rows with `COPY` into a staging table and upserts from there;
/// SQLite reuses prepared multi-row statements inside one transaction.
pub async fn store(
    db: &DatabaseConnection,
    postings: Vec<ValidPosting>,
    now: DateTime<Utc>,
) -> Result<(usize, usize), DbErr> {
    let unique = last_of_each_key(postings);
    if unique.is_empty() {
        return Ok((0, 0));
    }
    // Stored to the microsecond on both databases; and never equal to a previous call's, so
    // that `created_at = updated_at` after the upsert means "inserted by this call".
    let now = now.max(Utc::now()).trunc_subsecs(6);
    // Skills are committed on their own, before the postings: a skill is only a name, and one
    // left by an ingest that failed afterwards is harmless.
    let skill_ids = skill_ids(db, &unique).await?;
    let prepared: Vec<Prepared<'_>> = unique
        .iter()
        .map(|posting| {
            let mut ids: Vec<i32> =
                posting.skills.iter().filter_map(|n| skill_ids.get(&skill::skill_key(n)).copied()).collect();
            ids.sort_unstable();
            ids.dedup();
            Prepared { posting, skill_ids: ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",") }
        })
        .collect();
    match db.get_database_backend() {
        DbBackend::Postgres => copy::store(db.get_postgres_connection_pool(), &prepared, now).await,
        _ => sqlite::store(db.get_sqlite_connection_pool(), &prepared, now).await,
    }
}

/// The same (source, externalId) twice in one batch: the later row wins, in the place of the
/// first (ids follow the order of first appearance).
fn last_of_each_key(postings: Vec<ValidPosting>) -> Vec<ValidPosting> {
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut unique: Vec<ValidPosting> = Vec::with_capacity(postings.len());
    for posting in postings {
        let key = (posting.source.clone(), posting.external_id.clone());
        match by_key.get(&key) {
            Some(&at) => unique[at] = posting,
            None => {
                by_key.insert(key, unique.len());
                unique.push(posting);
            }
        }
    }
    unique
}

/// A sqlx error as SeaORM reports errors of statements, so that callers tell an unreachable
/// database from a failed statement the same way whichever path ran.
fn exec_err(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(error)))
}

/// Ids of the skills these postings name, creating the new ones (first spelling wins).
async fn skill_ids(db: &impl ConnectionTrait, postings: &[ValidPosting]) -> Result<HashMap<String, i32>, DbErr> {
    let mut names: HashMap<String, String> = HashMap::new();
    for name in postings.iter().flat_map(|p| &p.skills) {
        names.entry(skill::skill_key(name)).or_insert_with(|| name.clone());
    }
    let keys: Vec<String> = names.keys().cloned().collect();
    let mut ids = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(i32, String)> = skill::Entity::find()
            .select_only()
            .columns([skill::Column::Id, skill::Column::Key])
            .filter(skill::Column::Key.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    let missing: Vec<skill::ActiveModel> = names
        .iter()
        .filter(|(key, _)| !ids.contains_key(*key))
        .map(|(key, name)| skill::ActiveModel { key: Set(key.clone()), name: Set(name.clone()), ..Default::default() })
        .collect();
    if missing.is_empty() {
        return Ok(ids);
    }
    for chunk in missing.chunks(INSERT_CHUNK) {
        skill::Entity::insert_many(chunk.iter().cloned())
            .on_conflict(OnConflict::column(skill::Column::Key).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    let keys: Vec<String> = names.keys().filter(|k| !ids.contains_key(*k)).cloned().collect();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(i32, String)> = skill::Entity::find()
            .select_only()
            .columns([skill::Column::Id, skill::Column::Key])
            .filter(skill::Column::Key.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> PostingInput {
        PostingInput {
            source: "board".into(),
            external_id: "x-1".into(),
            role: "llm-engineer".into(),
            title: "LLM Engineer".into(),
            company: "Acme".into(),
            metro: Some("Berlin".into()),
            remote: true,
            seniority: Seniority::Mid,
            salary_min: Some(100_000),
            salary_max: Some(150_000),
            currency: Some("USD".into()),
            salary_period: Some(SalaryPeriod::Year),
            skills: vec!["RAG".into(), " rag ".into(), "Python".into()],
            posted_at: day(2),
            closed_at: None,
            url: None,
            rule_id: None,
        }
    }

    fn day(day: u32) -> crate::Date {
        crate::Date(NaiveDate::from_ymd_opt(2026, 11, day).expect("date"))
    }

    fn roles() -> HashMap<String, i32> {
        HashMap::from([("llm-engineer".to_owned(), 7)])
    }

    fn reason(edit: impl FnOnce(&mut PostingInput)) -> String {
        let mut input = row();
        edit(&mut input);
        validate(input, &roles()).expect_err("should be rejected")
    }

    #[test]
    fn a_valid_row_is_normalised() {
        let valid = validate(row(), &roles()).expect("valid");
        assert_eq!(valid.role_id, 7);
        assert_eq!(valid.skills, vec!["RAG".to_owned(), "Python".to_owned()]);
        let mut monthly = row();
        monthly.salary_period = Some(SalaryPeriod::Month);
        monthly.salary_min = Some(10_000);
        monthly.salary_max = Some(12_000);
        let valid = validate(monthly, &roles()).expect("valid");
        assert_eq!((valid.salary_min, valid.salary_max), (Some(120_000), Some(144_000)));
        let mut hourly = row();
        hourly.salary_period = Some(SalaryPeriod::Hour);
        hourly.salary_min = Some(50);
        hourly.salary_max = None;
        assert_eq!(validate(hourly, &roles()).expect("valid").salary_min, Some(104_000));
    }

    #[test]
    fn every_rule_names_what_is_wrong() {
        assert_eq!(reason(|r| r.role = "nope".into()), "unknown role \"nope\"");
        assert_eq!(reason(|r| r.title = "  ".into()), "title must not be empty");
        assert_eq!(reason(|r| r.company = "c".repeat(201)), "company must be at most 200 characters");
        assert_eq!(reason(|r| r.salary_min = Some(0)), "salaryMin must be positive, got 0");
        assert_eq!(reason(|r| r.salary_max = Some(-5)), "salaryMax must be positive, got -5");
        assert_eq!(
            reason(|r| {
                r.salary_min = None;
                r.salary_max = Some(5_000);
                r.salary_period = Some(SalaryPeriod::Hour);
            }),
            "salaryMax must be below $10,000,000 a year, got 10400000 a year"
        );
        assert_eq!(reason(|r| r.salary_min = Some(200_000)), "salaryMin (200000) must not exceed salaryMax (150000)");
        assert_eq!(reason(|r| r.currency = Some("EUR".into())), "currency \"EUR\" is not supported: only USD");
        assert_eq!(reason(|r| r.closed_at = Some(day(1))), "closedAt (2026-11-01) is before postedAt (2026-11-02)");
        assert_eq!(reason(|r| r.skills = (0..51).map(|i| format!("s{i}")).collect()), "at most 50 skills, got 51");
        assert_eq!(
            reason(|r| r.skills = vec!["k".repeat(65)]),
            format!("skill \"{}\" is longer than 64 characters", "k".repeat(65))
        );
        assert_eq!(reason(|r| r.external_id = String::new()), "externalId must not be empty");
    }
}
