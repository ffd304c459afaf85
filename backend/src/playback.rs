//! Playing a movie file: who may stream it, its subtitles, and where each user stopped.
//! Streams and subtitles answer 404 to anyone who is not a member of the file's library, the
//! same as for a file that does not exist, so ids reveal nothing.

use crate::access::{self, Need};
use crate::entities::{collection_movie, library, movie, movie_file, watch_progress};
use crate::error::Missing;
use crate::storage::StorageError;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::api::{NextPart, SubtitleTrack, WatchView};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::path::PathBuf;

/// Past this share of the running time a movie counts as watched.
pub const WATCHED_AT: f64 = 0.9;
/// Seconds into a movie from which a next visit offers to resume.
pub const RESUME_FROM: f64 = 1.0;

fn file_not_found() -> ApiError {
    Missing::File.into()
}

/// A file the user may play, with its movie and library.
pub struct Playable {
    pub file: movie_file::Model,
    pub movie: movie::Model,
    pub library: library::Model,
}

impl Playable {
    /// What ffmpeg and ffprobe read: the path on disk, or a signed link for a file in a
    /// bucket. Made only where they run, not for every stream, segment or progress request.
    pub async fn media_input(&self, state: &AppState) -> Result<PathBuf, ApiError> {
        Ok(crate::storage::media_input(state, &self.library, &self.file.relative_path).await?)
    }

    /// `<imdb id>/srt`, where the movie's subtitles are in its library.
    fn subtitle_dir(&self) -> String {
        format!("{}/srt", self.movie.imdb_id)
    }
}

/// The file `file_id`, when the user is a member of its library.
pub async fn playable(state: &AppState, user_id: i32, file_id: i32) -> Result<Playable, ApiError> {
    playable_for(state, user_id, file_id, Need::Member).await
}

/// The file `file_id`, when the user is a member of its library who has `need`. Another
/// user's file does not exist for this one; a member who lacks `need` is told why.
pub async fn playable_for(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    need: Need,
) -> Result<Playable, ApiError> {
    let Some((file, Some(movie))) = movie_file::Entity::find_by_id(file_id)
        .find_also_related(movie::Entity)
        .one(&state.db)
        .await?
    else {
        return Err(file_not_found());
    };
    let (library, _) = access::library(state, user_id, file.library_id, need)
        .await
        .map_err(|denied| denied.hidden_as(file_not_found))?;
    Ok(Playable {
        file,
        movie,
        library,
    })
}

