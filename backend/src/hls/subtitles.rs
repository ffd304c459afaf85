//! Text subtitles inside a movie file (SubRip, ASS, mov_text in MKV and MP4), extracted by
//! ffmpeg to WebVTT once and kept in the cache folder.

use crate::error::Missing;
use crate::playback::playable;
use crate::{ApiError, AppState};
use domain::media::probe::SubtitleKind;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Extractions at once: each reads through the whole file.
static EXTRACTING: Semaphore = Semaphore::const_new(2);
/// An extraction reads the whole file; a large remux on a slow disk takes a while.
const LIMIT: Duration = Duration::from_secs(300);

fn not_found() -> ApiError {
    Missing::SubtitleStream.into()
}

/// The WebVTT of text subtitle stream `index` of file `file_id`, extracted if not yet.
pub async fn embedded(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    index: usize,
) -> Result<PathBuf, ApiError> {
    let p = playable(state, user_id, file_id).await?;
    let probed = crate::media::info::load(state, file_id)
        .await?
        .ok_or_else(not_found)?;
    let is_text = probed
        .probe
        .subtitles
        .iter()
        .any(|s| s.index == index && s.kind == SubtitleKind::Text);
    if !is_text {
        return Err(not_found());
    }
    let dir = state.config.cache_dir().join("subtitles");
    let target = dir.join(format!("{file_id}-{index}.vtt"));
    if target.is_file() {
        return Ok(target);
    }
    let _turn = EXTRACTING.acquire().await.map_err(|_| not_found())?;
    if target.is_file() {
        return Ok(target);
    }
    let failed = |why: String| {
        tracing::warn!(file = file_id, stream = index, error = %why, "could not extract a subtitle");
        ApiError::from(super::PlaybackError::SubtitleUnreadable)
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let partial = dir.join(format!(".{file_id}-{index}.vtt.partial"));
    let input = p.media_input(state).await?;
    let args = domain::playback::ffmpeg::extract_subtitle_args(
        &input.to_string_lossy(),
        index,
        &partial.to_string_lossy(),
    );
    let run = tokio::process::Command::new(&state.config.ffmpeg)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(LIMIT, run).await {
        Ok(Ok(out)) if out.status.success() => {}
        Ok(Ok(out)) => return Err(failed(String::from_utf8_lossy(&out.stderr).into_owned())),
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Err(_) => return Err(failed("timed out".into())),
    }
    tokio::fs::rename(&partial, &target)
        .await
        .map_err(|e| failed(e.to_string()))?;
    tracing::info!(
        file = file_id,
        stream = index,
        "subtitle extracted to WebVTT"
    );
    Ok(target)
}
