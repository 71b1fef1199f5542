//! The user documents against the code: the README names every command and every module,
//! and every link of the README and of `docs/` leads to a file of the repository (and to a
//! heading of it, for an anchor).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository holds tests/").to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The subcommands `salarygraph [COMMAND…] --help` lists, without `help`.
fn subcommands(of: &[&str]) -> Vec<String> {
    let output =
        Command::new(env!("CARGO_BIN_EXE_salarygraph-under-test")).args(of).arg("--help").output().expect("run --help");
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_commands_table_lists_every_subcommand() {
    let readme = read(&repository().join("README.md"));
    let commands = subcommands(&[]);
    assert!(commands.contains(&"serve".to_owned()) && commands.contains(&"digest".to_owned()), "{commands:?}");
    for command in commands {
        let nested = subcommands(&[&command]);
        let rows: Vec<String> = if nested.is_empty() {
            vec![format!("| `{command}")]
        } else {
            nested.iter().map(|sub| format!("| `{command} {sub}")).collect()
        };
        for row in rows {
            assert!(readme.contains(&row), "README's Commands table has no row starting {row}`");
        }
    }
}

#[test]
fn the_readme_layout_names_every_module() {
    let root = repository();
    let readme = read(&root.join("README.md"));
    let layout = readme.split("## Layout").nth(1).expect("README has a Layout section");
    for crate_root in ["jobs/src/lib.rs", "api/src/lib.rs"] {
        for line in read(&root.join(crate_root)).lines() {
            let Some(module) = line.strip_prefix("pub mod ").and_then(|rest| rest.strip_suffix(';')) else { continue };
            let named = layout.contains(&format!("`{module}`")) || layout.contains(&format!("`{module}/`"));
            assert!(named, "README's Layout does not name {crate_root}'s `{module}`");
        }
    }
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|line| line.trim_start_matches('#').strip_prefix(' ').filter(|_| line.starts_with('#')))
        .map(anchor)
        .collect()
}

/// The targets of the Markdown links `[text](target)` of a document.
fn links(markdown: &str) -> Vec<String> {
    markdown
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split_whitespace().next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_link_of_the_documents_leads_into_the_repository() {
    let root = repository();
    let mut documents = vec![root.join("README.md")];
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/");
    documents
        .extend(docs.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "md")));
    assert!(documents.len() >= 4, "README and the documents of docs/: {documents:?}");
    let root = root.canonicalize().expect("repository");
    for document in &documents {
        let text = read(document);
        let here = document.parent().expect("a document is in a directory");
        for link in links(&text) {
            if link.starts_with("https://") || link.starts_with("http://") {
                continue;
            }
            let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() { document.clone() } else { here.join(path) };
            let target = target
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: the link {link} leads to no file", document.display()));
            assert!(target.starts_with(&root), "{}: the link {link} leads out of the repository", document.display());
            if !fragment.is_empty() {
                let headings = anchors(&read(&target));
                assert!(
                    headings.iter().any(|h| h == fragment),
                    "{}: the link {link} names no heading of {} ({headings:?})",
                    document.display(),
                    target.display()
                );
            }
        }
    }
}
