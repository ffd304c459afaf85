//! The home page's rows for one user in one library: which rows there are (in the order of
//! `domain::rows::RowId::rank`), and a page of each row's movies. Rows without movies are
//! left out. Every query is limited to the movies with a file in the library.

use crate::entities::{
    collection, collection_movie, genre, movie, movie_file, movie_genre, watch_progress,
};
use crate::movies::{link, member_library, movies_in};
use crate::playback::RESUME_FROM;
use crate::{ApiError, AppState};
use domain::api::{MovieLink, Row, RowsPage};
use domain::rows::{RowId, decade, decade_title};
use http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;

/// Movies per row in the first answer; the rest load as the row is scrolled.
pub const ROW_ITEMS: u64 = 20;
/// Rows per page of the home page.
pub const ROWS_PER_PAGE: usize = 6;
/// A franchise row needs this many of its films in the library; one alone says nothing.
const MIN_COLLECTION: i64 = 2;

fn bad_row() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "row_not_found",
        "There is no such row on the home page.",
    )
}

/// Every row of the library that may have movies, in page order, with its title.
async fn row_list(state: &AppState, library_id: i32) -> Result<Vec<(RowId, String)>, ApiError> {
    let db = &state.db;
    let mut rows = vec![
        (RowId::ContinueWatching, "Continue watching".to_owned()),
        (RowId::RecentlyAdded, "Recently added".to_owned()),
        (RowId::TopRated, "Top rated".to_owned()),
        (RowId::Unwatched, "Unwatched".to_owned()),
    ];

    #[derive(FromQueryResult)]
    struct Named {
        id: i32,
        name: String,
        n: i64,
    }
    let collections = Named::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .expr_as(
                    Expr::col((collection::Entity, collection::Column::Id)),
                    "id",
                )
                .expr_as(
                    Expr::col((collection::Entity, collection::Column::Name)),
                    "name",
                )
                .expr_as(Expr::col(collection_movie::Column::MovieId).count(), "n")
                .from(collection::Entity)
                .inner_join(
                    collection_movie::Entity,
                    Expr::col((
                        collection_movie::Entity,
                        collection_movie::Column::CollectionId,
                    ))
                    .equals((collection::Entity, collection::Column::Id)),
                )
                .and_where(collection_movie::Column::MovieId.in_subquery(movies_in(library_id)))
                .group_by_col((collection::Entity, collection::Column::Id))
                .group_by_col((collection::Entity, collection::Column::Name))
                .order_by(
                    (collection::Entity, collection::Column::Name),
                    sea_orm::Order::Asc,
                ),
        ),
    )
    .all(db)
    .await?;
    rows.extend(
        collections
            .into_iter()
            .filter(|c| c.n >= MIN_COLLECTION)
            .map(|c| (RowId::Collection(c.id), c.name)),
    );

    let genres = Named::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .expr_as(Expr::col((genre::Entity, genre::Column::Id)), "id")
                .expr_as(Expr::col((genre::Entity, genre::Column::Name)), "name")
                .expr_as(Expr::col(movie_genre::Column::MovieId).count(), "n")
                .from(genre::Entity)
                .inner_join(
                    movie_genre::Entity,
                    Expr::col((movie_genre::Entity, movie_genre::Column::GenreId))
                        .equals((genre::Entity, genre::Column::Id)),
                )
                .and_where(movie_genre::Column::MovieId.in_subquery(movies_in(library_id)))
                .group_by_col((genre::Entity, genre::Column::Id))
                .group_by_col((genre::Entity, genre::Column::Name))
                .order_by((genre::Entity, genre::Column::Name), sea_orm::Order::Asc),
        ),
    )
    .all(db)
    .await?;
    rows.extend(genres.into_iter().map(|g| (RowId::Genre(g.id), g.name)));

    let years: Vec<Option<i32>> = movie::Entity::find()
        .select_only()
        .column(movie::Column::Year)
        .distinct()
        .filter(movie::Column::Id.in_subquery(movies_in(library_id)))
        .into_tuple()
        .all(db)
        .await?;
    let mut decades: Vec<i32> = years.into_iter().flatten().map(decade).collect();
    decades.sort_unstable_by(|a, b| b.cmp(a));
    decades.dedup();
    rows.extend(
        decades
            .into_iter()
            .map(|d| (RowId::Decade(d), decade_title(d))),
    );
    rows.sort_by_key(|(id, _)| id.rank());
    Ok(rows)
}

