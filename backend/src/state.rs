//! Application state, built once at start-up and shared by every request.

use crate::Config;
use crate::auth::password::Hashing;
use crate::auth::rate_limit::Limits;
use crate::uploads::UploadService;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// This process among the instances sharing the database (`write::peers`).
    pub instance_id: Arc<str>,
    /// Login and registration attempt quotas (counted in the database: `auth::rate_limit`).
    pub limits: Limits,
    /// The gate every argon2 hash and check passes through (at most one per core at once).
    pub hashing: Arc<Hashing>,
    pub uploads: Arc<UploadService>,
    /// The buckets of bucket libraries, opened once (`storage`).
    pub buckets: Arc<crate::storage::Buckets>,
    pub metadata: Arc<crate::metadata::Metadata>,
    /// Each library's movies in memory, for the home rows.
    pub catalogs: Arc<crate::catalog::Catalogs>,
    /// Bytes in and out, streams and uploads in progress (the server monitor).
    pub traffic: Arc<crate::monitor::Counters>,
    /// MKV → MP4 remux jobs of this process.
    pub remux: Arc<crate::remux::Jobs>,
    /// What ffprobe reads of every file: the background queue and the runs in progress.
    pub probes: Arc<crate::media::info::Probes>,
    /// Playback sessions (HLS made on the fly) of this process.
    pub hls: Arc<crate::hls::Sessions>,
    /// Sessions, libraries and preferences read recently (see `access`).
    pub access: Arc<crate::access::AccessCache>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> AppState {
        let limits = Limits::new(
            config.login_attempts_per_ip_per_minute,
            config.login_attempts_per_user,
            config.registrations_per_ip_per_hour,
        );
        let uploads = crate::uploads::service(&config);
        let metadata = Arc::new(crate::metadata::Metadata::new(
            std::time::Duration::from_secs(config.metadata_timeout_secs.max(1)),
        ));
        AppState {
            db,
            uploads,
            metadata,
            catalogs: Arc::default(),
            traffic: Arc::default(),
            remux: Arc::default(),
            probes: Arc::default(),
            hls: Arc::default(),
            access: Arc::default(),
            buckets: Arc::default(),
            config: Arc::new(config),
            instance_id: crate::write::peers::new_instance_id().into(),
            limits,
            hashing: Arc::new(Hashing::per_core()),
        }
    }
}
