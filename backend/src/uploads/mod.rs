//! The resumable upload service: `init`, `chunk` and `end` of the protocol described in
//! `docs/upload-protocol.md`, plus the batch check, listing, cancelling and the sweep of
//! abandoned uploads. The rules themselves are in `domain::upload`; this module applies them
//! to files and database rows.

mod chunk;
pub mod durability;
pub(crate) mod finish;
mod ledger;
pub mod probe;
mod rematch;
pub mod space;
pub mod staging;

use crate::access::{self, Denied, Need};
use crate::entities::{library, movie, movie_file, uploaded_file};
use crate::{ApiError, AppState};
use domain::api::{
    FileDescription, FileStatus, MovieFileInfo, PendingUpload, UploadSpace, UploadState,
};
use domain::upload::{self as rules, Manifest, UploadRuleError};
use hmac::{Hmac, Mac};
use http::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use staging::Staging;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

pub use chunk::{ChunkRequest, chunk};
pub use finish::{EndRequest, end};
pub use rematch::{refresh, rematch};

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Rule(#[from] UploadRuleError),
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("You have no library yet; create one first.")]
    NoLibrary,
    #[error(
        "Replacing deletes the movie's other files, which only the library's owner and managers may do: ask one of them, or add this file as another version (mode=version). What you uploaded is kept."
    )]
    ReplaceNotAllowed,
    #[error("There is no such upload (it may have finished, been cancelled or expired).")]
    UploadNotFound,
    #[error("This file was already uploaded to this library.")]
    AlreadyUploaded {
        movie_file_id: Option<i32>,
        imdb_id: Option<String>,
        title: Option<String>,
    },
    #[error(
        "The library's disk has {free} bytes free; this upload needs {needed} (including a reserve, and {promised} bytes promised to other unfinished uploads)."
    )]
    InsufficientStorage {
        free: u64,
        needed: u64,
        promised: u64,
    },
    #[error("The file is {size} bytes; this server accepts files up to {max} bytes.")]
    FileTooLarge { size: u64, max: u64 },
    #[error("The subtitle file is {size} bytes; this server accepts subtitles up to {max} bytes.")]
    SubtitleTooLarge { size: u64, max: u64 },
    #[error(
        "Your uploads may take {quota} bytes: {used} are taken (files uploaded and unfinished uploads), and this file needs {needed} more. Delete or finish some first."
    )]
    QuotaExceeded { quota: u64, used: u64, needed: u64 },
    #[error(
        "You already have {max} unfinished uploads; let some finish, or cancel them, before starting another."
    )]
    TooManyOpenUploads { max: u32 },
    #[error("The chunk is {len} bytes; this server accepts chunks up to {max} bytes.")]
    ChunkTooLarge { len: u64, max: u64 },
    #[error("Send the chunk with a Content-Length header.")]
    LengthRequired,
    #[error("The body did not have the length its Content-Length header announced.")]
    LengthMismatch,
    #[error("The connection broke while the chunk was arriving; nothing of it was kept.")]
    BodyInterrupted,
    #[error("That is not the next chunk; continue from the offset and chunk number given.")]
    OutOfOrder { offset: u64, chunk_nr: u64 },
    #[error("The chunk's sha256 does not match its bytes; nothing of it was kept.")]
    ChecksumMismatch,
    #[error("Another request is working on this upload; retry when it is done.")]
    Busy,
    #[error("The upload is not complete: {offset} of {size} bytes arrived.")]
    Incomplete { offset: u64, size: u64 },
    #[error("This library has no file of that movie.")]
    MovieNotFound,
    #[error("This movie already has files in the library; choose replace or version.")]
    MovieHasFiles(Vec<MovieFileInfo>),
    #[error("disk: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> ApiError {
        let message = err.to_string();
        match err {
            UploadError::Rule(rule) => match rule {
                UploadRuleError::InvalidUploadId => {
                    ApiError::new(StatusCode::NOT_FOUND, "upload_not_found", message)
                }
                rule => ApiError::bad_request(rule.code(), message),
            },
            UploadError::Denied(denied) => denied.into(),
            UploadError::NoLibrary => ApiError::new(StatusCode::CONFLICT, "no_library", message),
            UploadError::ReplaceNotAllowed => ApiError::forbidden("not_allowed", message),
            UploadError::UploadNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "upload_not_found", message)
            }
            UploadError::AlreadyUploaded {
                movie_file_id,
                imdb_id,
                title,
            } => ApiError::new(StatusCode::CONFLICT, "already_uploaded", message)
                .with_detail("movieFileId", movie_file_id)
                .with_detail(
                    "movie",
                    imdb_id.map(|id| serde_json::json!({ "imdbId": id, "title": title })),
                ),
            UploadError::InsufficientStorage {
                free,
                needed,
                promised,
            } => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                message,
            )
            .with_detail("free", free)
            .with_detail("needed", needed)
            .with_detail("promised", promised),
            UploadError::FileTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", message)
                    .with_detail("max", max)
            }
            UploadError::SubtitleTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "subtitle_too_large", message)
                    .with_detail("max", max)
            }
            // 507, like a full disk: the space this user may fill is used up, and clients
            // stop their queue rather than retry.
            UploadError::QuotaExceeded { quota, used, .. } => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", message)
                    .with_detail("quota", quota)
                    .with_detail("used", used)
            }
            // 429: waiting helps, as the user's other uploads finish.
            UploadError::TooManyOpenUploads { max } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_open_uploads",
                message,
            )
            .with_detail("max", max),
            UploadError::ChunkTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "chunk_too_large", message)
                    .with_detail("max", max)
            }
            UploadError::LengthRequired => {
                ApiError::new(StatusCode::LENGTH_REQUIRED, "length_required", message)
            }
            UploadError::LengthMismatch => ApiError::bad_request("length_mismatch", message),
            UploadError::BodyInterrupted => ApiError::bad_request("body_interrupted", message),
            UploadError::OutOfOrder { offset, chunk_nr } => {
                ApiError::new(StatusCode::CONFLICT, "out_of_order", message)
                    .with_detail("offset", offset)
                    .with_detail("chunkNr", chunk_nr)
            }
            UploadError::ChecksumMismatch => ApiError::bad_request("checksum_mismatch", message),
            UploadError::Busy => ApiError::new(StatusCode::CONFLICT, "busy", message),
            UploadError::Incomplete { offset, size } => {
                ApiError::new(StatusCode::CONFLICT, "incomplete", message)
                    .with_detail("offset", offset)
                    .with_detail("size", size)
            }
            UploadError::MovieNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "movie_not_found", message)
            }
            UploadError::MovieHasFiles(files) => {
                ApiError::new(StatusCode::CONFLICT, "movie_has_files", message)
                    .with_detail("files", serde_json::to_value(files).unwrap_or_default())
            }
            UploadError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "The disk is full; free some space and resume the upload.",
            ),
            UploadError::Io(e) => ApiError::internal(format!("upload disk error: {e}")),
            UploadError::Db(e) => e.into(),
        }
    }
}

