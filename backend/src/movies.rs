//! What pages show of a library's movies: the list, one movie's page, and its cover. Members
//! of the library only; anyone else is told the library does not exist.

use crate::access::{self, Need};
use crate::catalog::movies_in;
use crate::entities::{
    collection, collection_movie, genre, library, movie, movie_file, movie_genre, movie_move,
};
use crate::error::Missing;
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::ImdbId;
use domain::api::{CollectionInfo, MovieFileInfo, MovieLink, MovieView, RatingInfo};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use std::path::PathBuf;

fn movie_not_found() -> ApiError {
    Missing::Movie.into()
}

/// Whether the library has the movie's picture at `relative`.
fn present(library: &library::Model, m: &movie::Model, relative: Option<&str>) -> bool {
    version(library, m, relative).is_some()
}

/// The version of the movie's picture at `relative`, when the library has it.
fn version(library: &library::Model, m: &movie::Model, relative: Option<&str>) -> Option<u64> {
    crate::catalog::picture_version(&library.path, relative, crate::catalog::pictures_written(m))
}

fn link(library: &library::Model, m: &movie::Model) -> MovieLink {
    let poster_version = version(library, m, m.poster_path.as_deref());
    MovieLink {
        imdb_id: m.imdb_id.clone(),
        title: m.title.clone(),
        year: m.year,
        has_poster: poster_version.is_some(),
        poster_version,
    }
}

