//! Application state, built once at start-up and shared by every request.

use crate::Config;
use crate::auth::rate_limit::LoginLimiter;
use crate::uploads::UploadService;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub login_limiter: Arc<LoginLimiter>,
    pub uploads: Arc<UploadService>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> AppState {
        let login_limiter = Arc::new(LoginLimiter::new(
            config.login_attempts_per_ip_per_minute,
            config.login_attempts_per_user,
        ));
        let uploads = crate::uploads::service(&config);
        AppState {
            db,
            uploads,
            config: Arc::new(config),
            login_limiter,
        }
    }
}
