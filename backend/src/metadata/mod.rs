//! Finding movies in outside databases: searching by title (IMDb's suggestion API, here),
//! a movie's details from the configured providers (`providers`), and the job that fetches
//! them for every new movie (`ingest`). The providers' answers are read by
//! `domain::metadata`; this side does the fetching, with a timeout, a descriptive User-Agent
//! and a rate limit per provider, and turns failures into clear errors.

pub mod by_hand;
mod cache;
pub mod ingest;
pub mod providers;
mod rematch;

use crate::AppState;
use cache::TtlCache;
use domain::identify::ranking;
use domain::identify::ranking::Candidate;
pub use domain::identify::ranking::SearchResult;
use domain::metadata::imdb_suggest;
use domain::movie_link::{self, MovieLink};
use governor::{DefaultDirectRateLimiter, Quota};
pub use rematch::{MatchError, refresh, rematch};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a search answer is reused: titles do not change within the hour, and an uploader
/// asks the same question for every part and subtitle of a film.
const CACHE_FOR: Duration = Duration::from_secs(3600);
/// Searches, and providers' answers, remembered at most (the oldest goes first).
const CACHE_ENTRIES: usize = 1000;
/// The longest title one may search for or type for a movie named by hand.
pub const MAX_TITLE: usize = 200;
/// Requests per second sent to one provider, at most: a polite client, and never a burst that
/// gets the server's address blocked when hundreds of files are identified at once.
const PROVIDER_REQUESTS_PER_SECOND: u32 = 5;

/// Identifies the server to the providers, as they ask of automated clients.
pub const USER_AGENT: &str = concat!(
    "OpenOTT/",
    env!("CARGO_PKG_VERSION"),
    " (self-hosted movie server)"
);

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("Type a title to search for (at most {MAX_TITLE} characters).")]
    BadQuery,
    #[error("The year must be a number such as 1999.")]
    BadYear,
    // The messages reach the uploader: a sentence each, never the address asked or the HTTP
    // library's words (those go to the log).
    #[error("The movie database did not answer within {0} seconds.")]
    Timeout(u64),
    #[error("The movie database cannot be reached right now.")]
    Unreachable(String),
    #[error("The movie database is not answering searches right now (it said {0}).")]
    Refused(u16),
    #[error("The movie database answered something this server cannot read.")]
    BadAnswer(#[from] domain::metadata::BadAnswer),
    #[error(
        "This server has no TMDB key, so it cannot read TMDB links; paste the movie's IMDb link (imdb.com/title/tt…) instead."
    )]
    TmdbLinkWithoutKey,
    #[error(
        "TMDB does not know this movie, or it has no IMDb id; paste the movie's IMDb link instead."
    )]
    TmdbLinkUnknown,
    #[error(
        "TMDB cannot be reached right now; paste the movie's IMDb link (imdb.com/title/tt…) instead."
    )]
    TmdbLinkUnreachable,
}

/// A search as the cache knows it: lowercased title and year.
type SearchKey = (String, Option<u16>);

/// What metadata requests share: one HTTP client (connection reuse, one User-Agent, one
/// timeout), caches of recent searches and answers, and a rate limit towards each provider.
pub struct Metadata {
    http: reqwest::Client,
    searches: TtlCache<SearchKey, SearchResult>,
    /// Providers' successful answers by URL (not images): a franchise's collection, or a movie
    /// arriving in a second library, is not asked for again.
    answers: TtlCache<String, providers::Answer>,
    /// One rate limit per provider (and one for image downloads).
    limits: HashMap<&'static str, DefaultDirectRateLimiter>,
    /// Until when IMDb's title pages are left alone, after a bot challenge.
    imdb_degraded_until: Mutex<Option<Instant>>,
    /// Wakes the metadata job (an upload just created a movie).
    pub wake: tokio::sync::Notify,
}

