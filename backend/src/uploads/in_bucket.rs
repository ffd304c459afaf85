//! Uploads into a library kept in a bucket: the state lives in the database
//! (`bucket_uploads`) and the bytes go straight into the bucket as the parts of one multipart
//! upload, so that any instance can take the next chunk, and an instance that dies loses at
//! most the chunk it was receiving. The protocol seen by clients is the staged uploads' one.
//!
//! A chunk is acknowledged once its part is in the store and the database records it; the
//! record is conditional on the state the chunk was judged against, so two instances that
//! get the same chunk (a client's retry) record it once and the other answers from the
//! record. Chunks smaller than a part are held as small objects until enough follows
//! (`domain::upload::parts`). At `end` the parts are joined into one object, which ffprobe
//! reads through a signed link. That object is the file's place in the library when the
//! client named the movie at `init` (the first chunk shows the frame size, which names the
//! folder: `domain::upload::target`); otherwise it is a temporary object, which the store
//! copies into place.

use super::chunk::Tally;
use super::finish::{Arrived, EndRequest};
use super::{UploadError, ledger, now};
use crate::AppState;
use crate::access::{self, Need};
use crate::entities::{bucket_upload, library};
use crate::storage::{Bucket, StorageError, Store};
use bytes::Bytes;
use domain::ImdbId;
use domain::api::{ChunkAccepted, FileDescription, PendingUpload, UploadFinished, UploadState};
use domain::naming::first_free;
use domain::upload::parts::{self, Parts, Placement};
use domain::upload::{self as rules, ChunkDecision, FileKind, Manifest, target};
use futures::Stream;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use std::fmt::Display;
use std::future::Future;

type Row = bucket_upload::Model;
use bucket_upload::Column as C;

/// How long an `end` in progress holds an upload against an `end` on another instance: the
/// `end` renews it every third of that while it works (a join or copy of a large object takes
/// minutes), so a crashed instance's hold runs out soon after.
const ENDING_HOLD_SECS: i64 = 120;

/// MiB of chunks this process holds in memory at once on their way to the store (four
/// chunks of the suggested 32 MiB): a chunk into a bucket is held until its parts are stored,
/// so many uploads at once wait for their turn here rather than growing the server's memory.
const IN_FLIGHT_MIB: u32 = 128;
static IN_FLIGHT: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(IN_FLIGHT_MIB as usize);

/// The MiB of [`IN_FLIGHT`] a chunk of `len` bytes takes: rounded up, and never more than
/// there are (a chunk larger than the whole room goes alone).
fn room_for(len: u64) -> u32 {
    u32::try_from(len.div_ceil(1024 * 1024))
        .unwrap_or(u32::MAX)
        .clamp(1, IN_FLIGHT_MIB)
}

/// The protocol's view of a row.
fn manifest(row: &Row) -> Manifest {
    Manifest {
        filename: row.filename.clone(),
        size: row.size as u64,
        last_modified: row.last_modified as u64,
        user_id: row.user_id,
        library_id: row.library_id,
        created: row.created,
        updated: row.updated,
        offset: row.received as u64,
        chunk_nr: row.chunk_nr as u64,
        last_chunk_len: row.last_chunk_len as u64,
    }
}

fn parts_of(row: &Row) -> Result<Parts, UploadError> {
    let bad = |e: serde_json::Error| UploadError::Io(std::io::Error::other(e));
    Ok(Parts {
        tags: serde_json::from_str(&row.parts).map_err(bad)?,
        held: serde_json::from_str(&row.held).map_err(bad)?,
    })
}

/// The upload's objects live under `.ott-uploads/<id>/` in the library's bucket (not
/// `.uploads/`, which some stores, SeaweedFS among them, use for their own multipart parts).
fn folder(id: &str) -> String {
    format!("{}/{id}", crate::storage::UPLOADS_FOLDER)
}

/// The object the parts make, named with the file's extension so that the store gives it
/// the right content type (kept by the copy into the library).
fn object_key(id: &str, filename: &str) -> String {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    format!("{}/upload.{extension}", folder(id))
}

/// Whether an upload's object `key` is the file's place in the library (the parts were aimed
/// there), not a temporary object in the uploads folder.
fn is_aimed(key: &str) -> bool {
    !key.starts_with(&format!("{}/", crate::storage::UPLOADS_FOLDER))
}

