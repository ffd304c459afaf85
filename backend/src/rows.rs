//! The home page's rows for one user in one library: which rows there are (in the order of
//! `domain::rows::RowId::rank`), and a page of each row's movies. Rows come from the
//! library's catalogue in memory (`catalog`) and the user's watch positions; rows without
//! movies are left out.

use crate::catalog::{Catalog, Entry};
use crate::entities::watch_progress;
use crate::error::Missing;
use crate::playback::RESUME_FROM;
use crate::{ApiError, AppState};
use domain::api::{MovieLink, Row, RowsPage};
use domain::rows::{RowId, decade_title};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashSet;
use std::sync::Arc;

/// Movies per row in the first answer, and per request as a row is scrolled.
pub const ROW_ITEMS: usize = 20;
/// Rows per page of the home page.
pub const ROWS_PER_PAGE: usize = 6;

fn bad_row() -> ApiError {
    Missing::Row.into()
}

/// What the user has watched in the library: started ones (last watched first) and finished.
struct Watched {
    started: Vec<usize>,
    finished: HashSet<usize>,
}

impl Watched {
    async fn of(state: &AppState, user_id: i32, catalog: &Catalog) -> Result<Watched, ApiError> {
        let rows = state
            .access
            .watched(user_id, || {
                watch_progress::Entity::find()
                    .select_only()
                    .columns([
                        watch_progress::Column::MovieId,
                        watch_progress::Column::Completed,
                        watch_progress::Column::PositionSeconds,
                    ])
                    .filter(watch_progress::Column::UserId.eq(user_id))
                    .order_by_desc(watch_progress::Column::UpdatedAt)
                    .into_tuple()
                    .all(&state.db)
            })
            .await?;
        let mut watched = Watched {
            started: Vec::new(),
            finished: HashSet::new(),
        };
        for &(movie, completed, position) in rows.iter() {
            let Some(i) = catalog.index_of(movie) else {
                continue;
            };
            if completed {
                watched.finished.insert(i);
            } else if position >= RESUME_FROM {
                watched.started.push(i);
            }
        }
        Ok(watched)
    }
}

/// A row's movies, in order.
fn movies<'a>(c: &'a Catalog, w: &'a Watched, row: RowId) -> Box<dyn Iterator<Item = usize> + 'a> {
    let group = |groups: &'a [crate::catalog::Group], id: i32| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map_or(&[][..], |g| &g.movies[..])
    };
    match row {
        RowId::ContinueWatching => Box::new(w.started.iter().copied()),
        RowId::RecentlyAdded => Box::new(c.recent.iter().copied()),
        RowId::Category(id) => Box::new(group(&c.categories, id).iter().copied()),
        RowId::Collection(id) => Box::new(group(&c.collections, id).iter().copied()),
        RowId::TopRated => Box::new(c.top.iter().copied()),
        RowId::Genre(id) => Box::new(group(&c.genres, id).iter().copied()),
        RowId::Decade(start) => Box::new(
            c.decades
                .iter()
                .find(|(d, _)| *d == start)
                .map_or(&[][..], |(_, m)| &m[..])
                .iter()
                .copied(),
        ),
        RowId::Unwatched => Box::new((0..c.entries.len()).filter(|i| !w.finished.contains(i))),
    }
}

/// Every row with movies, in page order, with its title.
fn row_list(c: &Catalog, w: &Watched) -> Vec<(RowId, String)> {
    let mut rows = vec![
        (RowId::ContinueWatching, "Continue watching".to_owned()),
        (RowId::RecentlyAdded, "Recently added".to_owned()),
        (RowId::TopRated, "Top rated".to_owned()),
        (RowId::Unwatched, "Unwatched".to_owned()),
    ];
    rows.extend(
        c.categories
            .iter()
            .map(|g| (RowId::Category(g.id), g.name.clone())),
    );
    rows.extend(
        c.collections
            .iter()
            .map(|g| (RowId::Collection(g.id), g.name.clone())),
    );
    rows.extend(
        c.genres
            .iter()
            .map(|g| (RowId::Genre(g.id), g.name.clone())),
    );
    rows.extend(
        c.decades
            .iter()
            .map(|(d, _)| (RowId::Decade(*d), decade_title(*d))),
    );
    rows.retain(|(id, _)| movies(c, w, *id).next().is_some());
    rows.sort_by_key(|(id, _)| id.rank());
    rows
}

pub(crate) fn link(e: &Entry) -> MovieLink {
    MovieLink {
        imdb_id: e.imdb_id.clone(),
        title: e.title.clone(),
        year: e.year,
        has_poster: e.poster_version.is_some(),
        poster_version: e.poster_version,
    }
}

async fn catalog(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<Arc<Catalog>, ApiError> {
    let (library, _) =
        crate::access::library(state, user_id, library_id, crate::access::Need::Member).await?;
    Ok(state
        .catalogs
        .get(&state.db, library.id, &library.path)
        .await?)
}

/// A page of the home page's rows, from row `offset`, each with its first [`ROW_ITEMS`].
pub async fn page(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    offset: usize,
) -> Result<RowsPage, ApiError> {
    let c = catalog(state, user_id, library_id).await?;
    let w = Watched::of(state, user_id, &c).await?;
    let all = row_list(&c, &w);
    let rows = all
        .iter()
        .skip(offset)
        .take(ROWS_PER_PAGE)
        .map(|(id, title)| {
            let mut found = movies(&c, &w, *id).take(ROW_ITEMS + 1);
            let items: Vec<MovieLink> = found
                .by_ref()
                .take(ROW_ITEMS)
                .map(|i| link(&c.entries[i]))
                .collect();
            Row {
                id: id.to_string(),
                title: title.clone(),
                more: found.next().is_some(),
                items,
            }
        })
        .collect();
    let next = offset.saturating_add(ROWS_PER_PAGE);
    Ok(RowsPage {
        rows,
        next: (next < all.len()).then_some(next as u32),
    })
}

/// More movies of one row, from `offset`.
pub async fn items(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    row: &str,
    offset: u64,
) -> Result<Vec<MovieLink>, ApiError> {
    let c = catalog(state, user_id, library_id).await?;
    let row = RowId::parse(row).ok_or_else(bad_row)?;
    let w = Watched::of(state, user_id, &c).await?;
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    Ok(movies(&c, &w, row)
        .skip(skip)
        .take(ROW_ITEMS)
        .map(|i| link(&c.entries[i]))
        .collect())
}
