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
use std::io::{self, Seek, SeekFrom, Write};

/// Bytes gathered before each write to disk: large enough that writes cost little, small
/// enough that memory stays flat however large the chunk.
const WRITE_BUFFER: usize = 1024 * 1024;

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
    service.owned_manifest(user_id, &req.upload_id)?;
    let _lock = service.lock(&req.upload_id)?;
    // Read again under the lock: the request that held it may have moved the upload on.
    let mut manifest = service.owned_manifest(user_id, &req.upload_id)?;
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

    let path = service.staging.data_path(&req.upload_id);
    let mut file = OpenOptions::new().write(true).open(&path)?;
    // Bytes past the manifest's offset are left-overs of a cut chunk or a crash.
    file.set_len(manifest.offset)?;
    file.seek(SeekFrom::Start(manifest.offset))?;

    match receive(file, body, len, req.sha256.as_deref()).await {
        Ok(file) => {
            let file = tokio::task::spawn_blocking(move || file.sync_data().map(|()| file))
                .await
                .map_err(io::Error::other)??;
            drop(file);
            manifest.accept(len, now());
            service.staging.save(&req.upload_id, &manifest)?;
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
                    let free = super::space::available(service.staging.root()).unwrap_or(0);
                    tracing::warn!(upload = %req.upload_id, free, "the disk is full");
                    Err(UploadError::InsufficientStorage { free, needed: len })
                }
                other => Err(other),
            }
        }
    }
}

/// Streams the body into `file`, checking its length and checksum.
async fn receive<S, E>(
    mut file: File,
    mut body: S,
    len: u64,
    sha256: Option<&str>,
) -> Result<File, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut hasher = sha256.map(|_| Sha256::new());
    let mut received: u64 = 0;
    let mut buffer = Vec::with_capacity(WRITE_BUFFER.min(len as usize));
    while let Some(frame) = body.next().await {
        let frame = frame.map_err(|e| {
            tracing::info!(error = %e, "a chunk's body was cut off");
            UploadError::BodyInterrupted
        })?;
        received += frame.len() as u64;
        if received > len {
            return Err(UploadError::LengthMismatch);
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&frame);
        }
        buffer.extend_from_slice(&frame);
        if buffer.len() >= WRITE_BUFFER {
            (file, buffer) = write(file, buffer).await?;
        }
    }
    if received != len {
        return Err(UploadError::LengthMismatch);
    }
    if let (Some(h), Some(expected)) = (hasher, sha256)
        && hex::encode(h.finalize()) != expected
    {
        return Err(UploadError::ChecksumMismatch);
    }
    if !buffer.is_empty() {
        (file, _) = write(file, buffer).await?;
    }
    Ok(file)
}

/// Writes and empties the buffer on the blocking pool, handing both back.
async fn write(mut file: File, mut buffer: Vec<u8>) -> Result<(File, Vec<u8>), UploadError> {
    tokio::task::spawn_blocking(move || {
        file.write_all(&buffer)?;
        buffer.clear();
        Ok((file, buffer))
    })
    .await
    .map_err(io::Error::other)?
}
