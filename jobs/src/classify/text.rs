//! Text as the classifiers read it: HTML tags stripped, entities decoded, titles reduced to
//! lower-case words.

use std::borrow::Cow;

/// A description as plain text: entities decoded (twice, for boards that escape their HTML,
/// as Greenhouse does) and tags replaced by spaces. Plain text comes back unchanged.
pub fn plain_text(input: &str) -> Cow<'_, str> {
    if !input.contains(['<', '&']) {
        return Cow::Borrowed(input);
    }
    let decoded = decode_entities(input);
    let stripped = strip_tags(&decoded);
    if stripped.contains('&') { Cow::Owned(decode_entities(&stripped).into_owned()) } else { Cow::Owned(stripped) }
}

fn strip_tags(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // A tag starts with a letter, '/' or '!'; anything else ("a < b") is text.
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            match after.find('>') {
                Some(close) => {
                    out.push(' ');
                    rest = &after[close + 1..];
                }
                None => {
                    rest = "";
                }
            }
        } else {
            out.push('<');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "rsquo" | "lsquo" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "ldquo" | "rdquo" => '"',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "bull" | "middot" => '•',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "times" => '×',
        _ => return None,
    })
}

/// Decodes `&amp;`, `&#39;`, `&#x2014;` and the common named entities; unknown ones stay.
pub fn decode_entities(input: &str) -> Cow<'_, str> {
    if !input.contains('&') {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &after[..end];
            let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                named_entity(name)
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(if c == '\u{a0}' { ' ' } else { c });
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A title or phrase as rules see it: lower case, every run of other characters than
/// letters and digits one space ("Sr. AI/ML Engineer" → "sr ai ml engineer").
pub fn words(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut space = false;
    for c in input.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_html_becomes_plain_text() {
        assert_eq!(
            plain_text("&lt;p&gt;We use &lt;b&gt;PyTorch&lt;/b&gt; &amp;amp; JAX&lt;/p&gt;").trim(),
            "We use  PyTorch  & JAX"
        );
        assert_eq!(
            plain_text("<ul><li>RAG</li><li>AWS</li></ul>").split_whitespace().collect::<Vec<_>>(),
            ["RAG", "AWS"]
        );
        assert_eq!(plain_text("a < b &unknown; &#8212; &#x2014;"), "a < b &unknown; — —");
        assert!(matches!(plain_text("no markup"), Cow::Borrowed(_)));
    }

    #[test]
    fn titles_become_lower_case_words() {
        assert_eq!(words("Sr. AI/ML Engineer (Remote)"), "sr ai ml engineer remote");
        assert_eq!(words("  Machine-Learning   Engineer II "), "machine learning engineer ii");
        assert_eq!(words("Ingénieur IA"), "ingénieur ia");
    }
}
