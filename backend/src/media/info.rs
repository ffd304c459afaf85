//! Knowing every file: ffprobe reads each movie file once (every stream: `domain::media::probe`)
//! and scans its video's packets for the keyframes (`domain::media::keyframes`); the result is
//! a `media_probes` row, which playback and the movie page's versions table read instead of
//! running ffprobe again.
//!
//! Files are probed in the background, one at a time, when an upload ends ([`queue`]) and at
//! start-up for files that have no row yet ([`backfill`]); the player that needs a file before
//! its turn asks for it at once ([`ensure`]). Two probes of the same file never run together:
//! a second asker waits for the first run's result.
//!
//! ffprobe is the one next to the configured ffmpeg (an empty `ffmpeg` setting switches probing
//! off). It reads only plain files (`-protocol_whitelist file`, `file:` names), and only the
//! files the database lists: a library's folder joined with the file's relative path, which
//! may not climb out of it.

use crate::AppState;
use crate::entities::{library, media_probe, movie_file};
use chrono::Utc;
use domain::media::keyframes;
use domain::media::probe::{self, MediaProbe};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// How ffprobe's output is read into a row. A server whose reading is newer (it keeps more of
/// the streams) probes the rows of older ones again at start-up.
pub const VERSION: i32 = 1;

const PROBED: &str = "probed";
const FAILED: &str = "failed";

/// ffprobe's description of the streams takes well under a second; a minute allows for a
/// disk that has to wake up.
const STREAMS_LIMIT: Duration = Duration::from_secs(60);
/// The keyframe scan reads every packet, so it takes about as long as reading the whole file
/// (a few seconds per gigabyte); half an hour covers a large remux on a slow disk.
const SCAN_LIMIT: Duration = Duration::from_secs(30 * 60);
/// ffprobe's JSON read at most. A film's dozens of tracks take a few kilobytes; a file made
/// with thousands of streams cannot make the server hold more than this.
const MAX_JSON: usize = 16 * 1024 * 1024;
/// What is kept of ffprobe's error output: the reason, not a flood of per-packet complaints.
const MAX_STDERR: usize = 4096;
/// Characters of an error message stored.
const MAX_ERROR_CHARS: usize = 500;

/// A file's stored probe: its streams and, when the scan could be made, its video's keyframe
/// times in seconds (sorted, the file's own timeline).
#[derive(Clone, Debug, PartialEq)]
pub struct Probed {
    pub probe: MediaProbe,
    pub keyframes: Option<Vec<f64>>,
}

/// Why a file has no probe.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProbeFailure {
    /// The `ffmpeg` setting is empty.
    #[error("files are not analysed on this server (the ffmpeg setting is empty)")]
    Off,
    #[error("{program} could not be started ({why})")]
    NoProgram { program: String, why: String },
    /// The file is listed but cannot be opened (a library on an unmounted disk, say).
    #[error("the file cannot be opened ({0})")]
    Unopenable(String),
    /// ffprobe read the file and found no video in it (stored: it is not tried again).
    #[error("{0}")]
    NotAVideo(String),
    /// Not finished within the time asked for; the probe goes on in the background.
    #[error("the analysis did not finish within {0} seconds")]
    TimedOut(u64),
    /// No such file in the database (deleted meanwhile).
    #[error("the file is no longer in its library")]
    Gone,
    #[error("the database could not be read ({0})")]
    Db(String),
}

impl ProbeFailure {
    /// Whether asking again later may succeed: the probe is still running.
    pub fn pending(&self) -> bool {
        matches!(self, ProbeFailure::TimedOut(_))
    }

    pub fn code(&self) -> &'static str {
        match self {
            ProbeFailure::Off => "probing_off",
            ProbeFailure::NoProgram { .. } => "ffprobe_missing",
            ProbeFailure::Unopenable(_) => "file_missing",
            ProbeFailure::NotAVideo(_) => "not_a_video",
            ProbeFailure::TimedOut(_) => "probe_pending",
            ProbeFailure::Gone => "file_not_found",
            ProbeFailure::Db(_) => "database_error",
        }
    }
}

impl From<DbErr> for ProbeFailure {
    fn from(e: DbErr) -> Self {
        ProbeFailure::Db(e.to_string())
    }
}

type Outcome = Result<Probed, ProbeFailure>;