/// Movies by id, in the order of `ids`.
async fn in_order(state: &AppState, ids: Vec<i32>) -> Result<Vec<movie::Model>, ApiError> {
    let mut found: HashMap<i32, movie::Model> = movie::Entity::find()
        .filter(movie::Column::Id.is_in(ids.clone()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(ids.into_iter().filter_map(|id| found.remove(&id)).collect())
}

fn in_library(library_id: i32) -> Select<movie::Entity> {
    movie::Entity::find().filter(movie::Column::Id.in_subquery(movies_in(library_id)))
}

/// Movies `offset..offset + limit` of a row.
async fn row_movies(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    row: RowId,
    offset: u64,
    limit: u64,
) -> Result<Vec<movie::Model>, ApiError> {
    let db = &state.db;
    let page = |q: Select<movie::Entity>| q.offset(offset).limit(limit);
    Ok(match row {
        RowId::ContinueWatching => {
            let ids: Vec<i32> = watch_progress::Entity::find()
                .select_only()
                .column(watch_progress::Column::MovieId)
                .filter(watch_progress::Column::UserId.eq(user_id))
                .filter(watch_progress::Column::Completed.eq(false))
                .filter(watch_progress::Column::PositionSeconds.gte(RESUME_FROM))
                .filter(watch_progress::Column::MovieId.in_subquery(movies_in(library_id)))
                .order_by_desc(watch_progress::Column::UpdatedAt)
                .offset(offset)
                .limit(limit)
                .into_tuple()
                .all(db)
                .await?;
            in_order(state, ids).await?
        }
        RowId::RecentlyAdded => {
            let ids: Vec<i32> = movie_file::Entity::find()
                .select_only()
                .column(movie_file::Column::MovieId)
                .filter(movie_file::Column::LibraryId.eq(library_id))
                .group_by(movie_file::Column::MovieId)
                .order_by_desc(Expr::col(movie_file::Column::CreatedAt).max())
                .order_by_desc(movie_file::Column::MovieId)
                .offset(offset)
                .limit(limit)
                .into_tuple()
                .all(db)
                .await?;
            in_order(state, ids).await?
        }
        RowId::Collection(id) => {
            page(
                in_library(library_id)
                    .inner_join(collection_movie::Entity)
                    .filter(collection_movie::Column::CollectionId.eq(id))
                    .order_by_asc(collection_movie::Column::Position)
                    .order_by_asc(movie::Column::Year)
                    .order_by_asc(movie::Column::Id),
            )
            .all(db)
            .await?
        }
        RowId::TopRated => {
            page(
                in_library(library_id)
                    .filter(movie::Column::Rating.is_not_null())
                    .order_by_desc(movie::Column::Rating)
                    .order_by_desc(movie::Column::RatingCount)
                    .order_by_asc(movie::Column::Id),
            )
            .all(db)
            .await?
        }
        RowId::Genre(id) => {
            page(
                in_library(library_id)
                    .inner_join(movie_genre::Entity)
                    .filter(movie_genre::Column::GenreId.eq(id))
                    .order_by_asc(movie::Column::SearchTitle)
                    .order_by_asc(movie::Column::Id),
            )
            .all(db)
            .await?
        }
        RowId::Decade(start) => {
            page(
                in_library(library_id)
                    .filter(movie::Column::Year.between(start, start + 9))
                    .order_by_asc(movie::Column::Year)
                    .order_by_asc(movie::Column::SearchTitle)
                    .order_by_asc(movie::Column::Id),
            )
            .all(db)
            .await?
        }
        RowId::Unwatched => {
            let watched = Query::select()
                .column(watch_progress::Column::MovieId)
                .from(watch_progress::Entity)
                .and_where(watch_progress::Column::UserId.eq(user_id))
                .and_where(watch_progress::Column::Completed.eq(true))
                .to_owned();
            page(
                in_library(library_id)
                    .filter(movie::Column::Id.not_in_subquery(watched))
                    .order_by_asc(movie::Column::SearchTitle)
                    .order_by_asc(movie::Column::Id),
            )
            .all(db)
            .await?
        }
    })
}

/// A page of the home page's rows, from row `offset`, each with its first [`ROW_ITEMS`].
pub async fn page(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    offset: usize,
) -> Result<RowsPage, ApiError> {
    let (library, _) = member_library(state, user_id, library_id).await?;
    let all = row_list(state, library_id).await?;
    let mut rows = Vec::new();
    for (id, title) in all.iter().skip(offset).take(ROWS_PER_PAGE) {
        let mut movies = row_movies(state, user_id, library_id, *id, 0, ROW_ITEMS + 1).await?;
        if movies.is_empty() {
            continue;
        }
        let more = movies.len() as u64 > ROW_ITEMS;
        movies.truncate(ROW_ITEMS as usize);
        rows.push(Row {
            id: id.to_string(),
            title: title.clone(),
            items: movies.iter().map(|m| link(&library, m)).collect(),
            more,
        });
    }
    let next = offset + ROWS_PER_PAGE;
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
    let (library, _) = member_library(state, user_id, library_id).await?;
    let row = RowId::parse(row).ok_or_else(bad_row)?;
    let movies = row_movies(state, user_id, library_id, row, offset, ROW_ITEMS).await?;
    Ok(movies.iter().map(|m| link(&library, m)).collect())
}