impl From<UploadRuleError> for ApiError {
    fn from(err: UploadRuleError) -> ApiError {
        UploadError::Rule(err).into()
    }
}

/// State shared by all upload requests: where uploads are staged, which are being written to,
/// and the key that upload ids are derived with.
pub struct UploadService {
    pub staging: Staging,
    busy: Mutex<HashSet<String>>,
    /// Held while a new upload is weighed and created, so that two at once cannot both be
    /// promised the same free space (see `ledger`).
    admitting: tokio::sync::Mutex<()>,
    acknowledged: durability::Acknowledged,
    secret: OnceCell<Vec<u8>>,
}

/// Holds an upload for one request; dropping it releases the upload.
pub struct UploadLock<'a> {
    service: &'a UploadService,
    id: String,
    /// The upload's acknowledged state when the lock was taken (see `durability`).
    live: Option<Arc<durability::Live>>,
}

impl Drop for UploadLock<'_> {
    fn drop(&mut self) {
        self.service
            .busy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl UploadService {
    pub fn new(staging: Staging) -> UploadService {
        UploadService {
            staging,
            busy: Mutex::new(HashSet::new()),
            admitting: tokio::sync::Mutex::new(()),
            acknowledged: Default::default(),
            secret: OnceCell::new(),
        }
    }

    /// Takes the upload for this request, or answers `busy` when another request has it.
    pub fn lock(&self, id: &str) -> Result<UploadLock<'_>, UploadError> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if !busy.insert(id.to_owned()) {
            return Err(UploadError::Busy);
        }
        Ok(UploadLock {
            service: self,
            id: id.to_owned(),
            live: None,
        })
    }

    async fn secret(&self, db: &impl ConnectionTrait) -> Result<&[u8], DbErr> {
        self.secret
            .get_or_try_init(|| crate::instance::upload_secret(db))
            .await
            .map(Vec::as_slice)
    }

    /// The upload's manifest, if it exists and belongs to `user_id` (another user's upload
    /// is answered exactly like a missing one).
    fn owned_manifest(&self, user_id: i32, id: &str) -> Result<Manifest, UploadError> {
        rules::check_upload_id(id)?;
        match self.current(id)? {
            Some(m) if m.user_id == user_id => Ok(m),
            _ => Err(UploadError::UploadNotFound),
        }
    }

    /// Takes the user's upload for this request, with its manifest as it stands under the
    /// lock. Ownership is checked before locking too, so that another user's id is answered
    /// "not found", never "busy".
    fn lock_owned(
        &self,
        user_id: i32,
        id: &str,
    ) -> Result<(UploadLock<'_>, Manifest), UploadError> {
        // Checked before locking, so that a stranger's request never makes the owner's busy.
        self.owned_manifest(user_id, id)?;
        let mut lock = self.lock(id)?;
        // Read again: the request that held the lock may have moved the upload on.
        lock.live = self.live(id);
        let manifest = match &lock.live {
            Some(live) => Some(live.ahead()),
            None => self.staging.load(id)?,
        };
        match manifest {
            Some(m) if m.user_id == user_id => Ok((lock, m)),
            _ => Err(UploadError::UploadNotFound),
        }
    }
}

