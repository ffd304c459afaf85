//! `end`: a complete upload joins the library as `<imdb id>/<resolution>/movie.<ext>`, or
//! `<imdb id>/srt/subtitle[.<lang>].<ext>` for subtitles of any format, with its database rows.

use super::{UploadError, in_bucket, upload_library};
use crate::AppState;
use crate::access::{self, Denied, Need};
use crate::entities::{library, movie, movie_file, uploaded_file};
use crate::media::probe::{MediaInfo, probe};
use crate::movies::{files_of, movie_for};
use crate::storage::{Bucket, Store};
use crate::write::{Cache, Write};
use chrono::Utc;
use domain::ImdbId;
use domain::api::{MovieFileInfo, UploadFinished};
use domain::naming::first_free;
use domain::upload::{self as rules, EndMode, FileKind, Manifest, target};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

pub struct EndRequest {
    pub upload_id: String,
    pub imdb_id: ImdbId,
    pub mode: EndMode,
}

/// Finishes an upload; see `docs/upload-protocol.md`.
pub async fn end(
    state: &AppState,
    user_id: i32,
    req: EndRequest,
) -> Result<UploadFinished, UploadError> {
    rules::check_upload_id(&req.upload_id)?;
    let service = &state.uploads;
    let (_lock, manifest) = match service.lock_owned(user_id, &req.upload_id) {
        // Not staged here: an upload into a bucket, which the database knows.
        Err(UploadError::UploadNotFound) => {
            let row = in_bucket::owned(state, user_id, &req.upload_id).await?;
            return in_bucket::end(state, row, req).await;
        }
        other => other?,
    };
    if !manifest.is_complete() {
        return Err(UploadError::Incomplete {
            offset: manifest.offset,
            size: manifest.size,
        });
    }
    // Only bytes on disk go into the library: flush what was acknowledged, and trust the
    // manifest that says so.
    let uploads = service.clone();
    let id = req.upload_id.clone();
    let durable = tokio::task::spawn_blocking(move || uploads.settle(&id))
        .await
        .map_err(std::io::Error::other)??;
    match durable {
        Some(d) if d.offset == manifest.offset => {}
        other => {
            return Err(UploadError::Incomplete {
                offset: other.map_or(0, |d| d.offset),
                size: manifest.size,
            });
        }
    }
    let library = upload_library(state, user_id, Some(manifest.library_id)).await?;
    let Store::Folder(root) = crate::storage::of(state, &library)? else {
        // Uploads into buckets are never staged (`in_bucket`).
        return Err(UploadError::UploadNotFound);
    };
    let arrived = Arrived::Staged {
        root,
        file: service.staging.data_path(&req.upload_id),
        id: req.upload_id.clone(),
    };
    finish(state, user_id, req, &manifest, &library, arrived).await
}

/// Where a complete upload's bytes are before they join the library.
pub(super) enum Arrived {
    /// In this instance's staging folder, for a library in the folder `root`.
    Staged {
        root: PathBuf,
        file: PathBuf,
        id: String,
    },
    /// Joined into a temporary object of the library's bucket (`in_bucket`).
    Object {
        bucket: Bucket,
        key: String,
        id: String,
    },
}

impl Arrived {
    fn store(&self) -> Store {
        match self {
            Arrived::Staged { root, .. } => Store::Folder(root.clone()),
            Arrived::Object { bucket, .. } => Store::Bucket(bucket.clone()),
        }
    }

    /// What ffprobe reads: the file, or a signed link to the object.
    async fn media_input(&self) -> Result<PathBuf, UploadError> {
        Ok(match self {
            Arrived::Staged { file, .. } => file.clone(),
            Arrived::Object { bucket, key, .. } => PathBuf::from(
                bucket
                    .presigned_read(key, crate::storage::MEDIA_URL_VALID)
                    .await?,
            ),
        })
    }

    /// Removes what is left of the upload once its file is in the library at `placed`.
    async fn discard(&self, state: &AppState, placed: &Placed) -> Result<(), UploadError> {
        match self {
            Arrived::Staged { id, .. } => Ok(state.uploads.discard(id)?),
            Arrived::Object { bucket, key, id } => {
                in_bucket::discard_finished(state, bucket, id, key, &placed.relative).await
            }
        }
    }
}

