//! From a week's figures to one subscriber's email: subject, a text and an HTML part built
//! from the same view (`jobs/templates/email/digest.{txt,html}`), and the list headers.

use askama::Template;

use super::chart;
use super::content::{RoleWeek, SkillRise, WeekFigures};
use crate::figures::{money, signed_pct, thousands};
use crate::mail::Email;
use crate::subscriptions::ManageLinks;
use crate::week::Week;

/// `List-Id` of the digest: lets mail clients group and filter it.
pub const LIST_ID: &str = "salarygraph weekly AI salaries <weekly.digest.salarygraph>";

/// A composed digest, before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestEmail {
    /// Subject: the week and its headline move.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, saying the same.
    pub html: String,
    /// The trend charts the HTML shows, by content id.
    pub images: Vec<(String, Vec<u8>)>,
}

/// The fixed `Message-ID` of a week's digest to one subscriber: a resend after a crash is
/// recognised by receivers as the same message.
pub fn message_id(week: Week, subscriber_id: i32) -> String {
    let (prefix, suffix) = message_id_affixes(week);
    format!("{prefix}{subscriber_id}{suffix}")
}

/// The SQL-side pieces of [`message_id`] around the subscriber id, so that delivery rows can
/// be created with `INSERT … SELECT` without loading subscribers.
pub(super) fn message_id_affixes(week: Week) -> (String, String) {
    (format!("<digest-{week}-"), "@salarygraph>".to_owned())
}

/// One role's section, formatted.
struct RoleView {
    title: String,
    median: String,
    median_change: Option<String>,
    p75: String,
    open_positions: String,
    open_change: Option<String>,
    top_skills: String,
    rising: Option<String>,
    /// The median over the last weeks in words, and the chart's content id when drawn.
    trend: Option<TrendView>,
}

/// A role's median trend: the same words in both parts, and a chart in the HTML.
struct TrendView {
    weeks: usize,
    words: String,
    chart_cid: Option<String>,
}

/// The market section, formatted.
struct MarketView {
    total: String,
    total_change: Option<String>,
    movers: Vec<String>,
}

#[derive(Template)]
#[template(path = "email/digest.txt")]
struct DigestText<'a> {
    week_label: &'a str,
    roles: &'a [RoleView],
    all_roles: bool,
    market: &'a MarketView,
    links: &'a ManageLinks,
}

#[derive(Template)]
#[template(path = "email/digest.html")]
struct DigestHtml<'a> {
    subject: &'a str,
    week_label: &'a str,
    roles: &'a [RoleView],
    all_roles: bool,
    market: &'a MarketView,
    links: &'a ManageLinks,
}

/// The content id of a role's trend chart (`cid:` in the HTML).
fn chart_cid(slug: &str) -> String {
    format!("trend-{slug}@salarygraph")
}

fn trend_view(role: &RoleWeek) -> Option<TrendView> {
    let (first, last) = (role.median_history.first()?, role.median_history.last()?);
    (role.median_history.len() >= chart::MIN_POINTS).then(|| TrendView {
        weeks: role.median_history.len(),
        words: format!("{} to {}", money(i64::from(*first)), money(i64::from(*last))),
        chart_cid: role.trend_png.as_ref().map(|_| chart_cid(&role.slug)),
    })
}

/// "Nov 23": how the subject and the body name a week.
pub fn week_label(week: Week) -> String {
    week.monday().format("%b %-d").to_string()
}

/// The digest a subscriber following `followed` (slugs; empty: every role) reads.
pub fn compose(figures: &WeekFigures, followed: &[String], links: &ManageLinks) -> Result<DigestEmail, askama::Error> {
    let week_label = week_label(figures.week);
    let roles = figures.followed(followed);
    let subject = format!("AI salaries, week of {week_label}: {}", headline(&roles, figures));
    let role_views: Vec<RoleView> = roles.iter().map(|r| role_view(r)).collect();
    let market = MarketView {
        total: thousands(figures.total_open_positions),
        total_change: figures.total_change.map(signed_count),
        movers: figures.movers.iter().map(|m| format!("{} {}", m.title, signed_pct(m.median_change_pct))).collect(),
    };
    let all_roles = followed.is_empty();
    let images =
        roles.iter().filter_map(|r| r.trend_png.as_ref().map(|png| (chart_cid(&r.slug), png.to_vec()))).collect();
    let text =
        DigestText { week_label: &week_label, roles: &role_views, all_roles, market: &market, links }.render()?;
    let html = DigestHtml {
        subject: &subject,
        week_label: &week_label,
        roles: &role_views,
        all_roles,
        market: &market,
        links,
    }
    .render()?;
    Ok(DigestEmail { subject, text, html, images })
}

