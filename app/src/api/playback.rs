//! What the player page asks of the server: the file to play and where to resume.

use crate::error::AppError;
use domain::api::{RemuxStatus, WatchView};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "watch", output = crate::api::codec::Json)]
pub async fn get_watch(file_id: i32) -> Result<WatchView, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::playback::watch(&state()?, user.id, file_id).await?)
}

/// Saves the position; true once the movie counts as watched.
#[server(prefix = "/api/fn", endpoint = "save_position", output = crate::api::codec::Json)]
pub async fn save_position(
    file_id: i32,
    position: f64,
    duration: Option<f64>,
) -> Result<bool, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::playback::save_progress(&state()?, user.id, file_id, position, duration).await?)
}

/// Deletes one version of a movie (the library's owner and managers only).
#[server(prefix = "/api/fn", endpoint = "delete_file", output = crate::api::codec::Json)]
pub async fn delete_file(file_id: i32) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::playback::delete_file(&state()?, user.id, file_id).await?)
}

/// Starts converting an MKV/H.264 file into an MP4 version (owner and managers).
#[server(prefix = "/api/fn", endpoint = "start_remux", output = crate::api::codec::Json)]
pub async fn start_remux(file_id: i32) -> Result<RemuxStatus, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::remux::start(&state()?, user.id, file_id).await?)
}

#[server(prefix = "/api/fn", endpoint = "remux_status", output = crate::api::codec::Json)]
pub async fn get_remux_status(file_id: i32) -> Result<RemuxStatus, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::remux::job(&state()?, user.id, file_id).await?)
}
