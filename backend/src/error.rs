//! The one error shape clients see: an HTTP status, a stable snake_case code and a sentence.
//!
//! Each capability has its own error enum (`UploadError`, `AuthError`, `Denied`, [`Missing`],
//! ...); `http_errors` maps each to an [`ApiError`], the one place where statuses are chosen,
//! and the web layers turn `ApiError` into a response.

use http::StatusCode;
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Seconds, sent as `Retry-After` with 429 and 503.
    pub retry_after: Option<u64>,
    /// Extra JSON fields merged into the body next to `error` and `message`.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
            details: Default::default(),
        }
    }

    pub fn bad_request(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "not_logged_in", "Log in first.")
    }

    pub fn forbidden(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A failure that is the server's fault. The cause goes to the log, never to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on the server; the details are in its log.",
        )
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// The JSON body: `{"error": code, "message": text, ...details}`.
    pub fn body(&self) -> serde_json::Value {
        let mut body = self.details.clone();
        body.insert("error".into(), self.code.clone().into_owned().into());
        body.insert("message".into(), self.message.clone().into());
        serde_json::Value::Object(body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(format!("database: {err}"))
    }
}

/// Something a request named that is not there, or that the user may not know of: strangers
/// get the same answer as for a thing that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    #[error("This library has no such movie.")]
    Movie,
    #[error("There is no such movie file, or you may not play it.")]
    File,
    #[error("There is no such category, or you are not a member of its library.")]
    Category,
    #[error("This invite link does not exist; check that it was copied whole.")]
    Invite,
    #[error("That person is not a member of this library.")]
    Member,
    #[error("There is no such row on the home page.")]
    Row,
    #[error("This movie has no such subtitle file.")]
    SubtitleFile,
    #[error("This movie file has no such text subtitle.")]
    SubtitleStream,
    #[error("This library has no trailer file of this movie.")]
    Trailer,
    #[error("This movie has no such picture yet.")]
    Picture,
    #[error("This movie's poster cannot be read.")]
    UnreadablePoster,
    #[error("You have no session with that id.")]
    LoginSession,
}

impl Missing {
    pub fn code(self) -> &'static str {
        match self {
            Missing::Movie => "movie_not_found",
            Missing::File => "file_not_found",
            Missing::Category => "category_not_found",
            Missing::Invite => "invite_not_found",
            Missing::Member => "member_not_found",
            Missing::Row => "row_not_found",
            Missing::SubtitleFile | Missing::SubtitleStream => "subtitle_not_found",
            Missing::Trailer => "trailer_not_found",
            Missing::Picture | Missing::UnreadablePoster => "picture_not_found",
            Missing::LoginSession => "session_not_found",
        }
    }
}
