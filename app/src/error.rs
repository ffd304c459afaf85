//! The error server functions return: the same `{"error", "message"}` shape as the JSON API.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub error: String,
    pub message: String,
}

impl FromServerFnError for AppError {
    type Encoder = crate::api::codec::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let (error, message) = match &value {
            ServerFnErrorErr::Request(_) => (
                "network_error",
                "The server could not be reached. Check the connection and try again.".to_owned(),
            ),
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::MissingArg(e) => (
                "invalid_request",
                format!("The request was not understood: {e}"),
            ),
            _ => ("request_failed", value.to_string()),
        };
        AppError {
            error: error.to_owned(),
            message,
        }
    }
}

#[cfg(feature = "ssr")]
impl<E: Into<backend::ApiError>> From<E> for AppError {
    /// Converts a service error and sets the HTTP status to match, unless the request is a
    /// plain form post (JavaScript off): that one must stay a redirect back to the form, which
    /// then shows the message.
    fn from(err: E) -> AppError {
        let err: backend::ApiError = err.into();
        if !crate::api::server::is_form_post()
            && let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        {
            res.set_status(err.status);
            if let Some(secs) = err.retry_after {
                res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
        AppError {
            error: err.code.into_owned(),
            message: err.message,
        }
    }
}
