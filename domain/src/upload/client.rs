//! The client side of the upload protocol, without I/O: which chunk to send next, how to
//! follow the server's answers, and how long to wait before retrying. The CLI uploader and the
//! browser uploader both drive it: [`Driver`] says what to do next, the caller does it (HTTP,
//! reading the file, sleeping) and hands the answer back.

use crate::api::{ChunkAccepted, UploadFinished, UploadState};
use std::time::Duration;

/// The next piece of the file to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    pub chunk_nr: u64,
    pub offset: u64,
    pub len: u64,
}

/// Where an upload stands, as far as the client knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadProgress {
    pub upload_id: String,
    pub size: u64,
    pub chunk_size: u64,
    pub offset: u64,
    pub chunk_nr: u64,
}

impl UploadProgress {
    /// Starts from `init`'s answer. `chunk_size` overrides the server's suggestion (it is
    /// still capped by what the server accepts, which the caller knows from its settings).
    pub fn new(state: &UploadState, size: u64, chunk_size: Option<u64>) -> UploadProgress {
        UploadProgress {
            upload_id: state.upload_id.clone(),
            size,
            chunk_size: chunk_size.unwrap_or(state.chunk_size).max(1),
            offset: state.offset.min(size),
            chunk_nr: state.chunk_nr,
        }
    }

    /// The chunk to send now, or `None` when every byte is stored and `end` is due.
    pub fn next_chunk(&self) -> Option<ChunkPlan> {
        (self.offset < self.size).then(|| ChunkPlan {
            chunk_nr: self.chunk_nr + 1,
            offset: self.offset,
            len: self.chunk_size.min(self.size - self.offset),
        })
    }

    pub fn is_complete(&self) -> bool {
        self.offset >= self.size
    }

    /// Follows the server's state: after an accepted chunk, after `out_of_order` (which
    /// carries the same two numbers), or after a new `init`.
    pub fn resync(&mut self, offset: u64, chunk_nr: u64) {
        self.offset = offset.min(self.size);
        self.chunk_nr = chunk_nr;
    }

    pub fn accepted(&mut self, answer: &ChunkAccepted) {
        self.resync(answer.offset, answer.chunk_nr);
    }
}

/// Waiting times between retries: doubling from `first` up to `max`, for at most `attempts`
/// tries in a row.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
            attempts: 10,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (1-based), or `None` when it is time to give up.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if attempt == 0 || attempt > self.attempts {
            return None;
        }
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        Some(self.first.saturating_mul(factor).min(self.max))
    }
}

/// A request the server did not carry out: its answer (status and JSON error), or no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Refused {
        status: u16,
        code: String,
        message: String,
        /// `offset` and `chunkNr` of an `out_of_order` answer.
        offset: Option<u64>,
        chunk_nr: Option<u64>,
    },
    /// No usable answer: the connection failed, timed out or the answer was unreadable.
    Transport(String),
}

impl Failure {
    /// Reads a refusal's JSON body (`{"error", "message", ...}`); a body that is not one still
    /// gives a refusal with the status.
    pub fn refused(status: u16, body: &str) -> Failure {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        Failure::Refused {
            status,
            code: json["error"].as_str().unwrap_or("http_error").to_owned(),
            message: json["message"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("The server answered {status}.")),
            offset: json["offset"].as_u64(),
            chunk_nr: json["chunkNr"].as_u64(),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Failure::Refused { code, .. } => code,
            Failure::Transport(_) => "network",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Refused { message, .. } => message.clone(),
            Failure::Transport(why) => format!("Cannot reach the server ({why})."),
        }
    }

    /// Worth trying again later: no answer, an overloaded or restarting server, or the upload
    /// is busy with another request. A full disk (507) is not: waiting will not free space.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Transport(_) => true,
            Failure::Refused { status, code, .. } => {
                (*status >= 500 && *status != 507) || *status == 429 || code == "busy"
            }
        }
    }

    fn is_out_of_space(&self) -> bool {
        matches!(self, Failure::Refused { status: 507, .. })
            || self.code() == "insufficient_storage"
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Failure {}

/// What the caller should do next for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `init` with the file's description; answer with [`Driver::initialised`].
    Init,
    /// Read these bytes of the file and send them; answer with [`Driver::chunk_sent`].
    Chunk(ChunkPlan),
    /// `end` with the movie and mode; answer with [`Driver::ended`].
    End,
    /// Sleep, then ask again.
    Wait(Duration),
    /// Nothing more to do.
    Finish(Outcome),
}

