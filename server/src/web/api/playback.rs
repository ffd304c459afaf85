//! Playback: `GET /stream/{id}` (the video, with HTTP Range), `GET /subtitles/{id}/{name}`
//! (SubRip converted to WebVTT on the fly), and the player's page data and resume position.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiPath, CurrentUser};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use backend::storage::StorageError;
use backend::{ApiError, AppState, playback};
use domain::api::{RemuxStatus, WatchView};
use domain::format::title_year;
use domain::streaming::{self, Answer};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;
use utoipa::ToSchema;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `Content-Disposition` that offers the file as a download named after its movie.
fn attachment(p: &playback::Playable) -> String {
    let name = format!(
        "{}.{}",
        title_year(&p.movie.title.replace(['"', '/', '\\'], ""), p.movie.year),
        p.file.relative_path.rsplit('.').next().unwrap_or("mp4")
    );
    // A header value takes printable ASCII only; the full name goes percent-encoded.
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        domain::metadata::percent_encode(&name)
    )
}

/// Streams a movie file. Single byte ranges (`bytes=a-b`, `a-`, `-n`) get 206 with
/// `Content-Range`, a range past the end 416; `If-Range` with a stale validator gets the whole
/// file; `If-None-Match` / `If-Modified-Since` get 304. `?download=1` offers it as a download.
/// A member of the file's library only; anyone else gets 404.
#[utoipa::path(get, path = "/stream/{id}", tag = "playback", security(("session" = []), ("token" = [])),
    params(
        ("id" = i32, Path, description = "The movie file id"),
        ("Range" = Option<String>, Header, description = "e.g. `bytes=0-` or `bytes=-1048576`"),
        ("download" = Option<bool>, Query, description = "Send as an attachment"),
    ),
    responses(
        (status = OK, description = "The whole file", content_type = "video/mp4"),
        (status = PARTIAL_CONTENT, description = "The requested range", content_type = "video/mp4"),
        (status = NOT_MODIFIED, description = "The client's copy is current"),
        (status = RANGE_NOT_SATISFIABLE, description = "The range starts past the end; `Content-Range: bytes */size`"),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    query: axum::extract::RawQuery,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let p = playback::playable(&state, user.id, id).await?;
    let content_type = streaming::content_type(&p.file.relative_path);
    let disposition = query
        .0
        .as_deref()
        .is_some_and(|q| {
            q.split('&')
                .any(|kv| kv == "download=1" || kv == "download=true")
        })
        .then(|| attachment(&p));
    // A bucket whose store players can reach serves the bytes itself.
    if let Some(link) = backend::storage::stream_link(
        &state,
        &p.library,
        &p.file.relative_path,
        disposition.is_some(),
    )
    .await?
    {
        return Ok(Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, link)
            .header(header::CACHE_CONTROL, "private, no-store")
            .body(Body::empty())
            .map_err(ApiError::internal)?);
    }
    let opened = backend::storage::open(&state, &p.library, &p.file.relative_path)
        .await
        .map_err(|e| {
            tracing::warn!(library = p.library.id, file = %p.file.relative_path, error = %e, "a movie file in the database cannot be read");
            match e {
                StorageError::NotFound | StorageError::Io(_) => ApiError::new(
                    StatusCode::NOT_FOUND,
                    "file_missing",
                    "The movie file is missing from the library's folder.",
                ),
                other => other.into(),
            }
        })?;
    let size = opened.size;
    let modified = opened.modified;
    let nanos = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let etag = streaming::etag(size, nanos);
    let last_modified = httpdate::fmt_http_date(modified);

    let mut res = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, &last_modified)
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::CONTENT_TYPE, content_type);
    if let Some(disposition) = &disposition {
        res = res.header(header::CONTENT_DISPOSITION, disposition);
    }

    let not_modified = match header_str(&headers, header::IF_NONE_MATCH) {
        Some(tags) => streaming::none_match_hits(tags, &etag),
        None => header_str(&headers, header::IF_MODIFIED_SINCE)
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .is_some_and(|since| {
                // HTTP dates have whole seconds.
                modified
                    .duration_since(since)
                    .map_or(true, |d| d.as_secs() == 0)
            }),
    };
    if not_modified {
        return Ok(res
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(ApiError::internal)?);
    }

    let range = header_str(&headers, header::RANGE).filter(|_| {
        header_str(&headers, header::IF_RANGE)
            .is_none_or(|v| streaming::if_range_matches(v, &etag, &last_modified))
    });
    let answer = streaming::evaluate(range, size);
    if let Some(content_range) = answer.content_range(size) {
        res = res.header(header::CONTENT_RANGE, content_range);
    }
    let (status, start, len) = match answer {
        Answer::Full => (StatusCode::OK, 0, size),
        Answer::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        Answer::Unsatisfiable => {
            return Ok(res
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .body(Body::empty())
                .map_err(ApiError::internal)?);
        }
    };
    let body = Body::from_stream(opened.bytes(start, len).await?);
    Ok(res
        .status(status)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .map_err(ApiError::internal)?)
}

/// Subtitle files read and converted at once; each holds a few times `subtitle_max_size` at
/// most (the file, and the WebVTT made from it), so memory stays bounded however many players
/// ask together.
static CONVERSIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// A subtitle file of the movie as WebVTT (SubRip is converted; WebVTT is sent as it is).
/// Files larger than `subtitle_max_size` are refused without being read.
#[utoipa::path(get, path = "/subtitles/{id}/{name}", tag = "playback", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id"), ("name" = String, Path, description = "e.g. subtitle.en.srt")),
    responses(
        (status = OK, description = "WebVTT", content_type = "text/vtt"),
        (status = NOT_FOUND, description = "No such file or subtitle, or not a member of its library", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`subtitle_too_large` (with `size` and `max`): the stored file is larger than `subtitle_max_size`", body = ErrorBody),
    ))]
