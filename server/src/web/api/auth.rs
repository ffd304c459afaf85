//! `/api/auth/*` and `/api/me`.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, Client, CurrentUser};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use backend::AppState;
use backend::auth::{self, AuthUser};
use backend::entities::user;
use domain::api::Me;
use http::{StatusCode, header};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Registration {
    pub username: String,
    pub password: String,
    /// The token of an invite link: the new account joins its library at once, and while
    /// registration is closed the link is what lets the account be made.
    #[serde(default)]
    pub invite: Option<String>,
}

/// Answers with the user and sets the session cookie.
async fn session_reply(
    state: &AppState,
    client: &auth::ClientInfo,
    user: user::Model,
    token: String,
    status: StatusCode,
) -> Result<impl IntoResponse + use<>, Failure> {
    let me = auth::me(state, &AuthUser::from((user, Some(token.clone())))).await?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            auth::session_cookie(state, &token, client),
        )],
        Json(me),
    ))
}

/// Creates an account (the first one on a server becomes administrator) and logs it in.
/// After the first account this needs open registration or a working invite link.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = Registration,
    responses(
        (status = CREATED, description = "Account created; the session cookie is set", body = Me),
        (status = BAD_REQUEST, description = "Username or password breaks a rule", body = ErrorBody),
        (status = FORBIDDEN, description = "Registration is closed", body = ErrorBody),
        (status = NOT_FOUND, description = "invite_not_found", body = ErrorBody),
        (status = CONFLICT, description = "Username taken", body = ErrorBody),
        (status = GONE, description = "invite_expired, invite_used or invite_revoked", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many registrations from this address; see Retry-After", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "busy: too many passwords being hashed; see Retry-After", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<Registration>,
) -> Result<impl IntoResponse, Failure> {
    let (created, token) = auth::register(
        &state,
        &body.username,
        &body.password,
        body.invite.as_deref(),
        &client,
    )
    .await?;
    session_reply(&state, &client, created.user, token, StatusCode::CREATED).await
}

/// Logs in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = Credentials,
    responses(
        (status = OK, description = "Logged in; the session cookie is set", body = Me),
        (status = UNAUTHORIZED, description = "Wrong username or password", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many attempts; see Retry-After", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "busy: too many passwords being checked; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(creds): ApiJson<Credentials>,
) -> Result<impl IntoResponse, Failure> {
    let (user, token) = auth::login(&state, &creds.username, &creds.password, &client).await?;
    session_reply(&state, &client, user, token, StatusCode::OK).await
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Logged out"),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse, Failure> {
    auth::logout(&state, &user).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            auth::clear_session_cookie(&state, &client),
        )],
    ))
}

/// The logged-in user and the libraries they can reach.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = Me),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Me>, Failure> {
    Ok(Json(auth::me(&state, &user).await?))
}