/// How an upload ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// In the library at `path` (unknown when the server finished it but its answer was lost).
    Uploaded {
        path: Option<String>,
        movie_file_id: Option<i32>,
    },
    /// The library already had this file before we started.
    Duplicate,
    /// The movie already has files; the user must choose replace or version.
    MovieHasFiles(String),
    /// The disk is full: the whole queue should stop, nothing is lost.
    OutOfSpace(String),
    Failed(String),
}

/// Out-of-order answers in a row without progress before giving up (another client is
/// uploading the same file and keeps moving the upload on).
pub const MAX_RESYNCS: u32 = 50;

/// Drives the protocol for one file: init (which says where the server stands), the chunks
/// from there, end; after a dropped connection or a restart, init again and continue. The
/// caller owns the I/O and reports every answer back.
#[derive(Clone, Debug)]
pub struct Driver {
    size: u64,
    chunk_size: Option<u64>,
    backoff: Backoff,
    progress: Option<UploadProgress>,
    next: Action,
    failures: u32,
    resyncs: u32,
    /// `end` was sent at least once: a later `already_uploaded` is then our own upload.
    ended: bool,
}

impl Driver {
    /// `chunk_size` overrides the server's suggestion.
    pub fn new(size: u64, chunk_size: Option<u64>, backoff: Backoff) -> Driver {
        Driver {
            size,
            chunk_size,
            backoff,
            progress: None,
            next: Action::Init,
            failures: 0,
            resyncs: 0,
            ended: false,
        }
    }

    pub fn next(&self) -> Action {
        self.next.clone()
    }

    /// The upload id, once `init` answered.
    pub fn upload_id(&self) -> Option<&str> {
        self.progress.as_ref().map(|p| p.upload_id.as_str())
    }

    /// Bytes the server holds, as far as we know.
    pub fn stored(&self) -> u64 {
        self.progress.as_ref().map_or(0, |p| p.offset)
    }

    /// After a `Wait`: the request to retry is a fresh `init`.
    pub fn waited(&mut self) {
        if matches!(self.next, Action::Wait(_)) {
            self.next = Action::Init;
        }
    }

    fn send_or_end(&mut self) {
        self.next = match self.progress.as_ref().and_then(UploadProgress::next_chunk) {
            Some(plan) => Action::Chunk(plan),
            None => Action::End,
        };
    }

    /// A transient failure: wait before a fresh `init`, or give up after too many in a row.
    fn retry_later(&mut self, failure: &Failure) {
        self.failures += 1;
        self.next = match self.backoff.delay(self.failures) {
            Some(delay) => Action::Wait(delay),
            None => Action::Finish(Outcome::Failed(format!(
                "Gave up after {} tries: {}",
                self.failures,
                failure.message()
            ))),
        };
    }

    /// Sorts out a failure every step treats alike; returns it back when the step must decide.
    fn common(&mut self, failure: Failure) -> Option<Failure> {
        if failure.is_out_of_space() {
            self.next = Action::Finish(Outcome::OutOfSpace(failure.message()));
        } else if failure.is_transient() {
            self.retry_later(&failure);
        } else {
            return Some(failure);
        }
        None
    }

    fn resync_or_give_up(&mut self, why: String) -> bool {
        self.resyncs += 1;
        if self.resyncs > MAX_RESYNCS {
            self.next = Action::Finish(Outcome::Failed(why));
            return false;
        }
        true
    }

    pub fn initialised(&mut self, answer: Result<UploadState, Failure>) {
        match answer {
            Ok(state) => {
                self.progress = Some(UploadProgress::new(&state, self.size, self.chunk_size));
                self.send_or_end();
            }
            Err(f) if f.code() == "already_uploaded" => {
                self.next = Action::Finish(if self.ended {
                    Outcome::Uploaded {
                        path: None,
                        movie_file_id: None,
                    }
                } else {
                    Outcome::Duplicate
                });
            }
            Err(f) => {
                if let Some(f) = self.common(f) {
                    self.next = Action::Finish(Outcome::Failed(f.message()));
                }
            }
        }
    }

