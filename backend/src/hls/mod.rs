//! Playback sessions: a movie file made playable for one browser, as HLS made on the fly by
//! ffmpeg (remux, audio conversion or transcode; see `domain::playback` for the rules and
//! `docs/playback.md`).
//!
//! A session belongs to the user who opened it; its id is 128 random bits. Anyone else, and
//! anyone who is no longer a member of the file's library, gets 404 for it. Sessions end when
//! the player says so, or after `playback_idle_secs` without a request; ffmpeg is killed and
//! the session's folder removed. The folder of all sessions is emptied at start-up.

mod session;
pub mod subtitles;

pub use session::{LOOKAHEAD, SegmentError, Session};

use crate::playback::playable;
use crate::{ApiError, AppState};
use domain::api::{EmbeddedSubtitle, PlaybackReason, PlaybackView};
use domain::media::probe::{MediaProbe, SubtitleKind};
use domain::playback::{
    Choice, ClientCaps, Decision, Mode, Reason, ServerCaps, Timeline, plan_copy, plan_transcode,
    segments,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the file may take to be analysed when it was not yet.
const PROBE_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    #[error("{0}")]
    Caps(#[from] domain::playback::caps::CapsError),
    #[error("{0}")]
    Decision(#[from] domain::playback::DecisionError),
    #[error(
        "The server is already converting as many films as it can ({0} at once). Try again when another viewer stops, or use \"Optimise for playback\" on the movie's page."
    )]
    Busy(usize),
    #[error("This movie is still being analysed; try again in a moment.")]
    ProbePending,
    #[error("This file cannot be read as a video: {0}")]
    NotAVideo(String),
    #[error("There is no such playback session.")]
    NoSession,
    #[error("This subtitle could not be read from the movie file.")]
    SubtitleUnreadable,
    #[error("{0}")]
    Segment(#[from] SegmentError),
    #[error("{0}")]
    Api(ApiError),
}

impl From<ApiError> for PlaybackError {
    fn from(e: ApiError) -> Self {
        PlaybackError::Api(e)
    }
}

impl From<sea_orm::DbErr> for PlaybackError {
    fn from(e: sea_orm::DbErr) -> Self {
        PlaybackError::Api(e.into())
    }
}

/// The sessions of this process.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Arc<Session>>>,
}

/// What the player asked for, besides what its browser decodes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request {
    pub choice: Choice,
    /// Where the player will begin, in seconds (resume), so ffmpeg starts there.
    pub start: f64,
}

impl Sessions {
    fn list(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session `id` of `user_id`, who must still be a member of the file's library.
    pub async fn get(
        &self,
        state: &AppState,
        user_id: i32,
        id: &str,
    ) -> Result<Arc<Session>, PlaybackError> {
        let session = self
            .list()
            .get(id)
            .filter(|s| s.user_id == user_id)
            .cloned()
            .ok_or(PlaybackError::NoSession)?;
        // Membership may have been taken away since the session began.
        playable(state, user_id, session.file_id)
            .await
            .map_err(|_| PlaybackError::NoSession)?;
        Ok(session)
    }

    /// Ends session `id` of `user_id` (unknown ids are already ended).
    pub async fn end(&self, user_id: i32, id: &str) -> bool {
        let removed = {
            let mut list = self.list();
            match list.get(id) {
                Some(s) if s.user_id == user_id => list.remove(id),
                _ => None,
            }
        };
        match removed {
            Some(session) => {
                session.end().await;
                tracing::info!(session = %id, "playback session ended by the player");
                true
            }
            None => false,
        }
    }

    /// Ends sessions idle for longer than `idle`, and paces the others' ffmpeg.
    pub async fn sweep(&self, idle: Duration) -> usize {
        let (stale, live): (Vec<_>, Vec<_>) = {
            let mut list = self.list();
            let stale: Vec<Arc<Session>> = list
                .values()
                .filter(|s| s.idle_for() > idle)
                .cloned()
                .collect();
            for s in &stale {
                list.remove(&s.id);
            }
            (stale, list.values().cloned().collect())
        };
        for session in &stale {
            tracing::info!(session = %session.id, "playback session ended after being idle");
            session.end().await;
        }
        for session in live {
            session.pace().await;
        }
        stale.len()
    }

    /// Ends every session (at shutdown).
    pub async fn end_all(&self) {
        let all: Vec<Arc<Session>> = self.list().drain().map(|(_, s)| s).collect();
        for session in all {
            session.end().await;
        }
    }

    pub fn count(&self) -> (usize, usize) {
        let list = self.list();
        let heavy = list.values().filter(|s| s.heavy).count();
        (heavy, list.len() - heavy)
    }
}

/// Where sessions write their segments.
pub fn sessions_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("playback")
}

/// Empties the sessions' folder: a restart leaves nothing behind.
pub fn clear(state: &AppState) {
    let dir = sessions_dir(state);
    if let Err(e) = std::fs::remove_dir_all(&dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(folder = %dir.display(), error = %e, "could not empty the playback folder");
    }
}

