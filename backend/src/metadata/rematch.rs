//! What a manager may do to a movie already in a library: fetch its metadata again, or
//! "fix match": the files a library holds under one IMDb id belong to another movie. Their
//! folder moves (`<library>/<from>/` → `<library>/<to>/`, one rename), their rows point at the
//! other movie, the old cover goes, and the right movie's metadata is fetched. A bucket has no
//! rename: there the objects are copied by the store and the old ones removed.

use crate::AppState;
use crate::access::{self, Denied, Need};
use crate::entities::{library, movie_file};
use crate::movies::{files_of, movie_for};
use crate::storage::{Bucket, Store};
use crate::write::{Cache, Write};
use domain::ImdbId;
use domain::api::MovieFileInfo;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::path::Path;

/// Why a movie's metadata cannot be fetched again or its files matched to another movie.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("This library has no file of that movie.")]
    MovieNotFound,
    #[error(
        "The right movie already has files in this library; delete one side's files first, then fix the match."
    )]
    TargetHasFiles(Vec<MovieFileInfo>),
    #[error("{0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("disk: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Queues the metadata fetch of a movie the library has files of, due at once. A movie named
/// by hand is looked up at once instead, so that its page can go to the movie found: answers
/// the id its files moved to, if they did.
pub async fn refresh(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
) -> Result<Option<ImdbId>, MatchError> {
    access::library(state, user_id, library_id, Need::Manage).await?;
    if files_of(&state.db, library_id, imdb_id).await?.is_empty() {
        return Err(MatchError::MovieNotFound);
    }
    // A refresh asks the providers again rather than reading their cached answers.
    state.metadata.forget_answers();
    if imdb_id.is_provisional() {
        // Due now, without waking the job (which would look it up too).
        super::ingest::reset(state, imdb_id).await?;
        return Ok(super::ingest::look_up_now(state, imdb_id).await?);
    }
    super::ingest::requeue(state, imdb_id).await?;
    Ok(None)
}

/// Moves a library's files of `from` to the movie `to`; returns them as they are now.
pub async fn rematch(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    from: &ImdbId,
    to: &ImdbId,
) -> Result<Vec<MovieFileInfo>, MatchError> {
    let (library, _) = access::library(state, user_id, library_id, Need::Manage).await?;
    move_movie(state, &library, from, to).await
}

/// Moves the files `library` holds of `from` to the movie `to` (for a manager's fix, or for
/// the metadata job once it found a movie named by hand); returns them as they are now.
pub(super) async fn move_movie(
    state: &AppState,
    library: &library::Model,
    from: &ImdbId,
    to: &ImdbId,
) -> Result<Vec<MovieFileInfo>, MatchError> {
    let files = files_of(&state.db, library.id, from).await?;
    if files.is_empty() {
        return Err(MatchError::MovieNotFound);
    }
    if from == to {
        return Ok(files);
    }
    // Merging two movies' versions is the user's call: ask them to remove one first.
    let taken = files_of(&state.db, library.id, to).await?;
    let store = crate::storage::of(state, library)?;
    if !taken.is_empty() || !clear_downloads(&store, to).await? {
        return Err(MatchError::TargetHasFiles(taken));
    }
    let filename = files
        .first()
        .and_then(|f| f.path.rsplit('/').next())
        .unwrap_or(to.as_str())
        .to_owned();
    match &store {
        Store::Folder(root) => move_folder(state, root, &files, from, to, &filename).await?,
        Store::Bucket(bucket) => move_objects(state, bucket, &files, from, to, &filename).await?,
    }
    super::ingest::requeue(state, to).await?;
    tracing::info!(library = library.id, %from, %to, files = files.len(), "files matched to another movie");
    Ok(files_of(&state.db, library.id, to).await?)
}

/// Points the files' rows at movie `to` (made when new), their paths under `to/`, in one
/// transaction.
async fn repoint(
    state: &AppState,
    files: &[MovieFileInfo],
    from: &ImdbId,
    to: &ImdbId,
    filename: &str,
) -> Result<(), DbErr> {
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let target = movie_for(write.db(), to, filename).await?;
    // Paths are `<imdb id>/<folder>/<file>`: the first segment is the one that changes.
    for file in files {
        let rest = file.path.strip_prefix(from.as_str()).unwrap_or(&file.path);
        movie_file::Entity::update_many()
            .col_expr(movie_file::Column::MovieId, Expr::value(target.id))
            .col_expr(
                movie_file::Column::RelativePath,
                Expr::value(format!("{to}{rest}")),
            )
            .filter(movie_file::Column::Id.eq(file.id))
            .exec(write.db())
            .await?;
    }
    write.commit().await
}

