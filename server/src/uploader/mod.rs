//! The uploader behind `ott upload`: drives the protocol for one file at a time (the command
//! runs several at once), resuming where the server stands and retrying with backoff.

pub mod client;
pub mod identify;

use client::{ApiClient, CallError};
use domain::api::FileDescription;
use domain::upload_client::{Backoff, UploadProgress};
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

/// Out-of-order answers in a row without progress before giving up (another client is
/// uploading the same file and keeps moving the upload on).
const MAX_RESYNCS: u32 = 50;

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
    let mut failures = 0u32;
    let mut resyncs = 0u32;
    let mut ended = false;
    // Each pass starts with `init`, which says where the server stands.
    // After a transient failure: wait as the backoff says, or give up.
    let back_off = async |failures: u32, error: &CallError| match options.backoff.delay(failures) {
        Some(delay) => {
            tokio::time::sleep(delay).await;
            Ok(())
        }
        None => Err(failed(format!("gave up after {failures} tries: {error}"))),
    };
    'pass: loop {
        let state = match api.init(options.library, &job.file).await {
            Ok(state) => state,
            Err(CallError::Refused(r)) if r.code == "already_uploaded" => {
                // If our own `end` went through but its answer was lost, this is our upload.
                return if ended {
                    Outcome::Uploaded {
                        path: format!("{imdb_id}/…"),
                    }
                } else {
                    Outcome::Duplicate
                };
            }
            Err(e) if e.is_transient() => {
                failures += 1;
                if let Err(outcome) = back_off(failures, &e).await {
                    return outcome;
                }
                continue 'pass;
            }
            Err(e) => return failed(e.to_string()),
        };
        let mut progress = UploadProgress::new(&state, job.file.size, options.chunk_size);
        on_progress(progress.offset);
        let mut file = match tokio::fs::File::open(&job.path).await {
            Ok(f) => f,
            Err(e) => return failed(format!("cannot read the file: {e}")),
        };
        while let Some(plan) = progress.next_chunk() {
            let mut bytes = vec![0u8; plan.len as usize];
            let read = async {
                file.seek(SeekFrom::Start(plan.offset)).await?;
                file.read_exact(&mut bytes).await
            };
            if let Err(e) = read.await {
                return failed(format!("cannot read the file (did it change?): {e}"));
            }
            match api.chunk(&progress.upload_id, plan, bytes).await {
                Ok(answer) => {
                    progress.accepted(&answer);
                    failures = 0;
                    resyncs = 0;
                    on_progress(progress.offset);
                }
                Err(CallError::Refused(r)) if r.code == "out_of_order" => {
                    resyncs += 1;
                    if resyncs > MAX_RESYNCS {
                        return failed("another client keeps changing this upload");
                    }
                    let (Some(offset), Some(nr)) = (r.number("offset"), r.number("chunkNr")) else {
                        return failed(r.message);
                    };
                    progress.resync(offset, nr);
                    on_progress(progress.offset);
                }
                Err(e) if e.is_transient() => {
                    failures += 1;
                    if let Err(outcome) = back_off(failures, &e).await {
                        return outcome;
                    }
                    continue 'pass;
                }
                Err(e) => return failed(e.to_string()),
            }
        }
        ended = true;
        match api.end(&progress.upload_id, imdb_id, &options.mode).await {
            Ok(done) => return Outcome::Uploaded { path: done.path },
            Err(CallError::Refused(r)) if r.code == "movie_has_files" => {
                return failed(format!(
                    "{imdb_id} already has files in this library; run again with --mode replace or --mode version"
                ));
            }
            Err(CallError::Refused(r))
                if r.code == "incomplete" || r.code == "upload_not_found" =>
            {
                // The server lost track (restarted mid-chunk, or our end already finished it):
                // init tells which.
                resyncs += 1;
                if resyncs > MAX_RESYNCS {
                    return failed(r.message);
                }
                continue 'pass;
            }
            Err(e) if e.is_transient() => {
                failures += 1;
                if let Err(outcome) = back_off(failures, &e).await {
                    return outcome;
                }
            }
            Err(e) => return failed(e.to_string()),
        }
    }
}
