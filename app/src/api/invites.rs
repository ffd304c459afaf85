//! Sharing a library by URL, for the share and join pages (rules in `backend::invites`).

use crate::error::AppError;
use domain::api::{CreatedInvite, InviteInfo, InvitePreview, MemberInfo};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "create_invite", output = crate::api::codec::Json)]
pub async fn create_invite(
    library: i32,
    role: String,
    expires_in_hours: Option<u32>,
    single_use: Option<bool>,
) -> Result<CreatedInvite, AppError> {
    use super::server::*;
    let user = require_user()?;
    let role = domain::Role::parse(&role).ok_or_else(|| {
        backend::ApiError::bad_request("invalid_role", "Choose viewer, uploader or manager.")
    })?;
    Ok(backend::invites::create(
        &state()?,
        user.id,
        library,
        role,
        expires_in_hours,
        single_use.unwrap_or(false),
    )
    .await?)
}

#[server(prefix = "/api/fn", endpoint = "library_invites", output = crate::api::codec::Json)]
pub async fn library_invites(library: i32) -> Result<Vec<InviteInfo>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::invites::list(&state()?, user.id, library).await?)
}

#[server(prefix = "/api/fn", endpoint = "revoke_invite", output = crate::api::codec::Json)]
pub async fn revoke_invite(library: i32, invite: i32) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::invites::revoke(&state()?, user.id, library, invite).await?)
}

#[server(prefix = "/api/fn", endpoint = "library_members", output = crate::api::codec::Json)]
pub async fn library_members(library: i32) -> Result<Vec<MemberInfo>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::invites::members(&state()?, user.id, library).await?)
}

#[server(prefix = "/api/fn", endpoint = "remove_member", output = crate::api::codec::Json)]
pub async fn remove_member(library: i32, user: i32) -> Result<(), AppError> {
    use super::server::*;
    let me = require_user()?;
    Ok(backend::invites::remove_member(&state()?, me.id, library, user).await?)
}

#[server(prefix = "/api/fn", endpoint = "invite_preview", output = crate::api::codec::Json)]
pub async fn get_invite_preview(token: String) -> Result<InvitePreview, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::invites::preview(&state()?, user.id, &token).await?)
}

/// Joins the link's library and continues to the home page, which now shows it.
#[server(prefix = "/api/fn", endpoint = "accept_invite", output = crate::api::codec::Json)]
pub async fn accept_invite(token: String) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    backend::invites::accept(&state()?, user.id, &token).await?;
    Ok(go_to("/"))
}
