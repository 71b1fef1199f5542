//! The arithmetic of every figure (docs/figures.md), in one place: the API, the digest and the CLI all call it.

use entity::snapshot::{self, SkillShare};

/// Below this many salaries a snapshot publishes no salary figures.
pub const MIN_SAMPLE_SIZE: usize = 5;
/// How many skills a snapshot ranks.
pub const TOP_SKILLS: usize = 8;
/// How many companies and metros a snapshot ranks.
pub const TOP_NAMES: usize = 5;

/// Percentile `p` (0–1) of sorted values, linear interpolation between closest ranks
/// (PostgreSQL `percentile_cont`, numpy's default).
pub fn percentile_cont(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p.clamp(0.0, 1.0) * last as f64;
    let lower = rank.floor() as usize;
    let upper = rank.ceil() as usize;
    let (lo, hi) = (sorted[lower], sorted[upper]);
    Some(lo + (rank - lower as f64) * (hi - lo))
}

/// Rounds to the nearest whole dollar (halves away from zero, as PostgreSQL's `round`).
pub fn round_dollars(value: f64) -> i32 {
    value.round() as i32
}

/// `100 × part / whole` with one decimal; 0 when `whole` is 0.
pub fn pct1(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    round1(100.0 * part as f64 / whole as f64)
}

/// Rounds to one decimal.
pub fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A role's share of all listings: `100 × open / total`, one decimal; none in a week with
/// no open listing at all (a share of nothing is not 0%).
pub fn share_of_listings(open: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| pct1(open, total))
}

/// Ranks `(name, count)` pairs: most first, ties by name, at most `limit`.
pub fn rank_by_count(mut items: Vec<(String, i64)>, limit: usize) -> Vec<(String, i64)> {
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    items.truncate(limit);
    items
}

/// The pay figure a comparison uses: `averageSalary`, or the mean of the range bounds.
pub fn comparable_pay(snapshot: &snapshot::Model) -> Option<f64> {
    match (snapshot.average_salary, snapshot.salary_range_low, snapshot.salary_range_high) {
        (Some(average), _, _) => Some(f64::from(average)),
        (None, Some(low), Some(high)) => Some((f64::from(low) + f64::from(high)) / 2.0),
        _ => None,
    }
}

/// `$292K` style: thousands of dollars, rounded; millions as `$1.2M`.
pub fn money(dollars: i64) -> String {
    if dollars.abs() >= 1_000_000 {
        format!("${:.1}M", dollars as f64 / 1_000_000.0)
    } else {
        format!("${}K", (dollars as f64 / 1000.0).round() as i64)
    }
}

/// A count with thousands separators: `23,752`.
pub fn thousands(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if count < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A share for a sentence: whole percent, or one decimal below 10 (`91`, `0.5`).
pub fn share_text(pct: f64) -> String {
    if pct < 10.0 { format!("{pct:.1}") } else { format!("{}", pct.round()) }
}

/// A signed percentage change with one decimal: `+2.1%`, `-0.4%`.
pub fn signed_pct(change: f64) -> String {
    if change >= 0.0 { format!("+{change:.1}%") } else { format!("{change:.1}%") }
}

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first role named.
    A,
    /// The second role named.
    B,
}

/// What a comparison needs of a role: its title and (maybe) its snapshot.
#[derive(Debug, Clone, Copy)]
pub struct ComparedRole<'a> {
    /// The role's display title.
    pub title: &'a str,
    /// Its snapshot of the compared week, if any.
    pub snapshot: Option<&'a snapshot::Model>,
}

/// Every derived figure of a role-vs-role comparison (docs/figures.md#comparisons).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Sum of open positions over all roles' snapshots of the week.
    pub total_open_positions: i64,
    /// A's share of all listings.
    pub share_a: Option<f64>,
    /// B's share of all listings.
    pub share_b: Option<f64>,
    /// The side that pays more on average.
    pub higher_paying: Option<Side>,
    /// How much more, in whole percent.
    pub pay_premium_pct: Option<i32>,
    /// The side with more open positions.
    pub more_openings: Option<Side>,
    /// The higher payer's range ceiling minus the other's.
    pub salary_ceiling_gap: Option<i32>,
    /// Top skills in both lists, in A's order.
    pub shared_skills: Vec<String>,
    /// Top skills only A lists.
    pub only_a: Vec<String>,
    /// Top skills only B lists.
    pub only_b: Vec<String>,
    /// ⌊100 × shared / longer list⌋.
    pub skill_overlap_pct: Option<i32>,
    /// Plain sentences for a reader.
    pub verdict: Vec<String>,
}

