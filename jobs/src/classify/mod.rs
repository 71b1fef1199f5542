//! Classification of raw postings: the role from the title (rules kept in the database),
//! skills from the title and description (the skill dictionary), seniority, remote, metro
//! and pay in whole US dollars a year. Pure once loaded: [`Classifier::classify`] touches
//! no database, so it is measured and tested on its own.

pub mod defaults;
pub mod pay;
pub mod remote;
pub mod seniority;
pub mod skills;
pub mod text;
pub mod titles;

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{exchange_rate, role, role_rule, skill, skill_alias};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};

use crate::Date;
use crate::ingest::{self, PostingInput, Seniority};
use crate::raw::RawPosting;
use pay::{QuotedPay, Rates};
use skills::SkillDictionary;
use titles::{RoleRules, Rule};

/// Longest description accepted, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 100_000;

/// What became of a raw row.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A posting, ready for the ingest.
    Posting(Box<PostingInput>),
    /// Valid, but its title matches no role: kept aside under this title key.
    Unclassified {
        /// The title as the rules see it.
        title_key: String,
    },
    /// Refused, and why.
    Refused(String),
}

/// Everything classification needs, loaded once per batch.
#[derive(Debug, Clone)]
pub struct Classifier {
    rules: RoleRules,
    slugs: HashMap<i32, String>,
    skills: SkillDictionary,
    rates: Rates,
}

impl Classifier {
    /// A classifier over these parts (tests and benchmarks build one without a database).
    pub fn new(
        rules: Vec<Rule>,
        slugs: HashMap<i32, String>,
        dictionary: Vec<(String, Vec<String>)>,
        rates: Rates,
    ) -> Self {
        Self { rules: RoleRules::new(rules), slugs, skills: SkillDictionary::new(dictionary), rates }
    }

    /// Loads the rules, the skill dictionary and the exchange rates.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let slugs: HashMap<i32, String> = role::Entity::find()
            .select_only()
            .columns([role::Column::Id, role::Column::Slug])
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let rules = role_rule::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|r| Rule { id: r.id, role_id: r.role_id, kind: r.kind, phrase: r.phrase })
            .collect();
        let aliases: Vec<(i32, String)> = skill_alias::Entity::find()
            .select_only()
            .columns([skill_alias::Column::SkillId, skill_alias::Column::Alias])
            .into_tuple()
            .all(db)
            .await?;
        let mut by_skill: HashMap<i32, Vec<String>> = HashMap::new();
        for (skill_id, alias) in aliases {
            by_skill.entry(skill_id).or_default().push(alias);
        }
        let names: HashMap<i32, String> = skill::Entity::find()
            .select_only()
            .columns([skill::Column::Id, skill::Column::Name])
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
            .into_iter()
            .filter(|(id, _)| by_skill.contains_key(id))
            .collect();
        let mut dictionary: Vec<(String, Vec<String>)> =
            by_skill.into_iter().filter_map(|(id, aliases)| names.get(&id).map(|n| (n.clone(), aliases))).collect();
        dictionary.sort();
        let rates =
            exchange_rate::Entity::find().all(db).await?.into_iter().map(|r| (r.currency, r.usd_per_unit)).collect();
        Ok(Self::new(rules, slugs, dictionary, rates))
    }

    /// Classifies one raw row received on `today` (its default posting date).
    pub fn classify(&self, raw: &RawPosting, today: NaiveDate) -> Outcome {
        match self.try_classify(raw, today) {
            Ok(outcome) => outcome,
            Err(reason) => Outcome::Refused(reason),
        }
    }

    fn try_classify(&self, raw: &RawPosting, today: NaiveDate) -> Result<Outcome, String> {
        let description = raw.description.as_deref().unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(format!("description must be at most {MAX_DESCRIPTION_LEN} characters"));
        }
        let salary = self.salary(raw)?;
        let location = raw.location.as_deref().unwrap_or_default();
        let mut posting = PostingInput {
            source: raw.source.clone(),
            external_id: raw.external_id.clone(),
            role: String::new(),
            title: raw.title.clone(),
            company: raw.company.clone(),
            metro: remote::metro(location),
            remote: false,
            seniority: Seniority::Mid,
            salary_min: salary.min,
            salary_max: salary.max,
            // `salary` is in US dollars a year: the defaults.
            currency: None,
            salary_period: None,
            skills: Vec::new(),
            posted_at: raw.posted_at.unwrap_or(Date(today)),
            closed_at: raw.closed_at,
            url: raw.url.clone(),
            rule_id: None,
        };
        let Some(class) = self.rules.classify(&raw.title) else {
            // Every rule but the role's, so that what is kept aside is otherwise valid.
            ingest::validate(posting, &HashMap::from([(String::new(), 0)]))?;
            return Ok(Outcome::Unclassified { title_key: text::words(&raw.title) });
        };
        let slug = self.slugs.get(&class.role_id).cloned().unwrap_or_default();
        let plain = text::plain_text(description);
        posting.role = slug;
        posting.rule_id = Some(class.rule_id);
        posting.remote = remote::remote(raw.remote, location, &plain);
        posting.seniority = seniority::seniority(&raw.title, &plain).into();
        posting.skills = self.skills_in(&raw.title, &plain, &raw.company);
        Ok(Outcome::Posting(Box::new(posting)))
    }

    /// The dictionary's skills a title and a plain-text description name, leaving out the
    /// hiring company's own name (OpenAI's adverts all say "OpenAI").
    pub fn skills_in(&self, title: &str, plain_description: &str, company: &str) -> Vec<String> {
        let company = text::words(company);
        let searched = format!("{title}\n{plain_description}");
        self.skills.extract(&searched, |name| {
            let name = text::words(name);
            company == name || company.starts_with(&format!("{name} "))
        })
    }

    fn salary(&self, raw: &RawPosting) -> Result<pay::YearlyUsd, String> {
        let quoted = if raw.pay_min.is_some() || raw.pay_max.is_some() {
            Some(QuotedPay {
                min: raw.pay_min,
                max: raw.pay_max,
                currency: raw.pay_currency.clone().unwrap_or_else(|| "USD".to_owned()),
                period: raw.pay_period.unwrap_or_default(),
            })
        } else {
            raw.pay_text.as_deref().filter(|t| !t.trim().is_empty()).and_then(pay::parse_pay_text)
        };
        match quoted {
            Some(q) => pay::to_yearly_usd(&q, &self.rates),
            None => Ok(pay::YearlyUsd::default()),
        }
    }

    /// How many rules it applies.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// How many dictionary skills it looks for.
    pub fn skill_count(&self) -> usize {
        self.skills.len()
    }
}
