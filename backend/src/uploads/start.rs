//! Before bytes flow: the space an uploader may fill, the batch check of what the server
//! already has, and `init`, which starts an upload or answers where an unfinished one stands.

use super::{UploadError, in_bucket, ledger, now, size_modified_hash, upload_id, upload_library};
use crate::entities::{movie, movie_file, uploaded_file};
use crate::storage::Store;
use crate::{ApiError, AppState};
use domain::ImdbId;
use domain::api::{FileDescription, FileStatus, UploadSpace, UploadState};
use domain::upload::{self as rules, Manifest, UploadRuleError};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

/// What the uploader shows before sending anything: the space it may fill (uploaders only).
pub async fn space_for(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<UploadSpace, UploadError> {
    let library = upload_library(state, user_id, Some(library_id)).await?;
    if domain::storage::is_bucket(&library.path) {
        // Uploads go straight into the bucket, whose store keeps its own limits.
        return Ok(UploadSpace::unbounded(state.config.upload_max_size));
    }
    let open = ledger::open(state, None).await?;
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
    let disk = library.path.clone();
    let (_, total) = crate::media::disk::available_and_total(std::path::Path::new(&disk))?;
    let warn_below =
        domain::monitor::warn_below(total, state.config.storage_warning_percent, reserve);
    let warning = (free < warn_below)
        .then(|| domain::monitor::low_space_message(&disk, free, total, reserve));
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
/// `movie`, when the client knows it already, lets an upload into a bucket be written straight
/// to its place (folder libraries need no such hint: their files are moved, not copied).
pub async fn init(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
    file: FileDescription,
    movie: Option<ImdbId>,
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
    if let Store::Bucket(bucket) = crate::storage::of(state, &library)? {
        return in_bucket::init(state, user_id, bucket, library.id, id, file, movie).await;
    }
    let answer = |m: &Manifest| UploadState {
        upload_id: id.clone(),
        offset: m.offset,
        chunk_nr: m.chunk_nr,
        chunk_size: state.config.upload_chunk_size,
    };
    if let Some(existing) = service.current(&id)? {
        // Resuming promises nothing new; the space for what is still to come must be there.
        let others = ledger::open(state, Some(&id)).await?;
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
    let others = ledger::open(state, Some(&id)).await?;
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
    // Uploads into a bucket are rows: one query for the whole list.
    let in_bucket = match domain::storage::is_bucket(&library.path) {
        true => Some(in_bucket::received(state, user_id, library.id).await?),
        false => None,
    };
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
        let received = match &in_bucket {
            Some(rows) => rows.get(&id).copied(),
            None => state.uploads.current(&id)?.map(|m| m.offset),
        };
        out.push(match received {
            Some(offset) => FileStatus::Partial {
                upload_id: id,
                offset,
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
