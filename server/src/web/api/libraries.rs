//! `/api/libraries`.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, CurrentUser, Params};
use axum::Json;
use axum::extract::State;
use backend::{AppState, libraries};
use domain::api::{LibraryInfo, LibraryOverview, RemovedLibrary};
use http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewLibrary {
    pub name: String,
    /// Absolute folder on the server; omitted or empty means a new folder under the data
    /// directory's `libraries/`.
    #[serde(default)]
    pub path: Option<String>,
}

/// The libraries the user belongs to, with their role in each, what each holds and how many
/// people share it.
#[utoipa::path(get, path = "/api/libraries", tag = "libraries", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [LibraryOverview]),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<LibraryOverview>>, Failure> {
    Ok(Json(libraries::overview(&state.db, user.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LibraryRename {
    pub name: String,
}

/// Renames a library (owner only); its folder stays where it is.
#[utoipa::path(patch, path = "/api/libraries/{id}", tag = "libraries", request_body = LibraryRename,
    params(("id" = i32, Path, description = "Library id")), security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = LibraryInfo),
        (status = BAD_REQUEST, description = "Invalid name", body = ErrorBody),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn rename(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<LibraryRename>,
) -> Result<Json<LibraryInfo>, Failure> {
    Ok(Json(
        libraries::rename(&state, user.id, id, &body.name).await?,
    ))
}

/// Removes a library (owner only). `files=keep` leaves the movie files on disk; `files=delete`
/// deletes the movie folders Open OTT made in it. One of the two must be given.
#[utoipa::path(delete, path = "/api/libraries/{id}", tag = "libraries",
    params(
        ("id" = i32, Path, description = "Library id"),
        ("files" = String, Query, description = "keep or delete"),
    ),
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = RemovedLibrary),
        (status = BAD_REQUEST, description = "files is missing or not keep/delete", body = ErrorBody),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    params: Params,
) -> Result<Json<RemovedLibrary>, Failure> {
    let delete_files = libraries::delete_files_choice(params.get("files"))?;
    Ok(Json(
        libraries::remove(&state, user.id, id, delete_files).await?,
    ))
}

/// Creates a library owned by the user. The folder is created if needed and must be
/// writable, outside system folders and not inside or around another library. Only the
/// administrator may name any folder; others get one under the server's libraries folder (or
/// the `library_roots` the administrator configured), and any other folder is refused with
/// 403 `path_not_allowed`, whatever the reason.
#[utoipa::path(post, path = "/api/libraries", tag = "libraries", request_body = NewLibrary, security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = LibraryInfo),
        (status = BAD_REQUEST, description = "Invalid name or folder", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = FORBIDDEN, description = "A folder this user may not choose", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewLibrary>,
) -> Result<(StatusCode, Json<LibraryInfo>), Failure> {
    let choice = libraries::FolderChoice::for_user(user.is_admin);
    let lib = libraries::create(&state, user.id, &body.name, body.path.as_deref(), choice).await?;
    Ok((StatusCode::CREATED, Json(lib)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActiveLibrary {
    pub library: i32,
}

/// Chooses the library the pages show (one the user belongs to); answers like `GET /api/me`.
#[utoipa::path(put, path = "/api/me/library", tag = "libraries", request_body = ActiveLibrary, security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = domain::api::Me),
        (status = NOT_FOUND, description = "Not a member of that library", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn set_active(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ActiveLibrary>,
) -> Result<Json<domain::api::Me>, Failure> {
    libraries::set_active(&state, user.id, body.library).await?;
    Ok(Json(backend::auth::me(&state, &user).await?))
}
