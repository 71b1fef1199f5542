//! `.env`: settings kept in a file in the working directory, read once at start-up.
//! A variable already set in the environment always wins over the file, so a deployment's
//! real settings never lose to a developer's leftover file.

use std::path::{Path, PathBuf};

/// The file read, relative to the working directory (never searched for in parent
/// directories: a file found elsewhere would be a surprise).
pub const DOTENV_FILE: &str = ".env";

/// A `.env` file that exists but cannot be used. The message names the file and the line,
/// never the line's text: it may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    /// A line is not `NAME=VALUE` as the file format has it.
    #[error(
        "{path}{at}: expected NAME=VALUE; put a value with spaces in double quotes, and one with $, \\ or \" \
         in single quotes",
        path = path.display(),
        at = line.map(|n| format!(": line {n}")).unwrap_or_default()
    )]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line (from 1), when it could be told.
        line: Option<usize>,
    },
    /// The file exists but could not be read.
    #[error("{path}: cannot be read: {source}", path = path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Sets every variable of the file at `path` that the environment does not set already;
/// `Ok(false)` when there is no such file.
///
/// It writes the process environment, so it must run before any other thread starts (the
/// command line calls it first thing, before the async runtime exists).
pub fn load(path: &Path) -> Result<bool, DotenvError> {
    match dotenvy::from_path(path) {
        Ok(()) => Ok(true),
        Err(error) if error.not_found() => Ok(false),
        Err(dotenvy::Error::LineParse(text, _)) => {
            Err(DotenvError::Syntax { path: path.to_owned(), line: line_of(path, &text) })
        }
        Err(dotenvy::Error::Io(source)) => Err(DotenvError::Unreadable { path: path.to_owned(), source }),
        Err(other) => Err(DotenvError::Unreadable { path: path.to_owned(), source: std::io::Error::other(other) }),
    }
}

/// The line of the file where the text dotenvy refused starts: dotenvy reports the whole
/// line for a bad name, or only the value after `NAME=` for a bad value.
fn line_of(path: &Path, refused: &str) -> Option<usize> {
    let content = std::fs::read_to_string(path).ok()?;
    let first = refused.lines().next()?.trim();
    if first.is_empty() {
        return None;
    }
    content
        .lines()
        .position(|line| {
            let value = line.split_once('=').map(|(_, value)| value.trim());
            line.trim() == first || value == Some(first)
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::{Config, VARIABLES};

    fn file_with(content: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("salarygraph-dotenv-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(DOTENV_FILE);
        std::fs::write(&path, content).expect("write .env");
        path
    }

    /// `.env.example` with its settings uncommented, as a user who uncomments them all has it.
    fn example_settings() -> HashMap<String, String> {
        let example =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example")).expect(".env.example");
        let is_name = |name: &str| !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        let uncommented: Vec<&str> = example
            .lines()
            .map(|line| {
                line.strip_prefix("# ")
                    .filter(|rest| rest.split_once('=').is_some_and(|(name, _)| is_name(name)))
                    .unwrap_or(line)
            })
            .collect();
        let text = uncommented.join("\n");
        dotenvy::from_read_iter(text.as_bytes()).collect::<Result<_, _>>().expect("the example is a valid .env file")
    }

    #[test]
    fn the_example_file_lists_every_setting_at_its_default() {
        let settings = example_settings();
        let mut listed: Vec<&str> = settings.keys().map(String::as_str).collect();
        listed.sort_unstable();
        let mut read: Vec<&str> = VARIABLES.iter().copied().chain(["RUST_LOG"]).collect();
        read.sort_unstable();
        assert_eq!(listed, read, ".env.example must list every variable the service reads");
        let example = Config::from_lookup(|k| settings.get(k).cloned()).expect("the example's values are taken");
        let defaults = Config::from_lookup(|_| None).expect("the defaults are taken");
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"), "the example's values are the defaults");
    }

    #[test]
    fn a_missing_file_is_no_error() {
        let path = std::env::temp_dir().join(format!("salarygraph-no-dotenv-{}", rand::random::<u64>()));
        assert!(!load(&path.join(DOTENV_FILE)).expect("no file is fine"));
    }

    #[test]
    fn a_bad_line_is_named_by_number_without_its_text() {
        // Only comments before the bad line: a test must not set variables in its process.
        let path = file_with("# settings\n\n# mail\nSMTP_URL=smtp://u:hunter2 secret@mail\n");
        let error = load(&path).expect_err("unquoted space");
        assert!(matches!(error, DotenvError::Syntax { line: Some(4), .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{}: line 4: expected NAME=VALUE", path.display())), "{message}");
        assert!(!message.contains("hunter2"), "the line's text must not be printed: {message}");
    }

    #[test]
    fn a_bad_value_is_found_by_its_text_after_the_name() {
        let path = file_with("DEMO_DATA=false\nexport LOG_FORMAT = json x\nGRAPHIQL=true\n");
        assert_eq!(line_of(&path, "json x"), Some(2));
        assert_eq!(line_of(&path, "not in the file"), None);
    }

    #[test]
    fn a_bad_name_is_named_by_number_too() {
        let path = file_with("# first\n1BAD=x\n");
        assert!(matches!(load(&path), Err(DotenvError::Syntax { line: Some(2), .. })));
    }
}
