//! `/api/tokens`: personal API tokens of the logged-in user.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, Client, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::auth::tokens;
use backend::{ApiError, AppState};
use domain::api::{CreatedToken, TokenInfo};
use http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// The user's password: a token outlives sessions, so a session alone cannot make one.
    pub password: String,
}

#[utoipa::path(get, path = "/api/tokens", tag = "auth", security(("session" = []), ("token" = [])),
    responses((status = OK, body = [TokenInfo]), (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<TokenInfo>>, Failure> {
    Ok(Json(tokens::list(&state.db, user.id).await?))
}

#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = NewToken, security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = CreatedToken),
        (status = BAD_REQUEST, description = "invalid_token_name, or no password (invalid_body)", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
        (status = FORBIDDEN, description = "wrong_password", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many password attempts; see Retry-After", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "busy: too many passwords being checked; see Retry-After", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Client(client): Client,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), Failure> {
    let created = backend::auth::create_token(&state, &user, &body.name, &body.password, &client)
        .await
        .map_err(ApiError::from)?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "auth", params(("id" = i32, Path, description = "Token id")), security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Revoked"),
        (status = NOT_FOUND, description = "No such token of yours", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode, Failure> {
    if tokens::revoke(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Failure(ApiError::not_found(
            "You have no token with that id.",
        )))
    }
}