/// The probes of this process: the background queue and the runs in progress.
#[derive(Default)]
pub struct Probes {
    queue: Mutex<Queue>,
    /// Runs in progress by file id; their result, once there, goes to every waiter.
    running: Mutex<HashMap<i32, watch::Receiver<Option<Outcome>>>>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<i32>,
    /// Waiting or being probed by the worker: queued again, they are not added twice.
    queued: HashSet<i32>,
    /// Whether the worker task runs. It ends when the queue is empty and is started again by
    /// the next file, so an idle server keeps no task (nor its database handle) around.
    worker: bool,
}

impl Probes {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self) -> MutexGuard<'_, HashMap<i32, watch::Receiver<Option<Outcome>>>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Files waiting for the background worker (the one being probed included).
    pub fn queued(&self) -> usize {
        self.queue().queued.len()
    }
}

/// The ffprobe that belongs to the configured ffmpeg: `ffprobe` for `ffmpeg` (found on the
/// PATH), `/opt/ff/bin/ffprobe` for `/opt/ff/bin/ffmpeg`, `ffprobe.exe` for `ffmpeg.exe`.
/// None when the setting is empty (probing is off).
pub fn ffprobe_program(ffmpeg: &str) -> Option<PathBuf> {
    let ffmpeg = ffmpeg.trim();
    if ffmpeg.is_empty() {
        return None;
    }
    let path = Path::new(ffmpeg);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let probe_name = match name.rfind("ffmpeg") {
        Some(at) => format!("{}ffprobe{}", &name[..at], &name[at + "ffmpeg".len()..]),
        None => format!("ffprobe{}", std::env::consts::EXE_SUFFIX),
    };
    Some(path.with_file_name(probe_name))
}

/// The stored probe of a file, if it was probed (None when not yet or when it failed).
pub async fn load(state: &AppState, file_id: i32) -> Result<Option<Probed>, DbErr> {
    Ok(match stored(state, file_id).await? {
        Stored::Probed(probed, _) => Some(*probed),
        Stored::Failed(_) | Stored::None => None,
    })
}

/// Probes now if needed (ffprobe JSON, then the keyframe scan) and stores the result;
/// bounded by `timeout`; an error says why (not a video, ffprobe missing, timed out).
///
/// A probe that takes longer goes on in the background and is stored when done
/// ([`ProbeFailure::pending`]). A file that failed before is not tried again. ffprobe reads the
/// file at the path the database gives (the library's folder and the file's relative path),
/// which is where `path` should point.
pub async fn ensure(
    state: &AppState,
    file_id: i32,
    path: &Path,
    timeout: Duration,
) -> Result<Probed, ProbeFailure> {
    match stored(state, file_id).await? {
        // One from an older reading is good enough until the background probes it again.
        Stored::Probed(probed, _) => return Ok(*probed),
        Stored::Failed(why) => return Err(ProbeFailure::NotAVideo(why)),
        Stored::None => {}
    }
    if ffprobe_program(&state.config.ffmpeg).is_none() {
        return Err(ProbeFailure::Off);
    }
    tracing::debug!(file = file_id, path = %path.display(), "probing a file before its turn");
    wait(start(state, file_id), Some(timeout)).await
}

/// Queues a file for probing in the background (one at a time; called at the end of an upload).
/// It goes before the files of a [`backfill`], so a new upload is ready soon.
pub fn queue(state: &AppState, file_id: i32) {
    enqueue(state, [file_id], true);
}

/// At start-up: queues every file without a probe row (or with one written by an older
/// [`VERSION`]); returns how many.
pub async fn backfill(state: &AppState) -> Result<usize, DbErr> {
    if ffprobe_program(&state.config.ffmpeg).is_none() {
        tracing::info!("files are not analysed: the ffmpeg setting is empty");
        return Ok(0);
    }
    let current = Query::select()
        .column(media_probe::Column::FileId)
        .from(media_probe::Entity)
        .and_where(media_probe::Column::Version.gte(VERSION))
        .to_owned();
    let ids: Vec<i32> = movie_file::Entity::find()
        .select_only()
        .column(movie_file::Column::Id)
        .filter(movie_file::Column::Id.not_in_subquery(current))
        .order_by_asc(movie_file::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let count = ids.len();
    enqueue(state, ids, false);
    Ok(count)
}

/// What the movie page says about each file's streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Analysis {
    /// `MediaProbe::summary()`.
    Done(String),
    Pending,
    Failed,
    /// Probing is switched off.
    Off,
}

impl Analysis {
    /// The name in the API (`MovieFileInfo::analysis`).
    pub fn name(&self) -> &'static str {
        match self {
            Analysis::Done(_) => "done",
            Analysis::Pending => "pending",
            Analysis::Failed => "failed",
            Analysis::Off => "off",
        }
    }
}