/// A held chunk's object.
fn held_key(id: &str, offset: u64) -> String {
    format!("{}/held-{offset:020}", folder(id))
}

fn answer(state: &AppState, row: &Row) -> UploadState {
    UploadState {
        upload_id: row.id.clone(),
        offset: row.received as u64,
        chunk_nr: row.chunk_nr as u64,
        chunk_size: parts::chunk_size(
            state.config.upload_chunk_size,
            state.config.upload_max_chunk_size,
            row.size as u64,
        ),
    }
}

/// The upload `id` into a bucket, if there is one.
pub(super) async fn find(state: &AppState, id: &str) -> Result<Option<Row>, DbErr> {
    bucket_upload::Entity::find_by_id(id).one(&state.db).await
}

/// The user's upload `id`, answered like a missing one when it is someone else's.
pub(super) async fn owned(state: &AppState, user_id: i32, id: &str) -> Result<Row, UploadError> {
    match find(state, id).await? {
        Some(row) if row.user_id == user_id => Ok(row),
        _ => Err(UploadError::UploadNotFound),
    }
}

async fn bucket_of(state: &AppState, library_id: i32) -> Result<Bucket, UploadError> {
    let library = library::Entity::find_by_id(library_id)
        .one(&state.db)
        .await?
        .ok_or(UploadError::UploadNotFound)?;
    match crate::storage::of(state, &library)? {
        Store::Bucket(bucket) => Ok(bucket),
        Store::Folder(_) => Err(UploadError::UploadNotFound),
    }
}

/// How far each of the user's unfinished uploads into `library_id` got, by upload id.
pub(super) async fn received(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<std::collections::HashMap<String, u64>, DbErr> {
    Ok(bucket_upload::Entity::find()
        .filter(C::UserId.eq(user_id))
        .filter(C::LibraryId.eq(library_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| (row.id, row.received as u64))
        .collect())
}

/// Every unfinished upload into a bucket, for the ledger's limits.
pub(super) async fn all(state: &AppState) -> Result<Vec<Row>, DbErr> {
    bucket_upload::Entity::find().all(&state.db).await
}

/// `init` for a library in a bucket: the state of the upload `id`, started if new.
pub(super) async fn init(
    state: &AppState,
    user_id: i32,
    bucket: Bucket,
    library_id: i32,
    id: String,
    file: FileDescription,
    movie: Option<ImdbId>,
) -> Result<UploadState, UploadError> {
    if let Some(row) = find(state, &id).await? {
        return Ok(answer(state, &row));
    }
    let _admitting = state.uploads.admitting.lock().await;
    let others = ledger::open(state, Some(&id)).await?;
    ledger::check_open_count(state, user_id, &others)?;
    ledger::check_quota(state, user_id, file.size, &others).await?;
    let key = object_key(&id, &file.filename);
    let multipart_id = bucket.start_parts(&key).await?;
    let row = bucket_upload::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id),
        library_id: Set(library_id),
        filename: Set(file.filename.clone()),
        size: Set(file.size as i64),
        last_modified: Set(file.last_modified as i64),
        created: Set(now()),
        updated: Set(now()),
        received: Set(0),
        chunk_nr: Set(0),
        last_chunk_len: Set(0),
        object_key: Set(key.clone()),
        multipart_id: Set(multipart_id.clone()),
        parts: Set("[]".into()),
        held: Set("[]".into()),
        joined: Set(false),
        ending_until: Set(None),
        // Only a video has a place that its first chunk can tell.
        imdb_hint: Set(movie
            .filter(|_| rules::check_filename(&file.filename) == Ok(FileKind::Video))
            .map(|m| m.as_str().to_owned())),
    };
    match row.insert(&state.db).await {
        Ok(row) => {
            tracing::info!(upload = %id, user = user_id, library = library_id, bucket = %bucket.location, file = %file.filename, size = file.size, "upload into a bucket started");
            Ok(answer(state, &row))
        }
        // Another instance started the same upload a moment ago: theirs is the one.
        Err(e) => match find(state, &id).await? {
            Some(theirs) => {
                let _ = bucket.abort_parts(&key, &multipart_id).await;
                Ok(answer(state, &theirs))
            }
            None => Err(e.into()),
        },
    }
}