/// Addresses a composed digest: fixed `Message-ID` and the one-click unsubscribe headers
/// (RFC 2369, RFC 8058).
pub fn address(digest: DigestEmail, to: &str, message_id: &str, links: &ManageLinks) -> Email {
    Email {
        to: to.to_owned(),
        subject: digest.subject,
        text: digest.text,
        html: digest.html,
        inline_png: digest.images,
        message_id: Some(message_id.to_owned()),
        headers: vec![
            ("List-Unsubscribe", format!("<{}>", links.unsubscribe_url)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()),
            ("List-Id", LIST_ID.to_owned()),
        ],
    }
}

/// The headline: the followed role that moved most, else the largest one, else the market.
fn headline(roles: &[&RoleWeek], figures: &WeekFigures) -> String {
    let moved = roles
        .iter()
        .filter(|r| r.median_salary.is_some())
        .filter_map(|r| r.median_change_pct.map(|pct| (r, pct)))
        .max_by(|(a, x), (b, y)| x.abs().total_cmp(&y.abs()).then_with(|| b.title.cmp(&a.title)));
    if let Some((role, pct)) = moved
        && let Some(median) = role.median_salary
    {
        return format!("{} median {} ({})", role.title, money(i64::from(median)), signed_pct(pct));
    }
    // Roles are ordered by open positions: the first is the largest.
    match roles.first() {
        Some(role) => match role.median_salary {
            Some(median) => format!("{} median {}", role.title, money(i64::from(median))),
            None => format!("{} open {} positions", thousands(i64::from(role.open_positions)), role.title),
        },
        None => format!("{} open AI positions", thousands(figures.total_open_positions)),
    }
}

fn signed_count(change: impl Into<i64>) -> String {
    let change = change.into();
    if change >= 0 { format!("+{}", thousands(change)) } else { thousands(change) }
}

fn salary(value: Option<i32>) -> String {
    value.map_or_else(|| "not published (too few salaries)".to_owned(), |v| money(i64::from(v)))
}

fn role_view(role: &RoleWeek) -> RoleView {
    let skills: Vec<String> = role
        .top_skills
        .iter()
        .take(super::content::SKILLS_SHOWN)
        // Imported snapshots name their skills without counts: a 0% share would mislead.
        .map(|s| match s.postings {
            0 => s.skill.clone(),
            _ => format!("{} ({}%)", s.skill, crate::figures::share_text(s.pct)),
        })
        .collect();
    let rising: Vec<String> = role.rising_skills.iter().map(rise_text).collect();
    RoleView {
        title: role.title.clone(),
        median: salary(role.median_salary),
        median_change: role.median_change_pct.map(signed_pct),
        p75: salary(role.p75_salary),
        open_positions: thousands(i64::from(role.open_positions)),
        open_change: role.open_positions_change.map(signed_count),
        top_skills: if skills.is_empty() { "none listed".to_owned() } else { skills.join(", ") },
        rising: (!rising.is_empty()).then(|| rising.join(", ")),
        trend: trend_view(role),
    }
}

