//! Playback for every browser: `GET /api/files/{id}/playback` decides how a file plays in
//! the browser that asks, and opens a session whose HLS playlist, init section and segments
//! are made on the fly by ffmpeg (`backend::hls`, docs/playback.md).

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiPath, CurrentUser, Params};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use backend::hls::{self, PlaybackError, Request};
use backend::{ApiError, AppState};
use domain::api::PlaybackView;
use domain::playback::{Choice, ClientCaps, playlist};
use futures::StreamExt;
use http::{StatusCode, header};

/// What a session's files are served as; none of them may be stored by a shared cache.
const PRIVATE: &str = "private, max-age=3600";

fn number<T: std::str::FromStr>(params: &Params, key: &str) -> Result<Option<T>, ApiError> {
    params
        .get(key)
        .map(|v| {
            v.parse().map_err(|_| {
                ApiError::bad_request(
                    "invalid_parameter",
                    format!("{key} must be a number, not {v:?}."),
                )
            })
        })
        .transpose()
}

/// Decides how the file plays in this browser, from what the browser reported it decodes,
/// and (unless it plays as it is) opens a playback session: `url` is then its HLS playlist.
/// The session ends with `DELETE /api/playback/{session}` or after a few idle minutes.
#[utoipa::path(get, path = "/api/files/{id}/playback", tag = "playback", security(("session" = []), ("token" = [])),
    params(
        ("id" = i32, Path, description = "The movie file id"),
        ("supported" = Option<String>, Query, description = "Comma-separated codec strings (from the watch view's `playback.codecs`) the browser decodes"),
        ("direct" = Option<String>, Query, description = "`1` when `canPlayType(directType)` said yes"),
        ("hls" = Option<String>, Query, description = "`native`, `mse` or `none`"),
        ("audio" = Option<u32>, Query, description = "The audio track (stream index) to play"),
        ("start" = Option<f64>, Query, description = "Where the player begins, in seconds"),
    ),
    responses(
        (status = OK, body = PlaybackView),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`not_a_video`: ffprobe cannot read the file", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "`transcode_busy`: as many conversions as allowed are running; `probe_pending`: the file is still being analysed", body = ErrorBody),
    ))]
pub async fn playback(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    params: Params,
) -> Result<Json<PlaybackView>, Failure> {
    let caps = ClientCaps::from_query_pairs(
        ["supported", "direct", "hls"]
            .into_iter()
            .filter_map(|k| params.get(k).map(|v| (k, v))),
    )
    .map_err(PlaybackError::from)
    .map_err(ApiError::from)?;
    let start: f64 = number(&params, "start")?.unwrap_or(0.0);
    if !start.is_finite() || start < 0.0 {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "start must be a number of seconds from 0.",
        )
        .into());
    }
    let request = Request {
        choice: Choice {
            audio: number::<usize>(&params, "audio")?,
        },
        start,
    };
    let view = hls::open(&state, user.id, id, &caps, request)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(view))
}

/// One file of a playback session: `master.m3u8`, `index.m3u8`, `init.mp4` or `{n}.m4s`.
#[utoipa::path(get, path = "/api/playback/{session}/{file}", tag = "playback", security(("session" = []), ("token" = [])),
    params(
        ("session" = String, Path, description = "The session id"),
        ("file" = String, Path, description = "`master.m3u8`, `index.m3u8`, `init.mp4` or `N.m4s`"),
    ),
    responses(
        (status = OK, description = "The playlist or the fMP4 section"),
        (status = NOT_FOUND, description = "No such session or segment, or not the session's user", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "`segment_timeout`: ffmpeg did not make it in time", body = ErrorBody),
    ))]
