//! A subscriber's email address, checked once at the boundary.

use std::fmt;

/// Longest address SMTP can carry (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest local part (before the @) RFC 5321 allows.
const MAX_LOCAL_LEN: usize = 64;

/// A syntactically valid address: trimmed, one @, its domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail(String);

impl SubscriberEmail {
    /// Checks and normalises an address; the error says what is wrong with it.
    ///
    /// The local part keeps its case: some mail servers tell `Ann` from `ann`, domains never do.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("email must not be empty".into());
        }
        if trimmed.chars().count() > MAX_EMAIL_LEN {
            return Err(format!("email must be at most {MAX_EMAIL_LEN} characters, got {}", trimmed.chars().count()));
        }
        // Line breaks inside an address are how headers get injected: refuse every control.
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("email must not contain spaces, line breaks or control characters".into());
        }
        let mut halves = trimmed.split('@');
        let (Some(local), Some(domain), None) = (halves.next(), halves.next(), halves.next()) else {
            return Err("email must contain exactly one @, as in name@example.com".into());
        };
        check_local(local)?;
        let domain = domain.to_ascii_lowercase();
        check_domain(&domain)?;
        let address = format!("{local}@{domain}");
        // The mailer parses it again when sending: refuse here what it would refuse there.
        address.parse::<lettre::Address>().map_err(|e| format!("email is not a deliverable address: {e}"))?;
        Ok(Self(address))
    }

    /// The normalised address, as typed apart from the domain: what mail is sent to.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What makes two addresses one subscriber: the address in lower case. Strictly a
    /// mailbox may tell `Ann` from `ann`, but no provider does, and treating them as two
    /// lets anyone send one mailbox confirmation after confirmation.
    pub fn identity(&self) -> String {
        // Every character is ASCII (see `check_local` and `check_domain`).
        self.0.to_ascii_lowercase()
    }
}

impl AsRef<str> for SubscriberEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_local(local: &str) -> Result<(), String> {
    if local.is_empty() {
        return Err("email needs a name before the @".into());
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(format!("the part of the email before the @ must be at most {MAX_LOCAL_LEN} characters"));
    }
    // RFC 5322's dot-atom: quoted local parts are legal but are almost always typos or probes.
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if let Some(bad) = local.chars().find(|&c| !atom(c) && c != '.') {
        return Err(format!("the part of the email before the @ must not contain \"{bad}\""));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part of the email before the @ must not start or end with a dot or have two in a row".into());
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("email needs a domain after the @, as in name@example.com".into());
    }
    if !domain.contains('.') {
        return Err(format!("the domain \"{domain}\" of the email needs a dot, as in example.com"));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !domain.split('.').all(label_ok) {
        return Err(format!(
            "the domain \"{domain}\" of the email is not valid: letters, digits and hyphens between dots"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_only_the_domain_lower_cased() {
        let email = SubscriberEmail::parse("  Ann.Lee+ai@Example.COM \n").expect("valid");
        assert_eq!(email.as_str(), "Ann.Lee+ai@example.com");
        assert_eq!(email.identity(), "ann.lee+ai@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_reason() {
        let long = format!("{}@example.com", "a".repeat(300));
        let cases = [
            ("", "email must not be empty"),
            ("ann.example.com", "email must contain exactly one @, as in name@example.com"),
            ("ann@@example.com", "email must contain exactly one @, as in name@example.com"),
            ("ann lee@example.com", "email must not contain spaces, line breaks or control characters"),
            (
                "ann@example.com\r\nBcc: all@example.com",
                "email must not contain spaces, line breaks or control characters",
            ),
            ("ann@example.com\nBcc:x@y.z", "email must not contain spaces, line breaks or control characters"),
            (long.as_str(), "email must be at most 254 characters, got 312"),
            ("@example.com", "email needs a name before the @"),
            ("ann@", "email needs a domain after the @, as in name@example.com"),
            ("ann@localhost", "the domain \"localhost\" of the email needs a dot, as in example.com"),
            (
                "ann@exa_mple.com",
                "the domain \"exa_mple.com\" of the email is not valid: letters, digits and hyphens between dots",
            ),
            (
                "ann@example..com",
                "the domain \"example..com\" of the email is not valid: letters, digits and hyphens between dots",
            ),
            ("a<b>@example.com", "the part of the email before the @ must not contain \"<\""),
            (
                ".ann@example.com",
                "the part of the email before the @ must not start or end with a dot or have two in a row",
            ),
        ];
        for (input, reason) in cases {
            assert_eq!(SubscriberEmail::parse(input), Err(reason.to_owned()), "{input:?}");
        }
    }
}