impl Metadata {
    pub fn new(timeout: Duration) -> Metadata {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(USER_AGENT)
            .build()
            .expect("a client with these settings builds");
        let per_second = NonZeroU32::new(PROVIDER_REQUESTS_PER_SECOND).expect("not zero");
        let limits = ["imdb", "tmdb", "omdb", "images"]
            .into_iter()
            .map(|p| {
                (
                    p,
                    DefaultDirectRateLimiter::direct(Quota::per_second(per_second)),
                )
            })
            .collect();
        Metadata {
            http,
            searches: TtlCache::new(CACHE_FOR, CACHE_ENTRIES),
            answers: TtlCache::new(CACHE_FOR, CACHE_ENTRIES),
            limits,
            imdb_degraded_until: Mutex::new(None),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// The rate limit of a provider (`imdb`, `tmdb`, `omdb` or `images`).
    fn limit(&self, provider: &str) -> &DefaultDirectRateLimiter {
        self.limits
            .get(provider)
            .or_else(|| self.limits.get("images"))
            .expect("the images limit exists")
    }

    /// Forgets the providers' answers, so that a "refresh metadata" asks them again.
    pub fn forget_answers(&self) {
        self.answers.clear();
    }
}

/// The years a search may name: from the first films to far enough ahead.
pub const SEARCH_YEARS: std::ops::RangeInclusive<u16> = 1888..=2100;

/// Searches IMDb for `title` and ranks the answers against it and `year`.
pub async fn search_movies(
    state: &AppState,
    title: &str,
    year: Option<u16>,
) -> Result<SearchResult, SearchError> {
    if year.is_some_and(|y| !SEARCH_YEARS.contains(&y)) {
        return Err(SearchError::BadYear);
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(SearchError::BadQuery);
    }
    if let Some(link) = movie_link::parse(title) {
        return by_link(state, link).await;
    }
    let metadata = &state.metadata;
    let key = (title.to_lowercase(), year);
    if let Some(found) = metadata.searches.get(&key) {
        return Ok(found);
    }
    let url = format!(
        "{}{}",
        state.config.imdb_suggest_url.trim_end_matches('/'),
        imdb_suggest::search_path(title)
    );
    let secs = state.config.metadata_timeout_secs;
    let answer = metadata.get("imdb", &url, secs).await.map_err(|e| {
        tracing::warn!(%title, error = %e, "searching IMDb failed");
        match e {
            providers::FetchError::Timeout(s) => SearchError::Timeout(s),
            providers::FetchError::Unreachable(why) => SearchError::Unreachable(why),
            other => SearchError::Unreachable(other.to_string()),
        }
    })?;
    if !(200..300).contains(&answer.status) {
        tracing::warn!(%title, status = answer.status, "IMDb refused a search");
        return Err(SearchError::Refused(answer.status));
    }
    let bytes = answer.body;
    let candidates = ranking::rank(title, year, imdb_suggest::parse(&bytes)?);
    let confident = ranking::is_confident(&candidates);
    tracing::info!(%title, ?year, found = candidates.len(), confident, "searched IMDb");
    let result = SearchResult {
        candidates,
        confident,
    };
    metadata.searches.put(key, result.clone());
    Ok(result)
}

/// The movie a pasted id or address names. An IMDb id is taken even when IMDb cannot be asked
/// (the uploader said which movie it is; the metadata job fills in the rest when it can); a
/// TMDB address needs TMDB to learn the IMDb id.
async fn by_link(state: &AppState, link: MovieLink) -> Result<SearchResult, SearchError> {
    let candidate = match link {
        MovieLink::Imdb(imdb_id) => match providers::suggested(state, &imdb_id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::info!(imdb = %imdb_id, error = %e, "a pasted IMDb id was not looked up; taken as it is");
                Candidate {
                    title: imdb_id.clone(),
                    imdb_id,
                    year: None,
                    kind: None,
                    rank: 0,
                    poster_url: None,
                    cast: None,
                }
            }
        },
        MovieLink::Tmdb(tmdb_id) => {
            let key = state
                .config
                .tmdb_api_key
                .as_deref()
                .ok_or(SearchError::TmdbLinkWithoutKey)?;
            let details = providers::tmdb_movie(state, tmdb_id, key)
                .await
                .map_err(|e| {
                    tracing::info!(tmdb = tmdb_id, error = %e, "a pasted TMDB link was not resolved");
                    match e {
                        providers::FetchError::NotFound | providers::FetchError::BadAnswer(_) => {
                            SearchError::TmdbLinkUnknown
                        }
                        _ => SearchError::TmdbLinkUnreachable,
                    }
                })?;
            Candidate {
                title: details.title.unwrap_or_else(|| details.imdb_id.clone()),
                imdb_id: details.imdb_id,
                year: details.year,
                kind: Some("movie".into()),
                rank: 0,
                poster_url: details.poster_url,
                cast: (!details.cast.is_empty()).then(|| {
                    details
                        .cast
                        .iter()
                        .take(2)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
            }
        }
    };
    tracing::info!(imdb = %candidate.imdb_id, "a movie was named by a pasted id or address");
    Ok(SearchResult {
        candidates: vec![ranking::Ranked {
            candidate,
            confidence: 1.0,
        }],
        confident: true,
    })
}