pub async fn session_file(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> Result<Response, Failure> {
    let session = state
        .hls
        .get(&state, user.id, &id)
        .await
        .map_err(ApiError::from)?;
    session.touch();
    let playlist = |text: String| {
        (
            [
                (header::CONTENT_TYPE, "application/vnd.apple.mpegurl"),
                (header::CACHE_CONTROL, "private, no-cache"),
            ],
            text,
        )
            .into_response()
    };
    match file.as_str() {
        "master.m3u8" => Ok(playlist(playlist::master_playlist(
            &session.decision,
            &session.probe,
            "index.m3u8",
        ))),
        "index.m3u8" => Ok(playlist(playlist::media_playlist(
            &session.plan,
            "init.mp4",
            |n| format!("{n}.m4s"),
        ))),
        "init.mp4" => {
            let path = session
                .init()
                .await
                .map_err(|e| ApiError::from(PlaybackError::from(e)))?;
            let bytes = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
            Ok(fmp4(Body::from(bytes)))
        }
        other => {
            let n: usize = other
                .strip_suffix(".m4s")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ApiError::from(PlaybackError::NoSession))?;
            let paths = session
                .segment(n)
                .await
                .map_err(|e| ApiError::from(PlaybackError::from(e)))?;
            // A segment is a run of GOP fragments: opened now (one deleted meanwhile is asked
            // for again) and sent one after the other, never whole in memory (a 6 s segment of
            // a 4K remux is tens of MB).
            let mut files = Vec::with_capacity(paths.len());
            let mut length = 0;
            for path in &paths {
                let opened = match tokio::fs::File::open(path).await {
                    Ok(file) => file.metadata().await.map(|m| (file, m.len())),
                    Err(e) => Err(e),
                };
                let Ok((file, size)) = opened else {
                    return Err(ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "segment_timeout",
                        "The segment was being replaced; ask again.",
                    )
                    .into());
                };
                length += size;
                files.push(tokio_util::io::ReaderStream::new(file));
            }
            let mut response = fmp4(Body::from_stream(futures::stream::iter(files).flatten()));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, length.into());
            Ok(response)
        }
    }
}

fn fmp4(body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "video/mp4"),
            (header::CACHE_CONTROL, PRIVATE),
        ],
        body,
    )
        .into_response()
}

/// Ends a playback session: ffmpeg stops and its files are removed.
#[utoipa::path(delete, path = "/api/playback/{session}", tag = "playback", security(("session" = []), ("token" = [])),
    params(("session" = String, Path, description = "The session id")),
    responses(
        (status = NO_CONTENT, description = "Ended (or already gone)"),
    ))]
pub async fn end(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> StatusCode {
    state.hls.end(&state, user.id, &id).await;
    StatusCode::NO_CONTENT
}

/// The same for `navigator.sendBeacon`, which can only POST.
#[utoipa::path(post, path = "/api/playback/{session}/end", tag = "playback", security(("session" = []), ("token" = [])),
    params(("session" = String, Path, description = "The session id")),
    responses(
        (status = NO_CONTENT, description = "Ended (or already gone)"),
    ))]
pub async fn end_beacon(
    state: State<AppState>,
    user: CurrentUser,
    id: ApiPath<String>,
) -> StatusCode {
    end(state, user, id).await
}

/// A text subtitle stream inside the movie file, as WebVTT (extracted once, then cached).
#[utoipa::path(get, path = "/api/files/{id}/subtitles/{stream}", tag = "playback", security(("session" = []), ("token" = [])),
    params(
        ("id" = i32, Path, description = "The movie file id"),
        ("stream" = String, Path, description = "`N.vtt`: the subtitle stream's index in the file"),
    ),
    responses(
        (status = OK, description = "WebVTT", content_type = "text/vtt"),
        (status = NOT_FOUND, description = "No such file or text subtitle stream, or not a member", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`subtitle_unreadable`", body = ErrorBody),
    ))]
pub async fn embedded_subtitle(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, stream)): ApiPath<(i32, String)>,
) -> Result<Response, Failure> {
    let index: usize = stream
        .strip_suffix(".vtt")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "subtitle_not_found",
                "This movie file has no such text subtitle.",
            )
        })?;
    let path = hls::subtitles::embedded(&state, user.id, id, index).await?;
    let text = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/vtt; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        text,
    )
        .into_response())
}
