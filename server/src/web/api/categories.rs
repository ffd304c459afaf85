//! `/api/libraries/{id}/categories` and `/api/categories/...`: a library's own home-page rows.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::{AppState, categories};
use domain::ImdbId;
use domain::categories::{CategoryInfo, CategoryInput, CategoryOrder};
use http::StatusCode;

/// The library's categories in row order (any member).
#[utoipa::path(get, path = "/api/libraries/{id}/categories", tag = "libraries",
    params(("id" = i32, Path, description = "Library id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [CategoryInfo]),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<CategoryInfo>>, Failure> {
    Ok(Json(categories::list(&state, user.id, id).await?))
}

/// Makes a category (owner and managers): a `rule`, or hand-picked `movies`, or neither (an
/// empty hand-picked category, filled from the movie pages).
#[utoipa::path(post, path = "/api/libraries/{id}/categories", tag = "libraries",
    params(("id" = i32, Path, description = "Library id")),
    request_body = CategoryInput,
    security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = CategoryInfo),
        (status = BAD_REQUEST, description = "invalid_category_name, invalid_icon, empty_rule, invalid_years, invalid_rating, invalid_genre, unknown_genre, rule_and_movies, invalid_imdb_id, movie_not_in_library, too_many_movies", body = ErrorBody),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
        (status = CONFLICT, description = "category_exists", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<CategoryInfo>), Failure> {
    let made = categories::create(&state, user.id, id, &body).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Puts the library's categories (home-page rows) in a new order (owner and managers): `ids`
/// lists every one of them, each once, first row first. Answers with them in that order.
#[utoipa::path(put, path = "/api/libraries/{id}/categories/order", tag = "libraries",
    params(("id" = i32, Path, description = "Library id")),
    request_body = CategoryOrder,
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [CategoryInfo]),
        (status = BAD_REQUEST, description = "invalid_order: an id twice, one left out, or not the library's", body = ErrorBody),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn reorder(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<CategoryOrder>,
) -> Result<Json<Vec<CategoryInfo>>, Failure> {
    Ok(Json(
        categories::reorder(&state, user.id, id, &body.ids).await?,
    ))
}

/// Replaces a category's name, icon and rule. `movies`, when given, replaces the hand-picked
/// movies; a category given a rule loses them.
#[utoipa::path(put, path = "/api/categories/{id}", tag = "libraries",
    params(("id" = i32, Path, description = "Category id")),
    request_body = CategoryInput,
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = CategoryInfo),
        (status = BAD_REQUEST, description = "As for creating", body = ErrorBody),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "category_not_found", body = ErrorBody),
        (status = CONFLICT, description = "category_exists", body = ErrorBody),
    ))]
pub async fn replace(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<CategoryInput>,
) -> Result<Json<CategoryInfo>, Failure> {
    Ok(Json(categories::replace(&state, user.id, id, &body).await?))
}

/// Removes a category; its movies stay in the library.
#[utoipa::path(delete, path = "/api/categories/{id}", tag = "libraries",
    params(("id" = i32, Path, description = "Category id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Removed"),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "category_not_found", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode, Failure> {
    categories::remove(&state, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a movie of the library into a hand-picked category, at the end (idempotent).
#[utoipa::path(put, path = "/api/categories/{id}/movies/{imdb_id}", tag = "libraries",
    params(("id" = i32, Path, description = "Category id"), ("imdb_id" = String, Path, description = "The movie's IMDb id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = CategoryInfo),
        (status = BAD_REQUEST, description = "category_has_rule, invalid_imdb_id, movie_not_in_library", body = ErrorBody),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "category_not_found", body = ErrorBody),
    ))]
pub async fn add_movie(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, imdb_id)): ApiPath<(i32, String)>,
) -> Result<Json<CategoryInfo>, Failure> {
    Ok(Json(
        categories::set_movie(&state, user.id, id, &ImdbId::parse(&imdb_id)?, true).await?,
    ))
}

/// Takes a movie out of a hand-picked category (idempotent).
#[utoipa::path(delete, path = "/api/categories/{id}/movies/{imdb_id}", tag = "libraries",
    params(("id" = i32, Path, description = "Category id"), ("imdb_id" = String, Path, description = "The movie's IMDb id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = CategoryInfo),
        (status = BAD_REQUEST, description = "category_has_rule, invalid_imdb_id, movie_not_in_library", body = ErrorBody),
        (status = FORBIDDEN, description = "A viewer or uploader", body = ErrorBody),
        (status = NOT_FOUND, description = "category_not_found", body = ErrorBody),
    ))]
pub async fn remove_movie(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, imdb_id)): ApiPath<(i32, String)>,
) -> Result<Json<CategoryInfo>, Failure> {
    Ok(Json(
        categories::set_movie(&state, user.id, id, &ImdbId::parse(&imdb_id)?, false).await?,
    ))
}
