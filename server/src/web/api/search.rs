//! `/api/search/movies`: which movies a title (and year) may be, best first.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{CurrentUser, Params};
use axum::Json;
use axum::extract::State;
use backend::metadata::{self, SearchResult};
use backend::{ApiError, AppState};

/// Searches IMDb for a title and ranks the answers against it and the year (title similarity,
/// year, kind, popularity), so that the right movie comes first. `confident` says whether the
/// first is clear enough to take without asking. An IMDb id or address, or a TMDB movie
/// address, names the movie outright (one candidate); an IMDb id is taken even when IMDb
/// cannot be reached.
#[utoipa::path(get, path = "/api/search/movies", tag = "metadata", security(("session" = []), ("token" = [])),
    params(
        ("q" = String, Query, description = "Title, as guessed from a file name or typed; or an IMDb id, IMDb address or TMDB movie address"),
        ("year" = Option<u16>, Query, description = "Release year, if known"),
    ),
    responses(
        (status = OK, description = "`{\"candidates\": [{imdbId, title, year, kind, rank, posterUrl, cast, confidence}], \"confident\": bool}`"),
        (status = BAD_REQUEST, description = "Missing or overlong title, or a year that is not one", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`tmdb_link_unusable`: a TMDB address without a TMDB key, or one TMDB does not know", body = ErrorBody),
        (status = BAD_GATEWAY, description = "`provider_unavailable` or `provider_bad_answer`", body = ErrorBody),
        (status = GATEWAY_TIMEOUT, description = "`provider_timeout`", body = ErrorBody),
    ))]
pub async fn movies(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    params: Params,
) -> Result<Json<SearchResult>, Failure> {
    let title = params.get("q").unwrap_or_default();
    // The range is the service's rule; here only the text must be a number.
    let year = match params.get("year").filter(|y| !y.is_empty()) {
        None => None,
        Some(y) => Some(
            y.parse::<u16>()
                .map_err(|_| ApiError::from(metadata::SearchError::BadYear))?,
        ),
    };
    Ok(Json(metadata::search_movies(&state, title, year).await?))
}

/// The library's movies whose title, cast or year match what was typed: each word a prefix,
/// accents and case ignored ("matr 1999", "keanu", "amelie"). Best first, at most 60.
#[utoipa::path(get, path = "/api/search", tag = "movies", security(("session" = []), ("token" = [])),
    params(
        ("library" = i32, Query, description = "The library"),
        ("q" = String, Query, description = "What was typed (at most 200 characters)"),
    ),
    responses(
        (status = OK, body = [domain::api::MovieLink]),
        (status = BAD_REQUEST, description = "Malformed library, or `query_too_long`", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library for this user", body = ErrorBody),
    ))]
pub async fn library(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
) -> Result<Json<Vec<domain::api::MovieLink>>, Failure> {
    let library = params.required_library()?;
    let text = params.get("q").unwrap_or_default();
    Ok(Json(
        backend::search::library(&state, user.id, library, text).await?,
    ))
}