/// Appends a chunk to an upload into a bucket (`row`, the user's).
pub(super) async fn chunk<S, E>(
    state: &AppState,
    row: Row,
    req: &super::ChunkRequest,
    len: u64,
    body: S,
) -> Result<ChunkAccepted, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let library = access::library(state, row.user_id, row.library_id, Need::Upload)
        .await?
        .0;
    let m = manifest(&row);
    match m.decide(req.chunk_nr, req.offset, len) {
        ChunkDecision::Repeat => return Ok(accepted(&m)),
        ChunkDecision::OutOfOrder => return Err(out_of_order(&m)),
        ChunkDecision::Append => {}
    }
    let Store::Bucket(bucket) = crate::storage::of(state, &library)? else {
        return Err(UploadError::UploadNotFound);
    };
    // Before the body is read: a chunk that waits here has not been received yet.
    let _room = IN_FLIGHT
        .acquire_many(room_for(len))
        .await
        .map_err(|e| StorageError::Io(std::io::Error::other(e)))?;
    let started = std::time::Instant::now();
    let mut parts = parts_of(&row)?;
    let held = parts.held.clone();
    let completes = m.offset + len == m.size;
    let placement = parts.place(len, m.size, completes);
    let aims = m.offset == 0 && row.imdb_hint.is_some() && !is_aimed(&row.object_key);
    let (row, stored, gathered) = match placement {
        // A chunk of several parts, nothing held before it, its place known: each part goes
        // to the store as soon as its bytes are in, while the rest arrives.
        Placement::Parts { first, count } if count > 1 && held.is_empty() && !aims => {
            let sent = stream_parts(
                &bucket,
                &row,
                first,
                count,
                body,
                len,
                req.sha256.as_deref(),
            )
            .await?;
            let gathered = started.elapsed();
            (row, sent.map(|tags| parts.sent(tags)), gathered)
        }
        _ => {
            let bytes = gather(body, len, req.sha256.as_deref()).await?;
            let gathered = started.elapsed();
            let row = if aims {
                aim(state, &bucket, row, &bytes).await
            } else {
                row
            };
            let stored = match placement {
                Placement::Hold => bucket
                    .put(&held_key(&row.id, m.offset), bytes)
                    .await
                    .map(|()| parts.hold(m.offset, len)),
                Placement::Parts { first, count } => {
                    send_parts(&bucket, &row, &held, first, count, bytes)
                        .await
                        .map(|tags| parts.sent(tags))
                }
            };
            (row, stored, gathered)
        }
    };
    if let Err(e) = stored {
        // Another instance may have taken a retry of this chunk meanwhile (and removed the
        // held chunks this one was reading): if its record has the chunk, that answers.
        return match recorded(state, req, len).await? {
            (stands, ChunkDecision::Repeat) => Ok(accepted(&stands)),
            _ => Err(e.into()),
        };
    }
    let stored_at = started.elapsed();
    let mut next = m.clone();
    next.accept(len, now());
    let recorded_ok = record(state, &row, &next, &parts).await?;
    tracing::debug!(upload = %row.id, len, received_ms = gathered.as_millis() as u64, stored_ms = (stored_at - gathered).as_millis() as u64, recorded_ms = (started.elapsed() - stored_at).as_millis() as u64, "chunk of an upload into a bucket");
    if !recorded_ok {
        // Another request moved the upload on meanwhile: answer from its record.
        return match recorded(state, req, len).await? {
            (stands, ChunkDecision::Repeat) => Ok(accepted(&stands)),
            (stands, _) => Err(out_of_order(&stands)),
        };
    }
    if let Placement::Parts { .. } = placement {
        // The held chunks are in a part now.
        for (offset, _) in held {
            if let Err(e) = bucket.delete(&held_key(&row.id, offset)).await {
                tracing::warn!(upload = %row.id, error = %e, "could not delete a held chunk; the upload's end removes it");
            }
        }
    }
    Ok(accepted(&next))
}

/// Aims the parts of an upload that named its movie at the file's place in the library:
/// `<imdb id>/<frame size of the first chunk>/movie.<ext>`, in a folder that neither the
/// bucket nor another unfinished upload holds. Answers the row as it stands then; when it
/// cannot aim (the store or the database failed, another request got there first), the
/// upload goes on as it was.
async fn aim(state: &AppState, bucket: &Bucket, row: Row, first: &[Bytes]) -> Row {
    match try_aim(state, bucket, &row, first).await {
        Ok(Some(aimed)) => aimed,
        Ok(None) => find(state, &row.id).await.ok().flatten().unwrap_or(row),
        Err(e) => {
            tracing::warn!(upload = %row.id, error = %e, "could not aim the upload at its place in the library; it is copied there at the end");
            row
        }
    }
}