/// The analysis of each of these files, from their rows (without the keyframes).
pub async fn analyses(state: &AppState, file_ids: &[i32]) -> Result<HashMap<i32, Analysis>, DbErr> {
    let rows: Vec<(i32, String, Option<String>)> = media_probe::Entity::find()
        .select_only()
        .columns([
            media_probe::Column::FileId,
            media_probe::Column::Status,
            media_probe::Column::Streams,
        ])
        .filter(media_probe::Column::FileId.is_in(file_ids.iter().copied()))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut rows: HashMap<i32, Analysis> = rows
        .into_iter()
        .map(|(id, status, streams)| {
            let analysis = match (status.as_str(), streams.as_deref().map(parse_streams)) {
                (PROBED, Some(Some(probe))) => Analysis::Done(probe.summary()),
                (FAILED, _) => Analysis::Failed,
                _ => Analysis::Pending,
            };
            (id, analysis)
        })
        .collect();
    let off = ffprobe_program(&state.config.ffmpeg).is_none();
    for id in file_ids {
        rows.entry(*id).or_insert(if off {
            Analysis::Off
        } else {
            Analysis::Pending
        });
    }
    Ok(rows)
}

enum Stored {
    None,
    /// With whether it was written by this [`VERSION`].
    Probed(Box<Probed>, bool),
    Failed(String),
}

/// The file's row as it stands. A row that cannot be read (written by another version of the
/// server) or that failed under an older reading counts as none: the file is probed again.
async fn stored(state: &AppState, file_id: i32) -> Result<Stored, DbErr> {
    let Some(row) = media_probe::Entity::find_by_id(file_id)
        .one(&state.db)
        .await?
    else {
        return Ok(Stored::None);
    };
    match row.status.as_str() {
        PROBED => {
            let Some(probe) = row.streams.as_deref().and_then(parse_streams) else {
                tracing::warn!(
                    file = file_id,
                    "a stored probe is unreadable; probing again"
                );
                return Ok(Stored::None);
            };
            let keyframes = match row.keyframes.as_deref().map(keyframes::decode) {
                None => None,
                Some(Ok(times)) => Some(times),
                Some(Err(e)) => {
                    tracing::warn!(file = file_id, error = %e, "a stored keyframe index is unreadable");
                    None
                }
            };
            Ok(Stored::Probed(
                Box::new(Probed { probe, keyframes }),
                row.version >= VERSION,
            ))
        }
        FAILED if row.version >= VERSION => Ok(Stored::Failed(
            row.error
                .unwrap_or_else(|| "ffprobe could not read it".into()),
        )),
        _ => Ok(Stored::None),
    }
}

fn parse_streams(json: &str) -> Option<MediaProbe> {
    serde_json::from_str(json).ok()
}

/// Adds files to the background queue and starts the worker if it is not running.
fn enqueue(state: &AppState, ids: impl IntoIterator<Item = i32>, first: bool) {
    if ffprobe_program(&state.config.ffmpeg).is_none() {
        return;
    }
    let mut queue = state.probes.queue();
    let mut new: Vec<i32> = ids
        .into_iter()
        .filter(|id| queue.queued.insert(*id))
        .collect();
    if first {
        new.reverse();
        for id in new {
            queue.waiting.push_front(id);
        }
    } else {
        queue.waiting.extend(new);
    }
    if queue.worker || queue.waiting.is_empty() {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            queue.worker = true;
            runtime.spawn(work(state.clone()));
        }
        Err(_) => tracing::warn!("files queued for probing outside the server's runtime"),
    }
}

/// The background worker: probes the queued files one after the other, then ends.
async fn work(state: AppState) {
    let _guard = WorkerGuard(state.probes.clone());
    loop {
        let file_id = {
            let mut queue = state.probes.queue();
            match queue.waiting.pop_front() {
                Some(id) => id,
                None => {
                    queue.worker = false;
                    return;
                }
            }
        };
        let started = Instant::now();
        let outcome = wait(start(&state, file_id), None).await;
        state.probes.queue().queued.remove(&file_id);
        match outcome {
            Ok(_) => {
                tracing::debug!(
                    file = file_id,
                    took_ms = started.elapsed().as_millis() as u64,
                    "probed"
                )
            }
            Err(ProbeFailure::Gone) => {}
            Err(e @ ProbeFailure::NotAVideo(_)) => {
                tracing::info!(file = file_id, error = %e, "a file is not readable as a video")
            }
            Err(e) => tracing::warn!(file = file_id, error = %e, "a file could not be probed"),
        }
    }
}

