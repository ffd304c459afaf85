//! `ott upload`: sends files or whole folders to a server with the resumable protocol, several
//! at a time, with progress bars and a summary.

use crate::uploader::client::ApiClient;
use crate::uploader::{self, Job, Options, Outcome};
use anyhow::{Context, bail};
use domain::api::{FileDescription, FileStatus, NamedMovie};
use domain::movie_link::MovieLink;
use domain::upload::client::Backoff;
use domain::upload::client::Failure;
use domain::upload::{self as rules, EndMode};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

#[derive(clap::Args, Debug)]
pub struct UploadArgs {
    /// Address of the Open OTT server.
    #[arg(long, env = "OTT_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: String,
    /// Personal API token (`ott token create`, or the web app's settings).
    #[arg(long, env = "OTT_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Library id [default: your active library].
    #[arg(long)]
    pub library: Option<i32>,
    /// IMDb id or link of the movie, e.g. tt0133093 [default: an id written in the file or
    /// folder name, else the movie the name describes, searched on the server].
    #[arg(long)]
    pub imdb: Option<String>,
    /// The movie's title, typed by hand, for files the movie database cannot tell (it cannot
    /// be reached, or does not know the film): they upload now and the server looks the
    /// movie up later.
    #[arg(long, conflicts_with = "imdb", value_name = "TITLE")]
    pub title: Option<String>,
    /// The year of the --title movie.
    #[arg(long, requires = "title", value_parser = clap::value_parser!(u16).range(1888..=2100))]
    pub year: Option<u16>,
    /// When a name does not say for sure which movie it is, take the best match instead of
    /// asking; when the movie database cannot be reached, upload under the title and year in
    /// the file name (looked up later).
    #[arg(long)]
    pub yes: bool,
    /// When the movie already has files: `replace` them or add a `version`; `new` refuses.
    #[arg(long, default_value = "new", value_parser = ["new", "replace", "version"])]
    pub mode: String,
    /// Files uploaded at the same time.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: u16,
    /// Video or subtitle files, or folders to search for them.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub paths: Vec<PathBuf>,
}

/// Finds the uploadable files under `paths`; files named explicitly that cannot be uploaded
/// are reported rather than silently skipped.
fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found);
        } else if path.is_file() {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            match rules::check_filename(&name) {
                Ok(_) => found.push(path.clone()),
                Err(e) => refused.push((path.clone(), e.to_string())),
            }
        } else {
            refused.push((path.clone(), "no such file or folder".into()));
        }
    }
    found.sort();
    found.dedup();
    (found, refused)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if rules::check_filename(&entry.file_name().to_string_lossy()).is_ok() {
            out.push(path);
        }
    }
}

fn describe(path: &Path, imdb: Option<&str>) -> anyhow::Result<Job> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let last_modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as u64);
    let filename = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let imdb_id = imdb.map(str::to_owned).or_else(|| {
        domain::ImdbId::find_in(&filename)
            .or_else(|| {
                path.parent()
                    .and_then(Path::file_name)
                    .and_then(|n| domain::ImdbId::find_in(&n.to_string_lossy()))
            })
            .map(String::from)
    });
    Ok(Job {
        path: path.to_path_buf(),
        file: FileDescription {
            filename,
            size: meta.len(),
            last_modified,
        },
        imdb_id,
    })
}

