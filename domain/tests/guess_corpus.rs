//! Runs the filename guesser over the corpora in `tests/fixtures/` and reports its accuracy.
//! The names it gets wrong must be exactly those listed under the corpus's heading in
//! `docs/identification.md`, so the document stays true: a change that fixes or breaks a case
//! fails here until the list is updated (the test prints the new list).
//!
//! `filenames.jsonl` is the corpus the guesser was developed against; `filenames-holdout.jsonl`
//! was written separately and is never tuned on, so its figure is the honest one.

use domain::identify::guess::{Guess, guess_with_folder};
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

/// The other fields a case names (resolution, part, languages…): how many there are, and the
/// wrong ones, described as [`differences`] does.
fn detail_differences(case: &Case, got: &Value) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut wrong = Vec::new();
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
            if *expected != got[field] {
                wrong.push(format!("{field}: expected {expected} got {}", got[field]));
            }
        }
    }
    (checked, wrong)
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

/// The accuracy table's row for `corpus` in the document.
fn table_row<'d>(doc: &'d str, corpus: &str) -> &'d str {
    doc.lines()
        .find(|l| l.starts_with("| `") && l.contains(&format!("/{corpus}`")))
        .unwrap_or_else(|| panic!("docs/identification.md has no accuracy row for {corpus}"))
}

#[test]
fn the_corpora_are_guessed_as_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/identification.md"))
        .expect("docs/identification.md exists");
    let mut mismatched = Vec::new();
    for name in CORPORA {
        let cases = corpus(name);
        assert!(cases.len() >= 100, "{name} has {} cases", cases.len());
        // Every wrong field, of title and year and of the others, must be listed in the doc.
        let mut misses = BTreeSet::new();
        let (mut wrong_titles, mut checked, mut wrong_details) = (0, 0, 0);
        for case in &cases {
            let got: Guess = guess_with_folder(&case.input, case.folder.as_deref());
            let got = serde_json::to_value(got).unwrap();
            let mut diff = differences(case, &got);
            wrong_titles += usize::from(!diff.is_empty());
            let (c, details) = detail_differences(case, &got);
            checked += c;
            wrong_details += details.len();
            diff.extend(details);
            if !diff.is_empty() {
                misses.insert(format!("- `{}` — {}", case.input, diff.join("; ")));
            }
        }
        let ok = cases.len() - wrong_titles;
        let right = checked - wrong_details;
        let row = format!(
            "| {} | {ok} ({:.1}%) | {right} of {checked} |",
            cases.len(),
            100.0 * ok as f64 / cases.len() as f64
        );
        println!("{name}: {row}");
        assert!(
            table_row(&doc, name).ends_with(&row),
            "docs/identification.md's accuracy row for {name} should end with `{row}`"
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