    pub fn chunk_sent(&mut self, answer: Result<ChunkAccepted, Failure>) {
        match answer {
            Ok(accepted) => {
                if let Some(p) = self.progress.as_mut() {
                    p.accepted(&accepted);
                }
                self.failures = 0;
                self.resyncs = 0;
                self.send_or_end();
            }
            Err(Failure::Refused {
                code,
                offset: Some(offset),
                chunk_nr: Some(nr),
                ..
            }) if code == "out_of_order" => {
                if self.resync_or_give_up("Another client keeps changing this upload.".into()) {
                    if let Some(p) = self.progress.as_mut() {
                        p.resync(offset, nr);
                    }
                    self.send_or_end();
                }
            }
            Err(f) => {
                if let Some(f) = self.common(f) {
                    self.next = Action::Finish(Outcome::Failed(f.message()));
                }
            }
        }
    }

    pub fn ended(&mut self, answer: Result<UploadFinished, Failure>) {
        self.ended = true;
        match answer {
            Ok(done) => {
                self.next = Action::Finish(Outcome::Uploaded {
                    path: Some(done.path),
                    movie_file_id: done.movie_file_id,
                })
            }
            Err(f) if f.code() == "movie_has_files" => {
                self.next = Action::Finish(Outcome::MovieHasFiles(f.message()));
            }
            // The server lost track (restarted mid-chunk, or our earlier end finished it):
            // init tells which.
            Err(f) if matches!(f.code(), "incomplete" | "upload_not_found") => {
                if self.resync_or_give_up(f.message()) {
                    self.next = Action::Init;
                }
            }
            Err(f) => {
                if let Some(f) = self.common(f) {
                    self.next = Action::Finish(Outcome::Failed(f.message()));
                }
            }
        }
    }

    /// The file could not be read (it was moved, changed or the permission was lost).
    pub fn unreadable(&mut self, why: &str) {
        self.next = Action::Finish(Outcome::Failed(format!(
            "Cannot read the file (did it change?): {why}"
        )));
    }
}

/// Transfer speed over the last few seconds, for progress lines and ETAs.
#[derive(Clone, Debug, Default)]
pub struct Rate {
    /// (milliseconds, bytes done) samples, oldest first.
    samples: std::collections::VecDeque<(f64, u64)>,
}

impl Rate {
    /// How far back the speed looks.
    const WINDOW_MS: f64 = 10_000.0;