async fn try_aim(
    state: &AppState,
    bucket: &Bucket,
    row: &Row,
    first: &[Bytes],
) -> Result<Option<Row>, UploadError> {
    let Some(imdb) = &row.imdb_hint else {
        return Ok(None);
    };
    let label = first_chunk_label(&row.id, first).await;
    let mut taken = bucket.names(imdb).await?;
    taken.extend(reserved(state, row.library_id, imdb, &row.id).await?);
    let folder = first_free(&label, |c| taken.iter().any(|t| t == c));
    let name = rules::stored_name(FileKind::Video, &row.filename);
    let key = target::key(imdb, &folder, &name);
    let multipart_id = bucket.start_parts(&key).await?;
    // Only while nothing has arrived, and never two uploads at one object (a unique index).
    let switched = bucket_upload::Entity::update_many()
        .col_expr(C::ObjectKey, Expr::value(key.clone()))
        .col_expr(C::MultipartId, Expr::value(multipart_id.clone()))
        .filter(C::Id.eq(&row.id))
        .filter(C::Received.eq(0))
        .filter(C::ChunkNr.eq(0))
        .filter(C::ObjectKey.eq(&row.object_key))
        .exec(&state.db)
        .await;
    if !matches!(switched, Ok(ref done) if done.rows_affected == 1) {
        let _ = bucket.abort_parts(&key, &multipart_id).await;
        return Ok(None);
    }
    if let Err(e) = bucket.abort_parts(&row.object_key, &row.multipart_id).await {
        tracing::warn!(upload = %row.id, error = %e, "could not abandon the upload's temporary object; the bucket's lifecycle rule removes its parts");
    }
    tracing::info!(upload = %row.id, key = %key, "upload aimed at its place in the library");
    Ok(Some(Row {
        object_key: key,
        multipart_id,
        ..row.clone()
    }))
}

/// The folders of movie `imdb` in the library that other unfinished uploads (not `id`) are
/// aimed at: not in the bucket's listing until their parts are joined, yet taken.
pub(super) async fn reserved(
    state: &AppState,
    library_id: i32,
    imdb: &str,
    id: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(bucket_upload::Entity::find()
        .filter(C::LibraryId.eq(library_id))
        .filter(C::ObjectKey.starts_with(format!("{imdb}/")))
        .filter(C::Id.ne(id))
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|other| other.object_key.split('/').nth(1).map(str::to_owned))
        .collect())
}

/// The frame size label (`1080p`, `unknown`) of a video from its first chunk: enough for
/// Matroska, WebM, AVI and MP4 files with their index in front. The bytes are probed from a
/// temporary file, removed at once.
async fn first_chunk_label(id: &str, first: &[Bytes]) -> String {
    use tokio::io::AsyncWriteExt;
    const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
    let path = crate::media::disk::scratch(&format!("first-chunk-{id}"), "");
    let written = async {
        let mut file = tokio::fs::File::create(&path).await?;
        for bytes in first {
            file.write_all(bytes).await?;
        }
        file.flush().await
    }
    .await;
    let label = match written {
        Ok(()) => crate::media::probe::probe(&path, PROBE_TIMEOUT)
            .await
            .resolution_label(),
        Err(e) => {
            tracing::warn!(upload = %id, error = %e, "could not write the first chunk for ffprobe");
            domain::upload::resolution_label(0, 0)
        }
    };
    let _ = tokio::fs::remove_file(&path).await;
    label
}

fn accepted(m: &Manifest) -> ChunkAccepted {
    ChunkAccepted {
        offset: m.offset,
        chunk_nr: m.chunk_nr,
    }
}

fn out_of_order(m: &Manifest) -> UploadError {
    UploadError::OutOfOrder {
        offset: m.offset,
        chunk_nr: m.chunk_nr,
    }
}

/// The upload as the database records it now, and what that makes of the chunk.
async fn recorded(
    state: &AppState,
    req: &super::ChunkRequest,
    len: u64,
) -> Result<(Manifest, ChunkDecision), UploadError> {
    let row = find(state, &req.upload_id)
        .await?
        .ok_or(UploadError::UploadNotFound)?;
    let m = manifest(&row);
    let decision = m.decide(req.chunk_nr, req.offset, len);
    Ok((m, decision))
}

