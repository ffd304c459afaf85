//! Movies named by hand. While the movie database cannot be reached (or does not know a
//! film), an uploader types the title and year, and the upload goes ahead under a provisional
//! id ([`ImdbId::provisional`]). Once the database answers, the metadata job looks the title
//! up and moves the files to the real movie, as a manager's "fix match" would; the real
//! movie's details are then fetched as for any upload.

use super::MAX_TITLE;
use super::ingest::{MAX_ATTEMPTS, failed};
use super::rematch::{MatchError, move_movie};
use crate::entities::{library, movie, movie_file};
use crate::movies::{movie_titled, record_move};
use crate::{ApiError, AppState};
use domain::ImdbId;
use domain::api::{MovieLink, NamedMovie};
use domain::format::title_year;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

/// The movie `named` (made when new, its details to come), for an upload to `library_id`
/// (or the active library): members who may upload there only.
pub async fn name(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
    named: NamedMovie,
) -> Result<MovieLink, ApiError> {
    crate::uploads::upload_library(state, user_id, library_id).await?;
    let title = named.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE || title.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(
            "invalid_title",
            format!("Type the movie's title (at most {MAX_TITLE} characters)."),
        ));
    }
    if named
        .year
        .is_some_and(|y| !super::SEARCH_YEARS.contains(&y))
    {
        return Err(super::SearchError::BadYear.into());
    }
    let imdb_id = ImdbId::provisional(title, named.year);
    // The same title and year typed again (another part, another member) is the same movie.
    let movie = movie_titled(&state.db, &imdb_id, title, named.year.map(i32::from)).await?;
    if movie.metadata_status == "failed" {
        // Named again after a lookup that found nothing clear: new files, a new try.
        super::ingest::reset(state, &movie.imdb_id).await?;
    }
    tracing::info!(imdb = %imdb_id, title, year = ?named.year, user = user_id, "a movie was named by hand");
    Ok(MovieLink {
        imdb_id: movie.imdb_id,
        title: movie.title,
        year: movie.year,
        has_poster: false,
        poster_version: None,
    })
}

/// The metadata job's turn for a movie named by hand: search its title and year; when the
/// answer is clear, move its files in every library to the movie found and drop the
/// provisional movie. An unreachable database is retried like any fetch; an unclear answer
/// (or a library that already has the movie found) is left to a manager's "fix match".
/// Answers the movie found when all the files moved to it.
pub(super) async fn look_up(
    state: &AppState,
    mut movie: movie::Model,
) -> Result<Option<ImdbId>, DbErr> {
    let Ok(from) = ImdbId::parse(&movie.imdb_id) else {
        return give_up(state, movie, "This movie's id is not valid.".into()).await;
    };
    let (title, year) = search_terms(&movie);
    let found = match super::search_movies(state, &title, year).await {
        Ok(found) => found,
        Err(e) => {
            // Never given up for an outage (a household may be offline for days): the files
            // would stay under a made-up id. The waits stop growing at an hour or so.
            movie.metadata_attempts = movie.metadata_attempts.min(MAX_ATTEMPTS - 2);
            failed(state, movie, &e).await?;
            return Ok(None);
        }
    };
    let (to, found_as) = match found.candidates.first() {
        Some(best) if found.confident => (
            ImdbId::parse(&best.candidate.imdb_id),
            title_year(&best.candidate.title, best.candidate.year),
        ),
        _ => {
            let why = format!(
                "The movie database has no clear match for \u{201c}{}\u{201d}; open the movie and use \u{201c}Fix match\u{201d} to say which it is.",
                title_year(&title, year)
            );
            return give_up(state, movie, why).await;
        }
    };
    let Ok(to) = to else {
        return give_up(
            state,
            movie,
            "The movie database answered an invalid id.".into(),
        )
        .await;
    };
    let mut taken = false;
    for library in libraries_with(state, movie.id).await? {
        match move_movie(state, &library, &from, &to).await {
            // Its page's old address, in the libraries whose files moved, leads there.
            Ok(_) => record_move(state, &from, &to).await?,
            Err(MatchError::TargetHasFiles(_)) => taken = true,
            Err(MatchError::Db(e)) => return Err(e),
            // The store is down, say: the files stay where they are, tried again later.
            Err(e) => {
                failed(state, movie, &e).await?;
                return Ok(None);
            }
        }
    }
    if taken {
        // Only the libraries whose files stayed still show this movie, and each of them has
        // the movie found (no library is named: members of one do not learn of the others).
        let why = format!(
            "The movie database says this is {found_as} [{to}], which this library already has; remove one side's files, then use \u{201c}Fix match\u{201d}."
        );
        return give_up(state, movie, why).await;
    }
    tracing::info!(from = %from, to = %to, title, "a movie named by hand was found");
    forget_if_empty(state, movie.id).await?;
    Ok(Some(to))
}