    /// Records that `done` bytes were done at `now_ms` (any monotonic clock).
    pub fn record(&mut self, now_ms: f64, done: u64) {
        if let Some(&(_, last)) = self.samples.back()
            && done < last
        {
            // Went back (a resync): earlier samples no longer describe this transfer.
            self.samples.clear();
        }
        self.samples.push_back((now_ms, done));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|&(t, _)| now_ms - t > Self::WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Bytes per second, once there is at least half a second of history.
    pub fn bytes_per_second(&self) -> Option<f64> {
        let (&(t0, b0), &(t1, b1)) = (self.samples.front()?, self.samples.back()?);
        let elapsed = t1 - t0;
        (elapsed >= 500.0).then(|| (b1 - b0) as f64 * 1000.0 / elapsed)
    }

    /// Seconds until `remaining` more bytes are done at the current speed.
    pub fn eta_seconds(&self, remaining: u64) -> Option<f64> {
        let speed = self.bytes_per_second()?;
        (speed > 0.0).then(|| remaining as f64 / speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: &str) -> Failure {
        Failure::refused(status, &format!(r#"{{"error":"{code}","message":"m"}}"#))
    }

    fn no_wait() -> Backoff {
        Backoff {
            first: Duration::from_millis(1),
            max: Duration::from_millis(1),
            attempts: 3,
        }
    }

    /// Plays a driver against a scripted server and returns the actions it took.
    fn accept(plan: ChunkPlan) -> Result<ChunkAccepted, Failure> {
        Ok(ChunkAccepted {
            offset: plan.offset + plan.len,
            chunk_nr: plan.chunk_nr,
        })
    }

    fn finished(path: &str) -> Result<UploadFinished, Failure> {
        Ok(UploadFinished {
            movie_file_id: Some(7),
            path: path.into(),
        })
    }

    #[test]
    fn a_driver_sends_every_chunk_then_ends() {
        let mut d = Driver::new(25, None, no_wait());
        assert_eq!(d.next(), Action::Init);
        d.initialised(Ok(state(0, 0)));
        let mut offsets = Vec::new();
        while let Action::Chunk(plan) = d.next() {
            offsets.push(plan.offset);
            d.chunk_sent(accept(plan));
        }
        assert_eq!(offsets, [0, 10, 20]);
        assert_eq!(d.next(), Action::End);
        assert_eq!(d.stored(), 25);
        d.ended(finished("tt1/1080p/movie.mkv"));
        assert_eq!(
            d.next(),
            Action::Finish(Outcome::Uploaded {
                path: Some("tt1/1080p/movie.mkv".into()),
                movie_file_id: Some(7)
            })
        );
    }

    #[test]
    fn a_dropped_connection_waits_then_resumes_from_the_servers_offset() {
        let mut d = Driver::new(25, None, no_wait());
        d.initialised(Ok(state(0, 0)));
        let Action::Chunk(first) = d.next() else {
            panic!()
        };
        d.chunk_sent(accept(first));
        d.chunk_sent(Err(Failure::Transport("reset".into())));
        assert!(matches!(d.next(), Action::Wait(_)));
        d.waited();
        assert_eq!(d.next(), Action::Init);
        // The lost chunk did arrive: the server says 20.
        d.initialised(Ok(state(20, 2)));
        assert_eq!(
            d.next(),
            Action::Chunk(ChunkPlan {
                chunk_nr: 3,
                offset: 20,
                len: 5
            })
        );
    }

    #[test]
    fn out_of_order_resyncs_and_a_full_disk_stops() {
        let mut d = Driver::new(25, None, no_wait());
        d.initialised(Ok(state(0, 0)));
        d.chunk_sent(Err(Failure::refused(
            409,
            r#"{"error":"out_of_order","message":"m","offset":10,"chunkNr":1}"#,
        )));
        assert_eq!(
            d.next(),
            Action::Chunk(ChunkPlan {
                chunk_nr: 2,
                offset: 10,
                len: 10
            })
        );
        d.chunk_sent(Err(refused(507, "insufficient_storage")));
        assert!(matches!(d.next(), Action::Finish(Outcome::OutOfSpace(_))));
    }

    #[test]
    fn retries_give_up_after_the_backoff_runs_out() {
        let mut d = Driver::new(5, None, no_wait());
        for _ in 0..3 {
            d.initialised(Err(refused(503, "unavailable")));
            assert!(matches!(d.next(), Action::Wait(_)));
            d.waited();
        }
        d.initialised(Err(refused(502, "bad_gateway")));
        assert!(matches!(d.next(), Action::Finish(Outcome::Failed(m)) if m.contains("4 tries")));
        let mut d = Driver::new(5, None, no_wait());
        d.initialised(Err(refused(400, "invalid_filename")));
        assert_eq!(d.next(), Action::Finish(Outcome::Failed("m".into())));
    }

    #[test]
    fn end_answers_lead_to_a_choice_a_new_init_or_our_own_upload() {
        let mut d = Driver::new(0, None, no_wait());
        d.initialised(Ok(state(0, 0)));
        assert_eq!(d.next(), Action::End, "an empty file goes straight to end");
        d.ended(Err(refused(409, "movie_has_files")));
        assert_eq!(d.next(), Action::Finish(Outcome::MovieHasFiles("m".into())));

        let mut d = Driver::new(0, None, no_wait());
        d.initialised(Ok(state(0, 0)));
        d.ended(Err(Failure::Transport("timeout".into())));
        d.waited();
        assert_eq!(d.next(), Action::Init);
        // Our end went through before the connection dropped.
        d.initialised(Err(refused(409, "already_uploaded")));
        assert_eq!(
            d.next(),
            Action::Finish(Outcome::Uploaded {
                path: None,
                movie_file_id: None
            })
        );

        let mut d = Driver::new(0, None, no_wait());
        d.initialised(Err(refused(409, "already_uploaded")));
        assert_eq!(d.next(), Action::Finish(Outcome::Duplicate));
    }

    #[test]
    fn the_servers_upload_limits_wait_or_stop_and_a_refused_replace_fails() {
        // Too many unfinished uploads: the user's others finish meanwhile.
        let mut d = Driver::new(5, None, no_wait());
        d.initialised(Err(refused(429, "too_many_open_uploads")));
        assert!(matches!(d.next(), Action::Wait(_)));
        d.waited();
        // A used-up quota stops the queue like a full disk.
        d.initialised(Err(refused(507, "quota_exceeded")));
        assert!(matches!(d.next(), Action::Finish(Outcome::OutOfSpace(_))));
        // An uploader's replace: the server's sentence, no retry.
        let mut d = Driver::new(0, None, no_wait());
        d.initialised(Ok(state(0, 0)));
        d.ended(Err(refused(403, "not_allowed")));
        assert_eq!(d.next(), Action::Finish(Outcome::Failed("m".into())));
    }

    #[test]
    fn the_rate_follows_the_last_seconds_and_gives_an_eta() {
        let mut r = Rate::default();
        r.record(0.0, 0);
        assert_eq!(r.bytes_per_second(), None, "too early to tell");
        r.record(1000.0, 1_000_000);
        assert_eq!(r.bytes_per_second(), Some(1_000_000.0));
        assert_eq!(r.eta_seconds(3_000_000), Some(3.0));
        // Much later, at a slower pace: the old fast second is forgotten.
        for s in 2..=20 {
            r.record(s as f64 * 1000.0, 1_000_000 + (s - 1) * 100_000);
        }
        let speed = r.bytes_per_second().unwrap();
        assert!((speed - 100_000.0).abs() < 1.0, "{speed}");
        r.record(21_000.0, 10);
        assert_eq!(r.bytes_per_second(), None, "a resync starts over");
    }

    fn state(offset: u64, chunk_nr: u64) -> UploadState {
        UploadState {
            upload_id: "id".into(),
            offset,
            chunk_nr,
            chunk_size: 10,
        }
    }

    #[test]
    fn chunks_cover_the_file_exactly_once() {
        let mut p = UploadProgress::new(&state(0, 0), 25, None);
        let mut sent = Vec::new();
        while let Some(plan) = p.next_chunk() {
            sent.push(plan);
            p.accepted(&ChunkAccepted {
                offset: plan.offset + plan.len,
                chunk_nr: plan.chunk_nr,
            });
        }
        assert_eq!(
            sent,
            [
                ChunkPlan {
                    chunk_nr: 1,
                    offset: 0,
                    len: 10
                },
                ChunkPlan {
                    chunk_nr: 2,
                    offset: 10,
                    len: 10
                },
                ChunkPlan {
                    chunk_nr: 3,
                    offset: 20,
                    len: 5
                },
            ]
        );
        assert!(p.is_complete());
    }

    #[test]
    fn resuming_and_resyncing_continue_from_the_server_state() {
        let mut p = UploadProgress::new(&state(20, 2), 25, Some(4));
        assert_eq!(
            p.next_chunk(),
            Some(ChunkPlan {
                chunk_nr: 3,
                offset: 20,
                len: 4
            })
        );
        p.resync(10, 1);
        assert_eq!(
            p.next_chunk(),
            Some(ChunkPlan {
                chunk_nr: 2,
                offset: 10,
                len: 4
            })
        );
        let empty = UploadProgress::new(&state(0, 0), 0, None);
        assert_eq!(empty.next_chunk(), None, "an empty file needs no chunk");
        assert!(empty.is_complete());
    }

    #[test]
    fn backoff_doubles_up_to_a_cap_then_gives_up() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(1),
            attempts: 6,
        };
        let delays: Vec<_> = (1..=7).map(|n| b.delay(n)).collect();
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(
            delays,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000), None]
        );
        assert_eq!(b.delay(0), None);
        assert!(
            Backoff { attempts: 100, ..b }.delay(64).is_some(),
            "no overflow"
        );
    }
}
