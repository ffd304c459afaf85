//! `/api/movies/{imdbId}/…`: a movie's metadata.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiPath, CurrentUser, Params};
use axum::Json;
use axum::extract::State;
use backend::AppState;
use backend::uploads;
use domain::api::MovieFileInfo;
use http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// The movie's metadata fetch is queued.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    /// Always `pending`: the server's metadata job fetches it soon.
    pub metadata_status: String,
}

/// Fetches a movie's details, cover and collection again (after a provider was down, or to
/// pick up changes). Needs the right to upload to a library that has the movie.
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
    ApiPath(imdb_id): ApiPath<String>,
    params: Params,
) -> Result<(StatusCode, Json<Queued>), Failure> {
    let library = params.required_library()?;
    uploads::refresh(&state, user.id, library, &imdb_id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            metadata_status: "pending".into(),
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
    ApiPath(imdb_id): ApiPath<String>,
    params: Params,
) -> Result<Json<Vec<MovieFileInfo>>, Failure> {
    let library = params.required_library()?;
    let to = params.required("to")?;
    Ok(Json(
        uploads::rematch(&state, user.id, library, &imdb_id, to).await?,
    ))
}
