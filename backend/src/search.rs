//! The search box: a library's movies whose title, cast or year match what was typed
//! (`domain::search`), from the catalogue in memory.

use crate::{ApiError, AppState};
use domain::api::MovieLink;
use domain::search::Query;

/// Most movies one search answers.
pub const MAX_RESULTS: usize = 60;
/// Longest text searched, in characters.
pub const MAX_QUERY: usize = 200;

/// The best matches first (title matches before cast matches), then in title order. Members
/// only; an empty or unsearchable text finds nothing.
pub async fn library(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    text: &str,
) -> Result<Vec<MovieLink>, ApiError> {
    if text.chars().count() > MAX_QUERY {
        return Err(ApiError::bad_request(
            "query_too_long",
            format!("Search for at most {MAX_QUERY} characters."),
        ));
    }
    let (library, _) =
        crate::access::library(state, user_id, library_id, crate::access::Need::Member).await?;
    let Some(query) = Query::parse(text) else {
        return Ok(Vec::new());
    };
    let catalog = state
        .catalogs
        .get(&state.db, library.id, &library.path)
        .await?;
    let mut hits: Vec<(u32, usize)> = catalog
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.findable.score(&query).map(|s| (s, i)))
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(hits
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, i)| crate::rows::link(&catalog.entries[i]))
        .collect())
}
