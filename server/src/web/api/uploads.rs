//! `/api/upload` and friends: the HTTP face of the resumable upload protocol. Parameters are
//! checked by `domain::upload`, the work is done by `backend::uploads`; see
//! `docs/upload-protocol.md`.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, CurrentUser, MoviePath, Params};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use backend::uploads::{self, ChunkRequest, EndRequest};
use backend::{ApiError, AppState};
use domain::api::{
    ChunkAccepted, FileDescription, FileStatus, MovieFileInfo, PendingUpload, UploadFinished,
    UploadState,
};
use domain::upload::{self as rules, EndMode};
use http::{HeaderMap, StatusCode, header};

/// Most files one `check` request may describe.
pub const CHECK_MAX_FILES: usize = 5000;

/// `type=`, which says which step of the protocol a request is.
fn step(params: &Params) -> Result<&str, Failure> {
    params.get("type").ok_or_else(|| {
        Failure(ApiError::bad_request(
            "missing_parameter",
            "The parameter type is missing (init, chunk, end or cancel).",
        ))
    })
}

fn wrong_type(kind: &str, method: &str, allowed: &str) -> Failure {
    Failure(ApiError::bad_request(
        "invalid_type",
        format!("type={kind} is not a {method} request; use {allowed}."),
    ))
}

/// The header a `GET` init must carry. A link, an `<img>` or a form on another website cannot
/// add a header, and a script there would need a CORS preflight that this server never grants:
/// so a page elsewhere cannot make a logged-in visitor's browser start uploads.
pub const UPLOAD_HEADER: &str = "x-ott-upload";

/// `init`: start an upload, or get the state of the unfinished one for the same file. `POST`
/// is the way; `GET` (the original protocol's) works only with the `X-OTT-Upload` header.
#[utoipa::path(get, path = "/api/upload", tag = "uploads", security(("session" = []), ("token" = [])),
    params(
        ("X-OTT-Upload" = String, Header, description = "Required on GET: any value, e.g. `1` (`POST` needs none)"),
        ("type" = String, Query, description = "`init`"),
        ("filename" = String, Query, description = "Original file name (metadata only; at most 255 bytes, no path)"),
        ("size" = u64, Query, description = "File size in bytes"),
        ("lastModified" = u64, Query, description = "The file's last modification, in milliseconds since the epoch"),
        ("library" = Option<i32>, Query, description = "Target library [default: the user's active library]"),
        ("imdbId" = Option<String>, Query, description = "The movie, if already known (e.g. tt0133093): an upload into a bucket library is then written straight to its place"),
    ),
    responses(
        (status = OK, body = UploadState),
        (status = BAD_REQUEST, description = "A parameter is missing or malformed", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = FORBIDDEN, description = "`missing_upload_header`: a GET without `X-OTT-Upload`; `not_allowed`: the user's role cannot upload", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
        (status = CONFLICT, description = "`already_uploaded` (with `movieFileId` and `movie`), `no_library`, or `busy`", body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, description = "`file_too_large` or `subtitle_too_large` (with `max`)", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "`too_many_open_uploads` (with `max`)", body = ErrorBody),
        (status = INSUFFICIENT_STORAGE, description = "`insufficient_storage` with `free`, `needed` and `promised`; `quota_exceeded` with `quota` and `used`", body = ErrorBody),
    ))]
pub async fn init(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
    headers: HeaderMap,
) -> Result<Json<UploadState>, Failure> {
    let kind = step(&params)?;
    if kind != "init" {
        return Err(wrong_type(kind, "GET", "type=init"));
    }
    if !headers.contains_key(UPLOAD_HEADER) {
        return Err(Failure(ApiError::forbidden(
            "missing_upload_header",
            "A GET init needs the header X-OTT-Upload: 1 (or send it as POST), so that a link on another website cannot start uploads.",
        )));
    }
    start(&state, user.id, &params).await
}

