//! Which movie each file is, settled before anything is uploaded: the IMDb id given or written
//! in the name, else the filename guess searched on the server, taken when the match is clear,
//! asked about when it is not (or the best match taken with `--yes`).

use super::Job;
use super::client::ApiClient;
use domain::format::title_year;
use domain::identify::ranking::Ranked;
use domain::upload::client::{Backoff, Failure};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// How to settle unclear matches.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Take the best match without asking.
    pub yes: bool,
    /// Ask on the terminal (only when standard input is one).
    pub ask: bool,
    /// Waits between searches while the movie database cannot be reached.
    pub retry: Backoff,
}

impl Policy {
    pub fn from_terminal(yes: bool) -> Policy {
        Policy {
            yes,
            ask: std::io::stdin().is_terminal(),
            // 5, 10 and 20 s: an outage of half a minute does not stop a batch.
            retry: Backoff {
                first: Duration::from_secs(5),
                max: Duration::from_secs(20),
                attempts: 3,
            },
        }
    }
}

fn describe(r: &Ranked) -> String {
    let c = &r.candidate;
    let kind = match c.kind.as_deref() {
        Some("movie") | None => String::new(),
        Some(k) => format!(", {k}"),
    };
    let cast = c
        .cast
        .as_deref()
        .map(|s| format!(" — {s}"))
        .unwrap_or_default();
    format!(
        "{} [{}{kind}]{cast}",
        title_year(&c.title, c.year),
        c.imdb_id
    )
}

/// Fills in `imdb_id` where it is missing; returns the files that could not be identified,
/// with the reason.
pub async fn identify(
    api: &ApiClient,
    library: Option<i32>,
    jobs: &mut [Job],
    policy: Policy,
) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    // CD1/CD2 and a film's subtitles guess the same: search and ask once for them.
    let mut settled: HashMap<(String, Option<u16>), Result<String, String>> = HashMap::new();
    // Once the movie database stayed unreachable through every retry, the other files are
    // not retried again.
    let mut reachable = true;
    for job in jobs.iter_mut().filter(|j| j.imdb_id.is_none()) {
        let folder = job
            .path
            .parent()
            .and_then(Path::file_name)
            .map(|f| f.to_string_lossy().into_owned());
        let guess =
            domain::identify::guess::guess_with_folder(&job.file.filename, folder.as_deref());
        let Some(title) = guess.title.clone() else {
            failures.push((
                job.path.display().to_string(),
                "the file name does not say which movie this is; pass --imdb tt…".into(),
            ));
            continue;
        };
        let key = (title.to_lowercase(), guess.year);
        if !settled.contains_key(&key) {
            let asked = Asked {
                title: &title,
                year: guess.year,
                path: &job.path,
                library,
            };
            let answer = settle(api, asked, policy, &mut reachable).await;
            settled.insert(key.clone(), answer);
        }
        match &settled[&key] {
            Ok(id) => job.imdb_id = Some(id.clone()),
            Err(reason) => failures.push((job.path.display().to_string(), reason.clone())),
        }
    }
    failures
}

/// What to do when no search can tell the movie.
const NAME_IT: &str = "pass --imdb with the movie's IMDb id or link, or put the id in the file \
                       name (e.g. \"Heat [tt0113277].mkv\"), or give --title (and --year) to \
                       upload now and have the server look the movie up later";

/// One movie to settle: the title and year guessed from a file's name.
#[derive(Clone, Copy)]
struct Asked<'a> {
    title: &'a str,
    year: Option<u16>,
    path: &'a Path,
    library: Option<i32>,
}

async fn settle(
    api: &ApiClient,
    asked: Asked<'_>,
    policy: Policy,
    reachable: &mut bool,
) -> Result<String, String> {
    let Asked {
        title, year, path, ..
    } = asked;
    let mut retries = 0;
    let searched = loop {
        match api.search(title, year).await {
            Ok(found) => break found,
            Err(Failure::Refused { code, message, .. }) if may_come_back(&code) => {
                retries += 1;
                let wait = policy.retry.delay(retries).filter(|_| *reachable);
                let Some(wait) = wait else {
                    *reachable = false;
                    if policy.yes {
                        return by_hand(api, &asked).await;
                    }
                    return Err(format!(
                        "{message} {NAME_IT} (--yes does so with the title in each file name)"
                    ));
                };
                eprintln!(
                    "{message} Searching for \"{title}\" again in {} s…",
                    wait.as_secs_f32().ceil()
                );
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(format!("searching for \"{title}\" failed: {e}")),
        }
    };
    *reachable = true;
    let Some(best) = searched.candidates.first() else {
        return Err(format!("no movie called \"{title}\" was found; {NAME_IT}"));
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

/// The movie named by hand after the guess from the file name (`--yes` while the movie
/// database cannot be reached): the server looks it up when it can.
async fn by_hand(api: &ApiClient, asked: &Asked<'_>) -> Result<String, String> {
    let named = domain::api::NamedMovie {
        title: asked.title.to_owned(),
        year: asked.year,
    };
    match api.name_movie(asked.library, &named).await {
        Ok(movie) => {
            println!(
                "{} goes to \"{}\" [{}], named by hand; the server looks it up when the movie database answers",
                asked.path.display(),
                domain::format::title_year(asked.title, asked.year),
                movie.imdb_id
            );
            Ok(movie.imdb_id)
        }
        Err(e) => Err(format!("naming \"{}\" by hand failed: {e}", asked.title)),
    }
}

/// Errors of a movie database that is offline, slow or refusing for a while.
fn may_come_back(code: &str) -> bool {
    matches!(
        code,
        "provider_unavailable" | "provider_timeout" | "provider_bad_answer"
    )
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
