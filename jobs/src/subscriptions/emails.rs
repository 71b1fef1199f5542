//! The confirmation email, from templates (`jobs/templates/email/`).

use askama::Template;

use super::{CONFIRMATION_TTL_HOURS, ManageLinks};
use crate::mail::Email;

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
