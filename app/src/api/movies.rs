//! A library's movies, a movie's page, and what an uploader may do to a movie's metadata:
//! search, refresh, fix the match.

use crate::error::AppError;
use domain::api::{LibraryInfo, MovieLink, MovieView, RowsPage};
use domain::identify::ranking::SearchResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The library a page shows: the one asked for, else the caller's active library.
#[cfg(feature = "ssr")]
async fn chosen_library(
    state: &backend::AppState,
    user: &backend::auth::AuthUser,
    wanted: Option<i32>,
) -> Result<Option<LibraryInfo>, AppError> {
    use backend::access::{self, Need};
    Ok(match wanted {
        Some(id) => {
            let (library, role) = access::library(state, user.id, id, Need::Member)
                .await
                .map_err(backend::ApiError::from)?;
            Some(access::info(library, role))
        }
        None => backend::auth::me(state, user)
            .await?
            .active_library()
            .cloned(),
    })
}

/// The caller's active library and a page of its home rows; `None` when they have no library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeRows {
    pub library: LibraryInfo,
    pub page: RowsPage,
}

#[server(prefix = "/api/fn", endpoint = "home_rows", output = crate::api::codec::Json)]
pub async fn get_home_rows(offset: u32) -> Result<Option<HomeRows>, AppError> {
    use super::server::*;
    let user = require_user()?;
    let state = state()?;
    let Some(library) = chosen_library(&state, &user, None).await? else {
        return Ok(None);
    };
    let page = backend::rows::page(&state, user.id, library.id, offset as usize).await?;
    Ok(Some(HomeRows { library, page }))
}

/// More movies of a home row, as it is scrolled sideways.
#[server(prefix = "/api/fn", endpoint = "row_items", output = crate::api::codec::Json)]
pub async fn get_row_items(
    library: i32,
    row: String,
    offset: u64,
) -> Result<Vec<MovieLink>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::rows::items(&state()?, user.id, library, &row, offset).await?)
}

/// A movie's page in `library` (default: the caller's active library).
#[server(prefix = "/api/fn", endpoint = "movie_page", output = crate::api::codec::Json)]
pub async fn get_movie(imdb_id: String, library: Option<i32>) -> Result<MovieView, AppError> {
    use super::server::*;
    let user = require_user()?;
    let state = state()?;
    let library = chosen_library(&state, &user, library)
        .await?
        .ok_or_else(|| backend::ApiError::not_found("You have no library yet."))?;
    let imdb_id = domain::ImdbId::parse(&imdb_id)?;
    match backend::movies::view(&state, user.id, library.id, &imdb_id).await {
        Ok(movie) => Ok(movie),
        Err(e) => {
            // The old address of a movie named by hand, found since: a page loaded whole is
            // redirected to the movie found (the page links there when opened in the app).
            let moved = e
                .details
                .get("movedTo")
                .and_then(|to| to.as_str())
                .map(|to| format!("/movie/{to}?library={}", library.id));
            let err = AppError::from(e);
            if let Some(url) = moved {
                leptos_axum::redirect(&url);
            }
            Err(err)
        }
    }
}

/// Which movies a title (and year) may be, best first: the uploader's and "fix match"'s search.
#[server(prefix = "/api/fn", endpoint = "search_movies", output = crate::api::codec::Json)]
pub async fn search_movies(query: String, year: Option<u16>) -> Result<SearchResult, AppError> {
    use super::server::*;
    require_user()?;
    Ok(backend::metadata::search_movies(&state()?, &query, year).await?)
}

/// Queues the movie's metadata fetch again. A movie named by hand is looked up now: answers
/// the page of the movie found when its files moved there.
#[server(prefix = "/api/fn", endpoint = "refresh_movie", output = crate::api::codec::Json)]
pub async fn refresh_movie(library: i32, imdb_id: String) -> Result<Option<String>, AppError> {
    use super::server::*;
    let user = require_user()?;
    let imdb_id = domain::ImdbId::parse(&imdb_id)?;
    let moved = backend::metadata::refresh(&state()?, user.id, library, &imdb_id).await?;
    match moved {
        // A movie named by hand that was found now: its page is the movie found's.
        Some(to) => Ok(Some(go_to(&format!("/movie/{to}?library={library}")))),
        None => {
            // A plain form (no JavaScript) comes back to the page, told what happened.
            if is_form_post() {
                leptos_axum::redirect(&format!("/movie/{imdb_id}?library={library}&queued=1"));
            }
            Ok(None)
        }
    }
}

/// Moves the library's files of `imdb_id` to the movie `to`; returns the right movie's page.
#[server(prefix = "/api/fn", endpoint = "fix_match", output = crate::api::codec::Json)]
pub async fn fix_match(library: i32, imdb_id: String, to: String) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    let (from, to) = (
        domain::ImdbId::parse(&imdb_id)?,
        domain::ImdbId::parse(&to)?,
    );
    backend::metadata::rematch(&state()?, user.id, library, &from, &to).await?;
    Ok(go_to(&format!("/movie/{to}?library={library}")))
}

/// Where a movie's poster (or backdrop) is served from.
pub fn picture_url(library: i32, imdb_id: &str, which: &str) -> String {
    format!("/api/movies/{imdb_id}/{which}?library={library}")
}

/// Widths the server resizes posters to.
pub const POSTER_WIDTHS: [u32; 3] = [160, 320, 480];

/// A poster resized to `width`, with the cover's version so the URL can be cached for good.
pub fn poster_url(library: i32, movie: &MovieLink, width: u32) -> String {
    format!(
        "{}&w={width}&v={}",
        picture_url(library, &movie.imdb_id, "poster"),
        movie.poster_version.unwrap_or(0)
    )
}

/// `srcset` of a movie's poster in every width.
pub fn poster_srcset(library: i32, movie: &MovieLink) -> String {
    POSTER_WIDTHS
        .iter()
        .map(|w| format!("{} {w}w", poster_url(library, movie, *w)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the search page shows: the library searched and its matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub library: LibraryInfo,
    pub movies: Vec<MovieLink>,
}

/// The active library's movies matching what was typed; `None` without a library.
#[server(prefix = "/api/fn", endpoint = "search_library", output = crate::api::codec::Json)]
pub async fn search_library(text: String) -> Result<Option<Found>, AppError> {
    use super::server::*;
    let user = require_user()?;
    let state = state()?;
    let Some(library) = chosen_library(&state, &user, None).await? else {
        return Ok(None);
    };
    let movies = backend::search::library(&state, user.id, library.id, &text).await?;
    Ok(Some(Found { library, movies }))
}
