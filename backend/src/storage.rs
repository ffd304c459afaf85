//! Where a library's files are kept: its folder on this machine, or a bucket of an
//! S3-compatible object store (`domain::storage`). Bucket access goes through OpenDAL, not a
//! client of our own; the folder keeps the plain filesystem code that was there before.
//!
//! What works on a bucket library so far: an upload joins it (the staged file is copied into
//! the object with a multipart upload), its files stream with HTTP ranges (through this server,
//! or by a redirect to a signed link), ffprobe and ffmpeg read them through signed links
//! ([`media_input`]), its subtitle files are listed and served, and deleting a version deletes
//! the object. A bucket that cannot be reached gives [`StorageError::Unavailable`] (503 at the
//! edge); nothing is lost, the upload stays finishable. Covers, trailers, fixing a match and
//! conversion to MP4 are not done for buckets yet ([`StorageError::NotYet`]).

use crate::AppState;
use crate::entities::library;
use bytes::Bytes;
use domain::storage::{BucketLocation, LocationError};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use opendal::layers::{RetryLayer, TimeoutLayer};
use opendal::{ErrorKind, Operator};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes read or written at a time: as the streaming code's disk reads.
pub const CHUNK: usize = 1024 * 1024;
/// The part size of multipart uploads into a bucket (S3's minimum part is 5 MiB); with two
/// parts in flight and one being read, a copy holds about three parts in memory.
const PART: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    Location(#[from] LocationError),
    #[error(
        "This server has no object store called {0:?}: add it to object_stores in its config file."
    )]
    UnknownStore(String),
    #[error("The file is missing from the library's storage.")]
    NotFound,
    #[error("The library's bucket {0} refused the server's keys or requests.")]
    Refused(String),
    #[error("The library's bucket {0} cannot be reached right now; try again in a moment.")]
    Unavailable(String),
    #[error("{0} is not possible yet for a library kept in a bucket.")]
    NotYet(&'static str),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The buckets this process has opened, by location (an OpenDAL operator keeps its HTTP
/// connections, so it is made once).
#[derive(Default)]
pub struct Buckets {
    open: Mutex<HashMap<BucketLocation, Operator>>,
}

/// A library's storage.
pub enum Store {
    Folder(PathBuf),
    Bucket(Bucket),
}

/// A library's bucket, opened.
#[derive(Clone)]
pub struct Bucket {
    pub location: BucketLocation,
    /// Players are sent to the store for the bytes ([`crate::config::ObjectStore`]).
    pub redirect_streams: bool,
    op: Operator,
}

/// The storage of `library`.
pub fn of(state: &AppState, library: &library::Model) -> Result<Store, StorageError> {
    if !domain::storage::is_bucket(&library.path) {
        return Ok(Store::Folder(PathBuf::from(&library.path)));
    }
    let location = BucketLocation::parse(&library.path)?;
    Ok(Store::Bucket(bucket(state, location)?))
}

/// The bucket at `location`, opened with the keys of its store.
pub fn bucket(state: &AppState, location: BucketLocation) -> Result<Bucket, StorageError> {
    let store = state
        .config
        .object_stores
        .get(&location.store)
        .ok_or_else(|| StorageError::UnknownStore(location.store.clone()))?;
    let redirect_streams = store.redirect_streams;
    let mut open = state.buckets.open.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(op) = open.get(&location) {
        return Ok(Bucket {
            location,
            redirect_streams,
            op: op.clone(),
        });
    }
    let builder = opendal::services::S3::default()
        .endpoint(&store.endpoint)
        .region(&store.region)
        .bucket(&location.bucket)
        .root(&format!("/{}", location.prefix))
        .access_key_id(&store.access_key_id)
        .secret_access_key(&store.secret_access_key)
        // Only what the config file says: no ~/.aws files, no cloud metadata service.
        .disable_config_load()
        .disable_ec2_metadata();
    let op = Operator::new(builder)
        .map_err(|e| unavailable(&location, e))?
        // A store that is down answers within seconds, not after minutes of retries.
        .layer(
            RetryLayer::new()
                .with_max_times(2)
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_secs(1)),
        )
        .layer(
            TimeoutLayer::new()
                .with_timeout(Duration::from_secs(30))
                .with_io_timeout(Duration::from_secs(20)),
        )
        .finish();
    open.insert(location.clone(), op.clone());
    Ok(Bucket {
        location,
        redirect_streams,
        op,
    })
}