/// Sends the held chunks (`held`) and the new `bytes`, end to end, as the `count` parts from
/// index `first`, all at once; returns their tags in order.
async fn send_parts(
    bucket: &Bucket,
    row: &Row,
    held: &[(u64, u64)],
    first: usize,
    count: usize,
    bytes: Vec<Bytes>,
) -> Result<Vec<String>, StorageError> {
    let mut data = Vec::with_capacity(held.len() + bytes.len());
    for (offset, _) in held {
        data.push(bucket.read(&held_key(&row.id, *offset)).await?);
    }
    data.extend(bytes);
    let total = data.iter().map(|b| b.len() as u64).sum();
    let sends = parts::cut(total, count)
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let piece = slices(&data, range);
            bucket.put_part(&row.object_key, &row.multipart_id, first + i, piece)
        });
    futures::future::try_join_all(sends).await
}

/// Receives a chunk of `len` bytes that makes the `count` parts from index `first`, sending
/// each part as soon as its bytes are in (all on their way at once); checks the chunk's
/// length and checksum. The outer error is the chunk's (nothing recorded: a part sent meanwhile
/// is replaced when the chunk comes again), the inner one the store's; else the parts' tags.
async fn stream_parts<S, E>(
    bucket: &Bucket,
    row: &Row,
    first: usize,
    count: usize,
    mut body: S,
    len: u64,
    sha256: Option<&str>,
) -> Result<Result<Vec<String>, StorageError>, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let ranges = parts::cut(len, count);
    let mut tally = Tally::new(len, sha256);
    // Aborted if this request is dropped.
    let mut sends = tokio::task::JoinSet::new();
    let (mut piece, mut at, mut next) = (Vec::new(), 0u64, 0usize);
    // Never past `len` (the tally refuses more): the ranges cover it all.
    while let Some(mut frame) = tally.next(&mut body).await? {
        while !frame.is_empty() {
            let end = ranges[next].end;
            let take = ((end - at) as usize).min(frame.len());
            piece.push(frame.split_to(take));
            at += take as u64;
            if at == end {
                let (bucket, key, id) = (
                    bucket.clone(),
                    row.object_key.clone(),
                    row.multipart_id.clone(),
                );
                let bytes = std::mem::take(&mut piece);
                let index = first + next;
                sends.spawn(async move { (index, bucket.put_part(&key, &id, index, bytes).await) });
                next += 1;
            }
        }
    }
    tally.finish()?;
    let mut tags = vec![String::new(); count];
    while let Some(done) = sends.join_next().await {
        let (index, sent) = match done {
            Ok(done) => done,
            Err(e) => return Ok(Err(StorageError::Io(std::io::Error::other(e)))),
        };
        match sent {
            Ok(tag) => tags[index - first] = tag,
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(tags))
}

/// The bytes of `range` within `frames` (end to end), without copying them.
fn slices(frames: &[Bytes], range: std::ops::Range<u64>) -> Vec<Bytes> {
    let mut at = 0u64;
    let mut out = Vec::new();
    for frame in frames {
        let (start, end) = (at, at + frame.len() as u64);
        at = end;
        if end <= range.start || start >= range.end {
            continue;
        }
        let from = range.start.max(start) - start;
        let to = range.end.min(end) - start;
        out.push(frame.slice(from as usize..to as usize));
    }
    out
}