fn skill_names(snapshot: Option<&snapshot::Model>) -> Vec<String> {
    snapshot.map(|s| s.top_skills.iter().map(|SkillShare { skill, .. }| skill.clone()).collect()).unwrap_or_default()
}

fn contains_skill(list: &[String], skill: &str) -> bool {
    let key = entity::skill::skill_key(skill);
    list.iter().any(|s| entity::skill::skill_key(s) == key)
}

/// Compares two roles' snapshots of one week, given the week's total open positions.
pub fn compare(a: ComparedRole<'_>, b: ComparedRole<'_>, total_open_positions: i64) -> Comparison {
    let share = |role: ComparedRole<'_>| {
        role.snapshot.and_then(|s| share_of_listings(i64::from(s.open_positions), total_open_positions))
    };
    let pay_a = a.snapshot.and_then(comparable_pay);
    let pay_b = b.snapshot.and_then(comparable_pay);
    let (higher_paying, pay_premium_pct) = match (pay_a, pay_b) {
        (Some(pa), Some(pb)) if pa > 0.0 && pb > 0.0 => {
            let (side, hi, lo) = if pa > pb {
                (Some(Side::A), pa, pb)
            } else if pb > pa {
                (Some(Side::B), pb, pa)
            } else {
                (None, pa, pb)
            };
            (side, Some((100.0 * (hi / lo - 1.0)).round() as i32))
        }
        _ => (None, None),
    };
    let more_openings = match (a.snapshot, b.snapshot) {
        (Some(sa), Some(sb)) if sa.open_positions > sb.open_positions => Some(Side::A),
        (Some(sa), Some(sb)) if sb.open_positions > sa.open_positions => Some(Side::B),
        _ => None,
    };
    let salary_ceiling_gap = match (higher_paying, a.snapshot, b.snapshot) {
        (Some(side), Some(sa), Some(sb)) => {
            let (hi, lo) = if side == Side::A { (sa, sb) } else { (sb, sa) };
            hi.salary_range_high.zip(lo.salary_range_high).map(|(h, l)| h - l)
        }
        _ => None,
    };
    let skills_a = skill_names(a.snapshot);
    let skills_b = skill_names(b.snapshot);
    let shared_skills: Vec<String> = skills_a.iter().filter(|s| contains_skill(&skills_b, s)).cloned().collect();
    let only_a: Vec<String> = skills_a.iter().filter(|s| !contains_skill(&skills_b, s)).cloned().collect();
    let only_b: Vec<String> = skills_b.iter().filter(|s| !contains_skill(&skills_a, s)).cloned().collect();
    let longer = skills_a.len().max(skills_b.len());
    let skill_overlap_pct = (longer > 0).then(|| (100 * shared_skills.len() / longer) as i32);

    let mut comparison = Comparison {
        total_open_positions,
        share_a: share(a),
        share_b: share(b),
        higher_paying,
        pay_premium_pct,
        more_openings,
        salary_ceiling_gap,
        shared_skills,
        only_a,
        only_b,
        skill_overlap_pct,
        verdict: Vec::new(),
    };
    comparison.verdict = verdict(&comparison, a, b);
    comparison
}

