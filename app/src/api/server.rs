//! Server-side helpers shared by the server functions: state, the caller, cookies.

use crate::error::AppError;
use backend::auth::{AuthUser, ClientInfo};
use backend::{ApiError, AppState};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::from(ApiError::internal("AppState missing from context")))
}

/// What the middleware learned about the client (address, HTTPS).
pub fn client_info() -> ClientInfo {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<ClientInfo>().cloned())
        .unwrap_or_default()
}

/// The logged-in user, if any (resolved once per request by the auth middleware).
pub fn current_user() -> Option<AuthUser> {
    use_context::<Parts>().and_then(|p| p.extensions.get::<AuthUser>().cloned())
}

pub fn require_user() -> Result<AuthUser, AppError> {
    current_user().ok_or_else(|| ApiError::unauthorized().into())
}

pub fn require_admin() -> Result<AuthUser, AppError> {
    Ok(require_user()?.require_admin()?)
}

pub fn set_cookie(value: &str) {
    if let (Some(res), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        res.append_header(http::header::SET_COOKIE, value);
    }
}

/// A plain HTML form submission (no JavaScript) rather than a call from the WASM client.
pub fn is_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Where to go after a successful form: returned to the WASM client (which loads it), and for
/// a plain form post also sent as an HTTP redirect.
pub fn go_to(url: &str) -> String {
    if is_form_post() {
        leptos_axum::redirect(url);
    }
    url.to_owned()
}