/// `init`'s work, for GET and POST alike.
async fn start(
    state: &AppState,
    user_id: i32,
    params: &Params,
) -> Result<Json<UploadState>, Failure> {
    let file = FileDescription {
        filename: params.required("filename")?.to_owned(),
        size: params.count("size")?,
        last_modified: params.count("lastModified")?,
    };
    let library = params.library()?;
    let movie = match params.get("imdbId") {
        None | Some("") => None,
        Some(_) => Some(params.imdb_id("imdbId")?),
    };
    Ok(Json(
        uploads::init(state, user_id, library, file, movie).await?,
    ))
}

/// The answer to a chunk, an end or a cancel.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PostAnswer {
    Init(UploadState),
    Chunk(ChunkAccepted),
    End(UploadFinished),
    Cancelled { cancelled: bool },
}

/// `init` (no body), `chunk` (the bytes are the body), `end` or `cancel`.
#[utoipa::path(post, path = "/api/upload", tag = "uploads", security(("session" = []), ("token" = [])),
    params(
        ("type" = String, Query, description = "`init`, `chunk`, `end` or `cancel`"),
        ("filename" = Option<String>, Query, description = "init: original file name (metadata only; at most 255 bytes, no path)"),
        ("size" = Option<u64>, Query, description = "init: file size in bytes"),
        ("lastModified" = Option<u64>, Query, description = "init: the file's last modification, in milliseconds since the epoch"),
        ("library" = Option<i32>, Query, description = "init: target library [default: the user's active library]"),
        ("uploadId" = Option<String>, Query, description = "chunk, end, cancel: from `init`"),
        ("chunkNr" = Option<u64>, Query, description = "chunk: the number of this chunk (the last accepted + 1)"),
        ("offset" = Option<u64>, Query, description = "chunk: where the bytes start (the stored offset)"),
        ("sha256" = Option<String>, Query, description = "chunk: hex sha256 of the bytes, checked before they are kept"),
        ("imdbId" = Option<String>, Query, description = "end: the movie, e.g. tt0133093; init: the same, if already known (optional)"),
        ("mode" = Option<String>, Query, description = "end: `new` (default), `replace` or `version`"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "chunk: the bytes (with Content-Length)"),
    responses(
        (status = OK, body = PostAnswer),
        (status = BAD_REQUEST, description = "Malformed parameter, `checksum_mismatch`, `length_mismatch`, `body_interrupted`", body = ErrorBody),
        (status = FORBIDDEN, description = "`not_allowed`: init by a viewer, or end with `mode=replace` by someone who may not delete files (an uploader)", body = ErrorBody),
        (status = NOT_FOUND, description = "`upload_not_found` (unknown, finished, or another user's); init: `library_not_found`", body = ErrorBody),
        (status = CONFLICT, description = "`out_of_order` with `offset` and `chunkNr`; `busy`; `incomplete` with `offset` and `size`; `movie_has_files` with `files`; init: `already_uploaded`, `no_library`", body = ErrorBody),
        (status = LENGTH_REQUIRED, description = "No Content-Length", body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, description = "`chunk_too_large`; init: `file_too_large`, `subtitle_too_large`", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "init: `too_many_open_uploads` (with `max`)", body = ErrorBody),
        (status = INSUFFICIENT_STORAGE, description = "`insufficient_storage`: the disk has no room (nothing of a chunk was kept); init: also `quota_exceeded`", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "`storage_unavailable` (with `Retry-After`): a library in a bucket whose store cannot be reached; nothing is lost, send the same request again", body = ErrorBody),
    ))]