/// Lets the queue start a new worker if this one panicked.
struct WorkerGuard(Arc<Probes>);

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.queue().worker = false;
        }
    }
}

/// The run probing this file: the one in progress, else a new one (a task of its own, so it
/// ends and is stored even when the asker stops waiting).
fn start(state: &AppState, file_id: i32) -> watch::Receiver<Option<Outcome>> {
    let mut running = state.probes.running();
    if let Some(run) = running.get(&file_id) {
        return run.clone();
    }
    let (tx, rx) = watch::channel(None);
    running.insert(file_id, rx.clone());
    drop(running);
    let state = state.clone();
    tokio::spawn(async move {
        let _done = RunGuard(state.probes.clone(), file_id);
        let outcome = run(&state, file_id).await;
        tx.send_replace(Some(outcome));
    });
    rx
}

/// Forgets a run when it ends, whichever way.
struct RunGuard(Arc<Probes>, i32);

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.0.running().remove(&self.1);
    }
}

async fn wait(mut run: watch::Receiver<Option<Outcome>>, limit: Option<Duration>) -> Outcome {
    let done = async {
        match run.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Err(ProbeFailure::Gone)),
            // The run's task was dropped (the runtime is stopping).
            Err(_) => Err(ProbeFailure::TimedOut(0)),
        }
    };
    match limit {
        None => done.await,
        Some(limit) => tokio::time::timeout(limit, done)
            .await
            .unwrap_or(Err(ProbeFailure::TimedOut(limit.as_secs()))),
    }
}

/// One probe of a file: its streams, then its keyframes; stored unless it could not be made
/// for a reason that may pass (no ffprobe, the file unreachable, a timeout).
async fn run(state: &AppState, file_id: i32) -> Outcome {
    // Another run may have stored it since the asker looked.
    match stored(state, file_id).await? {
        Stored::Probed(probed, true) => return Ok(*probed),
        Stored::Failed(why) => return Err(ProbeFailure::NotAVideo(why)),
        Stored::Probed(_, false) | Stored::None => {}
    }
    let program = ffprobe_program(&state.config.ffmpeg).ok_or(ProbeFailure::Off)?;
    let path = file_path(state, file_id).await?.ok_or(ProbeFailure::Gone)?;
    let outcome = probe_file(&program, &path, file_id).await;
    match &outcome {
        Ok(probed) => save(state, file_id, Ok(probed)).await,
        Err(ProbeFailure::NotAVideo(why)) => save(state, file_id, Err(why)).await,
        Err(_) => {}
    }
    outcome
}

/// Where a file is: its library's folder joined with its relative path, which must stay inside
/// (plain names only: no `..`, no root). None when the file is not in the database.
async fn file_path(state: &AppState, file_id: i32) -> Result<Option<PathBuf>, ProbeFailure> {
    let found = movie_file::Entity::find_by_id(file_id)
        .find_also_related(library::Entity)
        .one(&state.db)
        .await?;
    let Some((file, Some(library))) = found else {
        return Ok(None);
    };
    if domain::storage::is_bucket(&library.path) {
        return crate::storage::media_input(state, &library, &file.relative_path)
            .await
            .map(Some)
            .map_err(|e| ProbeFailure::Unopenable(e.to_string()));
    }
    inside(&library.path, &file.relative_path)
        .map(Some)
        .ok_or_else(|| ProbeFailure::NotAVideo("its path leaves the library's folder".into()))
}

fn inside(root: &str, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    let plain = relative.components().count() > 0
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    (plain && Path::new(root).is_absolute()).then(|| Path::new(root).join(relative))
}

