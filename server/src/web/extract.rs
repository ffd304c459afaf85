//! Extractors that answer bad requests with the JSON error shape instead of axum's plain text.

use super::error::Failure;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use backend::ApiError;
use backend::auth::{AuthUser, ClientInfo};
use domain::ImdbId;
use domain::upload::{self as rules, UploadRuleError};
use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The logged-in user; 401 when there is none.
pub struct CurrentUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthUser>()
            .cloned()
            .map(CurrentUser)
            .ok_or_else(|| Failure(ApiError::unauthorized()))
    }
}

/// The logged-in administrator; 401 without login, 403 for other users.
pub struct Admin(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        Ok(Admin(user.require_admin()?))
    }
}

/// Facts about the client gathered by the middleware.
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ClientInfo>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(Failure(json_rejection(rejection))),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with the header Content-Type: application/json.",
        ),
        JsonRejection::JsonDataError(e) => ApiError::bad_request(
            "invalid_body",
            format!("The JSON body does not fit: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request("invalid_json", "The body is not valid JSON.")
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is too large.",
        ),
        other => ApiError::bad_request("invalid_body", other.body_text()),
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(Failure(ApiError::bad_request(
                    "invalid_path_parameter",
                    format!("A value in the address is not valid: {}", e.body_text()),
                )))
            }
            Err(other) => Err(Failure(ApiError::bad_request(
                "invalid_path_parameter",
                other.body_text(),
            ))),
        }
    }
}

/// A movie's IMDb id as the one path parameter, parsed (400 `invalid_imdb_id` otherwise).
pub struct MoviePath(pub ImdbId);

impl<S: Send + Sync> FromRequestParts<S> for MoviePath {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiPath(id) = ApiPath::<String>::from_request_parts(parts, state).await?;
        Ok(MoviePath(ImdbId::parse(&id).map_err(ApiError::from)?))
    }
}

/// The query string as name → value; a malformed one is a 400.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|_| {
                Failure(ApiError::bad_request(
                    "invalid_query",
                    "The query string could not be read.",
                ))
            })
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn count(&self, name: &'static str) -> Result<u64, UploadRuleError> {
        rules::parse_count(name, self.get(name))
    }

    /// A count that may be left out (then 0), such as a page's offset.
    pub fn count_or_zero(&self, name: &'static str) -> Result<u64, UploadRuleError> {
        match self.get(name) {
            None | Some("") => Ok(0),
            some => rules::parse_count(name, some),
        }
    }

    pub fn required(&self, name: &'static str) -> Result<&str, UploadRuleError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or(UploadRuleError::Missing(name))
    }

    /// An IMDb id this request must give.
    pub fn imdb_id(&self, name: &'static str) -> Result<ImdbId, UploadRuleError> {
        Ok(ImdbId::parse(self.required(name)?)?)
    }

    /// `library=ID`, optional.
    pub fn library(&self) -> Result<Option<i32>, UploadRuleError> {
        match self.get("library") {
            None | Some("") => Ok(None),
            Some(_) => {
                let id = self.count("library")?;
                i32::try_from(id)
                    .map(Some)
                    .map_err(|_| UploadRuleError::TooLarge("library"))
            }
        }
    }

    /// `library`, which this request must name.
    pub fn required_library(&self) -> Result<i32, UploadRuleError> {
        self.library()?.ok_or(UploadRuleError::Missing("library"))
    }
}
