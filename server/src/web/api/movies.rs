//! `/api/movies…`: a library's movies, a movie's page and pictures, and its metadata.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, CurrentUser, MoviePath, Params};
use axum::Json;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use backend::AppState;
use backend::movies::{self, Picture};
use domain::api::{MovieFileInfo, MovieLink, MovieView, NamedMovie, RowsPage};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::ToSchema;

/// The movies of a library, by title.
#[utoipa::path(get, path = "/api/movies", tag = "movies", security(("session" = []), ("token" = [])),
    params(("library" = i32, Query, description = "The library")),
    responses(
        (status = OK, body = [MovieLink]),
        (status = BAD_REQUEST, description = "Malformed library", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
) -> Result<Json<Vec<MovieLink>>, Failure> {
    let library = params.required_library()?;
    Ok(Json(movies::list(&state, user.id, library).await?))
}

/// Names a movie by hand, by its title (and year), for when the movie database cannot be
/// reached or does not know the film: answers the movie to upload its files to, under a
/// provisional id (`tt9` and nine digits; the same title and year give the same one). Once
/// the database answers, the server looks the title up and moves the files to the movie found.
#[utoipa::path(post, path = "/api/movies", tag = "movies", request_body = NamedMovie, security(("session" = []), ("token" = [])),
    params(("library" = Option<i32>, Query, description = "The library the files will go to [default: the user's active library]")),
    responses(
        (status = CREATED, body = MovieLink),
        (status = BAD_REQUEST, description = "Malformed library, `invalid_title` or `invalid_year`", body = ErrorBody),
        (status = FORBIDDEN, description = "`not_allowed`: the user's role in the library does not allow uploads", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
        (status = CONFLICT, description = "`no_library`: no library given and none active", body = ErrorBody),
    ))]
pub async fn name(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
    ApiJson(named): ApiJson<NamedMovie>,
) -> Result<(StatusCode, Json<MovieLink>), Failure> {
    let library = params.library()?;
    let movie = backend::metadata::by_hand::name(&state, user.id, library, named).await?;
    Ok((StatusCode::CREATED, Json(movie)))
}

/// A movie as its page shows it: details, collection, files, and whether the caller may edit.
#[utoipa::path(get, path = "/api/movies/{imdbId}", tag = "movies", security(("session" = []), ("token" = [])),
    params(("imdbId" = String, Path, description = "e.g. tt0133093"), ("library" = i32, Query, description = "A library with the movie")),
    responses(
        (status = OK, body = MovieView),
        (status = BAD_REQUEST, description = "Malformed id or library", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user, or no such movie in it; `movie_moved` with `movedTo` (the movie's id now) for the old id of a movie named by hand that has since been found", body = ErrorBody),
    ))]
pub async fn view(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
) -> Result<Json<MovieView>, Failure> {
    let library = params.required_library()?;
    Ok(Json(
        movies::view(&state, user.id, library, &imdb_id).await?,
    ))
}

/// The movie's poster as stored in the library (cached by the browser, revalidated by date).
#[utoipa::path(get, path = "/api/movies/{imdbId}/poster", tag = "movies", security(("session" = []), ("token" = [])),
    params(
        ("imdbId" = String, Path, description = "e.g. tt0133093"),
        ("library" = i32, Query, description = "A library with the movie"),
        ("w" = Option<u32>, Query, description = "Resized to this width: 160, 320 or 480"),
        ("v" = Option<String>, Query, description = "The cover's version (`posterVersion`); makes the answer cacheable for a year"),
    ),
    responses(
        (status = OK, description = "The image (JPEG, PNG or WebP)", content_type = "image/jpeg"),
        (status = NOT_MODIFIED, description = "The client's copy is current (ETag)"),
        (status = BAD_REQUEST, description = "`invalid_width`", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user, movie, or picture", body = ErrorBody),
    ))]
pub async fn poster(
    state: State<AppState>,
    user: CurrentUser,
    imdb_id: MoviePath,
    params: Params,
    request: Request,
) -> Result<Response, Failure> {
    picture(state, user, imdb_id, params, request, Picture::Poster).await
}

/// The movie's backdrop, a wide still for the top of its page.
#[utoipa::path(get, path = "/api/movies/{imdbId}/backdrop", tag = "movies", security(("session" = []), ("token" = [])),
    params(("imdbId" = String, Path, description = "e.g. tt0133093"), ("library" = i32, Query, description = "A library with the movie")),
    responses(
        (status = OK, description = "The image (JPEG, PNG or WebP)", content_type = "image/jpeg"),
        (status = NOT_FOUND, description = "No such library for this user, movie, or picture", body = ErrorBody),
    ))]
pub async fn backdrop(
    state: State<AppState>,
    user: CurrentUser,
    imdb_id: MoviePath,
    params: Params,
    request: Request,
) -> Result<Response, Failure> {
    picture(state, user, imdb_id, params, request, Picture::Backdrop).await
}

async fn picture(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
    request: Request,
    which: Picture,
) -> Result<Response, Failure> {
    let library = params.required_library()?;
    let mut path = movies::picture(&state, user.id, library, &imdb_id, which).await?;
    if let Some(width) = params.get("w").filter(|w| !w.is_empty()) {
        let width = width.parse::<u32>().unwrap_or(0);
        path = backend::posters::resized(&state, path, library, &imdb_id, width).await?;
    }
    let etag = std::fs::metadata(&path).ok().map(|m| {
        let nanos = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        domain::streaming::etag(m.len(), nanos)
    });
    // A versioned address (`v=`, the cover's date) never changes content: cached for a year.
    let cache = if params.get("v").is_some() {
        "private, max-age=31536000, immutable"
    } else {
        "private, max-age=3600, must-revalidate"
    };
    let unchanged = etag.as_deref().is_some_and(|tag| {
        request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| domain::streaming::none_match_hits(v, tag))
    });
    // ServeFile answers If-Modified-Since and guesses the type by extension.
    let mut res = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match ServeFile::new(path).oneshot(request).await {
            Ok(res) => res.into_response(),
            Err(never) => match never {},
        }
    };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    Ok(res)
}

