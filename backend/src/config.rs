//! Settings the server runs with, after defaults, config file, environment and flags have been
//! merged (the merging itself happens in the `ott` binary).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Everything the server keeps: database (SQLite), default libraries, upload staging.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Mark cookies `Secure` even when a request arrives over plain HTTP (set this when an HTTPS
    /// proxy sits in front of the server and does not forward the scheme).
    pub secure_cookies: bool,
    /// Seconds a client may take to send a request's headers, counted from its first byte (or
    /// from the connection's start, TLS handshake included); then the connection is closed.
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without a byte arriving; then the request fails with 408
    /// and the connection is closed. An upload chunk cut this way is not kept and can be sent
    /// again.
    pub body_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    pub idle_timeout_secs: u64,
    /// Connections served at once; more wait until one closes. Each may also hold an open file,
    /// so the server raises or respects the process's open-file limit (see `serve`).
    pub max_connections: usize,
    /// How long an idle login stays valid.
    pub session_days: u32,
    /// Login attempts one address may make per minute.
    pub login_attempts_per_ip_per_minute: u32,
    /// Login attempts one username may take in a burst; afterwards one more every 30 seconds.
    pub login_attempts_per_user: u32,
    /// Registration attempts one address may make per hour (a burst, then one more every
    /// `60 / n` minutes).
    pub registrations_per_ip_per_hour: u32,
    /// Chunk size the server suggests to uploaders, in bytes.
    pub upload_chunk_size: u64,
    /// Largest chunk accepted, in bytes.
    pub upload_max_chunk_size: u64,
    /// Largest file accepted, in bytes.
    pub upload_max_size: u64,
    /// Space kept free on a library's filesystem: an upload that would eat into it is refused.
    pub storage_reserve: u64,
    /// Unfinished uploads untouched for this many days are removed.
    pub upload_max_age_days: u32,
    /// Largest subtitle file accepted by an upload, and converted for the player, in bytes.
    pub subtitle_max_size: u64,
    /// Bytes one user's uploads may hold: their files still recorded plus the declared size of
    /// their unfinished uploads. `None`: no quota.
    pub upload_quota_bytes: Option<u64>,
    /// Unfinished uploads one user may have still receiving bytes at once.
    pub uploads_open_per_user: u32,
    /// Base address of IMDb's suggestion API (tests point it at a local fixture server).
    pub imdb_suggest_url: String,
    /// How long a metadata provider may take to answer.
    pub metadata_timeout_secs: u64,
    /// Base address of IMDb's title pages (`/title/tt…/`).
    pub imdb_url: String,
    /// Base address of TMDB's API; asked only with an API key.
    pub tmdb_url: String,
    /// Where TMDB's images are (poster and backdrop paths are appended).
    pub tmdb_image_url: String,
    pub tmdb_api_key: Option<String>,
    /// Base address of OMDb's API; asked only with an API key.
    pub omdb_url: String,
    pub omdb_api_key: Option<String>,
    /// Which providers give a movie's details, in order: the first that knows a field wins.
    /// Any of `imdb`, `tmdb`, `omdb`; those without a key are skipped.
    pub metadata_providers: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// Admins are warned when a filesystem's free space falls below this share of its size
    /// (or below `storage_reserve`, if that is more).
    pub storage_warning_percent: u8,
    /// The ffmpeg program that remuxes MKV files into MP4 (`remux`); the ffprobe beside it
    /// analyses every file (`media::info`). Empty: neither.
    pub ffmpeg: String,
    /// Folders under which users other than the administrator may choose a library's folder
    /// (besides `libraries_dir()`, which is always allowed). Empty: only the administrator
    /// chooses folders.
    pub library_roots: Vec<PathBuf>,
    /// Playback sessions converting video at once (CPU-heavy); more get `503 transcode_busy`.
    pub transcode_limit: usize,
    /// Playback sessions copying video at once (remux, audio conversion: cheap).
    pub copy_session_limit: usize,
    /// A playback session without a request for this long ends (ffmpeg killed, files removed).
    pub playback_idle_secs: u64,
    /// Transcode sources larger than 1080p at 720p; default: a machine with fewer than 4 cores.
    pub slow_machine: Option<bool>,
    /// S3-compatible object stores libraries may live in, by name: a library at
    /// `s3://<name>/<bucket>/<prefix>` uses the store `<name>` (see `domain::storage`).
    pub object_stores: std::collections::BTreeMap<String, ObjectStore>,
}