fn verdict(c: &Comparison, a: ComparedRole<'_>, b: ComparedRole<'_>) -> Vec<String> {
    let pick = |side: Side| if side == Side::A { (a, b) } else { (b, a) };
    let mut lines = Vec::new();
    if let (Some(side), Some(premium)) = (c.higher_paying, c.pay_premium_pct) {
        let (winner, _) = pick(side);
        lines.push(format!(
            "Choose {} if you want higher compensation: it pays {premium}% more on average.",
            winner.title
        ));
    }
    if let Some(side) = c.more_openings {
        let (winner, other) = pick(side);
        let open = |r: ComparedRole<'_>| r.snapshot.map_or(0, |s| i64::from(s.open_positions));
        lines.push(format!(
            "Choose {} if you want more open positions ({} vs {} currently listed).",
            winner.title,
            thousands(open(winner)),
            thousands(open(other))
        ));
    }
    if let (Some(side), Some(gap)) = (c.higher_paying, c.salary_ceiling_gap) {
        let (winner, _) = pick(side);
        lines.push(format!("{} commands a {} higher average salary ceiling.", winner.title, money(i64::from(gap))));
    }
    if let Some(overlap) = c.skill_overlap_pct {
        lines.push(format!("{} overlapping skills ({overlap}% of top skills).", c.shared_skills.len()));
    }
    for (role, only) in [(a, &c.only_a), (b, &c.only_b)] {
        if !only.is_empty() {
            lines.push(format!("Skills unique to {}: {}.", role.title, only.join(", ")));
        }
    }
    for (role, share) in [(a, c.share_a), (b, c.share_b)] {
        if let Some(share) = share {
            lines.push(format!(
                "{} makes up {}% of the {} tracked listings.",
                role.title,
                share_text(share),
                thousands(c.total_open_positions)
            ));
        }
    }
    lines
}

/// One week of a role's trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// The week's Monday.
    pub week: chrono::NaiveDate,
    /// Open positions that week.
    pub open_positions: i32,
    /// 25th percentile that week.
    pub p25_salary: Option<i32>,
    /// Median salary that week.
    pub median_salary: Option<i32>,
    /// 75th percentile that week.
    pub p75_salary: Option<i32>,
    /// Change of the median against the previous point, one decimal.
    pub median_change_pct: Option<f64>,
}

/// The trend of snapshots given oldest first: one point each, with the median's change.
pub fn trend(snapshots: &[snapshot::Model]) -> Vec<TrendPoint> {
    let mut previous_median: Option<i32> = None;
    snapshots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let change = match (i, previous_median, s.median_salary) {
                (0, _, _) => None,
                (_, Some(prev), Some(now)) if prev != 0 => {
                    Some(round1(100.0 * (f64::from(now) / f64::from(prev) - 1.0)))
                }
                _ => None,
            };
            previous_median = s.median_salary;
            TrendPoint {
                week: s.week,
                open_positions: s.open_positions,
                p25_salary: s.p25_salary,
                median_salary: s.median_salary,
                p75_salary: s.p75_salary,
                median_change_pct: change,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_linearly_between_closest_ranks() {
        let values = [100.0, 200.0, 300.0, 400.0];
        assert_eq!(percentile_cont(&values, 0.5), Some(250.0));
        assert_eq!(percentile_cont(&values, 0.25), Some(175.0));
        assert_eq!(percentile_cont(&values, 0.75), Some(325.0));
        assert_eq!(percentile_cont(&values, 0.9), Some(370.0));
        assert_eq!(percentile_cont(&[42.0], 0.9), Some(42.0));
        assert_eq!(percentile_cont(&[], 0.5), None);
    }

    #[test]
    fn rounding_of_dollars_and_shares() {
        assert_eq!(round_dollars(100_000.5), 100_001);
        assert_eq!(round_dollars(99_999.49), 99_999);
        assert_eq!(pct1(1, 3), 33.3);
        assert_eq!(pct1(2, 3), 66.7);
        assert_eq!(pct1(1, 0), 0.0);
    }

    #[test]
    fn ranking_breaks_ties_by_name() {
        let ranked = rank_by_count(vec![("b".into(), 2), ("a".into(), 2), ("c".into(), 5), ("d".into(), 1)], 3);
        assert_eq!(ranked, vec![("c".into(), 5), ("a".into(), 2), ("b".into(), 2)]);
    }

    #[test]
    fn money_and_counts_read_like_the_published_page() {
        assert_eq!(money(292_000), "$292K");
        assert_eq!(money(118_600), "$119K");
        assert_eq!(money(1_250_000), "$1.2M");
        assert_eq!(thousands(23_752), "23,752");
        assert_eq!(thousands(138), "138");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(signed_pct(2.1), "+2.1%");
        assert_eq!(signed_pct(-0.4), "-0.4%");
    }
}
