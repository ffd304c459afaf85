//! Sharing a library by URL: invite links and members (owner only), and joining by a link.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{ApiJson, ApiPath, CurrentUser};
use axum::Json;
use axum::extract::State;
use backend::{AppState, invites};
use domain::Role;
use domain::api::{CreatedInvite, InviteInfo, InvitePreview, LibraryInfo, MemberInfo};
use http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewInvite {
    /// viewer, uploader or manager.
    pub role: Role,
    /// 1 to 720 hours; omitted: until revoked.
    #[serde(default)]
    pub expires_in_hours: Option<u32>,
    /// The link works for one person only.
    #[serde(default)]
    pub single_use: bool,
}

/// Makes an invite link to the library (owner only). The token is shown only in this answer.
#[utoipa::path(post, path = "/api/libraries/{id}/invites", tag = "libraries", request_body = NewInvite,
    params(("id" = i32, Path, description = "Library id")), security(("session" = []), ("token" = [])),
    responses(
        (status = CREATED, body = CreatedInvite),
        (status = BAD_REQUEST, description = "invalid_role or invalid_expiry", body = ErrorBody),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<NewInvite>,
) -> Result<(StatusCode, Json<CreatedInvite>), Failure> {
    let made = invites::create(
        &state,
        user.id,
        id,
        body.role,
        body.expires_in_hours,
        body.single_use,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The library's invite links, newest first (owner only).
#[utoipa::path(get, path = "/api/libraries/{id}/invites", tag = "libraries",
    params(("id" = i32, Path, description = "Library id")), security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [InviteInfo]),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<InviteInfo>>, Failure> {
    Ok(Json(invites::list(&state, user.id, id).await?))
}

/// Revokes an invite link: it stops working at once (owner only).
#[utoipa::path(delete, path = "/api/libraries/{id}/invites/{invite}", tag = "libraries",
    params(("id" = i32, Path, description = "Library id"), ("invite" = i32, Path, description = "Invite id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Revoked"),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library or invite", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, invite)): ApiPath<(i32, i32)>,
) -> Result<StatusCode, Failure> {
    invites::revoke(&state, user.id, id, invite).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The library's members and their roles (owner only).
#[utoipa::path(get, path = "/api/libraries/{id}/members", tag = "libraries",
    params(("id" = i32, Path, description = "Library id")), security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = [MemberInfo]),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "Not a member of this library", body = ErrorBody),
    ))]
pub async fn members(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<MemberInfo>>, Failure> {
    Ok(Json(invites::members(&state, user.id, id).await?))
}

/// Removes a member (owner only; the owner stays).
#[utoipa::path(delete, path = "/api/libraries/{id}/members/{user}", tag = "libraries",
    params(("id" = i32, Path, description = "Library id"), ("user" = i32, Path, description = "The member's user id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = NO_CONTENT, description = "Removed"),
        (status = BAD_REQUEST, description = "cannot_remove_owner", body = ErrorBody),
        (status = FORBIDDEN, description = "A member who is not the owner", body = ErrorBody),
        (status = NOT_FOUND, description = "No such library or member", body = ErrorBody),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, member)): ApiPath<(i32, i32)>,
) -> Result<StatusCode, Failure> {
    invites::remove_member(&state, user.id, id, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invite link offers (any logged-in user holding the link).
#[utoipa::path(get, path = "/api/invites/{token}", tag = "libraries",
    params(("token" = String, Path, description = "The link's token")), security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = InvitePreview),
        (status = NOT_FOUND, description = "invite_not_found", body = ErrorBody),
        (status = GONE, description = "invite_expired, invite_used or invite_revoked", body = ErrorBody),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<InvitePreview>, Failure> {
    Ok(Json(invites::preview(&state, user.id, &token).await?))
}

/// Joins the library of an invite link; a member keeps a higher role than the link's.
#[utoipa::path(post, path = "/api/invites/{token}/accept", tag = "libraries",
    params(("token" = String, Path, description = "The link's token")), security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = LibraryInfo),
        (status = NOT_FOUND, description = "invite_not_found", body = ErrorBody),
        (status = GONE, description = "invite_expired, invite_used or invite_revoked", body = ErrorBody),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<LibraryInfo>, Failure> {
    let (library, _) = invites::accept(&state, user.id, &token).await?;
    let joined = backend::libraries::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .find(|l| l.id == library)
        .ok_or_else(|| backend::ApiError::internal("the joined library is not listed"))?;
    Ok(Json(joined))
}
