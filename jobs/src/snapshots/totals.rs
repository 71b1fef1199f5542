//! What each open posting adds to its role's figures: the one definition both engines
//! follow. The Rust engine adds postings one at a time; the database engine adds groups of
//! postings that share a value, with their count. Either way the same rules decide what is
//! counted (every seniority in its own bucket, skills as stored on the posting, no metro not
//! counted), so the two can only differ where the database rounds differently, and the
//! property test in `tests/e2e/figures.rs` checks that they do not.

use std::collections::HashMap;

use entity::{Seniority, snapshot};

use crate::figures::{MIN_SAMPLE_SIZE, TOP_NAMES, TOP_SKILLS, pct1, rank_by_count, round_dollars};

/// The skill ids of a posting as stored in `posting.skill_ids` (sorted, comma-separated).
pub fn skill_ids(list: &str) -> impl Iterator<Item = i32> + '_ {
    list.split(',').filter_map(|s| s.parse().ok())
}

/// Open postings per seniority.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExperienceMix {
    entry: i64,
    mid: i64,
    senior: i64,
}

impl ExperienceMix {
    fn add(&mut self, seniority: Seniority, postings: i64) {
        // No catch-all arm: a new seniority must be given a bucket here, for both engines.
        match seniority {
            Seniority::Entry => self.entry += postings,
            Seniority::Mid => self.mid += postings,
            Seniority::Senior => self.senior += postings,
        }
    }
}

/// A sum and how many values it holds.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Sum<T> {
    total: T,
    count: i64,
}

impl Sum<i64> {
    fn mean(self) -> Option<f64> {
        (self.count > 0).then(|| self.total as f64 / self.count as f64)
    }
}

impl Sum<f64> {
    fn mean(self) -> Option<f64> {
        (self.count > 0).then(|| self.total / self.count as f64)
    }
}

/// The four salary percentiles of one role, before rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// 25th percentile of the midpoints.
    pub p25: f64,
    /// Median of the midpoints.
    pub p50: f64,
    /// 75th percentile of the midpoints.
    pub p75: f64,
    /// 90th percentile of the midpoints.
    pub p90: f64,
}

impl Percentiles {
    /// The percentiles of sorted midpoints (none when there are none).
    pub fn of_sorted(midpoints: &[f64]) -> Option<Self> {
        let at = |p| crate::figures::percentile_cont(midpoints, p);
        Some(Self { p25: at(0.25)?, p50: at(0.5)?, p75: at(0.75)?, p90: at(0.9)? })
    }
}

/// A group of open postings of one role that share these values (one posting, for the Rust
/// engine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Group {
    /// How many postings.
    pub postings: i64,
    /// Their seniority.
    pub seniority: Seniority,
    /// How many are remote.
    pub remote: i64,
    /// Sum and count of their minimums.
    pub salary_min: (i64, i64),
    /// Sum and count of their maximums.
    pub salary_max: (i64, i64),
    /// Sum and count of their midpoints.
    pub salary_mid: (f64, i64),
}

/// Running totals of one role's open postings in a week.
#[derive(Debug, Default)]
pub struct RoleTotals {
    open: i64,
    remote: i64,
    mix: ExperienceMix,
    min: Sum<i64>,
    max: Sum<i64>,
    mid: Sum<f64>,
    skills: HashMap<i32, i64>,
    companies: HashMap<String, i64>,
    metros: HashMap<String, i64>,
}

impl RoleTotals {
    /// Adds a group of postings' counts and sums.
    pub fn add_group(&mut self, group: Group) {
        self.open += group.postings;
        self.remote += group.remote;
        self.mix.add(group.seniority, group.postings);
        for (sum, (total, count)) in [(&mut self.min, group.salary_min), (&mut self.max, group.salary_max)] {
            sum.total += total;
            sum.count += count;
        }
        self.mid.total += group.salary_mid.0;
        self.mid.count += group.salary_mid.1;
    }

    /// Counts `postings` postings that name the skills of this stored list.
    pub fn add_skills(&mut self, list: &str, postings: i64) {
        for id in skill_ids(list) {
            *self.skills.entry(id).or_default() += postings;
        }
    }

    /// Counts `postings` postings of this company.
    pub fn add_company(&mut self, company: String, postings: i64) {
        *self.companies.entry(company).or_default() += postings;
    }