/// Whether `rest` (a path inside a movie's folder, from its `/`) is what the metadata job
/// downloaded for the movie (its pictures, its trailer), which it downloads again.
fn downloaded(rest: &str) -> bool {
    rest.starts_with("/cover/") || rest.starts_with("/trailer/trailer.")
}

/// Removes what the metadata job downloaded into the folder of movie `to` (left when its
/// versions were deleted); `true` when nothing else is there, so the files may move in.
async fn clear_downloads(store: &Store, to: &ImdbId) -> Result<bool, MatchError> {
    match store {
        Store::Folder(root) => {
            let dir = root.join(to);
            remove_downloads(&dir);
            // Each only when empty.
            let _ = std::fs::remove_dir(dir.join("trailer"));
            let _ = std::fs::remove_dir(&dir);
            Ok(!dir.exists())
        }
        Store::Bucket(bucket) => {
            let mut rest = Vec::new();
            for object in bucket.objects_in(to.as_str()).await? {
                let inside = object.key.strip_prefix(to.as_str()).unwrap_or(&object.key);
                if downloaded(inside) {
                    bucket.delete(&object.key).await?;
                } else {
                    rest.push(object.key);
                }
            }
            Ok(rest.is_empty())
        }
    }
}

/// A folder library: `<library>/<from>/` becomes `<library>/<to>/` in one rename.
async fn move_folder(
    state: &AppState,
    root: &Path,
    files: &[MovieFileInfo],
    from: &ImdbId,
    to: &ImdbId,
    filename: &str,
) -> Result<(), MatchError> {
    let (old_dir, new_dir) = (root.join(from), root.join(to));
    std::fs::rename(&old_dir, &new_dir)?;
    crate::media::disk::sync_dir(root)?;
    if let Err(e) = repoint(state, files, from, to, filename).await {
        // Put the folder back, so files and rows agree again.
        if let Err(undo) = std::fs::rename(&new_dir, &old_dir) {
            tracing::error!(error = %undo, from = %new_dir.display(), "could not move a folder back after a database error");
        }
        return Err(e.into());
    }
    // The wrong movie's pictures and trailer came along.
    remove_downloads(&new_dir);
    Ok(())
}

/// Removes what the metadata job downloaded into a movie's folder `dir`.
fn remove_downloads(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir.join("cover"));
    for ext in ["mp4", "webm"] {
        let _ = std::fs::remove_file(dir.join("trailer").join(format!("trailer.{ext}")));
    }
}

/// A bucket library, which has no rename: the objects under `<from>/` are copied under
/// `<to>/` (by the store), the rows repointed, then `<from>/` is removed. A failure on the
/// way removes the copies and leaves the old objects whole.
async fn move_objects(
    state: &AppState,
    bucket: &Bucket,
    files: &[MovieFileInfo],
    from: &ImdbId,
    to: &ImdbId,
    filename: &str,
) -> Result<(), MatchError> {
    let objects = bucket.objects_in(from.as_str()).await?;
    let mut copies = Vec::new();
    let moved = async {
        for object in &objects {
            let rest = object
                .key
                .strip_prefix(from.as_str())
                .unwrap_or(&object.key);
            // The wrong movie's pictures and trailer do not come along.
            if downloaded(rest) {
                continue;
            }
            let copy = format!("{to}{rest}");
            bucket.copy(&object.key, &copy, object.size).await?;
            copies.push(copy);
        }
        repoint(state, files, from, to, filename).await?;
        Ok::<_, MatchError>(())
    }
    .await;
    if let Err(e) = moved {
        for copy in &copies {
            if let Err(undo) = bucket.delete(copy).await {
                tracing::error!(bucket = %bucket.location, key = %copy, error = %undo, "could not remove a copy after a failed fix of a match");
            }
        }
        return Err(e);
    }
    if let Err(e) = bucket.remove_folder(from.as_str()).await {
        tracing::warn!(bucket = %bucket.location, %from, error = %e, "the files moved; their old objects could not all be removed");
    }
    Ok(())
}
