//! A movie's details from the configured providers (`metadata_providers`, in order; the first
//! that knows a field wins), with IMDb's suggestion API as the last resort for the title, year
//! and poster. Reading the answers is `domain::metadata`'s job; this module fetches, with the
//! shared client (timeout, User-Agent), a rate limit per provider, and IMDb's bot challenge
//! detected and waited out instead of retried.

use super::Metadata;
use crate::AppState;
use bytes::Bytes;
use domain::metadata::details::MovieDetails;
use domain::metadata::tmdb::{self, Collection};
use domain::metadata::{BadAnswer, imdb_suggest, imdb_title, omdb};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Answers larger than this are not cached (an answer is a few kilobytes of JSON or HTML).
const CACHE_AT_MOST: usize = 2 * 1024 * 1024;
/// The largest answer read from a provider (IMDb's title pages are about 1 MB): reading stops
/// there, so a broken or hostile server cannot fill the memory.
const MAX_ANSWER: usize = 8 * 1024 * 1024;
/// The largest poster or backdrop downloaded.
const MAX_IMAGE: usize = 20 * 1024 * 1024;

/// After IMDb answers with its bot challenge, its title pages are left alone this long.
pub const IMDB_DEGRADED_FOR: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("cannot be reached: {0}")]
    Unreachable(String),
    #[error("answered HTTP {0}")]
    Refused(u16),
    #[error("answered with a bot challenge; its pages are skipped for a while")]
    Challenged,
    #[error("skipped: it answered with a bot challenge recently")]
    Degraded,
    #[error("does not know this movie")]
    NotFound,
    #[error("{0}")]
    BadAnswer(#[from] BadAnswer),
    #[error("{0}")]
    AllFailed(String),
}

/// An answer: status, headers (lowercase names) and body.
#[derive(Clone)]
pub(crate) struct Answer {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: Bytes,
}

/// `url` with `name=value` appended to its query.
fn with_param(url: String, name: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{sep}{name}={}",
        domain::metadata::percent_encode(value)
    )
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// What went wrong with a request, without its address: reqwest's messages quote the URL,
/// API key included, and this text is stored where members read it and written to the logs.
fn describe(err: reqwest::Error) -> String {
    use std::error::Error as _;
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    domain::metadata::redact_urls(&text)
}

/// Where an address points, for messages: its host, never its path or query.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "the provider".into())
}

/// How TMDB is given the key: its API Read Access Token (a JWT) goes in the `Authorization`
/// header, where no log or error quotes it; a v3 API key can only go in the query.
#[derive(Clone, Copy)]
enum TmdbKey<'a> {
    Bearer(&'a str),
    Query(&'a str),
}

impl<'a> TmdbKey<'a> {
    fn of(key: &'a str) -> TmdbKey<'a> {
        if key.starts_with("eyJ") && key.matches('.').count() == 2 {
            TmdbKey::Bearer(key)
        } else {
            TmdbKey::Query(key)
        }
    }

    fn url(&self, url: String) -> String {
        match self {
            TmdbKey::Bearer(_) => url,
            TmdbKey::Query(key) => with_param(url, "api_key", key),
        }
    }

    fn bearer(&self) -> Option<&'a str> {
        match self {
            TmdbKey::Bearer(key) => Some(key),
            TmdbKey::Query(_) => None,
        }
    }
}

impl Metadata {
    pub(super) async fn get(
        &self,
        provider: &str,
        url: &str,
        timeout_secs: u64,
    ) -> Result<Answer, FetchError> {
        self.get_with(provider, url, None, timeout_secs).await
    }

    /// A GET, with `bearer` as the `Authorization` header when given (the cache is keyed by
    /// the address alone: one server has one key per provider).
    async fn get_with(
        &self,
        provider: &str,
        url: &str,
        bearer: Option<&str>,
        timeout_secs: u64,
    ) -> Result<Answer, FetchError> {
        let cacheable = provider != "images";
        let max = if cacheable { MAX_ANSWER } else { MAX_IMAGE };
        if cacheable && let Some(answer) = self.answers.get(&url.to_owned()) {
            return Ok(answer);
        }
        self.limit(provider).until_ready().await;
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout(timeout_secs)
            } else {
                FetchError::Unreachable(describe(e))
            }
        };
        let mut request = self.http.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let mut res = request.send().await.map_err(failed)?;
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let too_large = || {
            BadAnswer(format!(
                "{} answered with more than {} MB",
                host_of(url),
                max / (1024 * 1024)
            ))
        };
        if res.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large().into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > max {
                return Err(too_large().into());
            }
            body.extend_from_slice(&chunk);
        }
        let body = Bytes::from(body);
        let answer = Answer {
            status,
            headers,
            body,
        };
        if cacheable && status == 200 && answer.body.len() <= CACHE_AT_MOST {
            self.answers.put(url.to_owned(), answer.clone());
        }
        Ok(answer)
    }

    fn imdb_degraded(&self) -> bool {
        let until = self
            .imdb_degraded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        until.is_some_and(|t| Instant::now() < t)
    }

    fn mark_imdb_degraded(&self) {
        *self
            .imdb_degraded_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + IMDB_DEGRADED_FOR);
    }
}

