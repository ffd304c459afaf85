//! Finding movies in outside databases. Today: IMDb's suggestion API, for searching by title.
//! The providers' answers are read by `domain::metadata`; this module does the fetching, with
//! a timeout and a descriptive User-Agent, and turns failures into clear errors.

use crate::{ApiError, AppState};
use domain::metadata::imdb_suggest;
use domain::ranking::{self, Ranked};
use http::StatusCode;
use std::time::Duration;

/// Identifies the server to the providers, as they ask of automated clients.
pub const USER_AGENT: &str = concat!(
    "OpenOTT/",
    env!("CARGO_PKG_VERSION"),
    " (self-hosted movie server)"
);

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("Type a title to search for (at most 200 characters).")]
    BadQuery,
    #[error("The movie database did not answer within {0} seconds; try again later.")]
    Timeout(u64),
    #[error("The movie database cannot be reached: {0}")]
    Unreachable(String),
    #[error("The movie database answered with an error ({0}); try again later.")]
    Refused(u16),
    #[error("{0}")]
    BadAnswer(#[from] domain::metadata::BadAnswer),
}

impl From<SearchError> for ApiError {
    fn from(err: SearchError) -> ApiError {
        let message = err.to_string();
        match err {
            SearchError::BadQuery => ApiError::bad_request("invalid_query", message),
            SearchError::Timeout(_) => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "provider_timeout", message)
            }
            SearchError::Unreachable(_) | SearchError::Refused(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_unavailable", message)
            }
            SearchError::BadAnswer(_) => {
                tracing::warn!(%message, "a metadata provider's answer could not be read");
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_bad_answer", message)
            }
        }
    }
}

/// The HTTP client metadata requests go through.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
        .expect("a client with these settings builds")
}

/// The answer to a search: candidates best first, and whether the first is clear enough to
/// take without asking.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SearchResult {
    pub candidates: Vec<Ranked>,
    pub confident: bool,
}

/// Searches IMDb for `title` and ranks the answers against it and `year`.
pub async fn search_movies(
    state: &AppState,
    title: &str,
    year: Option<u16>,
) -> Result<SearchResult, SearchError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(SearchError::BadQuery);
    }
    let url = format!(
        "{}{}",
        state.config.imdb_suggest_url.trim_end_matches('/'),
        imdb_suggest::search_path(title)
    );
    let secs = state.config.metadata_timeout_secs;
    let answer = state.metadata_http.get(&url).send().await.map_err(|e| {
        if e.is_timeout() {
            SearchError::Timeout(secs)
        } else {
            SearchError::Unreachable(e.to_string())
        }
    })?;
    if !answer.status().is_success() {
        return Err(SearchError::Refused(answer.status().as_u16()));
    }
    let bytes = answer.bytes().await.map_err(|e| {
        if e.is_timeout() {
            SearchError::Timeout(secs)
        } else {
            SearchError::Unreachable(e.to_string())
        }
    })?;
    let candidates = ranking::rank(title, year, imdb_suggest::parse(&bytes)?);
    let confident = ranking::is_confident(&candidates);
    tracing::info!(%title, ?year, found = candidates.len(), confident, "searched IMDb");
    Ok(SearchResult {
        candidates,
        confident,
    })
}
