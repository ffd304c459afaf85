//! `/api/libraries`.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::{AppState, libraries};
use domain::api::LibraryInfo;
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

/// The libraries the user belongs to, with their role in each.
#[utoipa::path(get, path = "/api/libraries", tag = "libraries", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [LibraryInfo]),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<LibraryInfo>>, Failure> {
    Ok(Json(libraries::list_for_user(&state.db, user.id).await?))
}

/// Creates a library owned by the user. The folder is created if needed and must be
/// writable, outside system folders and not inside or around another library.
#[utoipa::path(post, path = "/api/libraries", tag = "libraries", request_body = NewLibrary, security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = LibraryInfo),
        (status = BAD_REQUEST, description = "Invalid name or folder", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewLibrary>,
) -> Result<(StatusCode, Json<LibraryInfo>), Failure> {
    let lib = libraries::create(&state, user.id, &body.name, body.path.as_deref()).await?;
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
    libraries::set_active(&state.db, user.id, body.library).await?;
    Ok(Json(backend::auth::me(&state, &user).await?))
}
