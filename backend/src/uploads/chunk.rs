//! `chunk`: appending one piece of a file, streamed to disk as it arrives.

use super::{UploadError, now};
use crate::AppState;
use bytes::Bytes;
use domain::api::ChunkAccepted;
use domain::upload::{ChunkDecision, check_upload_id};
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::{self, IoSlice, Seek, SeekFrom, Write};

/// Bytes gathered before each write to disk: large enough that writes cost little, small
/// enough that memory stays flat however large the chunk.
const WRITE_BATCH: usize = 1024 * 1024;
/// Batches waiting for the disk, at most: memory per chunk in flight stays under 5 MiB.
const WRITES_IN_FLIGHT: usize = 4;

pub struct ChunkRequest {
    pub upload_id: String,
    pub chunk_nr: u64,
    pub offset: u64,
    /// The `Content-Length` of the request; required, so that the chunk can be judged before
    /// any of it is written.
    pub content_length: Option<u64>,
    /// Lowercase hex sha256 of the chunk, when the client sent one.
    pub sha256: Option<String>,
}

/// Appends a chunk if it is the next one; see `docs/upload-protocol.md` for every answer.
pub async fn chunk<S, E>(
    state: &AppState,
    user_id: i32,
    req: ChunkRequest,
    body: S,
) -> Result<ChunkAccepted, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    check_upload_id(&req.upload_id)?;
    let len = req.content_length.ok_or(UploadError::LengthRequired)?;
    let max = state.config.upload_max_chunk_size;
    if len > max {
        return Err(UploadError::ChunkTooLarge { len, max });
    }
    let service = &state.uploads;
    let (lock, mut manifest) = match service.lock_owned(user_id, &req.upload_id) {
        // Not staged here: an upload into a bucket, which the database knows.
        Err(UploadError::UploadNotFound) => {
            let row = super::in_bucket::owned(state, user_id, &req.upload_id).await?;
            return super::in_bucket::chunk(state, row, &req, len, body).await;
        }
        other => other?,
    };
    // Membership can change during a long upload: someone removed from the library, or no
    // longer allowed to upload, stops here rather than at `end`.
    crate::access::library(
        state,
        user_id,
        manifest.library_id,
        crate::access::Need::Upload,
    )
    .await?;
    let state_now = |m: &domain::upload::Manifest| ChunkAccepted {
        offset: m.offset,
        chunk_nr: m.chunk_nr,
    };
    match manifest.decide(req.chunk_nr, req.offset, len) {
        ChunkDecision::Repeat => return Ok(state_now(&manifest)),
        ChunkDecision::OutOfOrder => {
            return Err(UploadError::OutOfOrder {
                offset: manifest.offset,
                chunk_nr: manifest.chunk_nr,
            });
        }
        ChunkDecision::Append => {}
    }
    // The disk may have filled since `init` (other uploads, other programs): a chunk that
    // would eat into the reserve is refused before any of it is read. What is stored stays,
    // and the upload resumes with `init` once there is room.
    let free = crate::media::disk::available(service.staging.root())?;
    let needed = len.saturating_add(state.config.storage_reserve);
    if free < needed {
        tracing::warn!(upload = %req.upload_id, free, needed, "a chunk was refused: the disk is nearly full");
        return Err(UploadError::InsufficientStorage {
            free,
            needed,
            promised: 0,
        });
    }

    let path = service.staging.data_path(&req.upload_id);
    let mut file = OpenOptions::new().write(true).open(&path)?;
    // Bytes past the manifest's offset are left-overs of a cut chunk or a crash.
    if file.metadata()?.len() != manifest.offset {
        file.set_len(manifest.offset)?;
    }
    file.seek(SeekFrom::Start(manifest.offset))?;

    match receive(file, body, len, req.sha256.as_deref()).await {
        Ok(()) => {
            manifest.accept(len, now());
            // Durable within a second; see `durability` for why that is safe.
            service.acknowledge(&req.upload_id, lock.live.clone(), &manifest);
            Ok(state_now(&manifest))
        }
        Err(err) => {
            // Nothing of a refused chunk stays on disk.
            let keep = manifest.offset;
            let undo = OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(keep));
            if let Err(e) = undo {
                tracing::warn!(upload = %req.upload_id, error = %e, "could not cut a refused chunk off; the next write will");
            }
            match err {
                UploadError::Io(e) if e.kind() == io::ErrorKind::StorageFull => {
                    let free = crate::media::disk::available(service.staging.root()).unwrap_or(0);
                    tracing::warn!(upload = %req.upload_id, free, "the disk is full");
                    Err(UploadError::InsufficientStorage {
                        free,
                        needed: len,
                        promised: 0,
                    })
                }
                other => Err(other),
            }
        }
    }
}