pub async fn run(mut args: UploadArgs) -> anyhow::Result<()> {
    if let Some(given) = &args.imdb {
        match domain::movie_link::parse(given) {
            Some(MovieLink::Imdb(id)) => args.imdb = Some(id),
            _ => bail!(
                "--imdb: give the movie's IMDb id (tt0133093) or IMDb link (imdb.com/title/tt0133093)"
            ),
        }
    }
    EndMode::parse(Some(&args.mode)).map_err(|e| anyhow::anyhow!("--mode: {e}"))?;
    let api = ApiClient::new(&args.server, &args.token)?;
    // Fail early, with a clear message, on a wrong address or token.
    match api.libraries().await {
        Ok(_) => {}
        Err(Failure::Refused {
            status: 401,
            message,
            ..
        }) => bail!("the server refused the token: {message}"),
        Err(e) => bail!("{}: {e}", args.server),
    }

    if let Some(title) = &args.title {
        let named = NamedMovie {
            title: title.clone(),
            year: args.year,
        };
        match api.name_movie(args.library, &named).await {
            Ok(movie) => {
                println!(
                    "uploading as \"{}\" ({}); the server looks up its details when the movie database answers",
                    title.trim(),
                    movie.imdb_id
                );
                args.imdb = Some(movie.imdb_id);
            }
            Err(e) => bail!("--title: {e}"),
        }
    }

    let (paths, refused) = collect(&args.paths);
    let mut failures: Vec<(String, String)> = refused
        .into_iter()
        .map(|(p, why)| (p.display().to_string(), why))
        .collect();
    let mut jobs = Vec::new();
    for path in &paths {
        match describe(path, args.imdb.as_deref()) {
            Ok(job) => jobs.push(job),
            Err(e) => failures.push((path.display().to_string(), format!("{e:#}"))),
        }
    }

    // Which movie each file is, settled before anything is sent.
    let policy = uploader::identify::Policy::from_terminal(args.yes);
    failures.extend(uploader::identify::identify(&api, args.library, &mut jobs, policy).await);
    jobs.retain(|j| j.imdb_id.is_some());

    // One round-trip tells which files the server already has.
    let mut duplicates = 0usize;
    let mut todo = Vec::new();
    for batch in jobs.chunks(5000) {
        let files: Vec<FileDescription> = batch.iter().map(|j| j.file.clone()).collect();
        let statuses = api
            .check(args.library, &files)
            .await
            .map_err(|e| anyhow::anyhow!("checking the files with the server: {e}"))?;
        for (job, status) in batch.iter().zip(statuses) {
            match status {
                FileStatus::AlreadyUploaded { .. } => {
                    duplicates += 1;
                    println!("skipped  {} (already on the server)", job.path.display());
                }
                FileStatus::Invalid { message, .. } => {
                    failures.push((job.path.display().to_string(), message))
                }
                FileStatus::New | FileStatus::Partial { .. } => todo.push(job.clone()),
            }
        }
    }

    let total: u64 = todo.iter().map(|j| j.file.size).sum();
    let bars = MultiProgress::new();
    let overall = bars.add(ProgressBar::new(total));
    overall.set_style(
        ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    overall.set_prefix("total");
    let file_style = ProgressStyle::with_template("{prefix:>8} [{bar:30}] {percent:>3}% {msg}")
        .expect("a valid template")
        .progress_chars("=> ");
    let options = Options {
        library: args.library,
        mode: args.mode.clone(),
        chunk_size: None,
        backoff: Backoff::default(),
    };

    let results: Vec<(Job, Outcome)> = futures::stream::iter(todo)
        .map(|job| {
            let api = api.clone();
            let options = options.clone();
            let bars = bars.clone();
            let overall = overall.clone();
            let style = file_style.clone();
            async move {
                let bar = bars.add(ProgressBar::new(job.file.size.max(1)));
                bar.set_style(style);
                bar.set_prefix("file");
                bar.set_message(job.file.filename.clone());
                let counted = std::cell::Cell::new(0u64);
                let outcome = uploader::upload(&api, &job, &options, |offset| {
                    bar.set_position(offset);
                    // Resyncs may move backwards; the total follows.
                    let before = counted.replace(offset);
                    if offset >= before {
                        overall.inc(offset - before);
                    } else {
                        overall.set_position(overall.position().saturating_sub(before - offset));
                    }
                })
                .await;
                bar.finish_and_clear();
                let line = match &outcome {
                    Outcome::Uploaded { path } => {
                        format!("uploaded {} → {path}", job.path.display())
                    }
                    Outcome::Duplicate => {
                        format!("skipped  {} (already on the server)", job.path.display())
                    }
                    Outcome::Failed { reason } => {
                        format!("failed   {}: {reason}", job.path.display())
                    }
                };
                let _ = bars.println(line);
                (job, outcome)
            }
        })
        .buffer_unordered(usize::from(args.parallel))
        .collect()
        .await;
    overall.finish_and_clear();

    let mut uploaded = 0usize;
    for (job, outcome) in results {
        match outcome {
            Outcome::Uploaded { .. } => uploaded += 1,
            Outcome::Duplicate => duplicates += 1,
            Outcome::Failed { reason } => failures.push((job.path.display().to_string(), reason)),
        }
    }
    println!(
        "Uploaded {uploaded}, skipped {duplicates} already on the server, failed {}.",
        failures.len()
    );
    for (path, reason) in &failures {
        println!("  {path}: {reason}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        // The list above says what went wrong; the error makes the exit status say so too.
        bail!("{} file(s) were not uploaded", failures.len())
    }
}