/// Puts a complete upload into the library, with its rows: the part of `end` that staged
/// uploads and uploads into buckets share. The caller holds the upload and checked that the
/// user may upload into `library`.
pub(super) async fn finish(
    state: &AppState,
    user_id: i32,
    req: EndRequest,
    manifest: &Manifest,
    library: &library::Model,
    arrived: Arrived,
) -> Result<UploadFinished, UploadError> {
    let kind = rules::check_filename(&manifest.filename)?;
    // Replacing deletes the movie's other videos: it needs what deleting a file needs, and is
    // refused before anything moves, so the upload stays finishable as a version.
    if req.mode == EndMode::Replace && kind == FileKind::Video {
        access::library(state, user_id, library.id, Need::Manage)
            .await
            .map_err(|denied| match denied {
                Denied::Lacks(_) => UploadError::ReplaceNotAllowed,
                other => other.into(),
            })?;
    }
    let existing = match kind {
        FileKind::Video => files_of(&state.db, library.id, &req.imdb_id).await?,
        FileKind::Subtitle => Vec::new(),
    };
    if req.mode == EndMode::New && !existing.is_empty() {
        return Err(UploadError::MovieHasFiles(existing));
    }

    let store = arrived.store();
    let (info, label) = match kind {
        FileKind::Video => {
            let info = probe(&arrived.media_input().await?, PROBE_TIMEOUT).await;
            let label = info.resolution_label();
            (info, Some(label))
        }
        FileKind::Subtitle => (MediaInfo::default(), None),
    };
    let folder_wanted = label.clone().unwrap_or_else(|| "srt".to_owned());
    let stored_name = rules::stored_name(kind, &manifest.filename);
    // Folders that uploads still receiving their parts are aimed at are taken too.
    let reserved = match &arrived {
        Arrived::Object { id, .. } if kind == FileKind::Video => {
            in_bucket::reserved(state, library.id, req.imdb_id.as_str(), id).await?
        }
        _ => Vec::new(),
    };
    let placed = place(
        &arrived,
        reserved,
        manifest.size,
        &req.imdb_id,
        kind,
        &folder_wanted,
        &stored_name,
    )
    .await?;
    let folder = &placed.folder;
    let version_label = match (&label, req.mode) {
        (Some(label), _) if label != folder => Some(folder.clone()),
        (Some(_), EndMode::Version) => Some(folder.clone()),
        _ => None,
    };
    let saved = record(
        state,
        user_id,
        library.id,
        &req.imdb_id,
        manifest,
        kind,
        &placed.relative,
        &info,
        version_label,
    )
    .await;
    let movie_file_id = match saved {
        Ok(id) => id,
        Err(e) => {
            // Keep the upload finishable: the bytes go back where they came from.
            placed.undo(&arrived).await;
            return Err(e.into());
        }
    };

    // From here the upload is done: its file and rows exist. Clean-up failures are logged,
    // never reported as a failed upload.
    arrived.discard(state, &placed).await?;
    let mut path = placed.relative.clone();
    if req.mode == EndMode::Replace && kind == FileKind::Video {
        let replaced = match &store {
            Store::Folder(root) => {
                replace(
                    state,
                    root,
                    &existing,
                    &placed,
                    label.as_deref(),
                    movie_file_id,
                )
                .await
            }
            // Objects are not renamed (a copy of the whole file in most stores): the new
            // file keeps its folder.
            Store::Bucket(_) => remove_files(state, &store, &existing).await.map(|()| None),
        };
        match replaced {
            Ok(Some(moved)) => path = moved,
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, imdb = %req.imdb_id, "replaced files could not all be removed")
            }
        }
    }
    tracing::info!(upload = %req.upload_id, imdb = %req.imdb_id, path = %path, mode = ?req.mode, "upload finished");
    // Its streams and keyframes are read in the background, once the file is where it stays.
    if let Some(id) = movie_file_id {
        crate::media::info::queue(state, id);
    }
    // A new movie is queued for its metadata (its row says `pending`); one fetched before but
    // new to this library is queued again, so that its cover lands here too.
    let cover_dir = format!("{}/cover", req.imdb_id);
    if store
        .files(&cover_dir)
        .await
        .is_ok_and(|names| names.is_empty())
        && let Err(e) = requeue_for_cover(state, &req.imdb_id).await
    {
        tracing::warn!(imdb = %req.imdb_id, error = %e, "could not queue the movie's cover for this library");
    }
    state.metadata.wake.notify_one();
    Ok(UploadFinished {
        movie_file_id,
        path,
    })
}

