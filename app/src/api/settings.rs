//! The settings page: preferences, password, sessions and API tokens of the caller (rules in
//! `backend::settings` and `backend::auth`).

use crate::error::AppError;
use domain::api::{CreatedToken, TokenInfo};
use domain::settings::SessionInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Saves the preferences form. An unticked checkbox is not sent at all, so `autoplay_next`
/// is absent for "off". The page reloads so the theme applies everywhere at once.
#[server(prefix = "/api/fn", endpoint = "save_preferences", output = crate::api::codec::Json)]
pub async fn save_preferences(
    theme: String,
    default_library: Option<i32>,
    simultaneous_uploads: i32,
    subtitle_language: String,
    autoplay_next: Option<String>,
) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    let change = domain::settings::PreferencesChange {
        theme: Some(theme),
        default_library_id: default_library,
        simultaneous_uploads: Some(simultaneous_uploads),
        subtitle_language: Some(subtitle_language),
        autoplay_next: Some(autoplay_next.is_some()),
    };
    backend::settings::update(&state()?, user.id, &change).await?;
    Ok(go_to("/settings?saved=1"))
}

/// The upload page's "uploads at once" menu saves here.
#[server(prefix = "/api/fn", endpoint = "set_simultaneous_uploads", output = crate::api::codec::Json)]
pub async fn set_simultaneous_uploads(count: i32) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    let change = domain::settings::PreferencesChange {
        simultaneous_uploads: Some(count),
        ..Default::default()
    };
    backend::settings::update(&state()?, user.id, &change).await?;
    Ok(())
}

/// What a password change ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// Changes the password; says how many other sessions were logged out and, when the
/// "also revoke" box was ticked (a checkbox is sent only then), how many API tokens were
/// revoked.
#[server(prefix = "/api/fn", endpoint = "change_password", output = crate::api::codec::Json)]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
    revoke_tokens: Option<String>,
) -> Result<PasswordChanged, AppError> {
    use super::server::*;
    let user = require_user()?;
    if new_password != repeat_password {
        return Err(backend::ApiError::bad_request(
            "passwords_differ",
            "The new password and its repetition are not the same.",
        )
        .into());
    }
    let changed = backend::auth::change_password(
        &state()?,
        &user,
        &current_password,
        &new_password,
        revoke_tokens.is_some(),
        &client_info(),
    )
    .await?;
    Ok(PasswordChanged {
        sessions_ended: changed.sessions_ended,
        tokens_revoked: changed.tokens_revoked,
    })
}

#[server(prefix = "/api/fn", endpoint = "sessions", output = crate::api::codec::Json)]
pub async fn get_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(
        backend::auth::sessions::list_for_user(
            &state()?.db,
            user.id,
            user.session_token.as_deref(),
        )
        .await?,
    )
}

#[server(prefix = "/api/fn", endpoint = "revoke_session", output = crate::api::codec::Json)]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::auth::revoke_session(&state()?, &user, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "api_tokens", output = crate::api::codec::Json)]
pub async fn get_api_tokens() -> Result<Vec<TokenInfo>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::auth::tokens::list(&state()?.db, user.id).await?)
}

/// Creates a token once the user's password is confirmed (a session alone cannot make one).
#[server(prefix = "/api/fn", endpoint = "create_api_token", output = crate::api::codec::Json)]
pub async fn create_api_token(name: String, password: String) -> Result<CreatedToken, AppError> {
    use super::server::*;
    let user = require_user()?;
    let created =
        backend::auth::create_token(&state()?, &user, &name, &password, &client_info()).await?;
    Ok(created)
}

#[server(prefix = "/api/fn", endpoint = "revoke_api_token", output = crate::api::codec::Json)]
pub async fn revoke_api_token(id: i32) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    if backend::auth::tokens::revoke(&state()?.db, user.id, id).await? {
        Ok(())
    } else {
        Err(backend::ApiError::not_found("You have no token with that id.").into())
    }
}
