//! Runs the filename guesser over the corpora in `tests/fixtures/` and reports its accuracy.
//! The names it gets wrong must be exactly those listed under the corpus's heading in
//! `docs/identification.md`, so the document stays true: a change that fixes or breaks a case
//! fails here until the list is updated (the test prints the new list).
//!
//! `filenames.jsonl` is the corpus the guesser was developed against; `filenames-holdout.jsonl`
//! was written separately and is never tuned on, so its figure is the honest one.

use domain::guess::{Guess, guess_with_folder};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

const CORPORA: &[&str] = &["filenames.jsonl", "filenames-holdout.jsonl"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Case {
    input: String,
    folder: Option<String>,
    expected: Value,
}

fn corpus(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures").join(name))
        .unwrap_or_else(|e| panic!("the corpus {name} exists: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("each corpus line is JSON");
            Case {
                input: v["input"].as_str().expect("input").to_owned(),
                folder: v["folder"].as_str().map(str::to_owned),
                expected: v,
            }
        })
        .collect()
}

/// Title and year, the figures that decide whether the right movie is found.
fn differences(case: &Case, got: &Value) -> Vec<String> {
    ["title", "year"]
        .into_iter()
        .filter(|field| case.expected[*field] != got[*field])
        .map(|field| {
            format!(
                "{field}: expected {} got {}",
                case.expected[field], got[field]
            )
        })
        .collect()
}

/// Counts the other fields a case names and how many are right; prints the wrong ones.
fn detail_fields(case: &Case, got: &Value) -> (usize, usize) {
    let mut checked = 0;
    let mut right = 0;
    for field in [
        "resolution",
        "source",
        "codec",
        "edition",
        "part",
        "imdbId",
        "group",
        "languages",
    ] {
        if let Some(expected) = case.expected.get(field) {
            checked += 1;
            if *expected == got[field] {
                right += 1;
            } else {
                println!(
                    "  {field} of `{}`: expected {expected}, got {}",
                    case.input, got[field]
                );
            }
        }
    }
    (checked, right)
}

/// The `- ` lines under `#### <corpus>` in the document.
fn documented(doc: &str, corpus: &str) -> BTreeSet<String> {
    let heading = format!("#### {corpus}");
    doc.lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with("- `"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_corpora_are_guessed_as_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/identification.md"))
        .expect("docs/identification.md exists");
    let mut mismatched = Vec::new();
    for name in CORPORA {
        let cases = corpus(name);
        assert!(cases.len() >= 100, "{name} has {} cases", cases.len());
        let mut misses = BTreeSet::new();
        let (mut checked, mut right) = (0, 0);
        for case in &cases {
            let got: Guess = guess_with_folder(&case.input, case.folder.as_deref());
            let got = serde_json::to_value(got).unwrap();
            let diff = differences(case, &got);
            if !diff.is_empty() {
                misses.insert(format!("- `{}` — {}", case.input, diff.join("; ")));
            }
            let (c, r) = detail_fields(case, &got);
            checked += c;
            right += r;
        }
        let ok = cases.len() - misses.len();
        println!(
            "{name}: title+year {ok}/{} ({:.1}%); other fields {right}/{checked}",
            cases.len(),
            100.0 * ok as f64 / cases.len() as f64
        );
        if documented(&doc, name) != misses {
            let list: Vec<&str> = misses.iter().map(String::as_str).collect();
            mismatched.push(format!("#### {name}\n{}", list.join("\n")));
        }
    }
    assert!(
        mismatched.is_empty(),
        "the guesser's misses differ from docs/identification.md; they are now:\n\n{}",
        mismatched.join("\n\n")
    );
}