/// Where a finished upload went: `<imdb id>/<folder>/<name>` in its library.
struct Placed {
    folder: String,
    name: String,
    relative: String,
}

impl Placed {
    fn new(imdb_id: &ImdbId, folder: String, name: String) -> Placed {
        let relative = format!("{imdb_id}/{folder}/{name}");
        Placed {
            folder,
            name,
            relative,
        }
    }

    /// Takes the file out of the library again (its rows could not be saved), so that the
    /// upload can be finished later: moved back to staging, or the copy of the upload's
    /// object deleted.
    async fn undo(&self, arrived: &Arrived) {
        match arrived {
            Arrived::Staged { root, file, .. } => {
                let target = root.join(&self.relative);
                if let Err(undo) = move_file(&target, file) {
                    tracing::error!(error = %undo, from = %target.display(), "could not move a file back after a database error");
                }
                // And the folders made for it, if empty, so a retry gets the same folder name.
                if let Some(dir) = target.parent() {
                    let _ = std::fs::remove_dir(dir)
                        .and_then(|()| std::fs::remove_dir(dir.parent().unwrap_or(dir)));
                }
            }
            // Joined at its place: it stays there, where the upload's row says.
            Arrived::Object { key, .. } if *key == self.relative => {}
            Arrived::Object { bucket, .. } => {
                if let Err(e) = bucket.delete(&self.relative).await {
                    tracing::error!(error = %e, key = %self.relative, "could not delete an object after a database error");
                }
            }
        }
    }
}

/// Puts the upload into the library at `<imdb id>/<folder>/<name>`: for a video the first
/// free folder named like `folder` (`1080p`, `1080p-2`, ...; not one of `reserved`), and a
/// free name inside it. A staged file is moved; an upload's object stays where it was joined
/// when that is such a place (`domain::upload::target`), else the store copies it, and it
/// stays until the upload is recorded.
async fn place(
    arrived: &Arrived,
    reserved: Vec<String>,
    size: u64,
    imdb_id: &ImdbId,
    kind: FileKind,
    folder: &str,
    name: &str,
) -> Result<Placed, UploadError> {
    if let (Arrived::Object { key, .. }, FileKind::Video) = (arrived, kind)
        && let Some((folder, name)) = target::fits(key, imdb_id.as_str(), folder, name)
    {
        return Ok(Placed::new(imdb_id, folder, name));
    }
    let store = arrived.store();
    let untaken =
        |wanted: &str, taken: Vec<String>| first_free(wanted, |c| taken.iter().any(|t| t == c));
    let folder = match kind {
        FileKind::Video => {
            let mut taken = store.names(imdb_id.as_str()).await?;
            taken.extend(reserved);
            untaken(folder, taken)
        }
        FileKind::Subtitle => folder.to_owned(),
    };
    let name = untaken(name, store.names(&format!("{imdb_id}/{folder}")).await?);
    let placed = Placed::new(imdb_id, folder, name);
    match arrived {
        Arrived::Staged { root, file, .. } => {
            let target = root.join(&placed.relative);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            move_file(file, &target)?;
        }
        Arrived::Object { bucket, key, .. } => {
            bucket.copy(key, &placed.relative, size).await?;
            tracing::info!(bucket = %bucket.location, key = %placed.relative, "upload copied into its place in the bucket");
        }
    }
    Ok(placed)
}

/// After a replacing upload into a folder: removes the old files, then gives the new file the
/// plain resolution folder if the old one held it. Returns the new path when it moved.
async fn replace(
    state: &AppState,
    root: &Path,
    old: &[MovieFileInfo],
    placed: &Placed,
    label: Option<&str>,
    movie_file_id: Option<i32>,
) -> Result<Option<String>, UploadError> {
    remove_files(state, &Store::Folder(root.to_owned()), old).await?;
    let (Some(label), Some(id)) = (label, movie_file_id) else {
        return Ok(None);
    };
    let imdb = placed.relative.split('/').next().unwrap_or_default();
    let movie_dir = root.join(imdb);
    let (dir, plain) = (movie_dir.join(&placed.folder), movie_dir.join(label));
    if dir == plain || plain.exists() {
        return Ok(None);
    }
    std::fs::rename(&dir, &plain)?;
    let path = format!("{imdb}/{label}/{}", placed.name);
    let write = Write::begin(state).await?;
    let mut row: movie_file::ActiveModel = movie_file::Entity::find_by_id(id)
        .one(write.db())
        .await?
        .ok_or(DbErr::RecordNotFound("movie file".into()))?
        .into();
    row.relative_path = Set(path.clone());
    row.version_label = Set(None);
    row.update(write.db()).await?;
    write.touch(Cache::Catalog);
    write.commit().await?;
    Ok(Some(path))
}

