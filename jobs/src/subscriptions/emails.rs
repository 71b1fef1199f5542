//! The confirmation email, from templates (`jobs/templates/email/`).

use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};
use entity::{TokenPurpose, role, subscriber};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{CONFIRMATION_TTL_HOURS, ManageLinks, confirm_url, manage_links};
use crate::mail::{Email, Mailer};
use crate::tokens;

/// Subject of the confirmation email.
const CONFIRM_SUBJECT: &str = "Confirm your subscription to the weekly AI salary email";

#[derive(Template)]
#[template(path = "email/confirm.html")]
struct ConfirmHtml<'a> {
    confirm_url: &'a str,
    roles: &'a [String],
    hours: i64,
    links: &'a ManageLinks,
}

#[derive(Template)]
#[template(path = "email/confirm.txt")]
struct ConfirmText<'a> {
    confirm_url: &'a str,
    roles: &'a [String],
    hours: i64,
    links: &'a ManageLinks,
}

/// The confirmation email to `to`: its link, the role titles followed (empty: all roles)
/// and the footer links, in a text and an HTML part saying the same.
pub fn confirmation_email(
    to: &str,
    confirm_url: &str,
    role_titles: &[String],
    links: &ManageLinks,
) -> Result<Email, askama::Error> {
    let hours = CONFIRMATION_TTL_HOURS;
    Ok(Email {
        to: to.to_owned(),
        subject: CONFIRM_SUBJECT.to_owned(),
        text: ConfirmText { confirm_url, roles: role_titles, hours, links }.render()?,
        html: ConfirmHtml { confirm_url, roles: role_titles, hours, links }.render()?,
        // The mailer makes up a unique Message-ID: each confirmation is a new message.
        message_id: None,
        headers: Vec::new(),
        inline_png: Vec::new(),
    })
}

/// Issues the tokens of a confirmation email and sends it.
pub(super) async fn send_confirmation(
    db: &impl ConnectionTrait,
    mailer: &Mailer,
    public_url: &str,
    subscriber: &subscriber::Model,
    now: DateTime<Utc>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let expires_at = now + TimeDelta::hours(CONFIRMATION_TTL_HOURS);
    let token = tokens::issue(db, subscriber.id, TokenPurpose::Confirm, Some(expires_at), now).await?;
    let links = manage_links(db, subscriber.id, public_url, now).await?;
    let titles = role_titles(db, &subscriber.roles).await?;
    let email = confirmation_email(&subscriber.email, &confirm_url(public_url, &token), &titles, &links)?;
    mailer.send(&email).await?;
    tracing::info!(subscriber_id = subscriber.id, "confirmation email sent");
    Ok(())
}

/// Titles of the roles with these slugs, alphabetically.
async fn role_titles(db: &impl ConnectionTrait, slugs: &[String]) -> Result<Vec<String>, sea_orm::DbErr> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let roles =
        role::Entity::find().filter(role::Column::Slug.is_in(slugs.iter().cloned())).order_by_asc(role::Column::Title);
    Ok(roles.all(db).await?.into_iter().map(|r| r.title).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_and_the_footer_and_html_is_escaped() {
        let links = ManageLinks {
            unsubscribe_url: "https://x.test/unsubscribe?token=abc".into(),
            preferences_url: "https://x.test/preferences?token=abc".into(),
        };
        let email = confirmation_email(
            "ann@example.com",
            "https://x.test/subscriptions/confirm?token=t0k",
            &["R&D <Lead>".to_owned()],
            &links,
        )
        .expect("renders");
        for part in [&email.text, &email.html] {
            assert!(part.contains("https://x.test/subscriptions/confirm?token=t0k"), "{part}");
            assert!(part.contains("https://x.test/unsubscribe?token=abc"), "{part}");
            assert!(part.contains("https://x.test/preferences?token=abc"), "{part}");
            assert!(part.contains("48 hours"), "{part}");
        }
        assert!(email.text.contains("R&D <Lead>"));
        assert!(email.html.contains("R&#38;D &#60;Lead&#62;"), "{}", email.html);
    }
}