fn rise_text(rise: &SkillRise) -> String {
    match rise.points {
        Some(points) => format!("{} (+{points:.1} pts)", rise.skill),
        None => format!("{} (new in the top skills)", rise.skill),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::content::Mover;

    fn figures() -> WeekFigures {
        let role = |slug: &str, title: &str, open: i32, median: Option<i32>, change: Option<f64>| RoleWeek {
            slug: slug.into(),
            title: title.into(),
            open_positions: open,
            open_positions_change: Some(-12),
            median_salary: median,
            median_change_pct: change,
            p75_salary: median.map(|m| m + 40_000),
            top_skills: vec![entity::snapshot::SkillShare { skill: "Python".into(), postings: 9, pct: 90.0 }],
            rising_skills: vec![SkillRise { skill: "RAG".into(), points: Some(2.5) }],
            median_history: Vec::new(),
            trend_png: None,
        };
        WeekFigures {
            week: Week::containing(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")),
            roles: vec![
                role("ml-engineer", "AI/ML Engineer", 23_752, Some(190_000), Some(-0.4)),
                role("ai-architect", "AI Architect", 138, Some(292_000), Some(2.1)),
                role("ai-safety", "AI <Safety> & Co", 40, None, None),
            ],
            total_open_positions: 23_930,
            total_change: Some(1_204),
            movers: vec![Mover { title: "AI Architect".into(), median_change_pct: 2.1 }],
        }
    }

    fn links() -> ManageLinks {
        ManageLinks {
            unsubscribe_url: "https://sg.example/unsubscribe?token=abc".into(),
            preferences_url: "https://sg.example/preferences?token=abc".into(),
        }
    }

    #[test]
    fn the_subject_names_the_week_and_the_biggest_move_among_followed_roles() {
        let all = compose(&figures(), &[], &links()).expect("render");
        assert_eq!(all.subject, "AI salaries, week of Nov 23: AI Architect median $292K (+2.1%)");
        let ml = compose(&figures(), &["ml-engineer".into()], &links()).expect("render");
        assert_eq!(ml.subject, "AI salaries, week of Nov 23: AI/ML Engineer median $190K (-0.4%)");
        let none = compose(&figures(), &["ai-safety".into()], &links()).expect("render");
        assert_eq!(none.subject, "AI salaries, week of Nov 23: 40 open AI <Safety> & Co positions");
    }

    #[test]
    fn both_parts_carry_the_same_figures_and_the_html_is_escaped() {
        let email = compose(&figures(), &["ai-architect".into(), "ai-safety".into()], &links()).expect("render");
        for part in [&email.text, &email.html] {
            for expected in
                ["$292K", "+2.1%", "$332K", "138", "-12", "Python (90%)", "RAG (+2.5 pts)", "23,930", "+1,204"]
            {
                assert!(part.contains(expected), "{expected} missing from {part}");
            }
            assert!(part.contains("https://sg.example/unsubscribe?token=abc"), "{part}");
            assert!(!part.contains("AI/ML Engineer median"), "unfollowed role shown: {part}");
        }
        assert!(email.text.contains("AI <Safety> & Co"));
        assert!(
            email.html.contains("AI &#60;Safety&#62; &#38; Co") || email.html.contains("AI &lt;Safety&gt; &amp; Co")
        );
        assert!(!email.html.contains("<Safety>"));
    }

    #[test]
    fn a_role_with_weeks_of_history_gets_its_trend_in_words_and_a_chart() {
        let mut figures = figures();
        figures.roles[1].median_history = vec![280_000, 286_000, 292_000];
        figures.roles[1].trend_png = chart::sparkline_png(&figures.roles[1].median_history).map(Into::into);
        let email = compose(&figures, &["ai-architect".into(), "ai-safety".into()], &links()).expect("render");
        for part in [&email.text, &email.html] {
            assert!(part.contains("Median, last 3 weeks: $280K to $292K"), "{part}");
        }
        assert!(email.html.contains("src=\"cid:trend-ai-architect@salarygraph\""), "{}", email.html);
        assert_eq!(email.images.len(), 1, "one chart, for the one role with history");
        assert_eq!(email.images[0].0, "trend-ai-architect@salarygraph");
        assert!(email.images[0].1.starts_with(b"\x89PNG"));
    }

    #[test]
    fn the_message_id_is_fixed_by_week_and_subscriber() {
        let week = figures().week;
        assert_eq!(message_id(week, 42), "<digest-2026-11-23-42@salarygraph>");
    }
}
