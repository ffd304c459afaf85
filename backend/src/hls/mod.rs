//! Playback sessions: a movie file made playable for one browser, as HLS made on the fly by
//! ffmpeg (remux, audio conversion or transcode; see `domain::playback` for the rules and
//! `docs/playback.md`).
//!
//! A session belongs to the user who opened it; its id is 128 random bits. Anyone else, and
//! anyone who is no longer a member of the file's library, gets 404 for it. Sessions end when
//! the player says so, or after `playback_idle_secs` without a request; ffmpeg is killed and
//! the session's folder removed. The folder of all sessions is emptied at start-up.
//!
//! What a session was made from (the browser's report and the audio track) is kept in the
//! database (`playback_sessions`). A request for a session this process does not have (another
//! instance opened it, or this one restarted) makes it again from that: the same decision and
//! the same segment plan, so the playlist the player holds stays true, and ffmpeg starts at the
//! segment asked for.

mod session;
pub mod subtitles;

pub use session::{LOOKAHEAD, SegmentError, Session};

use crate::entities::playback_session;
use crate::playback::playable;
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::api::{EmbeddedSubtitle, PlaybackReason, PlaybackView};
use domain::media::probe::{MediaProbe, SubtitleKind};
use domain::playback::{
    Choice, ClientCaps, Decision, Mode, Reason, SegmentPlan, ServerCaps, Timeline, plan_copy,
    plan_transcode, segments,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often, at most, an instance writes that it serves a session (`playback_sessions.seen_at`).
const SEEN_EVERY: Duration = Duration::from_secs(30);

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

    /// The session `id` of `user_id`, who must still be a member of the file's library; made
    /// again here when another instance opened it (or this one before a restart).
    pub async fn get(
        &self,
        state: &AppState,
        user_id: i32,
        id: &str,
    ) -> Result<Arc<Session>, PlaybackError> {
        let here = self
            .list()
            .get(id)
            .filter(|s| s.user_id == user_id)
            .cloned();
        let session = match here {
            Some(session) => session,
            None => resume(state, user_id, id).await?,
        };
        // Membership may have been taken away since the session began.
        playable(state, user_id, session.file_id)
            .await
            .map_err(|_| PlaybackError::NoSession)?;
        // Now and then, for the instances' sweeps: the session is in use here.
        let idle = Duration::from_secs(state.config.playback_idle_secs);
        if session.record_due((idle / 3).min(SEEN_EVERY)) {
            let seen = playback_session::Entity::update_many()
                .col_expr(playback_session::Column::SeenAt, Utc::now().into())
                .filter(playback_session::Column::Id.eq(id))
                .exec(&state.db)
                .await;
            if let Err(e) = seen {
                tracing::warn!(session = %id, error = %e, "could not note a playback session in use");
            }
        }
        Ok(session)
    }

    /// Ends session `id` of `user_id` (unknown ids are already ended), for every instance: no
    /// other one makes it again.
    pub async fn end(&self, state: &AppState, user_id: i32, id: &str) -> bool {
        let forgotten = forget(state, user_id, id).await;
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
            None => forgotten,
        }
    }

    /// Ends sessions idle here for longer than `idle`, and forgets those idle on every
    /// instance (none served them for that long); paces the others' ffmpeg.
    pub async fn sweep(&self, state: &AppState, idle: Duration) -> usize {
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
        let ids: Vec<String> = stale.iter().map(|s| s.id.clone()).collect();
        forget_unseen(state, &ids, idle).await;
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

/// What a session is made from: everything but its id, decided from the file's probe, the
/// browser's report and the viewer's choice.
struct Made {
    decision: Decision,
    probe: MediaProbe,
    plan: SegmentPlan,
    input: PathBuf,
}

/// Decides how file `file_id` plays in the browser that reported `caps`: the answer, and what
/// a session needs unless the file plays as it is.
async fn decide(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    caps: &ClientCaps,
    choice: &Choice,
) -> Result<(PlaybackView, Option<Made>), PlaybackError> {
    let p = playable(state, user_id, file_id).await?;
    let probed = match crate::media::info::load(state, file_id).await? {
        Some(probed) => probed,
        None => {
            crate::media::info::ensure(state, file_id, &p.media_input(state).await?, PROBE_WAIT)
                .await
                .map_err(|e| match e.pending() {
                    true => PlaybackError::ProbePending,
                    false => PlaybackError::NotAVideo(e.to_string()),
                })?
        }
    };
    let probe = probed.probe;
    let server = ServerCaps {
        slow: state.config.slow_machine(),
    };
    let mut decision = domain::playback::decide(&probe, caps, choice, &server)?;
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
        return Ok((view, None));
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
    let made = Made {
        decision,
        probe,
        plan,
        input: p.media_input(state).await?,
    };
    Ok((view, Some(made)))
}

/// Makes session `id` in this process, within the limits of sessions at once; the one already
/// here if another request just made it.
fn start(
    state: &AppState,
    id: &str,
    user_id: i32,
    file_id: i32,
    made: Made,
) -> Result<Arc<Session>, PlaybackError> {
    let heavy = matches!(
        made.decision.video,
        Some(domain::playback::VideoPlan::Encode { .. })
    );
    // Checked and added under one lock, with its folder made there too: two requests for
    // the same id (a session made again) end with one session and one folder.
    let mut list = state.hls.list();
    if let Some(existing) = list.get(id) {
        return Ok(existing.clone());
    }
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
        tracing::info!(
            file = file_id,
            heavy,
            limit,
            "playback refused: the server is busy"
        );
        return Err(PlaybackError::Busy(limit));
    }
    let dir = sessions_dir(state).join(id);
    std::fs::create_dir_all(&dir).map_err(|e| {
        PlaybackError::Segment(SegmentError::Failed(format!(
            "cannot create {}: {e}",
            dir.display()
        )))
    })?;
    let session = Arc::new(Session::new(session::NewSession {
        id: id.to_owned(),
        user_id,
        file_id,
        decision: made.decision,
        probe: made.probe,
        plan: made.plan,
        input: made.input,
        dir,
        program: state.config.ffmpeg.clone(),
        threads: 0,
    }));
    list.insert(id.to_owned(), session.clone());
    Ok(session)
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
    let (mut view, made) = decide(state, user_id, file_id, caps, &request.choice).await?;
    let Some(made) = made else {
        return Ok(view);
    };
    let id = hex::encode(rand::random::<[u8; 16]>());
    let session = start(state, &id, user_id, file_id, made)?;
    // What any instance needs to make the same session again.
    let recorded = playback_session::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id),
        file_id: Set(file_id),
        caps: Set(caps.to_query()),
        audio: Set(request.choice.audio.and_then(|a| i32::try_from(a).ok())),
        created_at: Set(Utc::now()),
        seen_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await;
    if let Err(e) = recorded {
        state.hls.end(state, user_id, &id).await;
        return Err(e.into());
    }
    session.record_due(SEEN_EVERY);
    if let Err(e) = session.prepare(request.start.max(0.0)).await {
        state.hls.end(state, user_id, &id).await;
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

/// Makes session `id` of `user_id` again in this process from what [`open`] recorded: the
/// same decision and plan, as the file and the browser's report are the same.
async fn resume(state: &AppState, user_id: i32, id: &str) -> Result<Arc<Session>, PlaybackError> {
    // Ids are made of hex digits; nothing else names a folder.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PlaybackError::NoSession);
    }
    let row = playback_session::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
        .filter(|row| row.user_id == user_id)
        .ok_or(PlaybackError::NoSession)?;
    // As for a session kept here: gone for someone no longer a member.
    playable(state, user_id, row.file_id)
        .await
        .map_err(|_| PlaybackError::NoSession)?;
    let caps = ClientCaps::from_query(&row.caps)?;
    let choice = Choice {
        audio: row.audio.and_then(|a| usize::try_from(a).ok()),
    };
    let (_, made) = decide(state, user_id, row.file_id, &caps, &choice).await?;
    // The same file and report decide the same; a file replaced meanwhile may play directly.
    let made = made.ok_or(PlaybackError::NoSession)?;
    let session = start(state, id, user_id, row.file_id, made)?;
    tracing::info!(session = %id, file = row.file_id, user = user_id, "playback session made again here");
    Ok(session)
}