/// The library's movies by title.
pub async fn list(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<Vec<MovieLink>, ApiError> {
    let (library, _) = access::library(state, user_id, library_id, Need::Member).await?;
    let movies = movie::Entity::find()
        .filter(movie::Column::Id.in_subquery(movies_in(library_id)))
        .order_by_asc(movie::Column::SearchTitle)
        .order_by_asc(movie::Column::Year)
        .all(&state.db)
        .await?;
    Ok(movies.iter().map(|m| link(&library, m)).collect())
}

/// The movie with files in the library, or 404.
async fn movie_in(
    state: &AppState,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<(movie::Model, Vec<movie_file::Model>), ApiError> {
    find_in(state, library_id, imdb_id)
        .await?
        .ok_or_else(movie_not_found)
}

/// The movie and the library's files of it, if the library has any.
async fn find_in(
    state: &AppState,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<Option<(movie::Model, Vec<movie_file::Model>)>, DbErr> {
    let Some(movie) = movie::Entity::find()
        .filter(movie::Column::ImdbId.eq(imdb_id.as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let files = movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(library_id))
        .filter(movie_file::Column::MovieId.eq(movie.id))
        .order_by_asc(movie_file::Column::Id)
        .all(&state.db)
        .await?;
    Ok((!files.is_empty()).then_some((movie, files)))
}

/// The old id of a movie named by hand (`tt9…`) asked for after the metadata job found it:
/// the page to go to instead.
#[derive(Debug, thiserror::Error)]
#[error(
    "This movie was named by hand and has since been found in the movie database: it has a new page."
)]
pub struct MovieMoved(pub ImdbId);

/// Remembers that the movie named by hand `from` is `to`, so its page's old address leads
/// there (for the metadata job, once it moved the files).
pub async fn record_move(state: &AppState, from: &ImdbId, to: &ImdbId) -> Result<(), DbErr> {
    let row = movie_move::ActiveModel {
        from_imdb_id: Set(from.to_string()),
        to_imdb_id: Set(to.to_string()),
        moved_at: Set(Utc::now()),
    };
    // The same title and year named again later is the same id, and may be found elsewhere.
    movie_move::Entity::insert(row)
        .on_conflict(
            OnConflict::column(movie_move::Column::FromImdbId)
                .update_columns([movie_move::Column::ToImdbId, movie_move::Column::MovedAt])
                .to_owned(),
        )
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Why the library has no movie `imdb_id`: the old id of a movie named by hand that the
/// library now has under the id found, or simply none.
async fn not_in(state: &AppState, library_id: i32, imdb_id: &ImdbId) -> Result<ApiError, ApiError> {
    if !imdb_id.is_provisional() {
        return Ok(movie_not_found());
    }
    let moved = movie_move::Entity::find_by_id(imdb_id.to_string())
        .one(&state.db)
        .await?
        .and_then(|m| ImdbId::parse(&m.to_imdb_id).ok());
    Ok(match moved {
        Some(to) if find_in(state, library_id, &to).await?.is_some() => MovieMoved(to).into(),
        _ => movie_not_found(),
    })
}

fn json_list(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// Everything the movie page shows, for one library.
pub async fn view(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<MovieView, ApiError> {
    let (library, role) = access::library(state, user_id, library_id, Need::Member).await?;
    let Some((m, files)) = find_in(state, library_id, imdb_id).await? else {
        return Err(not_in(state, library_id, imdb_id).await?);
    };
    let genres = genre::Entity::find()
        .inner_join(movie_genre::Entity)
        .filter(movie_genre::Column::MovieId.eq(m.id))
        .order_by_asc(genre::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect();
    let other_ratings = m
        .ratings
        .as_deref()
        .and_then(|r| serde_json::from_str::<Vec<serde_json::Value>>(r).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| {
            Some(RatingInfo {
                source: r.get("source")?.as_str()?.to_owned(),
                value: r.get("value")?.as_str()?.to_owned(),
            })
        })
        .filter(|r| r.source != "imdb")
        .collect();
    let collection = match collection_movie::Entity::find()
        .filter(collection_movie::Column::MovieId.eq(m.id))
        .find_also_related(collection::Entity)
        .one(&state.db)
        .await?
    {
        Some((_, Some(c))) => {
            let parts = movie::Entity::find()
                .inner_join(collection_movie::Entity)
                .filter(collection_movie::Column::CollectionId.eq(c.id))
                .filter(movie::Column::Id.in_subquery(movies_in(library_id)))
                .order_by_asc(collection_movie::Column::Position)
                .order_by_asc(movie::Column::Year)
                .all(&state.db)
                .await?;
            Some(CollectionInfo {
                name: c.name,
                parts: parts.iter().map(|p| link(&library, p)).collect(),
            })
        }
        _ => None,
    };
    let categories = if Need::Manage.met_by(role) {
        crate::categories::of_movie(state, &library, &m.imdb_id).await?
    } else {
        Vec::new()
    };
    let trailer = match library_trailer(state, &library, &m.imdb_id).await {
        Some(file) => Some(format!("file:{file}")),
        // A downloaded trailer that is no longer on disk is not offered.
        None => m.trailer_ref.clone().filter(|t| !t.starts_with("file:")),
    };
    let ids: Vec<i32> = files.iter().map(|f| f.id).collect();
    let mut analyses = crate::media::info::analyses(state, &ids).await?;
    let files = files
        .into_iter()
        .map(|f| {
            let analysis = analyses.remove(&f.id);
            let mut info = file_info(f);
            if let Some(analysis) = analysis {
                info.analysis = Some(analysis.name().to_owned());
                if let crate::media::info::Analysis::Done(summary) = analysis {
                    info.streams = Some(summary);
                }
            }
            info
        })
        .collect();
    Ok(MovieView {
        library_id,
        has_poster: present(&library, &m, m.poster_path.as_deref()),
        has_backdrop: present(&library, &m, m.backdrop_path.as_deref()),
        genres,
        other_ratings,
        collection,
        cast: json_list(m.cast_names.as_deref()),
        directors: json_list(m.directors.as_deref()),
        files,
        can_edit: Need::Manage.met_by(role),
        can_delete: Need::Manage.met_by(role),
        categories,
        imdb_id: m.imdb_id,
        title: m.title,
        original_title: m.original_title,
        year: m.year,
        plot: m.plot,
        runtime_minutes: m.runtime_minutes,
        content_rating: m.content_rating,
        rating: m.rating,
        rating_count: m.rating_count,
        trailer,
        metadata_status: m.metadata_status,
        metadata_error: m.metadata_error,
    })
}

/// Which picture of a movie: its poster or its backdrop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Picture {
    Poster,
    Backdrop,
}

/// The trailer in `<library>/<imdb id>/trailer/` (downloaded with the metadata, or put there
/// by hand), relative to the library: the first video file by name. A bucket that cannot be
/// read has none (the page still shows).
async fn library_trailer(
    state: &AppState,
    library: &library::Model,
    imdb_id: &str,
) -> Option<String> {
    let folder = format!("{imdb_id}/trailer");
    let names = crate::storage::of(state, library)
        .ok()?
        .files(&folder)
        .await
        .ok()?;
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|name| {
            // What a browser's <video> plays; the downloader keeps to these too.
            let video = matches!(
                domain::upload::extension(name).as_str(),
                "mp4" | "m4v" | "webm"
            );
            video && !name.starts_with('.')
        })
        .collect();
    names.sort();
    Some(format!("{folder}/{}", names.first()?))
}

/// The movie's trailer file in the library (for a bucket, this machine's copy), for members.
pub async fn trailer(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<PathBuf, ApiError> {
    let (library, _) = access::library(state, user_id, library_id, Need::Member).await?;
    let (m, _) = movie_in(state, library_id, imdb_id).await?;
    let relative = library_trailer(state, &library, &m.imdb_id)
        .await
        .ok_or(Missing::Trailer)?;
    local_file(state, &library, &m, &relative, Missing::Trailer).await
}

/// The file of a movie's poster or backdrop in the library (for a bucket, this machine's
/// copy), for members.
pub async fn picture(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
    which: Picture,
) -> Result<PathBuf, ApiError> {
    let (library, _) = access::library(state, user_id, library_id, Need::Member).await?;
    let (m, _) = movie_in(state, library_id, imdb_id).await?;
    let relative = match which {
        Picture::Poster => m.poster_path.clone(),
        Picture::Backdrop => m.backdrop_path.clone(),
    };
    let relative = relative.ok_or(Missing::Picture)?;
    local_file(state, &library, &m, &relative, Missing::Picture).await
}

/// The movie's file at `relative` on this machine's disk; `missing` when the library does not
/// have it. A bucket that cannot be reached is a 503, not a 404.
async fn local_file(
    state: &AppState,
    library: &library::Model,
    m: &movie::Model,
    relative: &str,
    missing: Missing,
) -> Result<PathBuf, ApiError> {
    let written = m.metadata_updated_at.map(std::time::SystemTime::from);
    match crate::storage::local_copy(state, library, relative, written).await {
        Ok(path) => Ok(path),
        Err(crate::storage::StorageError::NotFound) => Err(missing.into()),
        Err(e) => Err(e.into()),
    }
}

/// A file row as clients see it (no stream details: those come from `media::info`).
pub(crate) fn file_info(f: movie_file::Model) -> MovieFileInfo {
    MovieFileInfo {
        id: f.id,
        path: f.relative_path,
        resolution: f.resolution,
        width: f.width,
        height: f.height,
        duration_seconds: f.duration_seconds,
        size: f.size_bytes,
        version_label: f.version_label,
        container: f.container,
        video_codec: f.video_codec,
        audio_codec: f.audio_codec,
        streams: None,
        analysis: None,
    }
}

/// The files a movie has in a library (members only).
pub async fn files(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<Vec<MovieFileInfo>, ApiError> {
    access::library(state, user_id, library_id, Need::Member).await?;
    Ok(files_of(&state.db, library_id, imdb_id).await?)
}

/// The files a movie has in a library, oldest first; none when the movie is unknown.
pub(crate) async fn files_of(
    db: &impl ConnectionTrait,
    library_id: i32,
    imdb_id: &str,
) -> Result<Vec<MovieFileInfo>, DbErr> {
    let Some(movie) = movie::Entity::find()
        .filter(movie::Column::ImdbId.eq(imdb_id))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(library_id))
        .filter(movie_file::Column::MovieId.eq(movie.id))
        .order_by_asc(movie_file::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(file_info)
        .collect())
}

/// The movie with this IMDb id; a placeholder titled after the file when it is new. Its
/// metadata status stays `pending`, which is what the metadata fetcher picks up: finishing an
/// upload never waits for the network.
pub(crate) async fn movie_for(
    db: &impl ConnectionTrait,
    imdb_id: &ImdbId,
    filename: &str,
) -> Result<movie::Model, DbErr> {
    movie_titled(db, imdb_id, &placeholder_title(filename), None).await
}

/// The movie with this IMDb id; made with `title` and `year` (its details pending) when new.
pub(crate) async fn movie_titled(
    db: &impl ConnectionTrait,
    imdb_id: &ImdbId,
    title: &str,
    year: Option<i32>,
) -> Result<movie::Model, DbErr> {
    let find = || {
        movie::Entity::find()
            .filter(movie::Column::ImdbId.eq(imdb_id.as_str()))
            .one(db)
    };
    if let Some(found) = find().await? {
        return Ok(found);
    }
    // Another upload of the same movie may be creating it right now: insert unless present
    // (no error, which would abort a PostgreSQL transaction), then read whichever row won.
    movie::Entity::insert(movie::ActiveModel {
        imdb_id: Set(imdb_id.to_string()),
        search_title: Set(domain::identify::ranking::normalize_title(title)),
        title: Set(title.to_owned()),
        year: Set(year),
        metadata_status: Set("pending".into()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([movie::Column::ImdbId])
    .exec(db)
    .await?;
    find().await?.ok_or(DbErr::RecordNotFound("movie".into()))
}

/// "The.Matrix.1999.1080p.mkv" → "The Matrix 1999 1080p", until real metadata arrives.
fn placeholder_title(filename: &str) -> String {
    let stem = filename.rsplit_once('.').map_or(filename, |(stem, _)| stem);
    let words: Vec<&str> = stem
        .split(|c: char| c == '.' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        filename.to_owned()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholder_titles_read_like_names() {
        assert_eq!(
            super::placeholder_title("The.Matrix.1999.mkv"),
            "The Matrix 1999"
        );
        assert_eq!(super::placeholder_title("heat_1995 .mp4"), "heat 1995");
    }
}
