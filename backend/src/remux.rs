//! Background jobs that remux an MKV/H.264 file into an MP4 next to it (`domain::remux` says
//! which files and how), so it plays in every browser. The MP4 becomes another version of the
//! movie; the MKV stays. One job runs at a time (they are disk-bound); others wait their turn.
//! ffmpeg writes into a hidden `.partial` file that is renamed only when it succeeded, so a
//! failed or interrupted job never leaves a half file among the versions. A file in a bucket
//! is read through a signed link and converted into this machine's temp dir, then sent to the
//! bucket as an object of its own.

use crate::access::Need;
use crate::entities::movie_file;
use crate::media::probe;
use crate::playback::{Playable, playable, playable_for};
use crate::storage::Store;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::api::RemuxStatus;
use domain::remux::{RemuxPlan, ffmpeg_args, output_path, plan, progress_seconds};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::sync::Semaphore;

/// Space kept free besides the MP4 itself (about the size of the MKV).
const SPACE_MARGIN: u64 = 64 * 1024 * 1024;

/// The remux jobs of this server process, by the id of the file being remuxed.
pub struct Jobs {
    states: Mutex<HashMap<i32, RemuxStatus>>,
    turn: Arc<Semaphore>,
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs {
            states: Mutex::default(),
            turn: Arc::new(Semaphore::new(1)),
        }
    }
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, RemuxStatus>> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, file_id: i32, status: RemuxStatus) {
        self.lock().insert(file_id, status);
    }

    fn get(&self, file_id: i32) -> Option<RemuxStatus> {
        self.lock().get(&file_id).cloned()
    }
}

fn status(state: &str) -> RemuxStatus {
    RemuxStatus {
        state: state.to_owned(),
        percent: None,
        file_id: None,
        message: None,
    }
}

/// Whether the configured ffmpeg runs.
async fn ffmpeg_runs(program: &str) -> bool {
    if program.is_empty() {
        return false;
    }
    let run = tokio::process::Command::new(program)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(
        tokio::time::timeout(Duration::from_secs(10), run).await,
        Ok(Ok(s)) if s.success()
    )
}

/// The job of a file the user may see (any member): `none` when there is none.
pub async fn job(state: &AppState, user_id: i32, file_id: i32) -> Result<RemuxStatus, ApiError> {
    playable(state, user_id, file_id).await?;
    Ok(state.remux.get(file_id).unwrap_or_else(|| status("none")))
}

/// Why a conversion cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("This file is already being converted.")]
    Running,
    #[error("There is already an MP4 of this file ({0}).")]
    AlreadyConverted(String),
    #[error(
        "This server cannot convert files: ffmpeg is not installed (on Debian or Ubuntu: sudo apt install ffmpeg)."
    )]
    FfmpegMissing,
    #[error(
        "The converted copy needs about {} free on the library's disk; {} is free.",
        domain::format::size(*needed),
        domain::format::size(*free)
    )]
    NoRoom { needed: u64, free: u64 },
}

/// Starts remuxing a file (owner and managers). Refused when the file is not MKV/H.264,
/// already remuxed, being remuxed, when ffmpeg is missing, or the disk has no room.
pub async fn start(state: &AppState, user_id: i32, file_id: i32) -> Result<RemuxStatus, ApiError> {
    let p = playable_for(state, user_id, file_id, Need::Manage).await?;
    let f = &p.file;
    let how = plan(
        &f.relative_path,
        f.container.as_deref(),
        f.video_codec.as_deref(),
        f.audio_codec.as_deref(),
    )
    .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    if let Some(s) = state.remux.get(file_id)
        && matches!(s.state.as_str(), "waiting" | "running")
    {
        return Err(Refused::Running.into());
    }
    let target = output_path(&f.relative_path);
    let store = crate::storage::of(state, &p.library)?;
    let taken = movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(p.library.id))
        .filter(movie_file::Column::RelativePath.eq(&target))
        .count(&state.db)
        .await?
        > 0;
    let on_store = match &store {
        Store::Folder(root) => root.join(&target).exists(),
        Store::Bucket(bucket) => bucket.exists(&target).await?,
    };
    if taken || on_store {
        return Err(Refused::AlreadyConverted(target).into());
    }
    if !ffmpeg_runs(&state.config.ffmpeg).await {
        return Err(Refused::FfmpegMissing.into());
    }
    // Where ffmpeg writes: next to the file, or for a bucket this machine's temp dir.
    let writes_to = match &store {
        Store::Folder(root) => root.join(&f.relative_path),
        Store::Bucket(_) => std::env::temp_dir(),
    };
    let free = crate::media::disk::available(&writes_to).map_err(ApiError::internal)?;
    let needed = u64::try_from(f.size_bytes).unwrap_or(0) + SPACE_MARGIN;
    if free < needed {
        return Err(Refused::NoRoom { needed, free }.into());
    }
    let waiting = status("waiting");
    state.remux.set(file_id, waiting.clone());
    tracing::info!(file = file_id, path = %f.relative_path, copy_audio = how.copy_audio, "remux queued");
    let state = state.clone();
    tokio::spawn(async move {
        let file_id = p.file.id;
        let done = run(&state, &p, how, &target).await;
        let end = match done {
            Ok(new_id) => {
                tracing::info!(file = file_id, new_file = new_id, path = %target, "remux done");
                RemuxStatus {
                    state: "done".into(),
                    percent: Some(100.0),
                    file_id: Some(new_id),
                    message: None,
                }
            }
            Err(message) => {
                tracing::warn!(file = file_id, %message, "remux failed");
                RemuxStatus {
                    message: Some(message),
                    ..status("failed")
                }
            }
        };
        state.remux.set(file_id, end);
    });
    Ok(waiting)
}

