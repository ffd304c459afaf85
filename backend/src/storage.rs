//! Where a library's files are kept: its folder on this machine, or a bucket of an
//! S3-compatible object store (`domain::storage`). Bucket access goes through the
//! `object_store` crate (Apache Arrow's), not a client of our own; the folder keeps the plain
//! filesystem code that was there before.
//!
//! What works on a bucket library so far: uploads go straight into the bucket as the parts of
//! a multipart upload that any instance can continue (`uploads::in_bucket`), its files stream
//! with HTTP ranges (through this server, or by a redirect to a signed link), ffprobe and
//! ffmpeg read them through signed links ([`media_input`]), its subtitle files are listed and
//! served, and deleting a version deletes the object. A bucket that cannot be reached gives
//! [`StorageError::Unavailable`] (503 at the edge); nothing is lost, the upload stays
//! finishable. Covers and trailers are objects like the rest (`tt…/cover/`, `tt…/trailer/`);
//! pages serve them from a copy on this machine ([`local_copy`]).

use crate::AppState;
use crate::entities::library;
use bytes::Bytes;
use domain::storage::{BucketLocation, LocationError};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::signer::Signer;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload,
    RetryConfig,
};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes read or written at a time: as the streaming code's disk reads.
pub const CHUNK: usize = 1024 * 1024;
/// How long a request that is not a stream of a file's bytes may take: a store that is down
/// answers within seconds, not after minutes of retries.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long joining an upload's parts may take. A store answers once the object is whole,
/// which for tens of GiB takes minutes; a store that never answers makes `end` say 503, and
/// its retry finds the object joined (or joins it then).
const JOIN_TIMEOUT: Duration = Duration::from_secs(600);

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
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The buckets this process has opened, by location (a client keeps its HTTP connections, so
/// it is made once).
#[derive(Default)]
pub struct Buckets {
    open: Mutex<HashMap<BucketLocation, Arc<AmazonS3>>>,
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
    s3: Arc<AmazonS3>,
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
    open_bucket(&state.config, &state.buckets, location)
}

/// The bucket at `location`, opened with the keys of its store in `config` (also outside a
/// running server: backups), kept in `buckets`.
pub fn open_bucket(
    config: &crate::Config,
    buckets: &Buckets,
    location: BucketLocation,
) -> Result<Bucket, StorageError> {
    let store = config
        .object_stores
        .get(&location.store)
        .ok_or_else(|| StorageError::UnknownStore(location.store.clone()))?;
    let redirect_streams = store.redirect_streams;
    let mut open = buckets.open.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s3) = open.get(&location) {
        return Ok(Bucket {
            location,
            redirect_streams,
            s3: s3.clone(),
        });
    }
    // Objects carry the content type players need (a redirected player gets it from the
    // store); uploads name their objects with the file's extension for that.
    let mut options = ClientOptions::new()
        .with_allow_http(true)
        .with_connect_timeout(Duration::from_secs(5))
        // A whole film streams through one request: only the requests that are not streams
        // are bounded (`REQUEST_TIMEOUT`).
        .with_timeout_disabled();
    for (extension, mime) in domain::streaming::CONTENT_TYPES {
        options = options.with_content_type_for_suffix(*extension, *mime);
    }
    // Only what the config file says: no ~/.aws files, no cloud metadata service.
    let s3 = AmazonS3Builder::new()
        .with_endpoint(&store.endpoint)
        .with_region(&store.region)
        .with_bucket_name(&location.bucket)
        .with_access_key_id(&store.access_key_id)
        .with_secret_access_key(&store.secret_access_key)
        .with_virtual_hosted_style_request(false)
        .with_unsigned_payload(!store.sign_payload)
        .with_client_options(options)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
            },
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
        })
        .build()
        .map_err(|e| unavailable(&location, e))?;
    let s3 = Arc::new(s3);
    open.insert(location.clone(), s3.clone());
    Ok(Bucket {
        location,
        redirect_streams,
        s3,
    })
}