/// Decides how file `file_id` plays in the browser that reported `caps`, and opens a session
/// unless it plays as it is.
pub async fn open(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    caps: &ClientCaps,
    request: Request,
) -> Result<PlaybackView, PlaybackError> {
    let p = playable(state, user_id, file_id).await?;
    let probed = match crate::media::info::load(state, file_id).await? {
        Some(probed) => probed,
        None => crate::media::info::ensure(state, file_id, &p.path, PROBE_WAIT)
            .await
            .map_err(|e| match e.pending() {
                true => PlaybackError::ProbePending,
                false => PlaybackError::NotAVideo(e.to_string()),
            })?,
    };
    let probe = probed.probe;
    let server = ServerCaps {
        slow: state.config.slow_machine(),
    };
    let mut decision = domain::playback::decide(&probe, caps, &request.choice, &server)?;
    let mut view = PlaybackView {
        mode: mode_name(decision.mode).into(),
        note: decision.note.clone(),
        reasons: reasons(&decision),
        url: format!("/stream/{file_id}"),
        session: None,
        audio: decision.audio.as_ref().map(|a| a.stream as u32),
        audio_tracks: probe.audio_tracks(),
        embedded_subtitles: embedded_subtitles(&probe, file_id),
        duration_seconds: probe.duration.or(p.file.duration_seconds),
    };
    if decision.mode == Mode::Direct {
        return Ok(view);
    }
    let Some(timeline) = Timeline::of(&probe) else {
        return Err(PlaybackError::NotAVideo("its duration is unknown".into()));
    };
    let keyframes = probed.keyframes.unwrap_or_default();
    let plan = if decision.copies_video() {
        match plan_copy(&keyframes, &timeline, segments::COPY_TARGET) {
            Ok(plan) => plan,
            Err(e) => {
                tracing::info!(file = file_id, error = %e, "converting the video instead of copying it");
                decision = decision.transcode_instead(&probe, &server, Reason::KeyframesUnusable);
                plan_transcode(&timeline, segments::TRANSCODE_SEGMENT)
                    .with_source_keyframes(&keyframes)
            }
        }
    } else {
        plan_transcode(&timeline, segments::TRANSCODE_SEGMENT).with_source_keyframes(&keyframes)
    };
    view.mode = mode_name(decision.mode).into();
    view.note = decision.note.clone();
    view.reasons = reasons(&decision);

    let heavy = matches!(
        decision.video,
        Some(domain::playback::VideoPlan::Encode { .. })
    );
    let id = hex::encode(rand::random::<[u8; 16]>());
    let dir = sessions_dir(state).join(&id);
    std::fs::create_dir_all(&dir).map_err(|e| {
        PlaybackError::Segment(SegmentError::Failed(format!(
            "cannot create {}: {e}",
            dir.display()
        )))
    })?;
    let session = Arc::new(Session::new(session::NewSession {
        id: id.clone(),
        user_id,
        file_id,
        decision,
        probe,
        plan,
        input: p.path.clone(),
        dir,
        program: state.config.ffmpeg.clone(),
        threads: 0,
    }));
    {
        // The limit is checked and the session added under one lock.
        let mut list = state.hls.list();
        let (limit, count) = if heavy {
            (
                state.config.transcode_limit,
                list.values().filter(|s| s.heavy).count(),
            )
        } else {
            (
                state.config.copy_session_limit,
                list.values().filter(|s| !s.heavy).count(),
            )
        };
        if count >= limit {
            drop(list);
            let _ = std::fs::remove_dir_all(session.dir());
            tracing::info!(
                file = file_id,
                heavy,
                limit,
                "playback refused: the server is busy"
            );
            return Err(PlaybackError::Busy(limit));
        }
        list.insert(id.clone(), session.clone());
    }
    if let Err(e) = session.prepare(request.start.max(0.0)).await {
        state.hls.end(user_id, &id).await;
        return Err(e.into());
    }
    tracing::info!(
        session = %id, file = file_id, user = user_id, mode = view.mode,
        note = %view.note, "playback session opened"
    );
    view.url = format!("/api/playback/{id}/master.m3u8");
    view.session = Some(id);
    Ok(view)
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Direct => "direct",
        Mode::Remux => "remux",
        Mode::Audio => "audio",
        Mode::Transcode => "transcode",
    }
}

fn reasons(decision: &Decision) -> Vec<PlaybackReason> {
    decision
        .reasons
        .iter()
        .map(|r| PlaybackReason {
            code: r.code().into(),
            message: r.to_string(),
        })
        .collect()
}

/// The subtitle streams inside the file: text ones as WebVTT, image ones listed only.
pub fn embedded_subtitles(probe: &MediaProbe, file_id: i32) -> Vec<EmbeddedSubtitle> {
    probe
        .subtitles
        .iter()
        .map(|s| {
            let lang = s.language.clone();
            let mut label = s
                .title
                .clone()
                .or_else(|| lang.as_deref().map(domain::languages::name_of))
                .unwrap_or_else(|| format!("Track {}", s.index));
            if s.forced {
                label.push_str(" (forced)");
            }
            EmbeddedSubtitle {
                index: s.index as u32,
                label,
                lang,
                url: (s.kind == SubtitleKind::Text)
                    .then(|| format!("/api/files/{file_id}/subtitles/{}.vtt", s.index)),
                forced: s.forced,
            }
        })
        .collect()
}
