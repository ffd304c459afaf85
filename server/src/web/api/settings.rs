//! `/api/me/…`: the logged-in user's settings, password and sessions.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, Client, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::auth::sessions;
use backend::{ApiError, AppState, settings};
use domain::settings::{Preferences, PreferencesChange, SessionInfo};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The user's settings.
#[utoipa::path(get, path = "/api/me/settings", tag = "settings", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = Preferences),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Preferences>, Failure> {
    Ok(Json(
        backend::access::preferences(&state.db, user.id).await?,
    ))
}

/// Changes the settings the body names; the others stay. Answers with all of them.
#[utoipa::path(put, path = "/api/me/settings", tag = "settings", request_body = PreferencesChange, security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = Preferences),
        (status = BAD_REQUEST, description = "invalid_theme, invalid_simultaneous_uploads or invalid_language", body = ErrorBody),
        (status = NOT_FOUND, description = "The default library is not one of yours", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(change): ApiJson<PreferencesChange>,
) -> Result<Json<Preferences>, Failure> {
    Ok(Json(settings::update(&state, user.id, &change).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    /// Also revoke every API token of the user (default: they keep working).
    #[serde(default)]
    pub revoke_tokens: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChanged {
    /// How many other sessions were logged out.
    pub sessions_ended: u64,
    /// How many API tokens were revoked (0 unless `revokeTokens` was asked).
    pub tokens_revoked: u64,
}

/// Changes the password (the current one is asked), logs out every other session and, with
/// `revokeTokens`, revokes every API token.
#[utoipa::path(post, path = "/api/me/password", tag = "settings", request_body = PasswordChange, security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = PasswordChanged),
        (status = BAD_REQUEST, description = "The new password breaks a rule", body = ErrorBody),
        (status = FORBIDDEN, description = "wrong_password", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many attempts", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "busy: too many passwords being checked; see Retry-After", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Client(client): Client,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Json<PasswordChanged>, Failure> {
    let changed = backend::auth::change_password(
        &state,
        &user,
        &body.current_password,
        &body.new_password,
        body.revoke_tokens,
        &client,
    )
    .await
    .map_err(ApiError::from)?;
    Ok(Json(PasswordChanged {
        sessions_ended: changed.sessions_ended,
        tokens_revoked: changed.tokens_revoked,
    }))
}

/// The user's logged-in browsers, most recently seen first.
#[utoipa::path(get, path = "/api/me/sessions", tag = "settings", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [SessionInfo]),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<SessionInfo>>, Failure> {
    let list = sessions::list_for_user(&state.db, user.id, user.session_token.as_deref()).await?;
    Ok(Json(list))
}

/// Logs one of the user's sessions out (the current one too, if asked).
#[utoipa::path(delete, path = "/api/me/sessions/{id}", tag = "settings",
    params(("id" = String, Path, description = "Session id, as listed")), security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Logged out"),
        (status = NOT_FOUND, description = "No such session of yours", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, Failure> {
    backend::auth::revoke_session(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