pub async fn subtitles(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, name)): ApiPath<(i32, String)>,
) -> Result<Response, Failure> {
    let opened = playback::subtitle(&state, user.id, id, &name).await?;
    let unreadable = |e: std::io::Error| {
        tracing::warn!(file = id, %name, error = %e, "could not read a subtitle file");
        ApiError::new(
            StatusCode::NOT_FOUND,
            "subtitle_not_found",
            "This subtitle file cannot be read.",
        )
    };
    let max = state.config.subtitle_max_size;
    let too_large = |size: u64| {
        tracing::info!(file = id, %name, size, max, "a subtitle file too large to convert was asked for");
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "subtitle_too_large",
            format!("This subtitle file is {size} bytes; the server converts subtitles of up to {max} bytes."),
        )
        .with_detail("size", size)
        .with_detail("max", max)
    };
    let size = opened.size;
    if size > max {
        return Err(too_large(size).into());
    }
    let _turn = CONVERSIONS.acquire().await.map_err(ApiError::internal)?;
    // No more than the size read above, however the file changed since: memory stays bounded.
    let mut bytes = Vec::with_capacity(size as usize);
    let mut pieces = opened.bytes(0, size).await?;
    while let Some(piece) = pieces.next().await {
        bytes.extend_from_slice(&piece.map_err(unreadable)?);
    }
    let is_vtt = name.to_ascii_lowercase().ends_with(".vtt");
    // Converting a few megabytes takes a while: not on the async workers.
    let converted = tokio::task::spawn_blocking(move || {
        if is_vtt {
            domain::subtitles::Converted {
                vtt: domain::subtitles::decode(bytes),
                cues: 0,
                skipped: 0,
            }
        } else {
            domain::subtitles::convert(bytes)
        }
    })
    .await
    .map_err(ApiError::internal)?;
    if converted.skipped > 0 {
        tracing::info!(file = id, %name, cues = converted.cues, skipped = converted.skipped, "malformed subtitle cues skipped");
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/vtt; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        converted.vtt,
    )
        .into_response())
}

/// The player page's data: the movie, the stream, its subtitle tracks, where to resume.
#[utoipa::path(get, path = "/api/files/{id}/watch", tag = "playback", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id")),
    responses(
        (status = OK, body = WatchView),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
    ))]
pub async fn watch(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<WatchView>, Failure> {
    Ok(Json(playback::watch(&state, user.id, id).await?))
}

/// Where the player is.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// Seconds from the start.
    pub position: f64,
    /// The running time as the player knows it, if it does.
    pub duration: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    /// True once the movie counts as watched (90% of its running time).
    pub completed: bool,
}

/// Saves the user's position in the movie (the player sends it every few seconds and on pause;
/// POST too, for `navigator.sendBeacon` when the page is closed).
#[utoipa::path(method(put, post), path = "/api/files/{id}/progress", tag = "playback", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id")),
    request_body = Position,
    responses(
        (status = OK, body = Saved),
        (status = BAD_REQUEST, description = "`invalid_position`", body = ErrorBody),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
    ))]
pub async fn progress(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    crate::web::extract::ApiJson(body): crate::web::extract::ApiJson<Position>,
) -> Result<Json<Saved>, Failure> {
    let completed =
        playback::save_progress(&state, user.id, id, body.position, body.duration).await?;
    Ok(Json(Saved { completed }))
}

/// Deletes one version of a movie: the file on disk and its records (the library's owner and
/// managers only).
#[utoipa::path(delete, path = "/api/files/{id}", tag = "movies", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id")),
    responses(
        (status = NO_CONTENT, description = "Deleted"),
        (status = BAD_REQUEST, description = "Malformed id", body = ErrorBody),
        (status = FORBIDDEN, description = "`not_allowed`: a member who may not delete", body = ErrorBody),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
    ))]
pub async fn delete_file(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode, Failure> {
    playback::delete_file(&state, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts converting an MKV file with H.264 video into an MP4 that every browser plays
/// (owner and managers). The MP4 becomes another version of the movie when done; follow it
/// with `GET` on the same address.
#[utoipa::path(post, path = "/api/files/{id}/remux", tag = "movies", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id")),
    responses(
        (status = ACCEPTED, description = "Queued", body = RemuxStatus),
        (status = BAD_REQUEST, description = "`already_playable` or `not_remuxable`", body = ErrorBody),
        (status = FORBIDDEN, description = "`not_allowed`: a viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
        (status = CONFLICT, description = "`remux_running` or `already_converted`", body = ErrorBody),
        (status = NOT_IMPLEMENTED, description = "`ffmpeg_missing`", body = ErrorBody),
        (status = INSUFFICIENT_STORAGE, description = "No room for the MP4", body = ErrorBody),
    ))]
pub async fn start_remux(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<(StatusCode, Json<RemuxStatus>), Failure> {
    let queued = backend::remux::start(&state, user.id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// The conversion of a file: `none`, `waiting`, `running` (with `percent`), `done` (with the
/// MP4's `fileId`) or `failed` (with `message`). Jobs are kept until the server restarts.
#[utoipa::path(get, path = "/api/files/{id}/remux", tag = "movies", security(("session" = []), ("token" = [])),
    params(("id" = i32, Path, description = "The movie file id")),
    responses(
        (status = OK, body = RemuxStatus),
        (status = NOT_FOUND, description = "No such file, or not a member of its library", body = ErrorBody),
    ))]
pub async fn remux_status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<RemuxStatus>, Failure> {
    Ok(Json(backend::remux::job(&state, user.id, id).await?))
}
