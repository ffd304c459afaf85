//! Uploads that have not ended: the user's list, cancelling one, and removing those of a
//! deleted library or untouched for too long (the sweep).

use super::{UploadError, in_bucket, now};
use crate::AppState;
use crate::entities::library;
use domain::api::PendingUpload;
use domain::upload::Manifest;

/// The user's unfinished uploads (staged here, and into buckets), most recently active first.
pub async fn pending(state: &AppState, user_id: i32) -> Result<Vec<PendingUpload>, UploadError> {
    let mut out: Vec<PendingUpload> = state
        .uploads
        .staging
        .all()?
        .into_iter()
        .filter_map(|(id, m)| Some((id, m?)))
        .filter(|(_, m)| m.user_id == user_id)
        // What this process acknowledged may be ahead of the manifest.
        .map(|(id, m)| match state.uploads.live(&id) {
            Some(live) => (id, live.ahead()),
            None => (id, m),
        })
        .map(|(upload_id, m)| pending_upload(upload_id, m))
        .collect();
    out.extend(in_bucket::pending(state, user_id).await?);
    out.sort_by_key(|u| std::cmp::Reverse(u.updated));
    Ok(out)
}

/// How the list of unfinished uploads shows one.
pub(super) fn pending_upload(upload_id: String, m: Manifest) -> PendingUpload {
    PendingUpload {
        upload_id,
        library_id: m.library_id,
        filename: m.filename,
        size: m.size,
        last_modified: m.last_modified,
        offset: m.offset,
        chunk_nr: m.chunk_nr,
        updated: m.updated,
    }
}

/// Cancels an unfinished upload of the user and deletes what arrived.
pub async fn cancel(state: &AppState, user_id: i32, id: &str) -> Result<(), UploadError> {
    let service = &state.uploads;
    let (_lock, _) = match service.lock_owned(user_id, id) {
        Err(UploadError::UploadNotFound) => {
            let row = in_bucket::owned(state, user_id, id).await?;
            return in_bucket::cancel(state, row).await;
        }
        other => other?,
    };
    service.discard(id)?;
    tracing::info!(upload = %id, user = user_id, "upload cancelled");
    Ok(())
}

/// Removes the unfinished uploads into a library that is being removed; one with a chunk in
/// flight is left to the sweep. Returns how many were removed.
pub async fn discard_library(
    state: &AppState,
    library: &library::Model,
) -> Result<usize, UploadError> {
    let service = &state.uploads;
    let mut removed = in_bucket::discard_library(state, library).await?;
    for (id, manifest) in service.staging.all()? {
        if manifest.is_some_and(|m| m.library_id == library.id)
            && let Ok(_lock) = service.lock(&id)
        {
            service.discard(&id)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes uploads untouched for longer than the configured age (staged here, and into
/// buckets, whichever instance received them); returns how many.
pub async fn sweep(state: &AppState) -> Result<usize, UploadError> {
    let max_age = i64::from(state.config.upload_max_age_days) * 86_400;
    let cutoff = now() - max_age;
    let staged = state.clone();
    let removed = tokio::task::spawn_blocking(move || sweep_staged(&staged, cutoff))
        .await
        .map_err(std::io::Error::other)??;
    Ok(removed + in_bucket::sweep(state, cutoff).await?)
}

/// Removes the staged uploads untouched since `cutoff`. Blocking.
fn sweep_staged(state: &AppState, cutoff: i64) -> Result<usize, UploadError> {
    let service = &state.uploads;
    let mut removed = 0;
    for (id, manifest) in service.staging.all()? {
        let stale = match &manifest {
            Some(m) => m.updated < cutoff,
            // A folder without a readable manifest: judge by the folder's own age.
            None => std::fs::metadata(service.staging.dir(&id))
                .and_then(|m| m.modified())
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).timestamp() < cutoff)
                .unwrap_or(false),
        };
        if stale && let Ok(_lock) = service.lock(&id) {
            service.discard(&id)?;
            removed += 1;
            tracing::info!(upload = %id, "removed an abandoned upload");
        }
    }
    Ok(removed)
}