/// Deletes one version of a movie from its library: the file on disk and its rows (managers
/// and the owner only). A member who may not delete gets 403; anyone else 404.
pub async fn delete_file(state: &AppState, user_id: i32, file_id: i32) -> Result<(), ApiError> {
    let p = playable_for(state, user_id, file_id, Need::Manage).await?;
    let store = crate::storage::of(state, &p.library)?;
    crate::uploads::finish::remove_files(state, &store, &[crate::movies::file_info(p.file)])
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// The movie's subtitle files (`.srt` and `.vtt`), by name. A bucket that cannot be read
/// lists none (the movie still plays).
async fn subtitle_files(state: &AppState, p: &Playable) -> Vec<String> {
    let listed = match crate::storage::of(state, &p.library) {
        Ok(store) => store.files(&p.subtitle_dir()).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut names: Vec<String> = listed
        .into_iter()
        .filter(|n| {
            let lower = n.to_ascii_lowercase();
            !n.starts_with('.') && (lower.ends_with(".srt") || lower.ends_with(".vtt"))
        })
        .collect();
    names.sort();
    names
}

/// Subtitle `name` of the file's movie, opened for reading; 404 for anything else.
pub async fn subtitle(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    name: &str,
) -> Result<crate::storage::Opened, ApiError> {
    let p = playable(state, user_id, file_id).await?;
    // Only names listed in the folder: no path tricks.
    if !subtitle_files(state, &p).await.iter().any(|n| n == name) {
        return Err(Missing::SubtitleFile.into());
    }
    let relative = format!("{}/{name}", p.subtitle_dir());
    crate::storage::open(state, &p.library, &relative)
        .await
        .map_err(|e| match e {
            StorageError::NotFound | StorageError::Io(_) => {
                tracing::warn!(file = %relative, error = %e, "could not read a subtitle file");
                Missing::SubtitleFile.into()
            }
            other => other.into(),
        })
}

/// Everything the player page needs.
pub async fn watch(state: &AppState, user_id: i32, file_id: i32) -> Result<WatchView, ApiError> {
    let p = playable(state, user_id, file_id).await?;
    let progress = watch_progress::Entity::find_by_id((user_id, p.movie.id))
        .one(&state.db)
        .await?;
    let resume_at = progress
        .filter(|w| !w.completed && w.position_seconds >= RESUME_FROM)
        .map(|w| w.position_seconds);
    let access = access::of_user(state, user_id).await?;
    let preferences = &access.preferences;
    let mut subtitles: Vec<SubtitleTrack> = subtitle_files(state, &p)
        .await
        .into_iter()
        .map(|name| {
            let track = domain::languages::track(&name);
            SubtitleTrack {
                lang: track.lang,
                label: track.label,
                url: format!("/subtitles/{file_id}/{name}"),
                default: false,
            }
        })
        .collect();
    if let Some(preferred) = &preferences.subtitle_language
        && let Some(i) = domain::languages::preferred_track(
            subtitles.iter().map(|s| s.lang.as_deref()),
            preferred,
        )
    {
        subtitles[i].default = true;
    }
    let next = next_part(state, &p).await?;
    // What the player asks the browser before choosing how to play (absent until analysed).
    let playback = crate::media::info::load(state, file_id)
        .await?
        .map(|probed| domain::api::PlaybackProbe {
            codecs: domain::media::codecs::strings_to_test(&probed.probe),
            direct_type: domain::media::codecs::direct_type(
                &probed.probe,
                probed.probe.default_audio(),
            ),
            audio_tracks: probed.probe.audio_tracks(),
        });
    Ok(WatchView {
        file_id,
        library_id: p.library.id,
        imdb_id: p.movie.imdb_id.clone(),
        title: p.movie.title.clone(),
        year: p.movie.year,
        stream_url: format!("/stream/{file_id}"),
        content_type: domain::streaming::content_type(&p.file.relative_path).to_owned(),
        video_codec: p.file.video_codec.clone(),
        duration_seconds: p.file.duration_seconds,
        subtitles,
        resume_at,
        next,
        autoplay_next: preferences.autoplay_next,
        playback,
    })
}

/// The part after this movie in its collection that the same library has a file of (the
/// largest file, usually the best version).
async fn next_part(state: &AppState, p: &Playable) -> Result<Option<NextPart>, ApiError> {
    let Some(collection) = collection_movie::Entity::find()
        .filter(collection_movie::Column::MovieId.eq(p.movie.id))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let parts = movie::Entity::find()
        .inner_join(collection_movie::Entity)
        .filter(collection_movie::Column::CollectionId.eq(collection.collection_id))
        .filter(movie::Column::Id.in_subquery(crate::catalog::movies_in(p.library.id)))
        .order_by_asc(collection_movie::Column::Position)
        .order_by_asc(movie::Column::Year)
        .all(&state.db)
        .await?;
    let Some(next) = parts.iter().skip_while(|m| m.id != p.movie.id).nth(1) else {
        return Ok(None);
    };
    let file = movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(p.library.id))
        .filter(movie_file::Column::MovieId.eq(next.id))
        .order_by_desc(movie_file::Column::SizeBytes)
        .one(&state.db)
        .await?;
    Ok(file.map(|f| NextPart {
        file_id: f.id,
        title: next.title.clone(),
        year: next.year,
    }))
}

/// Saves where the user is in the file's movie; past [`WATCHED_AT`] of the running time it is
/// watched (and the next play starts over).
pub async fn save_progress(
    state: &AppState,
    user_id: i32,
    file_id: i32,
    position: f64,
    duration: Option<f64>,
) -> Result<bool, ApiError> {
    if !position.is_finite()
        || position < 0.0
        || duration.is_some_and(|d| !d.is_finite() || d <= 0.0)
    {
        return Err(ApiError::bad_request(
            "invalid_position",
            "The position must be a number of seconds from 0, and the duration above 0.",
        ));
    }
    let p = playable(state, user_id, file_id).await?;
    let duration = duration.or(p.file.duration_seconds);
    let completed = duration.is_some_and(|d| position >= d * WATCHED_AT);
    let write = Write::begin(state).await?;
    watch_progress::Entity::insert(watch_progress::ActiveModel {
        user_id: Set(user_id),
        movie_id: Set(p.movie.id),
        movie_file_id: Set(Some(file_id)),
        position_seconds: Set(position),
        duration_seconds: Set(duration),
        completed: Set(completed),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            watch_progress::Column::UserId,
            watch_progress::Column::MovieId,
        ])
        .update_columns([
            watch_progress::Column::MovieFileId,
            watch_progress::Column::PositionSeconds,
            watch_progress::Column::DurationSeconds,
            watch_progress::Column::Completed,
            watch_progress::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(write.db())
    .await?;
    write.touch(Cache::Watched);
    write.commit().await?;
    Ok(completed)
}