/// Records the accepted chunk, if the upload still stands where it stood when the chunk was
/// judged; `false` when another request moved it on.
async fn record(
    state: &AppState,
    row: &Row,
    next: &Manifest,
    parts: &Parts,
) -> Result<bool, UploadError> {
    let done = bucket_upload::Entity::update_many()
        .col_expr(C::Received, Expr::value(next.offset as i64))
        .col_expr(C::ChunkNr, Expr::value(next.chunk_nr as i64))
        .col_expr(C::LastChunkLen, Expr::value(next.last_chunk_len as i64))
        .col_expr(C::Updated, Expr::value(next.updated))
        .col_expr(C::Parts, Expr::value(json(&parts.tags)))
        .col_expr(C::Held, Expr::value(json(&parts.held)))
        .filter(C::Id.eq(&row.id))
        .filter(C::Received.eq(row.received))
        .filter(C::ChunkNr.eq(row.chunk_nr))
        .exec(&state.db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A JSON column's text (a `Vec` of tags or of pairs always serialises).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// A chunk's body, checked against its length and checksum, in memory: a part is sent whole.
async fn gather<S, E>(
    mut body: S,
    len: u64,
    sha256: Option<&str>,
) -> Result<Vec<Bytes>, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut tally = Tally::new(len, sha256);
    let mut frames = Vec::new();
    while let Some(frame) = tally.next(&mut body).await? {
        frames.push(frame);
    }
    tally.finish()?;
    Ok(frames)
}

/// `end` for an upload into a bucket: joins the parts (once), then places the object like a
/// staged file.
pub(super) async fn end(
    state: &AppState,
    row: Row,
    req: EndRequest,
) -> Result<UploadFinished, UploadError> {
    let m = manifest(&row);
    if !m.is_complete() {
        return Err(UploadError::Incomplete {
            offset: m.offset,
            size: m.size,
        });
    }
    if !hold_for_ending(state, &row.id).await? {
        // Another `end` holds it, or finished it a moment ago.
        return Err(match find(state, &row.id).await? {
            Some(_) => UploadError::Busy,
            None => UploadError::UploadNotFound,
        });
    }
    let hold = Hold {
        db: state.db.clone(),
        id: row.id.clone(),
        done: false,
    };
    // As it stands now that this `end` holds it (an earlier one may have joined the parts).
    let row = find(state, &row.id)
        .await?
        .ok_or(UploadError::UploadNotFound)?;
    let work = join_and_finish(state, &row, &m, req);
    let finished = renewing(state, &row.id, RENEW_EVERY, work).await;
    match &finished {
        // The upload and its row are gone.
        Ok(_) => hold.forget(),
        // Let a retry (here or on another instance) have it.
        Err(_) => hold.release().await,
    }
    finished
}

/// An `end`'s hold on an upload, let go however the `end` stops: with an answer, or dropped
/// with its request (a client that gave up while the store was slow), so that a retry need
/// not wait for the hold to run out.
struct Hold {
    db: sea_orm::DatabaseConnection,
    id: String,
    done: bool,
}

impl Hold {
    async fn release(mut self) {
        self.done = true;
        let _ = let_go(&self.db, &self.id).await;
    }

    fn forget(mut self) {
        self.done = true;
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (db, id) = (self.db.clone(), std::mem::take(&mut self.id));
            runtime.spawn(async move {
                match let_go(&db, &id).await {
                    Ok(()) => tracing::info!(upload = %id, "an end was dropped by its client; the upload is free for a retry"),
                    Err(e) => tracing::warn!(upload = %id, error = %e, "could not let go of a dropped end's hold; it runs out by itself"),
                }
            });
        }
    }
}

/// How often an `end` renews its hold.
const RENEW_EVERY: std::time::Duration =
    std::time::Duration::from_secs(ENDING_HOLD_SECS as u64 / 3);

/// Runs `work` while renewing the `end`'s hold on upload `id` `every` so often.
async fn renewing<T>(
    state: &AppState,
    id: &str,
    every: std::time::Duration,
    work: impl Future<Output = T>,
) -> T {
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = renew.tick() => {
                let renewed = bucket_upload::Entity::update_many()
                    .col_expr(C::EndingUntil, Expr::value(now() + ENDING_HOLD_SECS))
                    .filter(C::Id.eq(id))
                    .exec(&state.db)
                    .await;
                if let Err(e) = renewed {
                    tracing::warn!(upload = %id, error = %e, "could not renew an end's hold on its upload");
                }
            }
        }
    }
}