/// What to search for: the title and year as typed. (A provisional movie made by an upload's
/// end, whose row had gone, is titled after its file: the guess reads the year out of it.)
fn search_terms(movie: &movie::Model) -> (String, Option<u16>) {
    match movie.year.and_then(|y| u16::try_from(y).ok()) {
        Some(year) => (movie.title.clone(), Some(year)),
        None => {
            let guess = domain::identify::guess::guess(&movie.title);
            (
                guess.title.unwrap_or_else(|| movie.title.clone()),
                guess.year,
            )
        }
    }
}

/// `column` of the movie's files, as a subquery.
fn files_of(movie_id: i32, column: movie_file::Column) -> SelectStatement {
    Query::select()
        .column(column)
        .from(movie_file::Entity)
        .and_where(movie_file::Column::MovieId.eq(movie_id))
        .to_owned()
}

/// The libraries holding files of the movie.
async fn libraries_with(state: &AppState, movie_id: i32) -> Result<Vec<library::Model>, DbErr> {
    library::Entity::find()
        .filter(library::Column::Id.in_subquery(files_of(movie_id, movie_file::Column::LibraryId)))
        .all(&state.db)
        .await
}

/// Removes the provisional movie once no file is left under it, in one statement (an upload
/// finishing meanwhile keeps it, and the next round moves that file too).
async fn forget_if_empty(state: &AppState, movie_id: i32) -> Result<(), DbErr> {
    movie::Entity::delete_many()
        .filter(movie::Column::Id.eq(movie_id))
        .filter(movie::Column::Id.not_in_subquery(files_of(movie_id, movie_file::Column::MovieId)))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Leaves the movie as it is (it plays under the typed title) with the reason, for a person.
async fn give_up(
    state: &AppState,
    movie: movie::Model,
    why: String,
) -> Result<Option<ImdbId>, DbErr> {
    tracing::info!(imdb = %movie.imdb_id, reason = %why, "a movie named by hand was left as it is");
    let mut row = movie.into_active_model();
    row.metadata_status = Set("failed".into());
    row.metadata_next_at = Set(None);
    row.metadata_error = Set(Some(why));
    row.update(&state.db).await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn movie(title: &str, year: Option<i32>) -> movie::Model {
        movie::Model {
            id: 1,
            imdb_id: "tt9000000001".into(),
            title: title.into(),
            original_title: None,
            search_title: title.to_lowercase(),
            year,
            plot: None,
            rating: None,
            rating_count: None,
            runtime_minutes: None,
            content_rating: None,
            poster_path: None,
            backdrop_path: None,
            trailer_ref: None,
            metadata_status: "pending".into(),
            metadata_updated_at: None,
            metadata_attempts: 0,
            metadata_next_at: None,
            metadata_error: None,
            cast_names: None,
            directors: None,
            ratings: None,
            tmdb_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn searches_the_typed_title_and_year_or_reads_them_from_a_file_name() {
        assert_eq!(
            search_terms(&movie("Heat", Some(1995))),
            ("Heat".into(), Some(1995))
        );
        assert_eq!(
            search_terms(&movie("Heat 1995 1080p", None)),
            ("Heat".into(), Some(1995))
        );
    }
}