/// Says what went wrong in words for people; the store's own error goes to the log.
fn unavailable(location: &BucketLocation, e: opendal::Error) -> StorageError {
    match e.kind() {
        ErrorKind::NotFound => StorageError::NotFound,
        ErrorKind::PermissionDenied | ErrorKind::ConfigInvalid => {
            tracing::warn!(bucket = %location, error = %e, "the bucket refused a request");
            StorageError::Refused(location.to_string())
        }
        _ => {
            tracing::warn!(bucket = %location, error = %e, "the bucket cannot be reached");
            StorageError::Unavailable(location.to_string())
        }
    }
}

impl Store {
    /// The names of what is directly inside `dir` (a path inside the library): files and
    /// folders; none when it does not exist.
    pub async fn names(&self, dir: &str) -> Result<Vec<String>, StorageError> {
        match self {
            Store::Folder(root) => match std::fs::read_dir(root.join(dir)) {
                Ok(entries) => Ok(entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
                Err(e) => Err(e.into()),
            },
            Store::Bucket(bucket) => bucket.names(dir).await,
        }
    }
}

impl Bucket {
    fn error(&self, e: opendal::Error) -> StorageError {
        unavailable(&self.location, e)
    }

    /// Checks that the bucket answers and takes the server's keys.
    pub async fn check(&self) -> Result<(), StorageError> {
        self.op.check().await.map_err(|e| self.error(e))
    }

    /// Whether `key` (a path inside the library) exists.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.op.exists(key).await.map_err(|e| self.error(e))
    }

    /// The names of what is directly inside `dir` (a path inside the library): files, and
    /// the folders that the keys below it make.
    pub async fn names(&self, dir: &str) -> Result<Vec<String>, StorageError> {
        let dir = format!("{}/", dir.trim_end_matches('/'));
        let entries = match self.op.list(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.error(e)),
        };
        Ok(entries
            .iter()
            .filter(|e| e.path() != dir)
            .map(|e| e.name().trim_end_matches('/').to_owned())
            .collect())
    }

    /// Copies the local file `from` into object `key`, part by part (memory stays at a few
    /// parts however large the file); returns its size.
    pub async fn put_file(&self, from: &Path, key: &str) -> Result<u64, StorageError> {
        let mut file = tokio::fs::File::open(from).await?;
        let mut writer = self
            .op
            .writer_with(key)
            .chunk(PART)
            .concurrent(2)
            .await
            .map_err(|e| self.error(e))?;
        let mut sent = 0u64;
        loop {
            let mut buf = Vec::with_capacity(PART);
            let read = (&mut file).take(PART as u64).read_to_end(&mut buf).await;
            let n = match read {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            sent += n as u64;
            if let Err(e) = writer.write(buf).await {
                let _ = writer.abort().await;
                return Err(self.error(e));
            }
        }
        writer.close().await.map_err(|e| self.error(e))?;
        Ok(sent)
    }

    /// A URL that reads object `key` without the keys for `valid` (ffmpeg and ffprobe read
    /// bucket files through it, with ranges, as they read local files).
    pub async fn presigned_read(&self, key: &str, valid: Duration) -> Result<String, StorageError> {
        let request = self
            .op
            .presign_read(key, valid)
            .await
            .map_err(|e| self.error(e))?;
        Ok(request.uri().to_string())
    }

    /// A signed link a player can stream object `key` from, ranges and all, for
    /// [`STREAM_LINK_VALID`]; the store answers with `content_type` (and `disposition`).
    pub async fn stream_link(
        &self,
        key: &str,
        content_type: &str,
        disposition: Option<&str>,
    ) -> Result<String, StorageError> {
        let mut presign = self
            .op
            .presign_read_with(key, STREAM_LINK_VALID)
            .override_content_type(content_type);
        if let Some(disposition) = disposition {
            presign = presign.override_content_disposition(disposition);
        }
        let request = presign.await.map_err(|e| self.error(e))?;
        Ok(request.uri().to_string())
    }

    /// Deletes every object under `dir/` (a path inside the library).
    pub async fn remove_folder(&self, dir: &str) -> Result<(), StorageError> {
        let dir = format!("{}/", dir.trim_end_matches('/'));
        self.op.remove_all(&dir).await.map_err(|e| self.error(e))
    }

    /// Deletes object `key` (one already gone is deleted).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.op.delete(key).await.map_err(|e| self.error(e))
    }
}