/// Streams the body into `file`, checking its length and checksum, and returns once the bytes
/// are written (not yet flushed: that is `durability`'s job).
///
/// Receiving and writing overlap: a blocking thread writes what the network delivered while
/// the next bytes arrive. The network's buffers are handed over as they are (no copy) and
/// written in batches with one vectored write each.
async fn receive<S, E>(
    file: File,
    mut body: S,
    len: u64,
    sha256: Option<&str>,
) -> Result<(), UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let (to_disk, from_net) = tokio::sync::mpsc::channel::<Vec<Bytes>>(WRITES_IN_FLIGHT);
    let writer = tokio::task::spawn_blocking(move || write_all(file, from_net));
    let received = async {
        let mut tally = Tally::new(len, sha256);
        let mut batch = Vec::new();
        let mut batched = 0;
        while let Some(frame) = tally.next(&mut body).await? {
            batched += frame.len();
            batch.push(frame);
            if batched >= WRITE_BATCH {
                batched = 0;
                if to_disk.send(std::mem::take(&mut batch)).await.is_err() {
                    // The writer stopped on an error, which joining it reports.
                    return Ok(());
                }
            }
        }
        tally.finish()?;
        if !batch.is_empty() {
            let _ = to_disk.send(batch).await;
        }
        Ok::<(), UploadError>(())
    }
    .await;
    drop(to_disk);
    let written = writer.await.map_err(io::Error::other)?;
    received?;
    Ok(written?)
}

/// Checks a chunk's bytes as they arrive: no more than announced, and at the end exactly
/// that many, with the sha256 the client sent (if it sent one).
pub(super) struct Tally<'a> {
    len: u64,
    received: u64,
    hasher: Option<Sha256>,
    expected: Option<&'a str>,
}

impl<'a> Tally<'a> {
    pub fn new(len: u64, sha256: Option<&'a str>) -> Tally<'a> {
        Tally {
            len,
            received: 0,
            hasher: sha256.map(|_| Sha256::new()),
            expected: sha256,
        }
    }

    /// The body's next frame, counted and hashed; `None` at its end. A frame that cannot be
    /// read (the connection broke) is the chunk's `BodyInterrupted`.
    pub async fn next<S, E>(&mut self, body: &mut S) -> Result<Option<Bytes>, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let Some(frame) = body.next().await else {
            return Ok(None);
        };
        let frame = frame.map_err(|e| {
            tracing::info!(error = %e, "a chunk's body was cut off");
            UploadError::BodyInterrupted
        })?;
        self.take(&frame)?;
        Ok(Some(frame))
    }

    fn take(&mut self, frame: &[u8]) -> Result<(), UploadError> {
        self.received += frame.len() as u64;
        if self.received > self.len {
            return Err(UploadError::LengthMismatch);
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(frame);
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), UploadError> {
        if self.received != self.len {
            return Err(UploadError::LengthMismatch);
        }
        if let (Some(h), Some(expected)) = (self.hasher, self.expected)
            && hex::encode(h.finalize()) != expected
        {
            return Err(UploadError::ChecksumMismatch);
        }
        Ok(())
    }
}

/// The writing thread: writes each batch as it comes.
fn write_all(
    mut file: File,
    mut batches: tokio::sync::mpsc::Receiver<Vec<Bytes>>,
) -> io::Result<()> {
    while let Some(batch) = batches.blocking_recv() {
        let mut slices: Vec<IoSlice<'_>> = batch.iter().map(|b| IoSlice::new(b)).collect();
        let mut pending = &mut slices[..];
        while !pending.is_empty() {
            match file.write_vectored(pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut pending, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
