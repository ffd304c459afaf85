//! `/api/admin/settings`: server-wide settings, administrator only.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{Admin, ApiJson};
use axum::Json;
use axum::extract::State;
use backend::{AppState, instance};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ServerSettings {
    /// Whether people may create their own accounts.
    pub open_registration: bool,
}

#[utoipa::path(get, path = "/api/admin/settings", tag = "admin", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = ServerSettings),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = FORBIDDEN, description = "Not the administrator", body = ErrorBody),
    ))]
pub async fn get_settings(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<ServerSettings>, Failure> {
    Ok(Json(ServerSettings {
        open_registration: instance::open_registration(&state.db).await?,
    }))
}

#[utoipa::path(put, path = "/api/admin/settings", tag = "admin", request_body = ServerSettings, security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = ServerSettings),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = FORBIDDEN, description = "Not the administrator", body = ErrorBody),
    ))]
pub async fn put_settings(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<ServerSettings>,
) -> Result<Json<ServerSettings>, Failure> {
    instance::set_open_registration(&state.db, body.open_registration).await?;
    tracing::info!(admin = %admin.username, open = body.open_registration, "registration setting changed");
    Ok(Json(body))
}