/// A stored file opened for reading: its size and last change, and its bytes on demand.
pub struct Opened {
    pub size: u64,
    pub modified: SystemTime,
    source: Source,
}

enum Source {
    File(tokio::fs::File),
    Object { bucket: Bucket, key: String },
}

impl Opened {
    /// `len` bytes from `start`, read `CHUNK` at a time.
    pub async fn bytes(
        self,
        start: u64,
        len: u64,
    ) -> Result<BoxStream<'static, io::Result<Bytes>>, StorageError> {
        match self.source {
            Source::File(mut file) => {
                if start > 0 {
                    file.seek(io::SeekFrom::Start(start)).await?;
                }
                Ok(tokio_util::io::ReaderStream::with_capacity(file.take(len), CHUNK).boxed())
            }
            Source::Object { bucket, key } => {
                if len == 0 {
                    return Ok(futures::stream::empty().boxed());
                }
                // One ranged GET streamed as it arrives: reading in chunks would make a
                // request per chunk.
                let reader = bucket.op.reader(&key).await.map_err(|e| bucket.error(e))?;
                let stream = reader
                    .into_bytes_stream(start..start + len)
                    .await
                    .map_err(|e| bucket.error(e))?;
                Ok(stream.map_err(io::Error::other).boxed())
            }
        }
    }
}

/// Opens the file at `relative` (a path inside `library`) for reading.
pub async fn open(
    state: &AppState,
    library: &library::Model,
    relative: &str,
) -> Result<Opened, StorageError> {
    match of(state, library)? {
        Store::Folder(root) => {
            let mut file = tokio::fs::File::open(root.join(relative))
                .await
                .map_err(missing)?;
            // Each read is a hop to tokio's blocking threads: fewer, larger reads stream faster.
            file.set_max_buf_size(CHUNK);
            let meta = file.metadata().await.map_err(missing)?;
            Ok(Opened {
                size: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                source: Source::File(file),
            })
        }
        Store::Bucket(bucket) => {
            let meta = bucket
                .op
                .stat(relative)
                .await
                .map_err(|e| bucket.error(e))?;
            Ok(Opened {
                size: meta.content_length(),
                modified: meta
                    .last_modified()
                    .map_or(SystemTime::UNIX_EPOCH, SystemTime::from),
                source: Source::Object {
                    bucket,
                    key: relative.to_owned(),
                },
            })
        }
    }
}

/// Where a player fetches the file at `relative` itself: a signed link when the library is in a
/// bucket whose store serves players (`redirect_streams`); `None` when the bytes go through
/// this server.
pub async fn stream_link(
    state: &AppState,
    library: &library::Model,
    relative: &str,
    content_type: &str,
    disposition: Option<&str>,
) -> Result<Option<String>, StorageError> {
    match of(state, library)? {
        Store::Bucket(bucket) if bucket.redirect_streams => Ok(Some(
            bucket
                .stream_link(relative, content_type, disposition)
                .await?,
        )),
        _ => Ok(None),
    }
}

/// How long a player's link to an object stays valid: a film watched with pauses; a player
/// that comes back later asks `/stream` again and gets a new one.
pub const STREAM_LINK_VALID: Duration = Duration::from_secs(6 * 3600);

/// How long a URL made for ffmpeg stays valid: longer than any playback session lasts without
/// being made again.
pub const MEDIA_URL_VALID: Duration = Duration::from_secs(12 * 3600);

/// What ffmpeg and ffprobe are given to read the file at `relative` in `library`: its path on
/// disk, or for a bucket a presigned URL.
pub async fn media_input(
    state: &AppState,
    library: &library::Model,
    relative: &str,
) -> Result<PathBuf, StorageError> {
    match of(state, library)? {
        Store::Folder(root) => Ok(root.join(relative)),
        Store::Bucket(bucket) => Ok(PathBuf::from(
            bucket.presigned_read(relative, MEDIA_URL_VALID).await?,
        )),
    }
}

fn missing(e: io::Error) -> StorageError {
    match e.kind() {
        io::ErrorKind::NotFound => StorageError::NotFound,
        _ => StorageError::Io(e),
    }
}
