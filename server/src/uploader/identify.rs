//! Which movie each file is, settled before anything is uploaded: the IMDb id given or written
//! in the name, else the filename guess searched on the server, taken when the match is clear,
//! asked about when it is not (or the best match taken with `--yes`).

use super::Job;
use super::client::ApiClient;
use domain::ranking::Ranked;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// How to settle unclear matches.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Take the best match without asking.
    pub yes: bool,
    /// Ask on the terminal (only when standard input is one).
    pub ask: bool,
}

impl Policy {
    pub fn from_terminal(yes: bool) -> Policy {
        Policy {
            yes,
            ask: std::io::stdin().is_terminal(),
        }
    }
}

fn describe(r: &Ranked) -> String {
    let c = &r.candidate;
    let year = c.year.map(|y| format!(" ({y})")).unwrap_or_default();
    let kind = match c.kind.as_deref() {
        Some("movie") | None => String::new(),
        Some(k) => format!(", {k}"),
    };
    let cast = c
        .cast
        .as_deref()
        .map(|s| format!(" — {s}"))
        .unwrap_or_default();
    format!("{}{year} [{}{kind}]{cast}", c.title, c.imdb_id)
}

/// Fills in `imdb_id` where it is missing; returns the files that could not be identified,
/// with the reason.
pub async fn identify(api: &ApiClient, jobs: &mut [Job], policy: Policy) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    // CD1/CD2 and a film's subtitles guess the same: search and ask once for them.
    let mut settled: HashMap<(String, Option<u16>), Result<String, String>> = HashMap::new();
    for job in jobs.iter_mut().filter(|j| j.imdb_id.is_none()) {
        let folder = job
            .path
            .parent()
            .and_then(Path::file_name)
            .map(|f| f.to_string_lossy().into_owned());
        let guess = domain::guess::guess_with_folder(&job.file.filename, folder.as_deref());
        let Some(title) = guess.title.clone() else {
            failures.push((
                job.path.display().to_string(),
                "the file name does not say which movie this is; pass --imdb tt…".into(),
            ));
            continue;
        };
        let key = (title.to_lowercase(), guess.year);
        if !settled.contains_key(&key) {
            let answer = settle(api, &title, guess.year, &job.path, policy).await;
            settled.insert(key.clone(), answer);
        }
        match &settled[&key] {
            Ok(id) => job.imdb_id = Some(id.clone()),
            Err(reason) => failures.push((job.path.display().to_string(), reason.clone())),
        }
    }
    failures
}

async fn settle(
    api: &ApiClient,
    title: &str,
    year: Option<u16>,
    path: &Path,
    policy: Policy,
) -> Result<String, String> {
    let searched = api
        .search(title, year)
        .await
        .map_err(|e| format!("searching for \"{title}\" failed: {e}"))?;
    let Some(best) = searched.candidates.first() else {
        return Err(format!(
            "no movie called \"{title}\" was found; pass --imdb tt…"
        ));
    };
    if searched.confident || policy.yes {
        println!("identified {} as {}", path.display(), describe(best));
        return Ok(best.candidate.imdb_id.clone());
    }
    let options: Vec<&Ranked> = searched.candidates.iter().take(5).collect();
    if policy.ask {
        return ask(path, &options);
    }
    let list: Vec<String> = options.iter().take(3).map(|r| describe(r)).collect();
    Err(format!(
        "not sure which movie this is (best matches: {}); pass --imdb tt… or --yes",
        list.join("; ")
    ))
}

/// Asks on the terminal which candidate the file is.
fn ask(path: &Path, options: &[&Ranked]) -> Result<String, String> {
    println!("Which movie is {}?", path.display());
    for (n, r) in options.iter().enumerate() {
        println!("  {}) {}", n + 1, describe(r));
    }
    print!("Number, or Enter to skip this file: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return Err("skipped: no answer".into());
    }
    match line.trim().parse::<usize>() {
        Ok(n) if (1..=options.len()).contains(&n) => Ok(options[n - 1].candidate.imdb_id.clone()),
        _ => Err("skipped: the movie was not confirmed".into()),
    }
}