/// Where an S3-compatible object store is and how to sign in to it. Kept in the config file or
/// the environment only: the database holds a library's `s3://` location, never these.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObjectStore {
    /// `http(s)://host:port` of its S3 API.
    pub endpoint: String,
    /// The region to sign requests for (most self-hosted stores accept any).
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Players get a `302` to a signed link to the object instead of the bytes through this
    /// server (the store must then be reachable from the players' network).
    #[serde(default)]
    pub redirect_streams: bool,
    /// Requests carry their body's SHA-256 in the signature, so that the store refuses bytes
    /// changed on the way; off, they say `UNSIGNED-PAYLOAD` and neither side hashes them.
    #[serde(default)]
    pub sign_payload: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// Never prints the secret (configs are logged at start-up and in errors).
impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"…")
            .field("redirect_streams", &self.redirect_streams)
            .field("sign_payload", &self.sign_payload)
            .finish()
    }
}

/// The details providers a server knows.
pub const METADATA_PROVIDERS: [&str; 3] = ["imdb", "tmdb", "omdb"];

pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;

impl Config {
    /// The defaults for a data directory: a SQLite database inside it.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            database_url: default_database_url(&data_dir),
            data_dir,
            secure_cookies: false,
            header_timeout_secs: 15,
            body_timeout_secs: 60,
            // Longer than nginx's 60 s for idle upstream connections, so that the proxy, not the
            // server, closes them: a request nginx sends on a connection the server is closing
            // would fail.
            idle_timeout_secs: 75,
            max_connections: 2048,
            session_days: 30,
            login_attempts_per_ip_per_minute: 30,
            login_attempts_per_user: 10,
            registrations_per_ip_per_hour: 10,
            upload_chunk_size: 8 * MIB,
            upload_max_chunk_size: 64 * MIB,
            upload_max_size: 1024 * GIB,
            storage_reserve: GIB,
            upload_max_age_days: 7,
            subtitle_max_size: 10 * MIB,
            upload_quota_bytes: None,
            uploads_open_per_user: 20,
            imdb_suggest_url: "https://v3.sg.media-imdb.com".into(),
            metadata_timeout_secs: 10,
            imdb_url: "https://www.imdb.com".into(),
            tmdb_url: "https://api.themoviedb.org".into(),
            tmdb_image_url: "https://image.tmdb.org/t/p/original".into(),
            tmdb_api_key: None,
            omdb_url: "https://www.omdbapi.com".into(),
            omdb_api_key: None,
            // TMDB first when it has a key: an API made for this, with collections; IMDb's
            // page for what TMDB lacks; OMDb for the Rotten Tomatoes and Metacritic scores.
            metadata_providers: vec!["tmdb".into(), "imdb".into(), "omdb".into()],
            trusted_proxies: Default::default(),
            storage_warning_percent: 10,
            ffmpeg: "ffmpeg".into(),
            library_roots: Vec::new(),
            // One x264 at 1080p keeps up with real time on two cores, not two of them.
            transcode_limit: (cores() / 2).max(1),
            copy_session_limit: 16,
            playback_idle_secs: 180,
            slow_machine: None,
            object_stores: Default::default(),
        }
    }

    /// Whether transcodes of large sources are made at 720p.
    pub fn slow_machine(&self) -> bool {
        self.slow_machine.unwrap_or(cores() < 4)
    }

    /// Where libraries go when the user does not pick a folder.
    pub fn libraries_dir(&self) -> PathBuf {
        self.data_dir.join("libraries")
    }

    /// Things the server can make again: resized posters.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }

    /// Where unfinished uploads are kept.
    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("ott.db").display())
}