/// Forgets sessions no instance served for a day that no player ended and no instance swept
/// (every instance stopped meanwhile); returns how many.
pub async fn forget_old(state: &AppState) -> Result<u64, sea_orm::DbErr> {
    Ok(playback_session::Entity::delete_many()
        .filter(playback_session::Column::SeenAt.lt(Utc::now() - chrono::Duration::days(1)))
        .exec(&state.db)
        .await?
        .rows_affected)
}

/// Forgets, of the sessions `ids` that went idle here, those no instance served for `idle`.
async fn forget_unseen(state: &AppState, ids: &[String], idle: Duration) {
    if ids.is_empty() {
        return;
    }
    let before = Utc::now() - chrono::Duration::from_std(idle).unwrap_or_default();
    let forgotten = playback_session::Entity::delete_many()
        .filter(playback_session::Column::Id.is_in(ids.iter().cloned()))
        .filter(playback_session::Column::SeenAt.lt(before))
        .exec(&state.db)
        .await;
    if let Err(e) = forgotten {
        tracing::warn!(error = %e, "could not forget idle playback sessions");
    }
}

/// Forgets session `id` of `user_id` for every instance; whether there was one.
async fn forget(state: &AppState, user_id: i32, id: &str) -> bool {
    let forgotten = playback_session::Entity::delete_many()
        .filter(playback_session::Column::Id.eq(id))
        .filter(playback_session::Column::UserId.eq(user_id))
        .exec(&state.db)
        .await;
    match forgotten {
        Ok(done) => done.rows_affected > 0,
        Err(e) => {
            tracing::warn!(session = %id, error = %e, "could not forget an ended playback session");
            false
        }
    }
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