/// The id of an upload: keyed with the server's secret so ids cannot be guessed, and with the
/// user and library so that the same file always maps to the same id for them (which is what
/// makes resuming work) and never collides with another user's.
pub fn upload_id(secret: &[u8], user_id: i32, library_id: i32, file: &FileDescription) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(
        format!(
            "v1\n{user_id}\n{library_id}\n{}\n{}\n{}",
            file.size, file.last_modified, file.filename
        )
        .as_bytes(),
    );
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The hash `uploaded_files` is looked up by.
pub fn size_modified_hash(size: u64, last_modified: u64) -> String {
    hex::encode(Sha256::digest(format!("{size}:{last_modified}").as_bytes()))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The library an upload goes to: the one named, or the user's active library. The user must
/// be allowed to upload there.
pub async fn upload_library(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
) -> Result<library::Model, UploadError> {
    let id = match library_id {
        Some(id) => id,
        None => access::of_user(state, user_id)
            .await?
            .active_library()
            .ok_or(UploadError::NoLibrary)?,
    };
    Ok(access::library(state, user_id, id, Need::Upload).await?.0)
}

/// What the uploader shows before sending anything: the space it may fill (uploaders only).
pub async fn space_for(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<UploadSpace, UploadError> {
    let library = upload_library(state, user_id, Some(library_id)).await?;
    let open = state.uploads.open_uploads(None)?;
    let disks = ledger::disks(state, &library.path, &open).await?;
    let free = disks.iter().map(|d| d.free).min().unwrap_or(0);
    let reserve = state.config.storage_reserve;
    // What is not kept in reserve nor promised to unfinished uploads (anyone's).
    let usable = disks
        .iter()
        .map(|d| d.free.saturating_sub(d.promised).saturating_sub(reserve))
        .min()
        .unwrap_or(0);
    // The same threshold as the monitor's warning, for the library's own disk.
    let (_, total) = space::available_and_total(std::path::Path::new(&library.path))?;
    let warn_below =
        domain::monitor::warn_below(total, state.config.storage_warning_percent, reserve);
    let warning = (free < warn_below)
        .then(|| domain::monitor::low_space_message(&library.path, free, total, reserve));
    Ok(UploadSpace {
        free,
        reserve,
        usable,
        max_file_size: state.config.upload_max_size,
        warning,
    })
}

fn check_description(state: &AppState, file: &FileDescription) -> Result<(), UploadError> {
    rules::check_filename(&file.filename)?;
    for (name, value) in [("size", file.size), ("lastModified", file.last_modified)] {
        if value > i64::MAX as u64 {
            return Err(UploadRuleError::TooLarge(name).into());
        }
    }
    if file.size > state.config.upload_max_size {
        return Err(UploadError::FileTooLarge {
            size: file.size,
            max: state.config.upload_max_size,
        });
    }
    // The player converts a subtitle in memory: keep that small.
    let max = state.config.subtitle_max_size;
    if rules::check_filename(&file.filename)? == rules::FileKind::Subtitle && file.size > max {
        return Err(UploadError::SubtitleTooLarge {
            size: file.size,
            max,
        });
    }
    Ok(())
}

/// `init`: starts an upload, or answers the state of the unfinished one for the same file.
pub async fn init(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
    file: FileDescription,
) -> Result<UploadState, UploadError> {
    check_description(state, &file)?;
    let library = upload_library(state, user_id, library_id).await?;
    if let Some(earlier) = previous_uploads(&state.db, library.id, &[&file])
        .await?
        .remove(&earlier_key(&file))
    {
        return Err(earlier.into());
    }
    let service = &state.uploads;
    let id = upload_id(service.secret(&state.db).await?, user_id, library.id, &file);
    let answer = |m: &Manifest| UploadState {
        upload_id: id.clone(),
        offset: m.offset,
        chunk_nr: m.chunk_nr,
        chunk_size: state.config.upload_chunk_size,
    };
    if let Some(existing) = service.current(&id)? {
        // Resuming promises nothing new; the space for what is still to come must be there.
        let others = service.open_uploads(Some(&id))?;
        ledger::check_room(
            state,
            &library.path,
            existing.size,
            existing.offset,
            &others,
        )
        .await?;
        return Ok(answer(&existing));
    }
    // One new upload at a time is weighed against the others and created.
    let _admitting = service.admitting.lock().await;
    let others = service.open_uploads(Some(&id))?;
    ledger::check_open_count(state, user_id, &others)?;
    ledger::check_quota(state, user_id, file.size, &others).await?;
    ledger::check_room(state, &library.path, file.size, 0, &others).await?;
    let manifest = Manifest {
        filename: file.filename,
        size: file.size,
        last_modified: file.last_modified,
        user_id,
        library_id: library.id,
        created: now(),
        updated: now(),
        offset: 0,
        chunk_nr: 0,
        last_chunk_len: 0,
    };
    let _lock = service.lock(&id)?;
    // Two inits of the same file may race; the second finds the first's manifest.
    if let Some(existing) = service.current(&id)? {
        return Ok(answer(&existing));
    }
    service.staging.create(&id, &manifest)?;
    tracing::info!(upload = %id, user = user_id, library = library.id, file = %manifest.filename, size = manifest.size, "upload started");
    Ok(answer(&manifest))
}

/// `POST /api/upload/check`: what the server has of each file, in one round-trip.
pub async fn check(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
    files: Vec<FileDescription>,
) -> Result<Vec<FileStatus>, UploadError> {
    let library = upload_library(state, user_id, library_id).await?;
    let secret = state.uploads.secret(&state.db).await?;
    let checked: Vec<Result<(), UploadError>> =
        files.iter().map(|f| check_description(state, f)).collect();
    let valid: Vec<&FileDescription> = files
        .iter()
        .zip(&checked)
        .filter_map(|(f, c)| c.is_ok().then_some(f))
        .collect();
    let mut known = previous_uploads(&state.db, library.id, &valid).await?;
    let mut out = Vec::with_capacity(files.len());
    for (file, checked) in files.iter().zip(checked) {
        if let Err(e) = checked {
            let api = ApiError::from(e);
            out.push(FileStatus::Invalid {
                error: api.code.into_owned(),
                message: api.message,
            });
            continue;
        }
        if let Some(earlier) = known.remove(&earlier_key(file)) {
            out.push(FileStatus::AlreadyUploaded {
                movie_file_id: earlier.movie_file_id,
                imdb_id: earlier.imdb_id,
            });
            continue;
        }
        let id = upload_id(secret, user_id, library.id, file);
        out.push(match state.uploads.current(&id)? {
            Some(m) => FileStatus::Partial {
                upload_id: id,
                offset: m.offset,
            },
            None => FileStatus::New,
        });
    }
    Ok(out)
}

/// An earlier upload of a file: its movie file and the movie it became, while they exist.
struct Earlier {
    movie_file_id: Option<i32>,
    imdb_id: Option<String>,
    title: Option<String>,
}

impl From<Earlier> for UploadError {
    fn from(e: Earlier) -> UploadError {
        UploadError::AlreadyUploaded {
            movie_file_id: e.movie_file_id,
            imdb_id: e.imdb_id,
            title: e.title,
        }
    }
}

/// What an upload is recognised by: original file name, and the hash of size and lastModified.
fn earlier_key(file: &FileDescription) -> (String, String) {
    (
        file.filename.clone(),
        size_modified_hash(file.size, file.last_modified),
    )
}

/// Which of `files` were uploaded to the library before, by [`earlier_key`]: a few queries for
/// thousands of files, not two per file.
async fn previous_uploads(
    db: &impl ConnectionTrait,
    library_id: i32,
    files: &[&FileDescription],
) -> Result<HashMap<(String, String), Earlier>, DbErr> {
    // Bound parameters per query stay far below every database's limit.
    const BATCH: usize = 500;
    let mut found = Vec::new();
    for batch in files.chunks(BATCH) {
        let hashes: HashSet<String> = batch
            .iter()
            .map(|f| size_modified_hash(f.size, f.last_modified))
            .collect();
        found.extend(
            uploaded_file::Entity::find()
                .filter(uploaded_file::Column::LibraryId.eq(library_id))
                .filter(uploaded_file::Column::SizeModifiedHash.is_in(hashes))
                .all(db)
                .await?,
        );
    }
    let file_ids: Vec<i32> = found.iter().filter_map(|u| u.movie_file_id).collect();
    let mut movie_of = HashMap::new();
    for batch in file_ids.chunks(BATCH) {
        for (file, movie) in movie_file::Entity::find()
            .filter(movie_file::Column::Id.is_in(batch.iter().copied()))
            .find_also_related(movie::Entity)
            .all(db)
            .await?
        {
            if let Some(movie) = movie {
                movie_of.insert(file.id, movie);
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|u| {
            let movie = u.movie_file_id.and_then(|id| movie_of.get(&id));
            let earlier = Earlier {
                movie_file_id: u.movie_file_id,
                imdb_id: movie.map(|m| m.imdb_id.clone()),
                title: movie.map(|m| m.title.clone()),
            };
            ((u.original_filename, u.size_modified_hash), earlier)
        })
        .collect())
}

/// The user's unfinished uploads, most recently active first.
pub fn pending(state: &AppState, user_id: i32) -> Result<Vec<PendingUpload>, UploadError> {
    let mut out: Vec<PendingUpload> = state
        .uploads
        .staging
        .all()?
        .into_iter()
        .filter_map(|(id, m)| Some((id, m?)))
        .filter(|(_, m)| m.user_id == user_id)
        // What this process acknowledged may be ahead of the manifest.
        .map(|(id, m)| match state.uploads.live(&id) {
            Some(live) => (id, live.ahead()),
            None => (id, m),
        })
        .map(|(upload_id, m)| PendingUpload {
            upload_id,
            library_id: m.library_id,
            filename: m.filename,
            size: m.size,
            last_modified: m.last_modified,
            offset: m.offset,
            chunk_nr: m.chunk_nr,
            updated: m.updated,
        })
        .collect();
    out.sort_by_key(|u| std::cmp::Reverse(u.updated));
    Ok(out)
}

/// Cancels an unfinished upload of the user and deletes what arrived.
pub fn cancel(state: &AppState, user_id: i32, id: &str) -> Result<(), UploadError> {
    let service = &state.uploads;
    let (_lock, _) = service.lock_owned(user_id, id)?;
    service.discard(id)?;
    tracing::info!(upload = %id, user = user_id, "upload cancelled");
    Ok(())
}

/// Removes the unfinished uploads into a library that is being removed; one with a chunk in
/// flight is left to the sweep. Returns how many were removed.
pub fn discard_library(state: &AppState, library_id: i32) -> Result<usize, UploadError> {
    let service = &state.uploads;
    let mut removed = 0;
    for (id, manifest) in service.staging.all()? {
        if manifest.is_some_and(|m| m.library_id == library_id)
            && let Ok(_lock) = service.lock(&id)
        {
            service.discard(&id)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes uploads untouched for longer than the configured age; returns how many.
pub fn sweep(state: &AppState) -> Result<usize, UploadError> {
    let max_age = i64::from(state.config.upload_max_age_days) * 86_400;
    let cutoff = now() - max_age;
    let service = &state.uploads;
    let mut removed = 0;
    for (id, manifest) in service.staging.all()? {
        let stale = match &manifest {
            Some(m) => m.updated < cutoff,
            // A folder without a readable manifest: judge by the folder's own age.
            None => std::fs::metadata(service.staging.dir(&id))
                .and_then(|m| m.modified())
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).timestamp() < cutoff)
                .unwrap_or(false),
        };
        if stale && let Ok(_lock) = service.lock(&id) {
            service.discard(&id)?;
            removed += 1;
            tracing::info!(upload = %id, "removed an abandoned upload");
        }
    }
    Ok(removed)
}

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
pub async fn movie_files(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    imdb_id: &str,
) -> Result<Vec<MovieFileInfo>, UploadError> {
    rules::check_imdb_id(imdb_id)?;
    access::library(state, user_id, library_id, Need::Member).await?;
    files_of(&state.db, library_id, imdb_id).await
}

async fn files_of(
    db: &impl ConnectionTrait,
    library_id: i32,
    imdb_id: &str,
) -> Result<Vec<MovieFileInfo>, UploadError> {
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

/// Builds the service for a data directory.
pub fn service(config: &crate::Config) -> Arc<UploadService> {
    Arc::new(UploadService::new(Staging::new(config.uploads_dir())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> FileDescription {
        FileDescription {
            filename: name.into(),
            size: 100,
            last_modified: 5,
        }
    }

    #[test]
    fn upload_ids_depend_on_every_input_and_the_key() {
        let a = upload_id(b"key", 1, 1, &file("a.mp4"));
        assert_eq!(a.len(), 32);
        assert!(rules::check_upload_id(&a).is_ok());
        assert_eq!(a, upload_id(b"key", 1, 1, &file("a.mp4")), "stable");
        assert_ne!(a, upload_id(b"other", 1, 1, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 2, 1, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 1, 2, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 1, 1, &file("b.mp4")));
        let mut bigger = file("a.mp4");
        bigger.size += 1;
        assert_ne!(a, upload_id(b"key", 1, 1, &bigger));
    }
}