async fn probe_file(program: &Path, path: &Path, file_id: i32) -> Outcome {
    // A file in a bucket is read through a URL; ffprobe says itself when that fails.
    let link = path.to_str().is_some_and(domain::media::is_link);
    if !link && let Err(e) = tokio::fs::File::open(path).await {
        return Err(ProbeFailure::Unopenable(e.kind().to_string()));
    }
    let input = path.to_string_lossy();
    let started = Instant::now();
    let probe = tokio::time::timeout(STREAMS_LIMIT, streams(program, &input))
        .await
        .unwrap_or(Err(ProbeFailure::TimedOut(STREAMS_LIMIT.as_secs())))
        .map_err(|e| without_path(e, path))?;
    let Some(video) = &probe.video else {
        return Err(ProbeFailure::NotAVideo(
            "ffprobe found no video stream in it".into(),
        ));
    };
    let streams_took = started.elapsed();
    let started = Instant::now();
    let keyframes = match tokio::time::timeout(SCAN_LIMIT, scan(program, &input, video.index)).await
    {
        Ok(Ok(times)) => Some(times),
        Ok(Err(why)) => {
            tracing::warn!(file = file_id, error = %cleaned(&why, path), "the keyframe scan failed; the file will be converted instead of copied");
            None
        }
        Err(_) => {
            tracing::warn!(
                file = file_id,
                limit_secs = SCAN_LIMIT.as_secs(),
                "the keyframe scan did not finish in time"
            );
            None
        }
    };
    tracing::info!(
        file = file_id,
        streams = %probe.summary(),
        keyframes = keyframes.as_ref().map(Vec::len),
        streams_ms = streams_took.as_millis() as u64,
        scan_ms = started.elapsed().as_millis() as u64,
        "file analysed"
    );
    Ok(Probed { probe, keyframes })
}

fn spawn(program: &Path, args: &[String]) -> Result<Child, ProbeFailure> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ProbeFailure::NoProgram {
            program: program.display().to_string(),
            why: e.to_string(),
        })
}

/// `ffprobe -show_format -show_streams` read into a [`MediaProbe`].
async fn streams(program: &Path, input: &str) -> Result<MediaProbe, ProbeFailure> {
    let mut child = spawn(program, &probe::ffprobe_args(input))?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let ((json, whole), (errors, _)) = tokio::join!(
        read_capped(stdout, MAX_JSON),
        read_capped(stderr, MAX_STDERR)
    );
    if !whole {
        return Err(ProbeFailure::NotAVideo(format!(
            "ffprobe's description of it is larger than {} MiB",
            MAX_JSON / 1024 / 1024
        )));
    }
    let status = child
        .wait()
        .await
        .map_err(|e| ProbeFailure::NotAVideo(format!("ffprobe did not finish: {e}")))?;
    if !status.success() {
        let said = String::from_utf8_lossy(&errors);
        let said = said
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(ProbeFailure::NotAVideo(format!(
            "ffprobe cannot read it: {}",
            said.trim()
        )));
    }
    probe::parse_probe(&json).map_err(|e| ProbeFailure::NotAVideo(e.to_string()))
}

/// The keyframe scan of the stream with this absolute index. ffprobe prints a line per packet
/// (some 200,000 for a two-hour film): they are read one by one and only keyframes are kept.
async fn scan(program: &Path, input: &str, video_index: usize) -> Result<Vec<f64>, String> {
    let mut child =
        spawn(program, &keyframes::ffprobe_args(input, video_index)).map_err(|e| e.to_string())?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let read = async {
        let Some(stdout) = stdout else {
            return Err("no output".to_owned());
        };
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let mut times = Vec::new();
        while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
            if let Some(time) = keyframes::keyframe_time(&line) {
                if times.len() == keyframes::MAX_KEYFRAMES {
                    return Err(format!("more than {} keyframes", keyframes::MAX_KEYFRAMES));
                }
                times.push(time);
            }
        }
        Ok(times)
    };
    let (times, (errors, _)) = tokio::join!(read, read_capped(stderr, MAX_STDERR));
    // On an early error the child is killed when dropped.
    let times = times?;
    let status = child.wait().await.map_err(|e| e.to_string())?;
    if !status.success() {
        let said = String::from_utf8_lossy(&errors).trim().to_owned();
        return Err(format!("ffprobe failed ({status}): {said}"));
    }
    Ok(keyframes::normalize(times))
}

/// Reads a pipe to its end, keeping at most `cap` bytes (the rest is read and dropped, so the
/// program never blocks on a full pipe); says whether everything was kept.
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: usize) -> (Vec<u8>, bool) {
    let Some(mut pipe) = pipe else {
        return (Vec::new(), true);
    };
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut whole = true;
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                if n > room {
                    whole = false;
                }
            }
        }
    }
    (kept, whole)
}

/// ffprobe names the file in its messages: the stored error keeps only its name, not where
/// the library is on the server's disk.
fn without_path(e: ProbeFailure, path: &Path) -> ProbeFailure {
    match e {
        ProbeFailure::NotAVideo(why) => ProbeFailure::NotAVideo(cleaned(&why, path)),
        other => other,
    }
}