/// The movie's trailer from the library's `trailer/` folder, with HTTP Range (members).
#[utoipa::path(get, path = "/api/movies/{imdbId}/trailer", tag = "movies", security(("session" = []), ("token" = [])),
    params(("imdbId" = String, Path, description = "e.g. tt0133093"), ("library" = i32, Query, description = "A library with the movie")),
    responses(
        (status = OK, description = "The video", content_type = "video/mp4"),
        (status = PARTIAL_CONTENT, description = "The requested range", content_type = "video/mp4"),
        (status = NOT_FOUND, description = "No such library for this user, movie, or trailer file", body = ErrorBody),
    ))]
pub async fn trailer(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
    request: Request,
) -> Result<Response, Failure> {
    let library = params.required_library()?;
    let path = movies::trailer(&state, user.id, library, &imdb_id).await?;
    // ServeFile answers Range, If-Range and If-Modified-Since, and types it by extension.
    let mut res = match ServeFile::new(path).oneshot(request).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600, must-revalidate"),
    );
    Ok(res)
}

/// The movie's metadata fetch is queued.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    /// `pending`: the server's metadata job fetches it soon; `moved`: a movie named by hand
    /// was found now, and its files moved to `movedTo`.
    pub metadata_status: String,
    /// The movie the files of a movie named by hand moved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
}

/// Fetches a movie's details, cover and collection again (after a provider was down, or to
/// pick up changes); a movie named by hand is looked up at once. Needs the right to manage a
/// library that has the movie.
#[utoipa::path(post, path = "/api/movies/{imdbId}/refresh", tag = "movies", security(("session" = []), ("token" = [])),
    params(("imdbId" = String, Path, description = "e.g. tt0133093"), ("library" = i32, Query, description = "A library with the movie")),
    responses(
        (status = ACCEPTED, body = Queued),
        (status = BAD_REQUEST, description = "Malformed id or library", body = ErrorBody),
        (status = FORBIDDEN, description = "The user's role in the library does not allow it", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user, or the movie has no file in it", body = ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
) -> Result<(StatusCode, Json<Queued>), Failure> {
    let library = params.required_library()?;
    let moved = backend::metadata::refresh(&state, user.id, library, &imdb_id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            metadata_status: if moved.is_some() { "moved" } else { "pending" }.into(),
            moved_to: moved.map(String::from),
        }),
    ))
}

/// "Fix match": the files this library holds under `imdbId` are another movie, `to`. Their
/// folder moves to `<library>/<to>/`, and that movie's details and cover are fetched.
#[utoipa::path(post, path = "/api/movies/{imdbId}/match", tag = "movies", security(("session" = []), ("token" = [])),
    params(
        ("imdbId" = String, Path, description = "The wrong id, e.g. tt0078748"),
        ("library" = i32, Query, description = "The library holding the files"),
        ("to" = String, Query, description = "The right IMDb id, e.g. tt0133093"),
    ),
    responses(
        (status = OK, description = "The files, now under the right movie", body = [MovieFileInfo]),
        (status = BAD_REQUEST, description = "Malformed id or library", body = ErrorBody),
        (status = FORBIDDEN, description = "The user's role in the library does not allow it", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user, or the movie has no file in it", body = ErrorBody),
        (status = CONFLICT, description = "`movie_has_files`: the right movie already has files here; remove one side first", body = ErrorBody),
    ))]
pub async fn rematch(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    MoviePath(imdb_id): MoviePath,
    params: Params,
) -> Result<Json<Vec<MovieFileInfo>>, Failure> {
    let library = params.required_library()?;
    let to = params.imdb_id("to")?;
    Ok(Json(
        backend::metadata::rematch(&state, user.id, library, &imdb_id, &to).await?,
    ))
}

/// A page of the home page's rows (Continue watching, Recently added, collections, Top rated,
/// genres, decades, Unwatched), each with its first movies; rows without movies are left out.
#[utoipa::path(get, path = "/api/rows", tag = "movies", security(("session" = []), ("token" = [])),
    params(("library" = i32, Query, description = "The library"), ("offset" = Option<u32>, Query, description = "The first row (from `next`)")),
    responses(
        (status = OK, body = RowsPage),
        (status = BAD_REQUEST, description = "Malformed library or offset", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
    ))]
pub async fn rows(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
) -> Result<Json<RowsPage>, Failure> {
    let library = params.required_library()?;
    let offset = params.count_or_zero("offset")?;
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    Ok(Json(
        backend::rows::page(&state, user.id, library, offset).await?,
    ))
}

/// More movies of one row, as it is scrolled sideways.
#[utoipa::path(get, path = "/api/rows/{row}", tag = "movies", security(("session" = []), ("token" = [])),
    params(("row" = String, Path, description = "e.g. `recent`, `genre:12`, `decade:1990`"), ("library" = i32, Query, description = "The library"), ("offset" = Option<u64>, Query, description = "Movies to skip")),
    responses(
        (status = OK, body = [MovieLink]),
        (status = BAD_REQUEST, description = "Malformed library or offset", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user, or no such row", body = ErrorBody),
    ))]
pub async fn row_items(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(row): ApiPath<String>,
    params: Params,
) -> Result<Json<Vec<MovieLink>>, Failure> {
    let library = params.required_library()?;
    let offset = params.count_or_zero("offset")?;
    Ok(Json(
        backend::rows::items(&state, user.id, library, &row, offset).await?,
    ))
}
