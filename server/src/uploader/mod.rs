//! The uploader behind `ott upload`: drives the protocol for one file at a time (the command
//! runs several at once), resuming where the server stands and retrying with backoff.

pub mod client;
pub mod identify;

use client::ApiClient;
use domain::api::FileDescription;
use domain::upload::client::{Action, Backoff, Driver, Outcome as Finished};
use std::io::SeekFrom;
use std::path::PathBuf;

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
    let mut next: Option<Prefetch> = None;
    loop {
        match driver.next() {
            Action::Init => {
                driver.initialised(api.init(options.library, &job.file, imdb_id).await);
                on_progress(driver.stored());
            }
            Action::Chunk(plan) => {
                let read = match next.take() {
                    Some(p) if p.offset == plan.offset && p.len == plan.len => p.bytes().await,
                    _ => read_and_sum(job.path.clone(), plan.offset, plan.len).await,
                };
                let (bytes, sum) = match read {
                    Ok(read) => read,
                    Err(e) => {
                        driver.unreadable(&e.to_string());
                        continue;
                    }
                };
                // The next chunk is read and summed while this one travels.
                let after = plan.offset + plan.len;
                if after < job.file.size {
                    next = Some(Prefetch::start(
                        job.path.clone(),
                        after,
                        plan.len.min(job.file.size - after),
                    ));
                }
                let upload_id = driver.upload_id().unwrap_or_default().to_owned();
                driver.chunk_sent(api.chunk_summed(&upload_id, plan, bytes, &sum).await);
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

/// A chunk being read ahead, in case the server asks for it next (it does unless a chunk
/// failed: then the driver's plan differs and the chunk is read again).
struct Prefetch {
    offset: u64,
    len: u64,
    task: tokio::task::JoinHandle<std::io::Result<Summed>>,
}

/// A chunk's bytes and their sha256 (hex).
type Summed = (Vec<u8>, String);

impl Prefetch {
    fn start(path: PathBuf, offset: u64, len: u64) -> Prefetch {
        Prefetch {
            offset,
            len,
            task: tokio::spawn(read_and_sum(path, offset, len)),
        }
    }

    async fn bytes(self) -> std::io::Result<Summed> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// `len` bytes of the file at `path` from `offset`, and their sha256 (hex), read and summed
/// off the async threads.
async fn read_and_sum(path: PathBuf, offset: u64, len: u64) -> std::io::Result<Summed> {
    tokio::task::spawn_blocking(move || {
        use sha2::{Digest, Sha256};
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(&path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut bytes = vec![0u8; len as usize];
        file.read_exact(&mut bytes)?;
        let sum = hex::encode(Sha256::digest(&bytes));
        Ok((bytes, sum))
    })
    .await
    .map_err(std::io::Error::other)?
}