fn cleaned(message: &str, path: &Path) -> String {
    // A presigned URL's signature stays out of what is stored and shown.
    let name = path
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    let full = path.to_string_lossy();
    message
        .replace(&format!("file:{full}"), &name)
        .replace(full.as_ref(), &name)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_ERROR_CHARS)
        .collect()
}

/// Writes the file's row (replacing an older one). A file deleted meanwhile has no row to
/// write: that is only logged, as is any other failure (the file is probed again at start-up).
async fn save(state: &AppState, file_id: i32, result: Result<&Probed, &String>) {
    let (status, streams, keyframes, error) = match result {
        Ok(probed) => (
            PROBED,
            serde_json::to_string(&probed.probe).ok(),
            probed.keyframes.as_deref().map(keyframes::encode),
            None,
        ),
        Err(why) => (FAILED, None, None, Some(why.clone())),
    };
    let row = media_probe::ActiveModel {
        file_id: Set(file_id),
        status: Set(status.to_owned()),
        version: Set(VERSION),
        streams: Set(streams),
        keyframes: Set(keyframes),
        error: Set(error),
        probed_at: Set(Utc::now()),
    };
    let saved = media_probe::Entity::insert(row)
        .on_conflict(
            OnConflict::column(media_probe::Column::FileId)
                .update_columns([
                    media_probe::Column::Status,
                    media_probe::Column::Version,
                    media_probe::Column::Streams,
                    media_probe::Column::Keyframes,
                    media_probe::Column::Error,
                    media_probe::Column::ProbedAt,
                ])
                .to_owned(),
        )
        .exec(&state.db)
        .await;
    if let Err(e) = saved {
        tracing::info!(file = file_id, error = %e, "a probe could not be stored (file deleted meanwhile?)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffprobe_sits_next_to_ffmpeg() {
        assert_eq!(ffprobe_program("ffmpeg"), Some(PathBuf::from("ffprobe")));
        assert_eq!(
            ffprobe_program("/opt/ff/bin/ffmpeg"),
            Some(PathBuf::from("/opt/ff/bin/ffprobe"))
        );
        assert_eq!(
            ffprobe_program("C:/ff/ffmpeg.exe"),
            Some(PathBuf::from("C:/ff/ffprobe.exe"))
        );
        assert_eq!(
            ffprobe_program("/usr/lib/jellyfin-ffmpeg/ffmpeg7"),
            Some(PathBuf::from("/usr/lib/jellyfin-ffmpeg/ffprobe7"))
        );
        let other = ffprobe_program("/usr/local/bin/avconv").unwrap();
        assert_eq!(other.parent(), Some(Path::new("/usr/local/bin")));
        assert_eq!(ffprobe_program(""), None);
        assert_eq!(ffprobe_program("   "), None);
    }

    #[test]
    fn only_paths_inside_the_library() {
        assert_eq!(
            inside("/srv/lib", "tt0133093/1080p/movie.mkv"),
            Some(PathBuf::from("/srv/lib/tt0133093/1080p/movie.mkv"))
        );
        for bad in ["../etc/passwd", "/etc/passwd", "tt1/../../x", "./x", ""] {
            assert_eq!(inside("/srv/lib", bad), None, "{bad}");
        }
        assert_eq!(inside("relative/lib", "tt1/a.mkv"), None);
    }

    #[test]
    fn stored_errors_do_not_say_where_the_library_is() {
        let path = Path::new("/srv/secret/tt1/1080p/movie.mkv");
        assert_eq!(
            cleaned(
                "ffprobe cannot read it: file:/srv/secret/tt1/1080p/movie.mkv: Invalid data found",
                path
            ),
            "ffprobe cannot read it: movie.mkv: Invalid data found"
        );
        assert_eq!(cleaned(&"x".repeat(2000), path).len(), MAX_ERROR_CHARS);
    }

    #[test]
    fn only_a_timeout_is_pending() {
        assert!(ProbeFailure::TimedOut(30).pending());
        assert!(!ProbeFailure::NotAVideo("x".into()).pending());
        assert!(!ProbeFailure::Off.pending());
    }

    #[tokio::test]
    async fn pipes_are_read_to_the_end_but_kept_small() {
        let data = vec![7u8; 200_000];
        let (kept, whole) = read_capped(Some(&data[..]), 1000).await;
        assert_eq!((kept.len(), whole), (1000, false));
        let (kept, whole) = read_capped(Some(&data[..10]), 1000).await;
        assert_eq!((kept.len(), whole), (10, true));
    }
}
