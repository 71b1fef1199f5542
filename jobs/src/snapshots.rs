//! The snapshot engine: turns the postings open in a week into each role's figures
//! (stats.md). Used by `recomputeSnapshots`, `salarygraph snapshot`, the weekly job and
//! the demo loader.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{SnapshotSource, snapshot};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};

use crate::figures::{MIN_SAMPLE_SIZE, TOP_NAMES, TOP_SKILLS, pct1, rank_by_count, round_dollars};
use crate::sql::{self, NameColumn, RoleAggregate, RoleNameCount, RolePercentiles};
use crate::week::Week;

/// The computed figures of one role for one week, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedSnapshot {
    /// The role.
    pub role_id: i32,
    /// Open postings.
    pub open_positions: i32,
    /// Open postings with a salary.
    pub sample_size: i32,
    /// Mean of minimums.
    pub salary_range_low: Option<i32>,
    /// Mean of maximums.
    pub salary_range_high: Option<i32>,
    /// Mean of midpoints.
    pub average_salary: Option<i32>,
    /// Percentiles of the midpoints.
    pub p25_salary: Option<i32>,
    /// Median of the midpoints.
    pub median_salary: Option<i32>,
    /// 75th percentile.
    pub p75_salary: Option<i32>,
    /// 90th percentile.
    pub p90_salary: Option<i32>,
    /// Share of remote postings.
    pub remote_pct: f64,
    /// Share of entry-level postings.
    pub entry_pct: f64,
    /// Share of mid-level postings.
    pub mid_pct: f64,
    /// Share of senior postings.
    pub senior_pct: f64,
    /// Ranked top skills.
    pub top_skills: Vec<snapshot::SkillShare>,
    /// Ranked top companies.
    pub top_companies: Vec<snapshot::NameCount>,
    /// Ranked top metros.
    pub top_metros: Vec<snapshot::NameCount>,
}

/// Where the figures are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentileMethod {
    /// In PostgreSQL: grouped aggregates and `percentile_cont`.
    Database,
    /// In Rust, over one paged pass of the open postings (SQLite has no `percentile_cont`,
    /// and one sequential pass beats several grouped scans there).
    Rust,
}

impl PercentileMethod {
    /// The fast method the backend supports.
    pub fn for_backend(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Database,
            _ => Self::Rust,
        }
    }
}

fn group_by_role(rows: Vec<RoleNameCount>) -> HashMap<i32, Vec<(String, i64)>> {
    let mut map: HashMap<i32, Vec<(String, i64)>> = HashMap::new();
    for row in rows {
        map.entry(row.role_id).or_default().push((row.name, row.count));
    }
    map
}

/// Computes every role's figures for `week` from the postings open in it.
pub async fn compute_week(
    db: &impl ConnectionTrait,
    week: Week,
    method: PercentileMethod,
) -> Result<Vec<ComputedSnapshot>, DbErr> {
    match method {
        PercentileMethod::Database => compute_in_database(db, week).await,
        PercentileMethod::Rust => compute_in_rust(db, week).await,
    }
}

async fn compute_in_database(db: &impl ConnectionTrait, week: Week) -> Result<Vec<ComputedSnapshot>, DbErr> {
    let aggregates = sql::role_aggregates(db, week).await?;
    let percentiles: HashMap<i32, RolePercentiles> =
        sql::percentiles_in_database(db, week).await?.into_iter().map(|p| (p.role_id, p)).collect();
    let mut skills = group_by_role(sql::skill_counts(db, week).await?);
    let mut companies = group_by_role(sql::name_counts(db, week, NameColumn::Company).await?);
    let mut metros = group_by_role(sql::name_counts(db, week, NameColumn::Metro).await?);

    Ok(aggregates
        .into_iter()
        .map(|agg| {
            let role_id = agg.role_id;
            build(
                agg,
                percentiles.get(&role_id),
                skills.remove(&role_id).unwrap_or_default(),
                companies.remove(&role_id).unwrap_or_default(),
                metros.remove(&role_id).unwrap_or_default(),
            )
        })
        .collect())
}

/// Postings read per page of the Rust pass.
const PAGE: u64 = 20_000;

