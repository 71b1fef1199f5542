//! Demo data: the two roles of the page salarygraph grew from as IMPORTED snapshots
//! (docs/figures.md#the-published-comparison), and a deterministic synthetic market of other
//! roles, computed into snapshots.

use chrono::{DateTime, Days, Utc};
use entity::snapshot::Figures;
use sea_orm::{DatabaseConnection, DbErr};

use crate::imported_snapshots::{self, SnapshotImport, ranked_skills};
use crate::ingest::{self, PostingInput, Seniority};
use crate::roles::{self, RoleError, RoleInput};
use crate::snapshots;
use crate::week::Week;

/// Weeks of synthetic history.
pub const HISTORY_WEEKS: u64 = 12;
/// Rows written per transaction.
const BATCH: usize = 10_000;

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A role or snapshot was refused (a bug in the demo's own data).
    #[error(transparent)]
    Role(#[from] RoleError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A generated posting was refused (a bug in the generator).
    #[error("generated posting rejected: {0}")]
    Rejected(String),
}

/// SplitMix64: tiny, and the same numbers on every platform and version, forever.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Self {
        Self(seed.bytes().fold(0x9E37_79B9_7F4A_7C15, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A synthetic role of the demo market.
struct SyntheticRole {
    slug: &'static str,
    title: &'static str,
    summary: &'static str,
    career_path: &'static [&'static str],
    /// Open positions in the latest week at the default size.
    open_latest: usize,
    /// Typical mid-level salary.
    base_salary: f64,
    remote_share: f64,
    /// Shares of entry and senior postings (the rest are mid).
    entry_share: f64,
    senior_share: f64,
    skills: &'static [&'static str],
}

const SYNTHETIC: &[SyntheticRole] = &[
    SyntheticRole {
        slug: "llm-engineer",
        title: "LLM Engineer",
        summary: "Builds products on large language models: retrieval, evaluation, fine-tuning and serving.",
        career_path: &["Senior LLM Engineer", "Staff AI Engineer", "Head of AI"],
        open_latest: 612,
        base_salary: 168_000.0,
        remote_share: 0.22,
        entry_share: 0.08,
        senior_share: 0.45,
        skills: &[
            "Python",
            "RAG",
            "LangChain",
            "OpenAI",
            "PyTorch",
            "Prompt Engineering",
            "AWS",
            "Vector Databases",
            "Kubernetes",
            "Rust",
            "Evaluation",
            "Hugging Face",
        ],
    },
    SyntheticRole {
        slug: "data-scientist",
        title: "Data Scientist",
        summary: "Turns data into decisions with statistics, experiments and machine learning.",
        career_path: &["Senior Data Scientist", "Principal Data Scientist", "Director of Data Science"],
        open_latest: 540,
        base_salary: 132_000.0,
        remote_share: 0.15,
        entry_share: 0.2,
        senior_share: 0.3,
        skills: &[
            "Python",
            "SQL",
            "Statistics",
            "scikit-learn",
            "Pandas",
            "A/B Testing",
            "Spark",
            "Tableau",
            "R",
            "AWS",
            "PyTorch",
            "dbt",
        ],
    },
    SyntheticRole {
        slug: "mlops-engineer",
        title: "MLOps Engineer",
        summary: "Runs the pipelines, infrastructure and monitoring that keep models in production.",
        career_path: &["Senior MLOps Engineer", "ML Platform Lead", "Head of ML Infrastructure"],
        open_latest: 331,
        base_salary: 152_000.0,
        remote_share: 0.25,
        entry_share: 0.1,
        senior_share: 0.4,
        skills: &[
            "Kubernetes",
            "Python",
            "AWS",
            "Terraform",
            "MLflow",
            "Docker",
            "GCP",
            "Airflow",
            "Azure",
            "Go",
            "Ray",
            "Prometheus",
        ],
    },
    SyntheticRole {
        slug: "nlp-engineer",
        title: "NLP Engineer",
        summary: "Builds language understanding systems: classification, extraction, search and generation.",
        career_path: &["Senior NLP Engineer", "Staff ML Engineer", "ML Architect"],
        open_latest: 298,
        base_salary: 150_000.0,
        remote_share: 0.2,
        entry_share: 0.12,
        senior_share: 0.38,
        skills: &[
            "Python",
            "PyTorch",
            "Hugging Face",
            "Transformers",
            "spaCy",
            "RAG",
            "SQL",
            "AWS",
            "Elasticsearch",
            "OpenAI",
            "TensorFlow",
            "Docker",
        ],
    },
    SyntheticRole {
        slug: "computer-vision-engineer",
        title: "Computer Vision Engineer",
        summary: "Builds perception systems from images and video: detection, segmentation, tracking.",
        career_path: &["Senior CV Engineer", "Perception Lead", "Director of Perception"],
        open_latest: 254,
        base_salary: 148_000.0,
        remote_share: 0.1,
        entry_share: 0.14,
        senior_share: 0.36,
        skills: &[
            "Python",
            "PyTorch",
            "OpenCV",
            "C++",
            "CUDA",
            "TensorFlow",
            "ONNX",
            "Docker",
            "ROS",
            "AWS",
            "Rust",
            "Kubernetes",
        ],
    },
    SyntheticRole {
        slug: "ai-research-scientist",
        title: "AI Research Scientist",
        summary: "Advances the state of the art and publishes: new architectures, training methods, evaluations.",
        career_path: &["Senior Research Scientist", "Principal Scientist", "Research Director"],
        open_latest: 234,
        base_salary: 195_000.0,
        remote_share: 0.12,
        entry_share: 0.06,
        senior_share: 0.55,
        skills: &[
            "PyTorch",
            "Python",
            "JAX",
            "Deep Learning",
            "Reinforcement Learning",
            "CUDA",
            "Transformers",
            "Publications",
            "C++",
            "Distributed Training",
            "Evaluation",
            "TensorFlow",
        ],
    },
];

const METROS: &[(&str, f64)] = &[
    ("San Francisco, CA", 1.22),
    ("New York, NY", 1.16),
    ("Seattle, WA", 1.12),
    ("Boston, MA", 1.06),
    ("Los Angeles, CA", 1.04),
    ("Washington, DC", 1.02),
    ("Austin, TX", 0.97),
    ("Denver, CO", 0.95),
    ("Chicago, IL", 0.96),
    ("Atlanta, GA", 0.92),
];

const COMPANIES: &[&str] = &[
    "Northwind AI",
    "Contoso Labs",
    "Fabrikam Robotics",
    "Globex Analytics",
    "Initech Cloud",
    "Umbrella Health",
    "Hooli",
    "Pied Piper",
    "Stark Data",
    "Wayne Intelligence",
    "Tyrell Systems",
    "Cyberdyne Research",
    "Soylent Foods",
    "Vandelay Logistics",
    "Aperture Science",
    "Black Mesa",
    "Massive Dynamic",
    "Gringotts Finance",
    "Oscorp Bio",
    "Wonka Retail",
    "Acme Insurance",
    "Monarch Media",
    "Dunder Mifflin Digital",
    "Blue Sun Energy",
];

/// How many postings each synthetic role gets: open in the latest week, and closed before.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    per_role: Vec<(usize, usize)>,
}