/// What the providers know of a movie.
pub struct Fetched {
    pub details: MovieDetails,
    /// The movie's TMDB id, when TMDB was asked and knows it.
    pub tmdb_id: Option<u64>,
    /// The TMDB collection the movie belongs to, parts in release order.
    pub collection: Option<Collection>,
}

/// What the providers know of `imdb_id`, merged.
pub async fn fetch(state: &AppState, imdb_id: &str) -> Result<Fetched, FetchError> {
    let mut merged: Option<MovieDetails> = None;
    let mut tmdb_id = None;
    let mut collection = None;
    let mut failures = Vec::new();
    for provider in &state.config.metadata_providers {
        let got = match provider.as_str() {
            "imdb" => imdb_page(state, imdb_id).await,
            "tmdb" => match &state.config.tmdb_api_key {
                Some(key) => match tmdb_details(state, imdb_id, key).await {
                    Ok((details, id, found)) => {
                        tmdb_id = Some(id);
                        collection = found;
                        Ok(details)
                    }
                    Err(e) => Err(e),
                },
                None => continue,
            },
            "omdb" => match &state.config.omdb_api_key {
                Some(key) => omdb_details(state, imdb_id, key).await,
                None => continue,
            },
            _ => continue,
        };
        match got {
            Ok(details) => match merged.as_mut() {
                Some(m) => m.merge(details),
                None => merged = Some(details),
            },
            Err(e) => {
                tracing::info!(imdb = imdb_id, provider = %provider, error = %e, "a metadata provider failed");
                failures.push(format!("{provider}: {e}"));
            }
        }
    }
    if merged.as_ref().is_none_or(|m| m.title.is_none()) {
        match suggestion(state, imdb_id).await {
            Ok(details) => match merged.as_mut() {
                Some(m) => m.merge(details),
                None => merged = Some(details),
            },
            Err(e) => failures.push(format!("imdb suggestions: {e}")),
        }
    }
    match merged {
        Some(details) if details.title.is_some() => Ok(Fetched {
            details,
            tmdb_id,
            collection,
        }),
        _ => Err(FetchError::AllFailed(if failures.is_empty() {
            "no metadata provider is configured".into()
        } else {
            failures.join("; ")
        })),
    }
}

/// IMDb's title page; its bot challenge puts the provider aside for [`IMDB_DEGRADED_FOR`].
async fn imdb_page(state: &AppState, imdb_id: &str) -> Result<MovieDetails, FetchError> {
    let metadata = &state.metadata;
    if metadata.imdb_degraded() {
        return Err(FetchError::Degraded);
    }
    let url = format!(
        "{}{}",
        base(&state.config.imdb_url),
        imdb_title::page_path(imdb_id)
    );
    let answer = metadata
        .get("imdb", &url, state.config.metadata_timeout_secs)
        .await?;
    let headers: Vec<(&str, &str)> = answer
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if imdb_title::is_bot_challenge(answer.status, &headers, &answer.body) {
        tracing::warn!(
            "IMDb answered with a bot challenge; its title pages are skipped for {} minutes",
            IMDB_DEGRADED_FOR.as_secs() / 60
        );
        metadata.mark_imdb_degraded();
        return Err(FetchError::Challenged);
    }
    match answer.status {
        200 => Ok(imdb_title::parse(
            imdb_id,
            &String::from_utf8_lossy(&answer.body),
        )?),
        404 => Err(FetchError::NotFound),
        other => Err(FetchError::Refused(other)),
    }
}