    /// Counts `postings` postings in this metro; postings without one are not counted.
    pub fn add_metro(&mut self, metro: Option<String>, postings: i64) {
        if let Some(metro) = metro {
            *self.metros.entry(metro).or_default() += postings;
        }
    }

    /// The role's figures (docs/figures.md#snapshots), given its percentiles and the skills' names.
    pub fn finish(
        self,
        role_id: i32,
        percentiles: Option<Percentiles>,
        skill_names: &HashMap<i32, String>,
    ) -> super::ComputedSnapshot {
        let open = self.open;
        let publish = self.mid.count >= MIN_SAMPLE_SIZE as i64;
        let salary = |value: Option<f64>| value.filter(|_| publish).map(round_dollars);
        let pick = |f: fn(&Percentiles) -> f64| salary(percentiles.as_ref().map(f));
        let names = |items: HashMap<String, i64>| {
            rank_by_count(items.into_iter().collect(), TOP_NAMES)
                .into_iter()
                .map(|(name, count)| snapshot::NameCount { name, count: count as i32 })
                .collect::<Vec<_>>()
                .into()
        };
        // A skill deleted since the posting named it is not counted.
        let skills =
            self.skills.into_iter().filter_map(|(id, n)| skill_names.get(&id).map(|name| (name.clone(), n))).collect();
        let figures = snapshot::Figures {
            open_positions: open as i32,
            sample_size: self.mid.count as i32,
            salary_range_low: salary(self.min.mean()),
            salary_range_high: salary(self.max.mean()),
            average_salary: salary(self.mid.mean()),
            p25_salary: pick(|p| p.p25),
            median_salary: pick(|p| p.p50),
            p75_salary: pick(|p| p.p75),
            p90_salary: pick(|p| p.p90),
            remote_pct: pct1(self.remote, open),
            entry_pct: pct1(self.mix.entry, open),
            mid_pct: pct1(self.mix.mid, open),
            senior_pct: pct1(self.mix.senior, open),
            top_skills: rank_by_count(skills, TOP_SKILLS)
                .into_iter()
                .map(|(skill, postings)| snapshot::SkillShare {
                    skill,
                    postings: postings as i32,
                    pct: pct1(postings, open),
                })
                .collect(),
            top_companies: names(self.companies),
            top_metros: names(self.metros),
        };
        super::ComputedSnapshot { role_id, figures }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(seniority: Seniority, mid: Option<f64>) -> Group {
        Group {
            postings: 1,
            seniority,
            remote: 0,
            salary_min: (0, 0),
            salary_max: (0, 0),
            salary_mid: (mid.unwrap_or(0.0), i64::from(mid.is_some())),
        }
    }

    #[test]
    fn every_seniority_has_its_own_bucket() {
        let mut totals = RoleTotals::default();
        for seniority in [Seniority::Entry, Seniority::Mid, Seniority::Mid, Seniority::Senior] {
            totals.add_group(posting(seniority, None));
        }
        let figures = totals.finish(1, None, &HashMap::new()).figures;
        assert_eq!((figures.entry_pct, figures.mid_pct, figures.senior_pct), (25.0, 50.0, 25.0));
    }

    #[test]
    fn salary_figures_wait_for_five_salaries() {
        let mut totals = RoleTotals::default();
        for mid in [Some(100.0), Some(200.0), Some(300.0), Some(400.0), None] {
            totals.add_group(posting(Seniority::Mid, mid));
        }
        let figures = totals.finish(1, Percentiles::of_sorted(&[100.0, 200.0, 300.0, 400.0]), &HashMap::new()).figures;
        assert_eq!((figures.sample_size, figures.average_salary, figures.median_salary), (4, None, None));
    }

    #[test]
    fn skills_are_counted_from_the_stored_list_and_deleted_ones_are_dropped() {
        let mut totals = RoleTotals::default();
        totals.add_group(posting(Seniority::Mid, None));
        totals.add_group(posting(Seniority::Mid, None));
        totals.add_skills("1,2", 1);
        totals.add_skills("2,3", 1);
        let names = HashMap::from([(1, "RAG".to_owned()), (2, "Python".to_owned())]);
        let figures = totals.finish(1, None, &names).figures;
        let listed: Vec<(String, i32, f64)> =
            figures.top_skills.into_iter().map(|s| (s.skill, s.postings, s.pct)).collect();
        assert_eq!(listed, vec![("Python".to_owned(), 2, 100.0), ("RAG".to_owned(), 1, 50.0)]);
    }
}
