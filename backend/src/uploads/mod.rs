//! The resumable upload service: `init`, `chunk` and `end` of the protocol described in
//! `docs/upload-protocol.md`, plus the batch check, listing, cancelling and the sweep of
//! abandoned uploads. The rules themselves are in `domain::upload`; this module applies them
//! to files and database rows. Uploads into a folder library are staged on this instance's
//! disk; uploads into a bucket library keep their state in the database and their bytes in
//! the bucket (`in_bucket`), so that any instance can continue them.

mod chunk;
pub mod durability;
mod error;
pub(crate) mod finish;
mod in_bucket;
mod ledger;
mod service;
pub mod staging;
mod start;
mod unfinished;

use crate::AppState;
use crate::access::{self, Need};
use crate::entities::library;

pub use chunk::{ChunkRequest, chunk};
pub use error::UploadError;
pub use finish::{EndRequest, end};
pub use service::{UploadLock, UploadService, service, size_modified_hash, upload_id};
pub use start::{check, init, space_for};
pub use unfinished::{cancel, discard_library, pending, sweep};

/// How many uploads into buckets are unfinished (whichever instance received them).
pub async fn in_buckets(state: &AppState) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    crate::entities::bucket_upload::Entity::find()
        .count(&state.db)
        .await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The library an upload goes to: the one named, or the user's active library. The user must
/// be allowed to upload there.
pub async fn upload_library(
    state: &AppState,
    user_id: i32,
    library_id: Option<i32>,
) -> Result<library::Model, UploadError> {
    let id = match library_id {
        Some(id) => id,
        None => access::of_user(state, user_id)
            .await?
            .active_library()
            .ok_or(UploadError::NoLibrary)?,
    };
    Ok(access::library(state, user_id, id, Need::Upload).await?.0)
}
