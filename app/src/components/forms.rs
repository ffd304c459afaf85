//! Helpers for forms backed by server functions.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The message of a failed action, for [`ErrorMessage`].
pub fn error_text<T>(value: Option<Result<T, AppError>>) -> Option<String> {
    match value {
        Some(Err(e)) => Some(e.message),
        _ => None,
    }
}

/// Shows an error next to a form, announced by screen readers.
#[component]
pub fn ErrorMessage(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
    }
}

/// After a successful action that returns where to go next, load that page in full.
///
/// Login, logout and similar change what every part of the page shows, so a fresh server
/// render is simpler and safer than patching state. (Without JavaScript the server answers the
/// form with a redirect instead.)
pub fn follow_on_success<S>(action: ServerAction<S>)
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            let _ = window().location().set_href(&next);
        }
    });
}