/// Waits for its turn, runs ffmpeg into a partial file, then puts the MP4 in place and adds
/// it as a version. Returns the new file's id, or what went wrong in a sentence.
async fn run(state: &AppState, p: &Playable, how: RemuxPlan, target: &str) -> Result<i32, String> {
    let _turn = state
        .remux
        .turn
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let file_id = p.file.id;
    state.remux.set(
        file_id,
        RemuxStatus {
            percent: Some(0.0),
            ..status("running")
        },
    );
    let store = crate::storage::of(state, &p.library).map_err(|e| e.to_string())?;
    let input = crate::storage::media_input(state, &p.library, &p.file.relative_path)
        .await
        .map_err(|e| e.to_string())?;
    let final_path = match &store {
        Store::Folder(root) => root.join(target),
        // ffmpeg seeks back in its output (the index goes first): a local file, sent after.
        Store::Bucket(_) => crate::media::disk::scratch(&format!("remux-{file_id}"), ".mp4"),
    };
    let partial = partial_path(&final_path);
    let result = ffmpeg(state, p, how, &input, &partial).await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(e);
    }
    if let Err(e) = tokio::fs::rename(&partial, &final_path).await {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(format!("could not put the MP4 in place: {e}"));
    }
    let info = probe::probe(&final_path, Duration::from_secs(60)).await;
    let size = tokio::fs::metadata(&final_path)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    if let Store::Bucket(bucket) = &store {
        let sent = bucket.put_file(target, &final_path).await;
        let _ = tokio::fs::remove_file(&final_path).await;
        sent.map_err(|e| format!("could not put the MP4 into the bucket: {e}"))?;
    }
    // Takes the MP4 back: without its row it would be a stray file nobody sees.
    let take_back = || async {
        match &store {
            Store::Folder(_) => drop(tokio::fs::remove_file(&final_path).await),
            Store::Bucket(bucket) => drop(bucket.delete(target).await),
        }
    };
    // The new version's row, and the catalogue told once it is committed.
    let saved = async {
        let write = Write::begin(state).await?;
        let row = movie_file::ActiveModel {
            library_id: Set(p.library.id),
            movie_id: Set(p.movie.id),
            relative_path: Set(target.to_owned()),
            resolution: Set(p.file.resolution.clone()),
            width: Set(info.width.map(|w| w as i32).or(p.file.width)),
            height: Set(info.height.map(|h| h as i32).or(p.file.height)),
            duration_seconds: Set(info.duration_seconds.or(p.file.duration_seconds)),
            container: Set(info.container.or(Some("mp4".into()))),
            video_codec: Set(info.video_codec),
            audio_codec: Set(info.audio_codec),
            size_bytes: Set(size as i64),
            version_label: Set(Some(match &p.file.version_label {
                Some(label) => format!("{label}, MP4"),
                None => "MP4".into(),
            })),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(write.db())
        .await?;
        write.touch(Cache::Catalog);
        write.commit().await?;
        Ok::<_, sea_orm::DbErr>(row)
    }
    .await;
    match saved {
        Ok(row) => {
            // The new version is analysed like an upload.
            crate::media::info::queue(state, row.id);
            Ok(row.id)
        }
        Err(e) => {
            take_back().await;
            Err(format!("could not record the MP4: {e}"))
        }
    }
}

/// `dir/.name.mp4.partial`: hidden, and not a video extension, so nothing lists it.
fn partial_path(final_path: &Path) -> PathBuf {
    let name = final_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    final_path.with_file_name(format!(".{name}.partial"))
}

/// Runs ffmpeg, keeping the job's percentage up to date from its progress lines.
/// `input` is the file's path on disk, or a signed link to its object.
async fn ffmpeg(
    state: &AppState,
    p: &Playable,
    how: RemuxPlan,
    input: &Path,
    out: &Path,
) -> Result<(), String> {
    let args = ffmpeg_args(&input.to_string_lossy(), &out.to_string_lossy(), how);
    let mut child = tokio::process::Command::new(&state.config.ffmpeg)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not start ffmpeg: {e}"))?;
    let duration = p.file.duration_seconds.filter(|d| *d > 0.0);
    let stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let file_id = p.file.id;
    let progress = async {
        let Some(stdout) = stdout else { return };
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let (Some(at), Some(total)) = (progress_seconds(&line), duration) {
                let percent = (at / total * 100.0).clamp(0.0, 99.0);
                state.remux.set(
                    file_id,
                    RemuxStatus {
                        percent: Some((percent * 10.0).round() / 10.0),
                        ..status("running")
                    },
                );
            }
        }
    };
    let errors = async {
        let mut text = String::new();
        if let Some(err) = stderr.as_mut() {
            use tokio::io::AsyncReadExt;
            let _ = err.read_to_string(&mut text).await;
        }
        text
    };
    let ((), errors) = tokio::join!(progress, errors);
    let exit = child
        .wait()
        .await
        .map_err(|e| format!("ffmpeg did not finish: {e}"))?;
    if exit.success() {
        Ok(())
    } else {
        let last = errors
            .lines()
            .last()
            .unwrap_or("no message")
            .trim()
            .to_owned();
        Err(format!("ffmpeg failed ({exit}): {last}"))
    }
}