async fn let_go(db: &sea_orm::DatabaseConnection, id: &str) -> Result<(), DbErr> {
    bucket_upload::Entity::update_many()
        .col_expr(C::EndingUntil, Expr::value(Option::<i64>::None))
        .filter(C::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Takes the upload for this `end`; `false` when an `end` elsewhere holds it.
async fn hold_for_ending(state: &AppState, id: &str) -> Result<bool, DbErr> {
    let now = now();
    let done = bucket_upload::Entity::update_many()
        .col_expr(C::EndingUntil, Expr::value(now + ENDING_HOLD_SECS))
        .filter(C::Id.eq(id))
        .filter(
            Condition::any()
                .add(C::EndingUntil.is_null())
                .add(C::EndingUntil.lt(now)),
        )
        .exec(&state.db)
        .await?;
    Ok(done.rows_affected == 1)
}

async fn join_and_finish(
    state: &AppState,
    row: &Row,
    m: &Manifest,
    req: EndRequest,
) -> Result<UploadFinished, UploadError> {
    let library = super::upload_library(state, row.user_id, Some(row.library_id)).await?;
    let Store::Bucket(bucket) = crate::storage::of(state, &library)? else {
        return Err(UploadError::UploadNotFound);
    };
    if !row.joined {
        let parts = parts_of(row)?;
        let joined = if parts.tags.is_empty() {
            // An empty file has no part to join.
            bucket.put(&row.object_key, Vec::new()).await
        } else {
            bucket
                .finish_parts(&row.object_key, &row.multipart_id, parts.tags)
                .await
        };
        match joined {
            Ok(()) => {}
            // An earlier `end` joined them and stopped before recording it.
            Err(StorageError::NotFound)
                if bucket.size(&row.object_key).await.ok() == Some(m.size) => {}
            Err(e) => return Err(e.into()),
        }
        bucket_upload::Entity::update_many()
            .col_expr(C::Joined, Expr::value(true))
            .filter(C::Id.eq(&row.id))
            .exec(&state.db)
            .await?;
    }
    let arrived = Arrived::Object {
        bucket,
        key: row.object_key.clone(),
        id: row.id.clone(),
    };
    super::finish::finish(state, row.user_id, req, m, &library, arrived).await
}

/// Removes what an upload left in the bucket and its row (finished, cancelled or swept).
pub(super) async fn discard(
    state: &AppState,
    bucket: &Bucket,
    row: &Row,
) -> Result<(), UploadError> {
    if !row.joined {
        bucket
            .abort_parts(&row.object_key, &row.multipart_id)
            .await?;
    } else if is_aimed(&row.object_key) && !in_library(state, row).await? {
        // Joined at its place, but never recorded (an `end` refused it).
        bucket.delete(&row.object_key).await?;
    }
    bucket.remove_folder(&folder(&row.id)).await?;
    bucket_upload::Entity::delete_by_id(&row.id)
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Whether a library file's row names the upload's object (an upload finished at its place,
/// whose own row outlived it): that object is the library's, never an upload's to remove.
async fn in_library(state: &AppState, row: &Row) -> Result<bool, DbErr> {
    use crate::entities::movie_file;
    Ok(movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(row.library_id))
        .filter(movie_file::Column::RelativePath.eq(&row.object_key))
        .one(&state.db)
        .await?
        .is_some())
}

/// Removes a finished upload's objects and row: its file is in the library now (at `placed`;
/// the joined object too when that is where it was aimed). What a failure leaves behind is only
/// logged (the library's file is what counts).
pub(super) async fn discard_finished(
    state: &AppState,
    bucket: &Bucket,
    id: &str,
    joined: &str,
    placed: &str,
) -> Result<(), UploadError> {
    if joined != placed
        && is_aimed(joined)
        && let Err(e) = bucket.delete(joined).await
    {
        tracing::warn!(upload = %id, key = %joined, error = %e, "could not delete an upload's object after copying it into place");
    }
    if let Err(e) = bucket.remove_folder(&folder(id)).await {
        tracing::warn!(upload = %id, error = %e, "could not delete a finished upload's object");
    }
    bucket_upload::Entity::delete_by_id(id)
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Cancels the user's upload `row` and deletes what arrived; not while an `end` holds it
/// (its objects would go from under it).
pub(super) async fn cancel(state: &AppState, row: Row) -> Result<(), UploadError> {
    if row.ending_until.is_some_and(|until| until >= now()) {
        return Err(UploadError::Busy);
    }
    let bucket = bucket_of(state, row.library_id).await?;
    discard(state, &bucket, &row).await?;
    tracing::info!(upload = %row.id, user = row.user_id, "upload into a bucket cancelled");
    Ok(())
}

/// The user's unfinished uploads into buckets.
pub(super) async fn pending(state: &AppState, user_id: i32) -> Result<Vec<PendingUpload>, DbErr> {
    Ok(bucket_upload::Entity::find()
        .filter(C::UserId.eq(user_id))
        .all(&state.db)
        .await?
        .iter()
        .map(|row| super::unfinished::pending_upload(row.id.clone(), manifest(row)))
        .collect())
}

/// Removes the uploads into buckets untouched since `cutoff` (unix seconds); returns how
/// many. One whose bucket cannot be reached stays for the next sweep.
pub(super) async fn sweep(state: &AppState, cutoff: i64) -> Result<usize, UploadError> {
    let stale = bucket_upload::Entity::find()
        .filter(C::Updated.lt(cutoff))
        .all(&state.db)
        .await?;
    let mut removed = 0;
    for row in stale {
        let bucket = match bucket_of(state, row.library_id).await {
            Ok(bucket) => bucket,
            // Its library is gone (and with it, the library's objects).
            Err(UploadError::UploadNotFound) => {
                bucket_upload::Entity::delete_by_id(&row.id)
                    .exec(&state.db)
                    .await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        match discard(state, &bucket, &row).await {
            Ok(()) => {
                removed += 1;
                tracing::info!(upload = %row.id, "removed an abandoned upload from its bucket");
            }
            Err(e) => {
                tracing::warn!(upload = %row.id, error = %e, "could not remove an abandoned upload; the next sweep tries again")
            }
        }
    }
    Ok(removed)
}

/// Removes the unfinished uploads into `library` (being removed); returns how many.
pub(super) async fn discard_library(
    state: &AppState,
    library: &library::Model,
) -> Result<usize, UploadError> {
    let Store::Bucket(bucket) = crate::storage::of(state, library)? else {
        return Ok(0);
    };
    let rows = bucket_upload::Entity::find()
        .filter(C::LibraryId.eq(library.id))
        .all(&state.db)
        .await?;
    for row in &rows {
        discard(state, &bucket, row).await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_chunk_takes_its_size_in_mib_of_the_room_and_never_more_than_there_is() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(room_for(0), 1);
        assert_eq!(room_for(1), 1);
        assert_eq!(room_for(32 * MIB), 32);
        assert_eq!(room_for(32 * MIB + 1), 33);
        assert_eq!(room_for(1 << 40), IN_FLIGHT_MIB);
    }

    #[test]
    fn parts_are_cut_from_the_frames_without_copying() {
        let frames: Vec<Bytes> = ["abc", "", "defgh", "ij"]
            .into_iter()
            .map(|s| Bytes::from_static(s.as_bytes()))
            .collect();
        let text = |range| {
            let joined: Vec<u8> = slices(&frames, range).concat();
            String::from_utf8(joined).unwrap()
        };
        assert_eq!(text(0..10), "abcdefghij");
        assert_eq!(text(2..4), "cd");
        assert_eq!(text(3..8), "defgh");
        assert_eq!(text(8..10), "ij");
        let pieces: Vec<String> = parts::cut(10, 3).into_iter().map(text).collect();
        assert_eq!(pieces, ["abc", "def", "ghij"]);
    }

    #[tokio::test]
    async fn an_end_that_works_long_keeps_renewing_its_hold() {
        let dir = tempfile::TempDir::new().unwrap();
        let config = crate::Config::new(dir.path().to_path_buf());
        let url = crate::config::default_database_url(dir.path());
        let state = AppState::new(crate::db::open(&url).await.unwrap(), config);
        let anna = crate::auth::users::create(&state, "anna", "a long password", false)
            .await
            .unwrap();
        bucket_upload::ActiveModel {
            id: Set("u1".into()),
            user_id: Set(anna.id),
            library_id: Set(1),
            filename: Set("Alien.mkv".into()),
            size: Set(10),
            last_modified: Set(0),
            created: Set(now()),
            updated: Set(now()),
            received: Set(10),
            chunk_nr: Set(1),
            last_chunk_len: Set(10),
            object_key: Set("tt0078748/sd/movie.mkv".into()),
            multipart_id: Set("m1".into()),
            parts: Set("[]".into()),
            held: Set("[]".into()),
            joined: Set(false),
            // A hold about to run out.
            ending_until: Set(Some(now())),
            imdb_hint: Set(None),
        }
        .insert(&state.db)
        .await
        .unwrap();
        let work = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "joined"
        };
        let renewed = renewing(&state, "u1", Duration::from_millis(50), work).await;
        assert_eq!(renewed, "joined", "the work's own answer");
        let until = find(&state, "u1").await.unwrap().unwrap().ending_until;
        assert!(
            until.is_some_and(|until| until >= now() + ENDING_HOLD_SECS - 5),
            "{until:?}"
        );
    }
}
