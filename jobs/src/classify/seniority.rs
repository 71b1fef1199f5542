//! Seniority from the title's words, else from the years of experience a description asks for.

use entity::Seniority;

use super::text::words;

/// Title words that make a posting SENIOR.
const SENIOR_WORDS: &[&str] =
    &["senior", "sr", "staff", "principal", "lead", "head", "director", "distinguished", "chief", "vp"];
/// Title words that make a posting ENTRY.
const ENTRY_WORDS: &[&str] =
    &["junior", "jr", "entry", "graduate", "grad", "intern", "internship", "trainee", "apprentice"];

/// Seniority a title states, if any ("Member of Technical Staff" states none).
pub fn from_title(title: &str) -> Option<Seniority> {
    let normalised = words(title);
    let tokens: Vec<&str> = normalised.split(' ').collect();
    let senior = tokens
        .iter()
        .enumerate()
        .any(|(i, t)| SENIOR_WORDS.contains(t) && !(*t == "staff" && i > 0 && tokens[i - 1] == "technical"));
    if senior {
        return Some(Seniority::Senior);
    }
    if tokens.iter().any(|t| ENTRY_WORDS.contains(t)) || normalised.contains("new grad") {
        return Some(Seniority::Entry);
    }
    None
}

fn number_word(word: &str) -> Option<u32> {
    Some(match word {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        _ => return None,
    })
}

/// The least number of years `text` (lower case) puts right before a "years" at `at`:
/// "5+ years", "3-5 years", "3 to 5 years", "five years".
fn years_before(text: &str, at: usize) -> Option<u32> {
    let before = text[..at].trim_end();
    let before = before.trim_end_matches(['+', ')']).trim_end();
    // The last number of a range is the upper bound; its lower bound is what a posting asks.
    let last_word_start = before.rfind(|c: char| !(c.is_ascii_alphanumeric())).map_or(0, |i| i + 1);
    let last = &before[last_word_start..];
    let upper: u32 = match last.parse::<u32>() {
        Ok(n) => n,
        Err(_) => number_word(last)?,
    };
    let rest = before[..last_word_start].trim_end();
    let rest = rest.strip_suffix('-').or_else(|| rest.strip_suffix('–')).or_else(|| rest.strip_suffix(" to"));
    let lower = rest.and_then(|r| {
        let r = r.trim_end();
        let start = r.rfind(|c: char| !c.is_ascii_alphanumeric()).map_or(0, |i| i + 1);
        r[start..].parse::<u32>().ok().or_else(|| number_word(&r[start..]))
    });
    let years = lower.unwrap_or(upper);
    (years <= 30).then_some(years)
}

/// The most years of experience any requirement of `description` asks for: a number of
/// years followed, in the same sentence, by "experience".
pub fn years_of_experience(description: &str) -> Option<u32> {
    let text = description.to_lowercase();
    let mut most: Option<u32> = None;
    for (at, _) in text.match_indices("year").chain(text.match_indices("yrs")) {
        let Some(years) = years_before(&text, at) else { continue };
        let after = &text[at..];
        let mut end = after.find(['.', ';', '\n', '•']).unwrap_or(after.len()).min(120);
        while !after.is_char_boundary(end) {
            end -= 1;
        }
        let sentence = &after[..end];
        if sentence.contains("experience") {
            most = Some(most.map_or(years, |m| m.max(years)));
        }
    }
    most
}

/// Seniority: the title's word when it has one; else 5 or more years asked: SENIOR, at most
/// 1: ENTRY; otherwise MID.
pub fn seniority(title: &str, description: &str) -> Seniority {
    if let Some(level) = from_title(title) {
        return level;
    }
    match years_of_experience(description) {
        Some(y) if y >= 5 => Seniority::Senior,
        Some(y) if y <= 1 => Seniority::Entry,
        _ => Seniority::Mid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_words_decide_first() {
        assert_eq!(from_title("Sr. Machine Learning Engineer"), Some(Seniority::Senior));
        assert_eq!(from_title("Staff AI Engineer"), Some(Seniority::Senior));
        assert_eq!(from_title("Member of Technical Staff"), None);
        assert_eq!(from_title("Head of AI"), Some(Seniority::Senior));
        assert_eq!(from_title("ML Engineer Intern"), Some(Seniority::Entry));
        assert_eq!(from_title("Jr Data Scientist"), Some(Seniority::Entry));
        assert_eq!(from_title("Data Scientist, New Grad"), Some(Seniority::Entry));
        assert_eq!(from_title("Leadership Coach"), None);
        assert_eq!(from_title("AI Engineer"), None);
    }

    #[test]
    fn years_of_experience_come_from_requirements() {
        assert_eq!(years_of_experience("5+ years of experience with PyTorch"), Some(5));
        assert_eq!(years_of_experience("3-5 years of industry experience"), Some(3));
        assert_eq!(years_of_experience("2 to 4 years' professional experience"), Some(2));
        assert_eq!(years_of_experience("Five years experience; 1+ yrs of experience with Go"), Some(5));
        assert_eq!(years_of_experience("Founded 10 years ago. We value experience."), None);
        assert_eq!(years_of_experience("no numbers here"), None);
        assert_eq!(seniority("ML Engineer", "At least 7 years of experience"), Seniority::Senior);
        assert_eq!(seniority("ML Engineer", "0-1 years of experience"), Seniority::Entry);
        assert_eq!(seniority("ML Engineer", "3+ years of experience"), Seniority::Mid);
        assert_eq!(seniority("Junior ML Engineer", "8 years of experience"), Seniority::Entry);
        assert_eq!(seniority("ML Engineer", ""), Seniority::Mid);
    }
}