/// TMDB: the IMDb id's TMDB movie, its details, and its collection if it is in one.
async fn tmdb_details(
    state: &AppState,
    imdb_id: &str,
    key: &str,
) -> Result<(MovieDetails, u64, Option<Collection>), FetchError> {
    let metadata = &state.metadata;
    let secs = state.config.metadata_timeout_secs;
    let api = base(&state.config.tmdb_url);
    let json = |answer: Answer| -> Result<Bytes, FetchError> {
        match answer.status {
            200 => Ok(answer.body),
            404 => Err(FetchError::NotFound),
            // TMDB explains a refused key in its body.
            401 => Err(tmdb::parse_find(&answer.body)
                .err()
                .map_or(FetchError::Refused(401), FetchError::BadAnswer)),
            other => Err(FetchError::Refused(other)),
        }
    };
    let key = TmdbKey::of(key);
    let get = |url: String| {
        let url = key.url(url);
        let bearer = key.bearer();
        async move { metadata.get_with("tmdb", &url, bearer, secs).await }
    };
    let found = json(get(format!("{api}{}", tmdb::find_path(imdb_id))).await?)?;
    let tmdb_id = tmdb::parse_find(&found)?.ok_or(FetchError::NotFound)?;
    let body = json(get(format!("{api}{}", tmdb::details_path(tmdb_id))).await?)?;
    let details = tmdb::parse_details(&body, &state.config.tmdb_image_url)?;
    let collection = match &details.collection {
        Some(c) => {
            // The movie's details stand without the collection's order.
            match get(format!("{api}{}", tmdb::collection_path(c.tmdb_id))).await {
                Ok(answer) => match json(answer).and_then(|b| Ok(tmdb::parse_collection(&b)?)) {
                    Ok(collection) => Some(collection),
                    Err(e) => {
                        tracing::info!(imdb = imdb_id, error = %e, "TMDB's collection could not be read");
                        None
                    }
                },
                Err(e) => {
                    tracing::info!(imdb = imdb_id, error = %e, "TMDB's collection could not be fetched");
                    None
                }
            }
        }
        None => None,
    };
    Ok((details, tmdb_id, collection))
}

/// OMDb by IMDb id: ratings of Rotten Tomatoes and Metacritic besides IMDb's.
async fn omdb_details(
    state: &AppState,
    imdb_id: &str,
    key: &str,
) -> Result<MovieDetails, FetchError> {
    let url = with_param(
        format!(
            "{}/{}",
            base(&state.config.omdb_url),
            omdb::by_id_query(imdb_id)
        ),
        "apikey",
        key,
    );
    let answer = state
        .metadata
        .get("omdb", &url, state.config.metadata_timeout_secs)
        .await?;
    match answer.status {
        // OMDb reports a bad key or an unknown id in the body, sometimes with 401.
        200 | 401 => Ok(omdb::parse(&answer.body)?),
        other => Err(FetchError::Refused(other)),
    }
}

/// IMDb's suggestion API by id: title, year and poster, when nothing else answered.
async fn suggestion(state: &AppState, imdb_id: &str) -> Result<MovieDetails, FetchError> {
    let found = suggested(state, imdb_id).await?;
    Ok(MovieDetails {
        imdb_id: found.imdb_id,
        title: Some(found.title),
        year: found.year,
        poster_url: found.poster_url,
        cast: found
            .cast
            .map(|c| c.split(", ").map(str::to_owned).collect())
            .unwrap_or_default(),
        ..Default::default()
    })
}

/// IMDb's suggestion for exactly `imdb_id`, as a search candidate.
pub(super) async fn suggested(
    state: &AppState,
    imdb_id: &str,
) -> Result<domain::identify::ranking::Candidate, FetchError> {
    let url = format!(
        "{}{}",
        base(&state.config.imdb_suggest_url),
        imdb_suggest::lookup_path(imdb_id)
    );
    let answer = state
        .metadata
        .get("imdb", &url, state.config.metadata_timeout_secs)
        .await?;
    if answer.status != 200 {
        return Err(FetchError::Refused(answer.status));
    }
    imdb_suggest::parse(&answer.body)?
        .into_iter()
        .find(|c| c.imdb_id == imdb_id)
        .ok_or(FetchError::NotFound)
}

/// TMDB's details of its movie number `tmdb_id` (which carry the IMDb id).
pub(super) async fn tmdb_movie(
    state: &AppState,
    tmdb_id: u64,
    key: &str,
) -> Result<MovieDetails, FetchError> {
    let key = TmdbKey::of(key);
    let url = key.url(format!(
        "{}{}",
        base(&state.config.tmdb_url),
        tmdb::details_path(tmdb_id)
    ));
    let answer = state
        .metadata
        .get_with(
            "tmdb",
            &url,
            key.bearer(),
            state.config.metadata_timeout_secs,
        )
        .await?;
    match answer.status {
        200 => Ok(tmdb::parse_details(
            &answer.body,
            &state.config.tmdb_image_url,
        )?),
        404 => Err(FetchError::NotFound),
        other => Err(FetchError::Refused(other)),
    }
}