/// Marks a fetched movie `pending` again, so that the metadata job writes its cover into a
/// library that has none yet.
async fn requeue_for_cover(state: &AppState, imdb_id: &str) -> Result<(), DbErr> {
    let write = Write::begin(state).await?;
    movie::Entity::update_many()
        .col_expr(movie::Column::MetadataStatus, Expr::value("pending"))
        .filter(movie::Column::ImdbId.eq(imdb_id))
        .filter(movie::Column::MetadataStatus.eq("fetched"))
        .exec(write.db())
        .await?;
    write.touch(Cache::Catalog);
    write.commit().await
}

/// Creates the movie if needed, and the file's rows, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &ImdbId,
    manifest: &Manifest,
    kind: FileKind,
    relative: &str,
    info: &MediaInfo,
    version_label: Option<String>,
) -> Result<Option<i32>, DbErr> {
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let txn = write.db();
    let movie = movie_for(txn, imdb_id, &manifest.filename).await?;
    let movie_file_id = match kind {
        FileKind::Video => Some(
            movie_file::ActiveModel {
                library_id: Set(library_id),
                movie_id: Set(movie.id),
                relative_path: Set(relative.to_owned()),
                resolution: Set(Some(info.resolution_label())),
                width: Set(info.width.map(|w| w as i32)),
                height: Set(info.height.map(|h| h as i32)),
                duration_seconds: Set(info.duration_seconds),
                container: Set(info.container.clone()),
                video_codec: Set(info.video_codec.clone()),
                audio_codec: Set(info.audio_codec.clone()),
                size_bytes: Set(manifest.size as i64),
                version_label: Set(version_label),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?
            .id,
        ),
        FileKind::Subtitle => None,
    };
    uploaded_file::ActiveModel {
        library_id: Set(library_id),
        user_id: Set(user_id),
        original_filename: Set(manifest.filename.clone()),
        size_bytes: Set(manifest.size as i64),
        last_modified_ms: Set(manifest.last_modified as i64),
        size_modified_hash: Set(super::size_modified_hash(
            manifest.size,
            manifest.last_modified,
        )),
        movie_file_id: Set(movie_file_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    write.commit().await?;
    Ok(movie_file_id)
}

/// Moves a file: a rename on the same filesystem, else copy, flush and delete.
fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::rename(from, to) {
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            let partial = to.with_extension("partial");
            std::fs::copy(from, &partial)?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, to)?;
            std::fs::remove_file(from)?;
        }
        other => other?,
    }
    if let Some(dir) = to.parent() {
        crate::media::disk::sync_dir(dir)?;
    }
    Ok(())
}

/// Deletes files (replaced, or deleted by a manager): the file (or object), its row, and its
/// folder when that is left empty.
pub(crate) async fn remove_files(
    state: &AppState,
    store: &Store,
    files: &[MovieFileInfo],
) -> Result<(), UploadError> {
    for file in files {
        match store {
            Store::Folder(root) => {
                let path = root.join(&file.path);
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
                if let Some(dir) = path.parent() {
                    let _ = std::fs::remove_dir(dir); // only succeeds when empty
                }
            }
            // A bucket has no folders: the object is all there is.
            Store::Bucket(bucket) => bucket.delete(&file.path).await?,
        }
        // Its upload record goes too, so that the old file may be uploaded again later.
        let write = Write::begin(state).await?;
        uploaded_file::Entity::delete_many()
            .filter(uploaded_file::Column::MovieFileId.eq(file.id))
            .exec(write.db())
            .await?;
        movie_file::Entity::delete_by_id(file.id)
            .exec(write.db())
            .await?;
        write.touch(Cache::Catalog);
        write.commit().await?;
        tracing::info!(path = %file.path, "movie file removed");
    }
    Ok(())
}
