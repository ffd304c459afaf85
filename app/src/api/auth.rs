//! Logging in and out, registering, and who is logged in.

use crate::error::AppError;
use domain::api::{Me, SignUp};
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

/// Whether the server has no account yet and whether anyone may register.
#[server(prefix = "/api/fn", endpoint = "sign_up", output = crate::api::codec::Json)]
pub async fn get_sign_up() -> Result<SignUp, AppError> {
    use super::server::*;
    Ok(backend::auth::users::sign_up(&state()?).await?)
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

/// Creates an account and logs it in; the new user continues to library setup, or, when they
/// came from an invite link (`next` is `/join/TOKEN`), joins that library at once and goes
/// home. The link is also what admits them while registration is closed.
#[server(prefix = "/api/fn", endpoint = "register", output = crate::api::codec::Json)]
pub async fn register(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use super::server::*;
    let state = state()?;
    let client = client_info();
    let invite = invite_token(next.as_deref());
    let (created, token) =
        backend::auth::register(&state, &username, &password, invite, &client).await?;
    set_cookie(&backend::auth::session_cookie(&state, &token, &client));
    if created.joined.is_some() {
        return Ok(go_to("/"));
    }
    Ok(go_to(
        &domain::account::local_redirect(next.as_deref()).unwrap_or_else(|| "/setup".into()),
    ))
}

/// The invite link's token when `next` is the join page, `/join/TOKEN`.
#[cfg(feature = "ssr")]
fn invite_token(next: Option<&str>) -> Option<&str> {
    next?
        .strip_prefix("/join/")
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
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
