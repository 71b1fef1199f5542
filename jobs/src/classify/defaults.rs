//! The rules shipped for the eight demo roles, installed when a role with one of these slugs
//! is created (and on demand with `resetRoleRules`). Phrases are whole words of a title.

/// Titles no role takes: people who manage, sell, recruit or teach around the work.
const NOT_THE_ROLE: &[&str] = &[
    "manager",
    "management",
    "director",
    "head of",
    "head",
    "vp",
    "vice president",
    "chief",
    "recruiter",
    "recruiting",
    "talent",
    "sales",
    "account executive",
    "product owner",
    "consultant",
    "professor",
    "lecturer",
    "teacher",
    "tutor",
    "trainer",
    "annotator",
    "writer",
    "analyst",
    "technician",
    "specialist",
];

/// (role slug, MATCH phrases, EXCLUDE phrases besides [`NOT_THE_ROLE`]).
const RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "ai-ml-engineer",
        &[
            "machine learning engineer",
            "ml engineer",
            "ai engineer",
            "artificial intelligence engineer",
            "ai ml engineer",
            "machine learning developer",
            "ml developer",
            "ai developer",
            "ai programmer",
            "deep learning engineer",
            "machine learning software engineer",
            "ml software engineer",
            "ai software engineer",
            "ai software development engineer",
            "software engineer machine learning",
            "software engineer ml",
            "software engineer ai",
            "engineer machine learning",
            "machine learning model engineer",
            "machine learning modeler",
            "machine learning performance engineer",
            "machine learning lead",
            "machine learning tech lead",
            "ml lead",
            "ai lead",
            "ai ml lead",
        ],
        &["quality engineer", "qa", "sales engineer", "solutions engineer", "support engineer"],
    ),
    (
        "ai-architect",
        &[
            "ai architect",
            "ml architect",
            "machine learning architect",
            "artificial intelligence architect",
            "ai solution architect",
            "ai solutions architect",
            "generative ai architect",
            "genai architect",
        ],
        &[],
    ),
    (
        "llm-engineer",
        &[
            "llm engineer",
            "llm developer",
            "llms engineer",
            "large language model engineer",
            "large language models engineer",
            "prompt engineer",
            "generative ai engineer",
            "generative ai developer",
            "genai engineer",
            "gen ai engineer",
            "genai developer",
            "chatbot developer",
            "chatbot engineer",
        ],
        &[],
    ),
    (
        "data-scientist",
        &["data scientist", "data science", "decision scientist", "product scientist"],
        &["data science engineer"],
    ),
    (
        "mlops-engineer",
        &[
            "mlops",
            "ml ops",
            "llmops",
            "machine learning operations",
            "machine learning infrastructure",
            "ml infrastructure",
            "ai infrastructure engineer",
            "machine learning platform",
            "ml platform",
            "ai platform engineer",
        ],
        &[],
    ),
    (
        "nlp-engineer",
        &[
            "nlp",
            "natural language processing",
            "computational linguist",
            "conversational ai",
            "speech recognition engineer",
        ],
        &[],
    ),
    (
        "computer-vision-engineer",
        &[
            "computer vision",
            "machine vision",
            "cv engineer",
            "perception engineer",
            "image processing engineer",
            "vision engineer",
        ],
        &[],
    ),
    (
        "ai-research-scientist",
        &[
            "research scientist",
            "ai scientist",
            "ai researcher",
            "machine learning researcher",
            "ml researcher",
            "machine learning scientist",
            "ml scientist",
            "applied scientist",
            "research engineer",
            "deep learning researcher",
            "principal researcher",
        ],
        &["quantitative", "clinical", "ux", "user research", "market research", "chemist", "biology", "materials"],
    ),
];

/// The shipped MATCH and EXCLUDE phrases of a role, if it is one of the eight.
pub fn default_rules(slug: &str) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    RULES.iter().find(|(s, _, _)| *s == slug).map(|(_, matches, excludes)| {
        let mut all_excludes: Vec<&str> = NOT_THE_ROLE.to_vec();
        all_excludes.extend_from_slice(excludes);
        (matches.to_vec(), all_excludes)
    })
}

/// The shipped rules of the roles given as (id, slug), with made-up rule ids in their
/// order of installation (for measuring the rules without a database).
pub fn shipped_rules(roles: &[(i32, &str)]) -> Vec<super::titles::Rule> {
    let mut rules = Vec::new();
    for (role_id, slug) in roles {
        let Some((matches, excludes)) = default_rules(slug) else { continue };
        let kinds = matches
            .iter()
            .map(|p| (entity::RuleKind::Match, *p))
            .chain(excludes.iter().map(|p| (entity::RuleKind::Exclude, *p)));
        for (kind, phrase) in kinds {
            let id = rules.len() as i32 + 1;
            rules.push(super::titles::Rule { id, role_id: *role_id, kind, phrase: super::text::words(phrase) });
        }
    }
    rules
}

/// The slugs that have shipped rules.
pub fn slugs() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|(s, _, _)| *s)
}
