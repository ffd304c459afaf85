//! Turning an [`ApiError`] into an HTTP response: status, JSON body, `Retry-After`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use backend::ApiError;

/// What a handler returns when it fails. Anything that converts into [`ApiError`] converts
/// into this, so handlers use `?` on service results directly.
#[derive(Debug)]
pub struct Failure(pub ApiError);

impl<E: Into<ApiError>> From<E> for Failure {
    fn from(err: E) -> Failure {
        Failure(err.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut res = (self.0.status, Json(self.0.body())).into_response();
        if let Some(secs) = self.0.retry_after {
            res.headers_mut()
                .insert(http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// The JSON error shape, for the OpenAPI document.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `wrong_credentials`.
    pub error: String,
    /// A sentence for people.
    pub message: String,
}
