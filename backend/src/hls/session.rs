//! One playback session: the plan of its segments and the one ffmpeg that writes them.
//!
//! ffmpeg writes one fMP4 fragment per GOP (`g<N>.m4s`, see `domain::playback::ffmpeg`) into
//! the session's folder; an HTTP segment is a run of GOP files. A request for a segment that
//! ffmpeg will reach soon waits for it; one far from where ffmpeg is (behind it, or more than
//! [`LOOKAHEAD`] ahead) restarts ffmpeg at that segment's first GOP, so a seek to the end of a
//! film plays in seconds. ffmpeg is paused (SIGSTOP) once it is [`RUN_AHEAD`] ahead of the
//! player and fragments far behind are deleted, so a session holds minutes of video on disk,
//! not the whole film.

use domain::media::probe::MediaProbe;
use domain::playback::{Decision, SegmentPlan, ffmpeg};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// A segment this far (in seconds of video) past what ffmpeg has written is waited for;
/// farther, ffmpeg starts again there.
pub const LOOKAHEAD: f64 = 24.0;
/// ffmpeg rests once it is this far ahead of the last segment asked for.
pub const RUN_AHEAD: f64 = 90.0;
/// Fragments this far behind the last segment asked for are deleted.
pub const KEEP_BEHIND: f64 = 300.0;
/// How long a segment request waits for ffmpeg before giving up.
const WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("There is no such segment.")]
    NotFound,
    #[error("The video could not be converted: {0}")]
    Failed(String),
    #[error("The video is taking too long to convert; try again.")]
    TimedOut,
}

/// What the session is doing now, behind one lock.
struct Runner {
    child: Option<Child>,
    /// The GOP the running (or last) ffmpeg started at.
    start_gop: usize,
    /// See `Session::frontier`.
    progress: usize,
    /// Whether ffmpeg is stopped with SIGSTOP.
    paused: bool,
    /// What ffmpeg said when it failed.
    failure: Option<String>,
}

pub struct Session {
    pub id: String,
    pub user_id: i32,
    pub file_id: i32,
    pub decision: Decision,
    pub probe: MediaProbe,
    pub plan: SegmentPlan,
    /// Whether the video is converted (counted against the transcode limit).
    pub heavy: bool,
    input: PathBuf,
    dir: PathBuf,
    program: String,
    threads: u32,
    runner: tokio::sync::Mutex<Runner>,
    /// The init section, once made (see `init`).
    init: tokio::sync::Mutex<Option<PathBuf>>,
    last_used: Mutex<Instant>,
    /// When this process last wrote that the session is in use (`playback_sessions.seen_at`).
    recorded: Mutex<Option<Instant>>,
    /// The last segment asked for.
    playing: Mutex<usize>,
    /// GOP files below this one have been deleted (see `pace`).
    cleaned: Mutex<usize>,
    /// Where each ffmpeg run of the session started (GOP numbers), for the log and the tests.
    starts: Mutex<Vec<usize>>,
}

pub struct NewSession {
    pub id: String,
    pub user_id: i32,
    pub file_id: i32,
    pub decision: Decision,
    pub probe: MediaProbe,
    pub plan: SegmentPlan,
    pub input: PathBuf,
    pub dir: PathBuf,
    pub program: String,
    pub threads: u32,
}

impl Session {
    pub fn new(s: NewSession) -> Session {
        Session {
            heavy: matches!(
                s.decision.video,
                Some(domain::playback::VideoPlan::Encode { .. })
            ),
            id: s.id,
            user_id: s.user_id,
            file_id: s.file_id,
            decision: s.decision,
            probe: s.probe,
            plan: s.plan,
            input: s.input,
            dir: s.dir,
            program: s.program,
            threads: s.threads,
            init: tokio::sync::Mutex::new(None),
            runner: tokio::sync::Mutex::new(Runner {
                child: None,
                start_gop: 0,
                progress: 0,
                paused: false,
                failure: None,
            }),
            last_used: Mutex::new(Instant::now()),
            recorded: Mutex::new(None),
            playing: Mutex::new(0),
            cleaned: Mutex::new(0),
            starts: Mutex::new(Vec::new()),
        }
    }

    pub fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// Whether it is time to write again that the session is in use: never written, or not
    /// for `every`. Answers yes once per period.
    pub fn record_due(&self, every: Duration) -> bool {
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        if recorded.is_some_and(|at| at.elapsed() < every) {
            return false;
        }
        *recorded = Some(Instant::now());
        true
    }

