//! Server-wide settings for the administrator.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerSettings {
    pub open_registration: bool,
}

#[server(prefix = "/api/fn", endpoint = "server_settings", output = crate::api::codec::Json)]
pub async fn get_server_settings() -> Result<ServerSettings, AppError> {
    use super::server::*;
    require_admin()?;
    let state = state()?;
    Ok(ServerSettings {
        open_registration: backend::instance::open_registration(&state.db).await?,
    })
}

/// Saves the settings form. A checkbox sends its value only when ticked, hence `Option`.
#[server(prefix = "/api/fn", endpoint = "save_server_settings", output = crate::api::codec::Json)]
pub async fn save_server_settings(open_registration: Option<String>) -> Result<(), AppError> {
    use super::server::*;
    let admin = require_admin()?;
    let state = state()?;
    let open = open_registration.is_some();
    backend::instance::set_open_registration(&state.db, open).await?;
    tracing::info!(admin = %admin.username, open, "registration setting changed");
    Ok(())
}
