//! Logging in and out, registering, and who is logged in.

use crate::error::AppError;
use domain::api::Me;
use leptos::prelude::*;

/// The logged-in user with their libraries, or `None` for a visitor.
#[server(prefix = "/api/fn", endpoint = "me", output = crate::api::codec::Json)]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use super::server::*;
    let Some(user) = current_user() else {
        return Ok(None);
    };
    Ok(Some(backend::auth::me(&state()?, &user).await?))
}

#[server(prefix = "/api/fn", endpoint = "login", output = crate::api::codec::Json)]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use super::server::*;
    let state = state()?;
    let client = client_info();
    let (_, token) = backend::auth::login(&state, &username, &password, &client).await?;
    set_cookie(&backend::auth::session_cookie(&state, &token, &client));
    Ok(go_to(
        &domain::account::local_redirect(next.as_deref()).unwrap_or_else(|| "/".into()),
    ))
}

/// Creates an account and logs it in; the new user continues to library setup (or to the
/// invite link they came from).
#[server(prefix = "/api/fn", endpoint = "register", output = crate::api::codec::Json)]
pub async fn register(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use super::server::*;
    let state = state()?;
    let client = client_info();
    let user = backend::auth::users::register(&state.db, &username, &password).await?;
    let token = backend::auth::start_session(&state, &user, &client).await?;
    set_cookie(&backend::auth::session_cookie(&state, &token, &client));
    Ok(go_to(
        &domain::account::local_redirect(next.as_deref()).unwrap_or_else(|| "/setup".into()),
    ))
}

#[server(prefix = "/api/fn", endpoint = "logout", output = crate::api::codec::Json)]
pub async fn logout() -> Result<String, AppError> {
    use super::server::*;
    let state = state()?;
    let user = require_user()?;
    backend::auth::logout(&state, &user).await?;
    set_cookie(&backend::auth::clear_session_cookie(&state, &client_info()));
    Ok(go_to("/login"))
}