impl DemoPlan {
    /// The default demo: synthetic open positions in the latest week sum to 2,269, so the
    /// market total with the two published roles is 26,159.
    pub fn standard() -> Self {
        Self { per_role: SYNTHETIC.iter().map(|r| (r.open_latest, r.open_latest * 3 / 5)).collect() }
    }

    /// About `postings` postings in all, split across roles like the standard demo.
    pub fn with_postings(postings: usize) -> Self {
        let weight: usize = SYNTHETIC.iter().map(|r| r.open_latest).sum();
        let mut per_role: Vec<(usize, usize)> = SYNTHETIC
            .iter()
            .map(|r| {
                let total = postings * r.open_latest / weight;
                let open = total * 5 / 8;
                (open, total - open)
            })
            .collect();
        let assigned: usize = per_role.iter().map(|(o, c)| o + c).sum();
        if let Some(first) = per_role.first_mut() {
            first.0 += postings - assigned;
        }
        Self { per_role }
    }

    /// Total postings the plan generates.
    pub fn total(&self) -> usize {
        self.per_role.iter().map(|(o, c)| o + c).sum()
    }
}

/// The synthetic postings of `plan`, deterministically, with the latest week `latest`.
pub fn generate(plan: &DemoPlan, latest: Week) -> impl Iterator<Item = PostingInput> + '_ {
    SYNTHETIC.iter().zip(plan.per_role.iter()).flat_map(move |(role, &(open, closed))| {
        let mut rng = Rng::new(role.slug);
        (0..open + closed).map(move |n| synthetic_posting(role, &mut rng, n, n < open, latest))
    })
}