/// Downloads an image (a poster or a backdrop), refusing what is not one or is too large.
pub async fn image(state: &AppState, url: &str) -> Result<(Bytes, &'static str), FetchError> {
    let answer = state
        .metadata
        .get("images", url, state.config.metadata_timeout_secs)
        .await?;
    if answer.status != 200 {
        return Err(FetchError::Refused(answer.status));
    }
    if answer.body.len() > MAX_IMAGE {
        return Err(BadAnswer(format!("the image from {} is over 20 MB", host_of(url))).into());
    }
    let ext = image_kind(&answer.body).ok_or_else(|| {
        BadAnswer(format!(
            "the image from {} is not a JPEG, PNG or WebP image",
            host_of(url)
        ))
    })?;
    Ok((answer.body, ext))
}

/// The largest trailer downloaded: trailers run two or three minutes, and a file past this is
/// not one.
pub const MAX_TRAILER: u64 = 500 * 1024 * 1024;
/// How long a trailer download may take in all (the short metadata timeout is for answers).
const TRAILER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Downloads a trailer video into `dir/trailer.<mp4|webm>` through a temp file, streaming it
/// to disk; refuses what is not an MP4 or WebM video, or is larger than [`MAX_TRAILER`].
pub async fn trailer(state: &AppState, url: &str, dir: &Path) -> Result<PathBuf, FetchError> {
    use tokio::io::AsyncWriteExt;
    let metadata = &state.metadata;
    metadata.limit("images").until_ready().await;
    let secs = TRAILER_TIMEOUT.as_secs();
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            FetchError::Timeout(secs)
        } else {
            FetchError::Unreachable(describe(e))
        }
    };
    let mut res = metadata
        .http
        .get(url)
        .timeout(TRAILER_TIMEOUT)
        .send()
        .await
        .map_err(failed)?;
    if res.status().as_u16() != 200 {
        return Err(FetchError::Refused(res.status().as_u16()));
    }
    let too_large = || BadAnswer(format!("the trailer from {} is over 500 MB", host_of(url)));
    if res.content_length().is_some_and(|n| n > MAX_TRAILER) {
        return Err(too_large().into());
    }
    let io = |e: std::io::Error| FetchError::Unreachable(format!("cannot write the trailer: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let tmp = dir.join(".trailer.partial");
    let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
    let mut head = Vec::new();
    let mut written = 0u64;
    let outcome: Result<&'static str, FetchError> = async {
        while let Some(chunk) = res.chunk().await.map_err(failed)? {
            written += chunk.len() as u64;
            if written > MAX_TRAILER {
                return Err(too_large().into());
            }
            if head.len() < 12 {
                head.extend_from_slice(&chunk[..chunk.len().min(12 - head.len())]);
                if head.len() == 12 && video_kind(&head).is_none() {
                    break;
                }
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.sync_all().await.map_err(io)?;
        video_kind(&head).ok_or_else(|| {
            BadAnswer(format!(
                "the trailer from {} is not an MP4 or WebM video",
                host_of(url)
            ))
            .into()
        })
    }
    .await;
    match outcome {
        Ok(ext) => {
            let path = dir.join(format!("trailer.{ext}"));
            tokio::fs::rename(&tmp, &path).await.map_err(io)?;
            Ok(path)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            Err(e)
        }
    }
}

/// The file extension for a video's first bytes: MP4 (an `ftyp` box first) or WebM (EBML).
pub fn video_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Some("mp4")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("webm")
    } else {
        None
    }
}

/// The file extension for an image's bytes, by their signature.
pub fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_appended_and_encoded() {
        assert_eq!(
            with_param("http://x/3/find/tt1?a=b".into(), "api_key", "k y&"),
            "http://x/3/find/tt1?a=b&api_key=k%20y%26"
        );
        assert_eq!(
            with_param("http://x/3/collection/8".into(), "api_key", "abc"),
            "http://x/3/collection/8?api_key=abc"
        );
    }

    #[test]
    fn images_are_known_by_their_signature() {
        assert_eq!(image_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("jpg"));
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(image_kind(b"<html>challenge</html>"), None);
        assert_eq!(image_kind(b""), None);
    }

    #[test]
    fn videos_are_known_by_their_signature() {
        assert_eq!(video_kind(b"\0\0\0\x18ftypmp42\0\0"), Some("mp4"));
        assert_eq!(video_kind(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]), Some("webm"));
        assert_eq!(video_kind(b"<!doctype html>"), None);
        assert_eq!(video_kind(b"\0\0\0"), None);
    }
}