/// Running totals of one role during the Rust pass.
#[derive(Default)]
struct RoleTotals {
    open: i64,
    remote: i64,
    entry: i64,
    mid: i64,
    senior: i64,
    min_sum: f64,
    min_count: i64,
    max_sum: f64,
    max_count: i64,
    midpoints: Vec<f64>,
    skills: HashMap<i32, i64>,
    companies: HashMap<String, i64>,
    metros: HashMap<String, i64>,
}

impl RoleTotals {
    fn add(&mut self, p: sql::OpenPosting) {
        self.open += 1;
        self.remote += i64::from(p.remote);
        match p.seniority.as_str() {
            "ENTRY" => self.entry += 1,
            "SENIOR" => self.senior += 1,
            _ => self.mid += 1,
        }
        if let Some(min) = p.salary_min {
            self.min_sum += f64::from(min);
            self.min_count += 1;
        }
        if let Some(max) = p.salary_max {
            self.max_sum += f64::from(max);
            self.max_count += 1;
        }
        self.midpoints.extend(p.salary_mid);
        for id in p.skill_ids.split(',').filter_map(|s| s.parse::<i32>().ok()) {
            *self.skills.entry(id).or_default() += 1;
        }
        *self.companies.entry(p.company).or_default() += 1;
        if let Some(metro) = p.metro {
            *self.metros.entry(metro).or_default() += 1;
        }
    }

    fn finish(mut self, role_id: i32, skill_names: &HashMap<i32, String>) -> ComputedSnapshot {
        self.midpoints.sort_by(f64::total_cmp);
        let mean = |sum: f64, n: i64| (n > 0).then(|| sum / n as f64);
        let at = |p| crate::figures::percentile_cont(&self.midpoints, p);
        let percentiles = at(0.5).map(|p50| RolePercentiles {
            role_id,
            p25: at(0.25).unwrap_or(p50),
            p50,
            p75: at(0.75).unwrap_or(p50),
            p90: at(0.9).unwrap_or(p50),
        });
        let aggregate = RoleAggregate {
            role_id,
            open_positions: self.open,
            sample_size: self.midpoints.len() as i64,
            remote: self.remote,
            entry: self.entry,
            mid: self.mid,
            senior: self.senior,
            mean_min: mean(self.min_sum, self.min_count),
            mean_max: mean(self.max_sum, self.max_count),
            mean_mid: mean(self.midpoints.iter().sum(), self.midpoints.len() as i64),
        };
        let skills =
            self.skills.into_iter().filter_map(|(id, n)| skill_names.get(&id).map(|name| (name.clone(), n))).collect();
        build(
            aggregate,
            percentiles.as_ref(),
            skills,
            self.companies.into_iter().collect(),
            self.metros.into_iter().collect(),
        )
    }
}

async fn compute_in_rust(db: &impl ConnectionTrait, week: Week) -> Result<Vec<ComputedSnapshot>, DbErr> {
    let skill_names = sql::skill_names(db).await?;
    let mut roles: std::collections::BTreeMap<i32, RoleTotals> = std::collections::BTreeMap::new();
    let mut after = 0;
    loop {
        let page = sql::open_postings_page(db, week, after, PAGE).await?;
        let full = page.len() as u64 == PAGE;
        let Some(last) = page.last().map(|p| p.id) else { break };
        for posting in page {
            roles.entry(posting.role_id).or_default().add(posting);
        }
        after = last;
        if !full {
            break;
        }
    }
    Ok(roles.into_iter().map(|(role_id, totals)| totals.finish(role_id, &skill_names)).collect())
}

