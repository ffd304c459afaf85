//! The uploader behind `ott upload`: drives the protocol for one file at a time (the command
//! runs several at once), resuming where the server stands and retrying with backoff.

pub mod client;
pub mod identify;

use client::ApiClient;
use domain::api::FileDescription;
use domain::upload::client::{Action, Backoff, ChunkPlan, Driver, Outcome as Finished};
use std::io::SeekFrom;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// A file to upload.
#[derive(Clone, Debug)]
pub struct Job {
    pub path: PathBuf,
    pub file: FileDescription,
    pub imdb_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Uploaded { path: String },
    Duplicate,
    Failed { reason: String },
}

#[derive(Clone, Debug)]
pub struct Options {
    pub library: Option<i32>,
    /// `new`, `replace` or `version`.
    pub mode: String,
    /// Overrides the server's suggested chunk size.
    pub chunk_size: Option<u64>,
    pub backoff: Backoff,
}

fn failed(reason: impl Into<String>) -> Outcome {
    Outcome::Failed {
        reason: reason.into(),
    }
}

/// Uploads one file; `on_progress` hears the number of bytes the server holds.
pub async fn upload(
    api: &ApiClient,
    job: &Job,
    options: &Options,
    on_progress: impl Fn(u64),
) -> Outcome {
    let Some(imdb_id) = job.imdb_id.as_deref() else {
        return failed("which movie is this? Pass --imdb tt…");
    };
    let mut driver = Driver::new(job.file.size, options.chunk_size, options.backoff);
    let mut file = None;
    loop {
        match driver.next() {
            Action::Init => {
                driver.initialised(api.init(options.library, &job.file).await);
                on_progress(driver.stored());
            }
            Action::Chunk(plan) => {
                let bytes = match read(&mut file, &job.path, plan).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        driver.unreadable(&e.to_string());
                        continue;
                    }
                };
                let upload_id = driver.upload_id().unwrap_or_default().to_owned();
                driver.chunk_sent(api.chunk(&upload_id, plan, bytes).await);
                on_progress(driver.stored());
            }
            Action::End => {
                let upload_id = driver.upload_id().unwrap_or_default().to_owned();
                driver.ended(api.end(&upload_id, imdb_id, &options.mode).await);
            }
            Action::Wait(delay) => {
                tokio::time::sleep(delay).await;
                driver.waited();
            }
            Action::Finish(outcome) => {
                return match outcome {
                    Finished::Uploaded { path, .. } => Outcome::Uploaded {
                        path: path.unwrap_or_else(|| format!("{imdb_id}/…")),
                    },
                    Finished::Duplicate => Outcome::Duplicate,
                    Finished::MovieHasFiles(_) => failed(format!(
                        "{imdb_id} already has files in this library; run again with --mode replace or --mode version"
                    )),
                    Finished::OutOfSpace(why) | Finished::Failed(why) => failed(why),
                };
            }
        }
    }
}

/// Reads one chunk's bytes, opening the file on first use.
async fn read(
    file: &mut Option<tokio::fs::File>,
    path: &std::path::Path,
    plan: ChunkPlan,
) -> std::io::Result<Vec<u8>> {
    if file.is_none() {
        *file = Some(tokio::fs::File::open(path).await?);
    }
    let f = file.as_mut().expect("opened above");
    let mut bytes = vec![0u8; plan.len as usize];
    f.seek(SeekFrom::Start(plan.offset)).await?;
    f.read_exact(&mut bytes).await?;
    Ok(bytes)
}