fn synthetic_posting(role: &SyntheticRole, rng: &mut Rng, n: usize, open: bool, latest: Week) -> PostingInput {
    let sunday = latest.sunday();
    let first_monday = latest.monday() - Days::new(7 * (HISTORY_WEEKS - 1));
    let history_days = 7 * HISTORY_WEEKS;
    // Later weeks have more postings: the market grows.
    let skew = rng.unit().sqrt();
    let (posted_at, closed_at) = if open {
        (first_monday + Days::new((skew * history_days as f64) as u64), None)
    } else {
        let posted = first_monday - Days::new(28) + Days::new((skew * (history_days + 21) as f64) as u64);
        let closed = (posted + Days::new(7 + rng.below(50) as u64)).min(sunday);
        (posted, Some(closed))
    };
    let seniority = match rng.unit() {
        x if x < role.entry_share => Seniority::Entry,
        x if x < role.entry_share + role.senior_share => Seniority::Senior,
        _ => Seniority::Mid,
    };
    let remote = rng.chance(role.remote_share);
    let (metro, metro_factor) = if remote && rng.chance(0.5) {
        (None, 1.0)
    } else {
        let (name, factor) = METROS[rng.below(METROS.len())];
        (Some(name.to_owned()), factor)
    };
    let seniority_factor = match seniority {
        Seniority::Entry => 0.72,
        Seniority::Mid => 1.0,
        Seniority::Senior => 1.34,
    };
    let weeks_in = posted_at.signed_duration_since(first_monday).num_days().max(0) as f64 / 7.0;
    let drift = 1.0 + 0.004 * weeks_in;
    let noise = 0.82 + 0.36 * rng.unit();
    let mid = role.base_salary * seniority_factor * metro_factor * drift * noise;
    let round_k = |x: f64| ((x / 1000.0).round() * 1000.0) as i64;
    let (lo, hi) = (round_k(mid * 0.86), round_k(mid * 1.14));
    let (salary_min, salary_max) = match rng.unit() {
        x if x < 0.08 => (None, None),
        x if x < 0.14 => (Some(lo), None),
        x if x < 0.18 => (None, Some(hi)),
        _ => (Some(lo), Some(hi)),
    };
    let mut skills: Vec<String> = Vec::new();
    let wanted = 3 + rng.below(5);
    while skills.len() < wanted {
        // Earlier skills in a role's list are more common.
        let pick = (rng.unit().powi(2) * role.skills.len() as f64) as usize;
        let name = role.skills[pick.min(role.skills.len() - 1)];
        if !skills.iter().any(|s| s == name) {
            skills.push(name.to_owned());
        }
    }
    let level = match seniority {
        Seniority::Entry => "Junior ",
        Seniority::Mid => "",
        Seniority::Senior => "Senior ",
    };
    PostingInput {
        source: "demo".to_owned(),
        external_id: format!("demo-{}-{n:07}", role.slug),
        role: role.slug.to_owned(),
        title: format!("{level}{}", role.title),
        company: COMPANIES[rng.below(COMPANIES.len())].to_owned(),
        metro,
        remote,
        seniority,
        salary_min,
        salary_max,
        currency: None,
        salary_period: None,
        skills,
        posted_at: posted_at.into(),
        closed_at: closed_at.map(Into::into),
        url: None,
        rule_id: None,
    }
}