fn build(
    agg: RoleAggregate,
    percentiles: Option<&RolePercentiles>,
    skills: Vec<(String, i64)>,
    companies: Vec<(String, i64)>,
    metros: Vec<(String, i64)>,
) -> ComputedSnapshot {
    let open = agg.open_positions;
    let publish = agg.sample_size >= MIN_SAMPLE_SIZE as i64;
    let salary = |value: Option<f64>| value.filter(|_| publish).map(round_dollars);
    let pick = |f: fn(&RolePercentiles) -> f64| salary(percentiles.map(f));
    let names = |items, limit| {
        rank_by_count(items, limit)
            .into_iter()
            .map(|(name, count)| snapshot::NameCount { name, count: count as i32 })
            .collect()
    };
    ComputedSnapshot {
        role_id: agg.role_id,
        open_positions: open as i32,
        sample_size: agg.sample_size as i32,
        salary_range_low: salary(agg.mean_min),
        salary_range_high: salary(agg.mean_max),
        average_salary: salary(agg.mean_mid),
        p25_salary: pick(|p| p.p25),
        median_salary: pick(|p| p.p50),
        p75_salary: pick(|p| p.p75),
        p90_salary: pick(|p| p.p90),
        remote_pct: pct1(agg.remote, open),
        entry_pct: pct1(agg.entry, open),
        mid_pct: pct1(agg.mid, open),
        senior_pct: pct1(agg.senior, open),
        top_skills: rank_by_count(skills, TOP_SKILLS)
            .into_iter()
            .map(|(skill, postings)| snapshot::SkillShare {
                skill,
                postings: postings as i32,
                pct: pct1(postings, open),
            })
            .collect(),
        top_companies: names(companies, TOP_NAMES),
        top_metros: names(metros, TOP_NAMES),
    }
}

impl ComputedSnapshot {
    /// A computed snapshot of a role with no open posting in the week.
    pub fn empty(role_id: i32) -> Self {
        build(
            RoleAggregate {
                role_id,
                open_positions: 0,
                sample_size: 0,
                remote: 0,
                entry: 0,
                mid: 0,
                senior: 0,
                mean_min: None,
                mean_max: None,
                mean_mid: None,
            },
            None,
            Vec::new(),
            Vec::new(),
            Vec::new(),
        )
    }

    fn apply(self, model: &mut snapshot::ActiveModel, now: DateTime<Utc>) {
        model.role_id = Set(self.role_id);
        model.source = Set(SnapshotSource::Computed);
        model.open_positions = Set(self.open_positions);
        model.sample_size = Set(self.sample_size);
        model.salary_range_low = Set(self.salary_range_low);
        model.salary_range_high = Set(self.salary_range_high);
        model.average_salary = Set(self.average_salary);
        model.p25_salary = Set(self.p25_salary);
        model.median_salary = Set(self.median_salary);
        model.p75_salary = Set(self.p75_salary);
        model.p90_salary = Set(self.p90_salary);
        model.remote_pct = Set(self.remote_pct);
        model.entry_pct = Set(self.entry_pct);
        model.mid_pct = Set(self.mid_pct);
        model.senior_pct = Set(self.senior_pct);
        model.top_skills = Set(self.top_skills.into());
        model.top_companies = Set(self.top_companies.into());
        model.top_metros = Set(self.top_metros.into());
        model.computed_at = Set(now);
    }
}

/// Recomputes and stores every role's COMPUTED snapshot of `week`; IMPORTED snapshots
/// are left alone unless `force`. Returns the snapshots written.
#[tracing::instrument(skip(db, now), fields(%week))]
pub async fn recompute_week<C>(
    db: &C,
    week: Week,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Vec<snapshot::Model>, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let method = PercentileMethod::for_backend(txn.get_database_backend());
    let mut computed: HashMap<i32, ComputedSnapshot> =
        compute_week(&txn, week, method).await?.into_iter().map(|c| (c.role_id, c)).collect();
    let existing = snapshot::Entity::find().filter(snapshot::Column::Week.eq(week.monday())).all(&txn).await?;
    let mut written = Vec::new();
    for current in existing {
        let figures = computed.remove(&current.role_id);
        if current.source == SnapshotSource::Imported && !force {
            continue;
        }
        // A role whose postings all closed keeps a snapshot that says so.
        let figures = figures.unwrap_or_else(|| ComputedSnapshot::empty(current.role_id));
        let mut model = current.into_active_model();
        figures.apply(&mut model, now);
        written.push(model.update(&txn).await?);
    }
    let mut fresh: Vec<ComputedSnapshot> = computed.into_values().collect();
    fresh.sort_by_key(|c| c.role_id);
    for figures in fresh {
        let mut model = snapshot::ActiveModel { week: Set(week.monday()), ..Default::default() };
        figures.apply(&mut model, now);
        written.push(model.insert(&txn).await?);
    }
    txn.commit().await?;
    written.sort_by_key(|s| s.role_id);
    tracing::info!(snapshots = written.len(), "recomputed snapshots");
    Ok(written)
}