pub async fn post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PostAnswer>, Failure> {
    if params.get("type") == Some("init") {
        let Json(started) = start(&state, user.id, &params).await?;
        return Ok(Json(PostAnswer::Init(started)));
    }
    let upload_id = params.required("uploadId")?.to_owned();
    match step(&params)? {
        "chunk" => {
            let req = ChunkRequest {
                upload_id,
                chunk_nr: params.count("chunkNr")?,
                offset: params.count("offset")?,
                content_length: content_length(&headers)?,
                sha256: rules::check_sha256(params.get("sha256"))?,
            };
            let answer = uploads::chunk(&state, user.id, req, body.into_data_stream()).await?;
            Ok(Json(PostAnswer::Chunk(answer)))
        }
        "end" => {
            let req = EndRequest {
                upload_id,
                imdb_id: params.imdb_id("imdbId")?,
                mode: EndMode::parse(params.get("mode"))?,
            };
            Ok(Json(PostAnswer::End(
                uploads::end(&state, user.id, req).await?,
            )))
        }
        "cancel" => {
            uploads::cancel(&state, user.id, &upload_id).await?;
            Ok(Json(PostAnswer::Cancelled { cancelled: true }))
        }
        other => Err(wrong_type(other, "POST", "type=init, chunk, end or cancel")),
    }
}

fn content_length(headers: &HeaderMap) -> Result<Option<u64>, Failure> {
    match headers.get(header::CONTENT_LENGTH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                Failure(ApiError::bad_request(
                    "invalid_content_length",
                    "The Content-Length header is not a number.",
                ))
            }),
    }
}

/// Cancels an unfinished upload and deletes what arrived.
#[utoipa::path(delete, path = "/api/upload", tag = "uploads", security(("session" = []), ("token" = [])),
    params(("uploadId" = String, Query, description = "From `init`")),
    responses(
        (status = NO_CONTENT, description = "Cancelled"),
        (status = BAD_REQUEST, description = "`missing_parameter`", body = ErrorBody),
        (status = NOT_FOUND, description = "`upload_not_found`", body = ErrorBody),
        (status = CONFLICT, description = "`busy`", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
) -> Result<StatusCode, Failure> {
    uploads::cancel(&state, user.id, params.required("uploadId")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CheckRequest {
    /// Target library [default: the user's active library].
    #[serde(default)]
    pub library: Option<i32>,
    pub files: Vec<FileDescription>,
}

/// What the server already has of each file (new, partly uploaded, or already in the
/// library), answered in the same order, in one round-trip.
#[utoipa::path(post, path = "/api/upload/check", tag = "uploads", request_body = CheckRequest, security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [FileStatus]),
        (status = BAD_REQUEST, description = "Malformed body or too many files", body = ErrorBody),
        (status = FORBIDDEN, description = "`not_allowed`", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
        (status = CONFLICT, description = "`no_library`", body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, description = "Body over 2 MiB", body = ErrorBody),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Body is not JSON", body = ErrorBody),
    ))]
pub async fn check(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<Vec<FileStatus>>, Failure> {
    if body.files.len() > CHECK_MAX_FILES {
        return Err(Failure(ApiError::bad_request(
            "too_many_files",
            format!("Check at most {CHECK_MAX_FILES} files per request."),
        )));
    }
    Ok(Json(
        uploads::check(&state, user.id, body.library, body.files).await?,
    ))
}

/// The user's unfinished uploads, most recently active first.
#[utoipa::path(get, path = "/api/uploads", tag = "uploads", security(("session" = []), ("token" = [])),
    responses((status = OK, body = [PendingUpload]), (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody)))]
pub async fn pending(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<PendingUpload>>, Failure> {
    Ok(Json(uploads::pending(&state, user.id).await?))
}

/// The files a movie already has in a library, so an uploader can offer to replace them or
/// add another version.
#[utoipa::path(get, path = "/api/movies/{imdbId}/files", tag = "uploads", security(("session" = []), ("token" = [])),
    params(("imdbId" = String, Path, description = "e.g. tt0133093"), ("library" = i32, Query, description = "Library id")),
    responses(
        (status = OK, body = [MovieFileInfo]),
        (status = BAD_REQUEST, description = "Malformed id", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
    ))]
pub async fn movie_files(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
) -> Result<Json<Vec<MovieFileInfo>>, Failure> {
    let library = params.required_library()?;
    Ok(Json(
        backend::movies::files(&state, user.id, library, &imdb_id).await?,
    ))
}