/// Says what went wrong in words for people; the store's own error goes to the log.
fn unavailable(location: &BucketLocation, e: object_store::Error) -> StorageError {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => StorageError::NotFound,
        E::PermissionDenied { .. }
        | E::Unauthenticated { .. }
        | E::UnknownConfigurationKey { .. } => {
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

    /// The names of the files directly inside `dir` (a path inside the library); none when
    /// it does not exist.
    pub async fn files(&self, dir: &str) -> Result<Vec<String>, StorageError> {
        match self {
            Store::Folder(root) => match std::fs::read_dir(root.join(dir)) {
                Ok(entries) => Ok(entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
                Err(e) => Err(e.into()),
            },
            Store::Bucket(bucket) => {
                let listed = bucket
                    .bounded(bucket.s3.list_with_delimiter(Some(&bucket.key(dir))))
                    .await?;
                Ok(listed
                    .objects
                    .iter()
                    .filter_map(|o| o.location.filename().map(decoded))
                    .collect())
            }
        }
    }
}

/// A name as the object store keeps it (a few characters percent-encoded), as it was given.
fn decoded(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

impl Bucket {
    fn error(&self, e: object_store::Error) -> StorageError {
        unavailable(&self.location, e)
    }

    /// The object key of `relative` (a path inside the library).
    fn key(&self, relative: &str) -> Key {
        self.location
            .prefix
            .split('/')
            .chain(relative.split('/'))
            .filter(|part| !part.is_empty())
            .collect()
    }

    /// Runs a request that is not a stream, bounded by [`REQUEST_TIMEOUT`].
    async fn bounded<T>(
        &self,
        request: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, StorageError> {
        self.bounded_by(REQUEST_TIMEOUT, request).await
    }

    /// Runs a request that sends `bytes`: [`REQUEST_TIMEOUT`] and a second per MiB, so that a
    /// slow link to the store still gets a large part through.
    async fn sending<T>(
        &self,
        bytes: u64,
        request: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, StorageError> {
        let time = REQUEST_TIMEOUT + Duration::from_secs(bytes / (1024 * 1024));
        self.bounded_by(time, request).await
    }

    async fn bounded_by<T>(
        &self,
        time: Duration,
        request: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(time, request).await {
            Ok(answer) => answer.map_err(|e| self.error(e)),
            Err(_) => {
                tracing::warn!(bucket = %self.location, "the bucket did not answer in time");
                Err(StorageError::Unavailable(self.location.to_string()))
            }
        }
    }

    /// Checks that the bucket answers and takes the server's keys.
    pub async fn check(&self) -> Result<(), StorageError> {
        let prefix = self.key("");
        self.bounded(self.s3.list_with_delimiter(Some(&prefix)))
            .await
            .map(drop)
    }

    /// Whether `key` (a path inside the library) exists.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.bounded(self.s3.head(&self.key(key))).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The size of object `key`.
    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        Ok(self.bounded(self.s3.head(&self.key(key))).await?.size)
    }

    /// How many objects the bucket holds under the library's prefix, and their bytes.
    pub async fn usage(&self) -> Result<(u64, u64), StorageError> {
        let listing = self
            .s3
            .list(Some(&self.key("")))
            .try_fold((0u64, 0u64), |(n, bytes), meta| async move {
                Ok((n + 1, bytes + meta.size))
            });
        self.bounded(listing).await
    }

    /// Every object of the library (keys inside it), but what unfinished uploads hold.
    pub async fn objects(&self) -> Result<Vec<StoredObject>, StorageError> {
        self.objects_in("").await
    }

    /// The objects under `dir/` (a path inside the library; `""` for all of it), but what
    /// unfinished uploads hold; their keys are inside the library.
    pub async fn objects_in(&self, dir: &str) -> Result<Vec<StoredObject>, StorageError> {
        let prefix = self.key("");
        let listing = self.s3.list(Some(&self.key(dir))).try_collect::<Vec<_>>();
        let listed = self.bounded(listing).await?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| {
                let parts: Vec<String> = meta
                    .location
                    .prefix_match(&prefix)?
                    .map(|part| decoded(part.as_ref()))
                    .collect();
                (parts.first().map(String::as_str) != Some(UPLOADS_FOLDER)).then(|| StoredObject {
                    key: parts.join("/"),
                    size: meta.size,
                    etag: meta.e_tag.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Object `key`'s size and tag, `None` when there is no such object.
    pub async fn stat(&self, key: &str) -> Result<Option<StoredObject>, StorageError> {
        match self.bounded(self.s3.head(&self.key(key))).await {
            Ok(meta) => Ok(Some(StoredObject {
                key: key.to_owned(),
                size: meta.size,
                etag: meta.e_tag.unwrap_or_default(),
            })),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The names of what is directly inside `dir` (a path inside the library): files, and
    /// the folders that the keys below it make.
    pub async fn names(&self, dir: &str) -> Result<Vec<String>, StorageError> {
        let listed = self
            .bounded(self.s3.list_with_delimiter(Some(&self.key(dir))))
            .await?;
        let folders = listed.common_prefixes.iter();
        let files = listed.objects.iter().map(|o| &o.location);
        Ok(folders
            .chain(files)
            .filter_map(|key| key.filename().map(decoded))
            .collect())
    }

    /// Writes object `key` whole (small objects).
    pub async fn put(&self, key: &str, bytes: Vec<Bytes>) -> Result<(), StorageError> {
        let payload: PutPayload = bytes.into_iter().collect();
        let len = payload.content_length() as u64;
        self.sending(len, self.s3.put(&self.key(key), payload))
            .await
            .map(drop)
    }

    /// Writes the local file at `path` into object `key`, a part at a time (a trailer, a
    /// converted film): memory stays at a few parts however large the file.
    pub async fn put_file(&self, key: &str, path: &std::path::Path) -> Result<(), StorageError> {
        const PART: usize = 8 * 1024 * 1024;
        let mut file = tokio::fs::File::open(path).await?;
        let upload = self.bounded(self.s3.put_multipart(&self.key(key))).await?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; CHUNK];
        let written = async {
            loop {
                let read = file.read(&mut buf).await?;
                if read == 0 {
                    return Ok(());
                }
                // At most two parts travel while the next is filled.
                writer
                    .wait_for_capacity(2)
                    .await
                    .map_err(|e| self.error(e))?;
                writer.write(&buf[..read]);
            }
        }
        .await;
        if let Err(e) = written {
            // The store drops the parts sent so far.
            let _ = writer.abort().await;
            return Err(e);
        }
        writer.finish().await.map(drop).map_err(|e| self.error(e))
    }

    /// Opens object `key` (a path inside the library) for reading: its size and date now, its
    /// bytes on demand.
    pub async fn open(self, key: &str) -> Result<Opened, StorageError> {
        let meta = self.bounded(self.s3.head(&self.key(key))).await?;
        Ok(Opened {
            size: meta.size,
            modified: SystemTime::from(meta.last_modified),
            source: Source::Object {
                bucket: self,
                key: key.to_owned(),
            },
        })
    }

    /// Reads object `key` whole (small objects).
    pub async fn read(&self, key: &str) -> Result<Bytes, StorageError> {
        let key = self.key(key);
        let s3 = self.s3.clone();
        self.bounded(async move { s3.get(&key).await?.bytes().await })
            .await
    }

    /// Copies object `from` (of `size` bytes) to `to` inside the bucket. The store copies (no
    /// byte passes here); a store that copies at most 5 GiB in one request (Amazon S3) gets
    /// larger objects copied through this server, a part at a time.
    pub async fn copy(&self, from: &str, to: &str, size: u64) -> Result<(), StorageError> {
        const ONE_REQUEST_MAX: u64 = 5 * 1024 * 1024 * 1024;
        let (from_key, to_key) = (self.key(from), self.key(to));
        // A copy of a large object takes the store a while: no time limit here.
        match self.s3.copy(&from_key, &to_key).await {
            Ok(()) => Ok(()),
            Err(e)
                if size > ONE_REQUEST_MAX && !matches!(e, object_store::Error::NotFound { .. }) =>
            {
                tracing::info!(bucket = %self.location, error = %e, size, "the store did not copy the object itself; copying it through this server");
                self.copy_through(from, to, size).await
            }
            Err(e) => Err(self.error(e)),
        }
    }

    /// Copies object `from` (of `size` bytes) to `to` by reading it a part at a time and
    /// writing the parts: what [`Bucket::copy`] falls back on for objects over 5 GiB (public
    /// so that it is tested without a 5 GiB object).
    pub async fn copy_through(&self, from: &str, to: &str, size: u64) -> Result<(), StorageError> {
        const PART: u64 = 64 * 1024 * 1024;
        let (from, to) = (&self.key(from), &self.key(to));
        let upload = self.bounded(self.s3.put_multipart(to)).await?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART as usize);
        let mut at = 0;
        while at < size {
            let end = (at + PART).min(size);
            let read = match self
                .sending(end - at, self.s3.get_range(from, at..end))
                .await
            {
                Ok(bytes) => bytes,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            if let Err(e) = writer.wait_for_capacity(1).await {
                return Err(self.error(e));
            }
            writer.put(read);
            at = end;
        }
        writer.finish().await.map(drop).map_err(|e| self.error(e))
    }

    /// Starts a multipart upload into object `key`; its id lets any instance continue it.
    pub async fn start_parts(&self, key: &str) -> Result<String, StorageError> {
        self.bounded(self.s3.create_multipart(&self.key(key))).await
    }

    /// Uploads part `index` (from 0) of the multipart upload `id` into `key`; returns the
    /// part's tag, which [`Bucket::finish_parts`] needs. Sending the same part again
    /// replaces it.
    pub async fn put_part(
        &self,
        key: &str,
        id: &str,
        index: usize,
        bytes: Vec<Bytes>,
    ) -> Result<String, StorageError> {
        let payload: PutPayload = bytes.into_iter().collect();
        let len = payload.content_length() as u64;
        let id = id.to_owned();
        let part = self
            .sending(len, self.s3.put_part(&self.key(key), &id, index, payload))
            .await?;
        Ok(part.content_id)
    }

    /// Joins the parts (their tags in order) into object `key`.
    pub async fn finish_parts(
        &self,
        key: &str,
        id: &str,
        tags: Vec<String>,
    ) -> Result<(), StorageError> {
        let parts = tags
            .into_iter()
            .map(|content_id| PartId { content_id })
            .collect();
        let id = id.to_owned();
        self.bounded_by(
            JOIN_TIMEOUT,
            self.s3.complete_multipart(&self.key(key), &id, parts),
        )
        .await
        .map(drop)
    }

    /// Abandons the multipart upload `id` into `key`: the store drops its parts.
    pub async fn abort_parts(&self, key: &str, id: &str) -> Result<(), StorageError> {
        let id = id.to_owned();
        match self
            .bounded(self.s3.abort_multipart(&self.key(key), &id))
            .await
        {
            Err(StorageError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// A URL that reads object `key` without the keys for `valid` (ffmpeg and ffprobe read
    /// bucket files through it, with ranges, as they read local files).
    pub async fn presigned_read(&self, key: &str, valid: Duration) -> Result<String, StorageError> {
        let url = self
            .bounded(self.s3.signed_url(http::Method::GET, &self.key(key), valid))
            .await?;
        Ok(url.to_string())
    }

    /// Deletes every object under `dir/` (a path inside the library).
    pub async fn remove_folder(&self, dir: &str) -> Result<(), StorageError> {
        let prefix = self.key(dir);
        let keys = self
            .s3
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        self.s3
            .delete_stream(keys)
            .try_collect::<Vec<_>>()
            .await
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Deletes object `key` (one already gone is deleted).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.bounded(self.s3.delete(&self.key(key))).await {
            Err(StorageError::NotFound) => Ok(()),
            other => other,
        }
    }
}

/// Where unfinished uploads keep their objects inside a bucket library (`uploads::in_bucket`).
pub const UPLOADS_FOLDER: &str = ".ott-uploads";

/// An object as the store lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    /// Inside the library, `/`-separated.
    pub key: String,
    pub size: u64,
    /// The store's tag (for S3, the MD5 of an object written whole, or of its parts' MD5s).
    pub etag: String,
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
                let options = GetOptions {
                    range: Some(GetRange::Bounded(start..start + len)),
                    ..GetOptions::default()
                };
                let answer = bucket
                    .bounded(bucket.s3.get_opts(&bucket.key(&key), options))
                    .await?;
                Ok(answer.into_stream().map_err(io::Error::other).boxed())
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
        Store::Bucket(bucket) => bucket.open(relative).await,
    }
}

/// Where a player fetches the file at `relative` itself: a signed link when the library is in a
/// bucket whose store serves players (`redirect_streams`); `None` when the bytes go through
/// this server. The object carries its content type; a download (which needs a
/// `Content-Disposition` the object does not have) goes through this server.
pub async fn stream_link(
    state: &AppState,
    library: &library::Model,
    relative: &str,
    download: bool,
) -> Result<Option<String>, StorageError> {
    match of(state, library)? {
        Store::Bucket(bucket) if bucket.redirect_streams && !download => Ok(Some(
            bucket.presigned_read(relative, STREAM_LINK_VALID).await?,
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

/// The file at `relative` in `library` on this machine's disk, for the code that serves small
/// files from disk (covers, trailers): in a folder library the file itself; for a bucket, a
/// copy in [`copies_of`] made on first use, and again when it is older than `since` (when the
/// metadata job last wrote the movie's pictures). Every instance makes its own copy.
pub async fn local_copy(
    state: &AppState,
    library: &library::Model,
    relative: &str,
    since: Option<SystemTime>,
) -> Result<PathBuf, StorageError> {
    // Paths come from the database and the store's listings: never one that climbs out.
    if relative
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err(StorageError::NotFound);
    }
    let bucket = match of(state, library)? {
        Store::Folder(root) => {
            let path = root.join(relative);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(StorageError::NotFound)
            };
        }
        Store::Bucket(bucket) => bucket,
    };
    let copy = copies_of(state, library.id).join(relative);
    let made = std::fs::metadata(&copy).and_then(|m| m.modified()).ok();
    if made.is_some_and(|made| since.is_none_or(|since| made >= since)) {
        return Ok(copy);
    }
    let opened = bucket.open(relative).await?;
    let dir = copy.parent().unwrap_or(&copy).to_path_buf();
    tokio::fs::create_dir_all(&dir).await?;
    // A name of its own: two requests may copy the same file at once.
    let tmp = dir.join(format!(".{}.partial", rand::random::<u64>()));
    let written = async {
        let mut out = tokio::fs::File::create(&tmp).await?;
        let size = opened.size;
        let mut bytes = opened.bytes(0, size).await?;
        while let Some(piece) = bytes.next().await {
            tokio::io::AsyncWriteExt::write_all(&mut out, &piece?).await?;
        }
        tokio::io::AsyncWriteExt::flush(&mut out).await?;
        tokio::fs::rename(&tmp, &copy).await?;
        Ok::<_, StorageError>(())
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    Ok(copy)
}

/// Where this instance keeps its copies of a bucket library's small files ([`local_copy`]).
pub fn copies_of(state: &AppState, library_id: i32) -> PathBuf {
    state
        .config
        .cache_dir()
        .join("bucket-files")
        .join(library_id.to_string())
}

fn missing(e: io::Error) -> StorageError {
    match e.kind() {
        io::ErrorKind::NotFound => StorageError::NotFound,
        _ => StorageError::Io(e),
    }
}