    pub fn idle_for(&self) -> Duration {
        self.last_used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn gop_path(&self, gop: usize) -> PathBuf {
        self.dir.join(ffmpeg::gop_file(gop))
    }

    /// Starts ffmpeg where the player will begin (`start` seconds in), before it asks.
    pub async fn prepare(&self, start: f64) -> Result<(), SegmentError> {
        let segment = self.plan.segment_at(start);
        let mut runner = self.runner.lock().await;
        self.restart(&mut runner, self.plan.gops(segment).start)
            .await
    }

    /// The init section. Every run writes the same one (see `domain::playback::ffmpeg`), just
    /// before its first fragment: once that fragment is there, the init section is complete.
    pub async fn init(&self) -> Result<PathBuf, SegmentError> {
        self.touch();
        if let Some(path) = self.init.lock().await.clone() {
            return Ok(path);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            {
                let mut runner = self.runner.lock().await;
                // Whether ffmpeg still runs is read before the files: what it wrote before it
                // stopped is on disk by then, so a run that just finished is not restarted.
                let running = self.check_exit(&mut runner)?;
                let start = runner.start_gop;
                let path = self.dir.join(ffmpeg::init_file(start));
                if path.is_file() && self.gop_path(start).is_file() {
                    *self.init.lock().await = Some(path.clone());
                    return Ok(path);
                }
                if !running {
                    self.restart(&mut runner, start).await?;
                }
            }
            if Instant::now() > deadline {
                return Err(SegmentError::TimedOut);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The GOP files of segment `n`, once they are all written (starting or moving ffmpeg as
    /// needed).
    pub async fn segment(&self, n: usize) -> Result<Vec<PathBuf>, SegmentError> {
        let gops = self.plan.gops(n);
        if gops.is_empty() {
            return Err(SegmentError::NotFound);
        }
        self.touch();
        *self.playing.lock().unwrap_or_else(|e| e.into_inner()) = n;
        let paths: Vec<PathBuf> = gops.clone().map(|g| self.gop_path(g)).collect();
        let deadline = Instant::now() + WAIT;
        loop {
            {
                let mut runner = self.runner.lock().await;
                // As in `init`: whether ffmpeg runs first, then the files, so that neither a run
                // that just finished nor a fragment written meanwhile causes a restart.
                let running = self.check_exit(&mut runner)?;
                let Some(missing) = paths.iter().position(|p| !p.is_file()) else {
                    return Ok(paths);
                };
                let wanted = gops.start + missing;
                if !self.will_reach(&mut runner, running, wanted) {
                    tracing::debug!(session = %self.id, segment = n, gop = gops.start, "starting ffmpeg at the segment asked for");
                    self.restart(&mut runner, gops.start).await?;
                } else if runner.paused {
                    self.resume(&mut runner);
                }
            }
            if Instant::now() > deadline {
                return Err(SegmentError::TimedOut);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the ffmpeg (`running`, as just checked) will write GOP `gop` soon: it started
    /// at or before it and has written up to within [`LOOKAHEAD`] of it.
    fn will_reach(&self, runner: &mut Runner, running: bool, gop: usize) -> bool {
        if !running || gop < runner.start_gop {
            return false;
        }
        let frontier = self.frontier(runner);
        // Behind what ffmpeg has written: either written since the caller looked (it is there
        // now, and restarting would only throw the run away), or written and deleted behind
        // the player since, and it will not come again.
        if gop < frontier {
            return self.gop_path(gop).is_file();
        }
        let time = |g: usize| self.gop_time(g);
        time(gop) - time(frontier) <= LOOKAHEAD
    }

    /// The first GOP the running (or last) ffmpeg has not written yet. It writes them in
    /// order, and fragments are deleted only far behind the player, so the scan goes on from
    /// where it last stopped.
    fn frontier(&self, runner: &mut Runner) -> usize {
        while runner.progress < self.plan.gop_count() && self.gop_path(runner.progress).is_file() {
            runner.progress += 1;
        }
        runner.progress
    }

    /// When GOP `gop` starts, in seconds on the playlist's timeline.
    fn gop_time(&self, gop: usize) -> f64 {
        self.plan
            .segment_of_gop(gop)
            .and_then(|s| self.plan.start(s))
            .unwrap_or(self.plan.duration())
    }

    /// Whether ffmpeg is running; an ffmpeg that failed makes every later request fail.
    fn check_exit(&self, runner: &mut Runner) -> Result<bool, SegmentError> {
        if let Some(failure) = &runner.failure {
            return Err(SegmentError::Failed(failure.clone()));
        }
        let Some(child) = runner.child.as_mut() else {
            return Ok(false);
        };
        match child.try_wait() {
            Ok(None) => Ok(true),
            Ok(Some(status)) if status.success() => {
                runner.child = None;
                Ok(false)
            }
            Ok(Some(status)) => {
                runner.child = None;
                let message = format!("ffmpeg stopped ({status})");
                tracing::warn!(session = %self.id, file = self.file_id, %status, "ffmpeg failed");
                runner.failure = Some(message.clone());
                Err(SegmentError::Failed(message))
            }
            Err(e) => Err(SegmentError::Failed(e.to_string())),
        }
    }

    async fn restart(&self, runner: &mut Runner, start_gop: usize) -> Result<(), SegmentError> {
        self.stop(runner).await;
        let child = self.spawn(start_gop, &self.dir)?;
        tracing::info!(session = %self.id, file = self.file_id, start_gop, "ffmpeg started");
        runner.child = Some(child);
        runner.start_gop = start_gop;
        runner.progress = start_gop;
        self.starts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(start_gop);
        runner.paused = false;
        Ok(())
    }

    /// Starts ffmpeg writing the GOPs from `start_gop` on into `dir`.
    fn spawn(&self, start_gop: usize, dir: &Path) -> Result<Child, SegmentError> {
        let args = ffmpeg::session_args(
            &self.input.to_string_lossy(),
            &self.decision,
            &self.plan,
            start_gop,
            &dir.to_string_lossy(),
            self.threads,
        );
        let mut child = Command::new(&self.program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SegmentError::Failed(format!("could not start ffmpeg: {e}")))?;
        // ffmpeg's complaints go to the log (bounded), not to a pipe nobody empties.
        if let Some(mut stderr) = child.stderr.take() {
            let session = self.id.clone();
            tokio::spawn(async move {
                let mut text = Vec::new();
                let _ = (&mut stderr).take(16 * 1024).read_to_end(&mut text).await;
                let mut rest = [0u8; 8192];
                while matches!(stderr.read(&mut rest).await, Ok(n) if n > 0) {}
                let text = String::from_utf8_lossy(&text);
                if !text.trim().is_empty() {
                    tracing::info!(session = %session, stderr = %text.trim(), "ffmpeg said");
                }
            });
        }
        Ok(child)
    }

    /// Kills ffmpeg and reaps it.
    async fn stop(&self, runner: &mut Runner) {
        if let Some(mut child) = runner.child.take() {
            if runner.paused {
                signal(&child, rustix::process::Signal::CONT);
            }
            let _ = child.kill().await;
        }
        runner.paused = false;
    }

    fn resume(&self, runner: &mut Runner) {
        if let Some(child) = &runner.child {
            signal(child, rustix::process::Signal::CONT);
        }
        runner.paused = false;
    }

    /// Pauses ffmpeg far ahead of the player, resumes it when the player comes near, and
    /// deletes fragments long behind; called every second or so.
    pub async fn pace(&self) {
        let playing = *self.playing.lock().unwrap_or_else(|e| e.into_inner());
        let at = self.plan.start(playing).unwrap_or(0.0);
        let mut runner = self.runner.lock().await;
        if runner.child.is_some() && self.check_exit(&mut runner).unwrap_or(false) {
            let ahead = self.gop_time(self.frontier(&mut runner)) - at;
            if !runner.paused && ahead > RUN_AHEAD {
                if let Some(child) = &runner.child {
                    signal(child, rustix::process::Signal::STOP);
                }
                runner.paused = true;
            } else if runner.paused && ahead < RUN_AHEAD / 2.0 {
                self.resume(&mut runner);
            }
        }
        drop(runner);
        let behind = self.plan.gops(self.plan.segment_at(at - KEEP_BEHIND)).start;
        let mut cleaned = self.cleaned.lock().unwrap_or_else(|e| e.into_inner());
        if at > KEEP_BEHIND && behind > *cleaned {
            for gop in *cleaned..behind {
                let _ = std::fs::remove_file(self.gop_path(gop));
            }
            *cleaned = behind;
        } else if behind < *cleaned {
            // The player went back: what is deleted from here on starts again from there.
            *cleaned = behind;
        }
    }

    /// Kills ffmpeg and removes the session's folder.
    pub async fn end(&self) {
        let mut runner = self.runner.lock().await;
        self.stop(&mut runner).await;
        drop(runner);
        let dir = self.dir.clone();
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
    }

    /// The pid of the running ffmpeg (tests check that it is gone after the session ends).
    pub async fn ffmpeg_pid(&self) -> Option<u32> {
        self.runner.lock().await.child.as_ref().and_then(Child::id)
    }

    /// The GOP each ffmpeg run started at, in order (tests check that a far request restarts
    /// it where it was asked).
    pub fn starts(&self) -> Vec<usize> {
        self.starts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn signal(child: &Child, signal: rustix::process::Signal) {
    if let Some(pid) = child
        .id()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32))
    {
        let _ = rustix::process::kill_process(pid, signal);
    }
}