/// The two roles of the published comparison (docs/figures.md#the-published-comparison), with
/// their figures.
fn published() -> Vec<(RoleInput, SnapshotImport)> {
    let strings = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (
            RoleInput {
                slug: "ai-ml-engineer".into(),
                title: "AI/ML Engineer".into(),
                summary: Some("Designs, trains and ships machine-learning models into products.".into()),
                career_path: Some(strings(&["Staff ML Engineer", "ML Architect", "VP of Engineering"])),
            },
            SnapshotImport {
                role: "ai-ml-engineer".into(),
                week: None,
                figures: Figures {
                    open_positions: 23_752,
                    sample_size: 23_752,
                    salary_range_low: Some(93_000),
                    salary_range_high: Some(148_000),
                    median_salary: Some(120_000),
                    p75_salary: Some(218_000),
                    remote_pct: 7.0,
                    entry_pct: 11.0,
                    mid_pct: 71.0,
                    senior_pct: 18.0,
                    top_skills: ranked_skills(strings(&[
                        "RAG",
                        "AWS",
                        "Rust",
                        "Python",
                        "Azure",
                        "GCP",
                        "Prompt Engineering",
                        "OpenAI",
                    ])),
                    ..Default::default()
                },
            },
        ),
        (
            RoleInput {
                slug: "ai-architect".into(),
                title: "AI Architect".into(),
                summary: Some("Shapes how an organisation builds with AI: platforms, patterns and governance.".into()),
                career_path: Some(strings(&["Principal AI Architect", "Chief AI Officer", "CTO"])),
            },
            SnapshotImport {
                role: "ai-architect".into(),
                week: None,
                figures: Figures {
                    sample_size: 138,
                    open_positions: 138,
                    salary_range_low: Some(178_000),
                    salary_range_high: Some(267_000),
                    median_salary: Some(292_000),
                    p75_salary: Some(325_000),
                    remote_pct: 12.0,
                    entry_pct: 0.0,
                    mid_pct: 48.0,
                    senior_pct: 52.0,
                    top_skills: ranked_skills(strings(&[
                        "RAG",
                        "Python",
                        "GCP",
                        "Azure",
                        "AWS",
                        "Rust",
                        "Prompt Engineering",
                        "LangChain",
                    ])),
                    ..Default::default()
                },
            },
        ),
    ]
}

/// What the demo loader wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Roles created or updated.
    pub roles: usize,
    /// Postings written.
    pub postings: usize,
    /// Snapshots computed or imported.
    pub snapshots: usize,
}

/// Loads the demo: roles, the published snapshots for `latest`, the synthetic postings of
/// `plan`, and computed snapshots of the last 12 weeks. `on_progress` gets posting counts.
pub async fn load(
    db: &DatabaseConnection,
    plan: &DemoPlan,
    latest: Week,
    now: DateTime<Utc>,
    on_progress: impl Fn(usize),
) -> Result<DemoSummary, DemoError> {
    let mut summary = DemoSummary::default();
    for (role, mut figures) in published() {
        roles::upsert_role(db, role, now).await?;
        figures.week = Some(latest);
        imported_snapshots::upsert_imported(db, figures, now).await?;
        summary.roles += 1;
        summary.snapshots += 1;
    }
    for role in SYNTHETIC {
        roles::upsert_role(
            db,
            RoleInput {
                slug: role.slug.into(),
                title: role.title.into(),
                summary: Some(role.summary.into()),
                career_path: Some(role.career_path.iter().map(|s| (*s).to_owned()).collect()),
            },
            now,
        )
        .await?;
        summary.roles += 1;
    }
    let role_ids = ingest::role_ids(db).await?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut postings = generate(plan, latest).peekable();
    while postings.peek().is_some() {
        batch.clear();
        for input in postings.by_ref().take(BATCH) {
            batch.push(ingest::validate(input, &role_ids).map_err(DemoError::Rejected)?);
        }
        let (inserted, updated) = ingest::store(db, std::mem::take(&mut batch), now).await?;
        summary.postings += inserted + updated;
        on_progress(summary.postings);
    }
    let mut week = Week::containing(latest.monday() - Days::new(7 * (HISTORY_WEEKS - 1)));
    while week <= latest {
        summary.snapshots += snapshots::recompute_week(db, week, false, now).await?.len();
        week = week.next();
    }
    crate::statistics::refresh(db).await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_standard_plan_has_2269_open_positions_in_the_latest_week() {
        let latest = Week::containing(NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"));
        let open = generate(&DemoPlan::standard(), latest)
            .filter(|p| latest.is_open(p.posted_at.0, p.closed_at.map(|d| d.0)))
            .count();
        assert_eq!(open, 2_269);
    }

    #[test]
    fn the_generator_is_deterministic_and_sized_as_asked() {
        let latest = Week::containing(NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"));
        let plan = DemoPlan::with_postings(10_001);
        assert_eq!(plan.total(), 10_001);
        let a: Vec<String> = generate(&plan, latest).map(|p| format!("{p:?}")).collect();
        let b: Vec<String> = generate(&plan, latest).map(|p| format!("{p:?}")).collect();
        assert_eq!(a.len(), 10_001);
        assert_eq!(a, b);
    }
}
