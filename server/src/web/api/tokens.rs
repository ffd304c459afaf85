//! `/api/tokens`: personal API tokens of the logged-in user.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::auth::tokens;
use backend::entities::api_token;
use backend::{ApiError, AppState};
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const NAME_MAX: usize = 100;

#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(t: api_token::Model) -> Self {
        TokenInfo {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    /// The secret, shown only now: send it as `Authorization: Bearer <token>`.
    pub token: String,
}

#[utoipa::path(get, path = "/api/tokens", tag = "auth", security(("session" = []), ("token" = [])),
    responses((status = OK, body = [TokenInfo]), (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<TokenInfo>>, Failure> {
    let list = tokens::list(&state.db, user.id).await?;
    Ok(Json(list.into_iter().map(TokenInfo::from).collect()))
}

#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = NewToken, security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = CreatedToken),
        (status = BAD_REQUEST, description = "Missing or too long name", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), Failure> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Failure(ApiError::bad_request(
            "invalid_token_name",
            format!("Give the token a name of 1 to {NAME_MAX} characters."),
        )));
    }
    let (model, token) = tokens::create(&state.db, user.id, name).await?;
    tracing::info!(user = %user.username, token = %model.name, "API token created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            info: model.into(),
            token,
        }),
    ))
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
