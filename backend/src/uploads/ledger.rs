//! What unfinished uploads have been promised, so that `init` does not promise the same free
//! space twice: two uploads that each fit must not fill the disk together (SQLite's writes
//! would be next to fail). Nothing is kept apart from the staging folder: the promises are
//! read from the manifests (and what this process acknowledged beyond them) whenever a new
//! upload asks, so a finished, cancelled or swept upload releases its promise by being gone.
//!
//! Also the per-user limits that `init` applies: how many uploads a user may have receiving
//! bytes at once, and an optional quota of bytes.

use super::{UploadError, UploadService};
use crate::AppState;
use crate::entities::{library, uploaded_file};
use crate::media::disk as space;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::io;
use std::path::Path;

/// An unfinished upload, as the ledger sees it.
pub(super) struct Open {
    pub user_id: i32,
    pub library_id: i32,
    pub size: u64,
    /// Bytes received (acknowledged).
    pub offset: u64,
    /// Staged on this instance's disk; an upload into a bucket (`in_bucket`) is not.
    pub staged: bool,
}

impl Open {
    fn remaining(&self) -> u64 {
        self.size.saturating_sub(self.offset)
    }
}

impl UploadService {
    /// Every unfinished upload but `except`. A folder without a readable manifest promises
    /// nothing (the sweep removes it).
    pub(super) fn open_uploads(&self, except: Option<&str>) -> io::Result<Vec<Open>> {
        Ok(self
            .staging
            .all()?
            .into_iter()
            .filter(|(id, _)| Some(id.as_str()) != except)
            .filter_map(|(id, manifest)| {
                let m = match self.live(&id) {
                    Some(live) => live.ahead(),
                    None => manifest?,
                };
                Some(Open {
                    user_id: m.user_id,
                    library_id: m.library_id,
                    size: m.size,
                    offset: m.offset,
                    staged: true,
                })
            })
            .collect())
    }
}

/// Every unfinished upload but `except`: staged here, and into buckets (from any instance).
pub(super) async fn open(state: &AppState, except: Option<&str>) -> Result<Vec<Open>, UploadError> {
    let mut all = state.uploads.open_uploads(except)?;
    all.extend(
        super::in_bucket::all(state)
            .await?
            .into_iter()
            .filter(|row| Some(row.id.as_str()) != except)
            .map(|row| Open {
                user_id: row.user_id,
                library_id: row.library_id,
                size: row.size as u64,
                offset: row.received as u64,
                staged: false,
            }),
    );
    Ok(all)
}

/// A filesystem an upload writes to.
pub(super) struct Disk {
    pub free: u64,
    /// Bytes other unfinished uploads will still write here.
    pub promised: u64,
    /// The staging disk, where the bytes arrive: an upload still needs its remaining bytes
    /// here. A library on another disk receives the whole file at `end`.
    pub staging: bool,
}

impl Disk {
    /// What must be free here for an upload of `size` bytes of which `offset` arrived: its
    /// bytes to come, the reserve, and what is promised to the others.
    pub fn needed(&self, size: u64, offset: u64, reserve: u64) -> u64 {
        let own = if self.staging {
            size.saturating_sub(offset)
        } else {
            size
        };
        own.saturating_add(reserve).saturating_add(self.promised)
    }
}

/// The disks an upload into the library folder `library_path` writes to (one when staging
/// and the library share a filesystem), with what `others` are promised on each. (Uploads
/// into buckets fill no disk of ours: their store keeps its own limits.)
pub(super) async fn disks(
    state: &AppState,
    library_path: &str,
    others: &[Open],
) -> Result<Vec<Disk>, UploadError> {
    let staging = state.uploads.staging.root();
    let staging_dev = space::device(staging)?;
    // Uploads into folders are staged first: what they have still to receive lands on the
    // staging disk.
    let others: Vec<&Open> = others.iter().filter(|o| o.staged).collect();
    let mut disks = vec![Disk {
        free: space::available(staging)?,
        promised: others.iter().map(|o| o.remaining()).sum(),
        staging: true,
    }];
    let library = Path::new(library_path);
    let library_dev = space::device(library)?;
    if library_dev != staging_dev {
        // Uploads into libraries on this other disk arrive there whole, at `end`.
        let ids: Vec<i32> = others.iter().map(|o| o.library_id).collect();
        let mut on_this_disk = HashMap::new();
        for lib in library::Entity::find()
            .filter(library::Column::Id.is_in(ids))
            .all(&state.db)
            .await?
        {
            let same = space::device(Path::new(&lib.path)).is_ok_and(|dev| dev == library_dev);
            on_this_disk.insert(lib.id, same);
        }
        disks.push(Disk {
            free: space::available(library)?,
            promised: others
                .iter()
                .filter(|o| on_this_disk.get(&o.library_id) == Some(&true))
                .map(|o| o.size)
                .sum(),
            staging: false,
        });
    }
    Ok(disks)
}

/// Refuses an upload of `size` bytes (of which `offset` arrived) that the disks cannot take
/// beside the reserve and the other uploads' promises.
pub(super) async fn check_room(
    state: &AppState,
    library_path: &str,
    size: u64,
    offset: u64,
    others: &[Open],
) -> Result<(), UploadError> {
    let reserve = state.config.storage_reserve;
    for disk in disks(state, library_path, others).await? {
        let needed = disk.needed(size, offset, reserve);
        if disk.free < needed {
            return Err(UploadError::InsufficientStorage {
                free: disk.free,
                needed,
                promised: disk.promised,
            });
        }
    }
    Ok(())
}

/// Refuses a new upload for a user who already has `uploads_open_per_user` uploads still
/// receiving bytes. Complete uploads waiting for `end` (the user's choice of replace or
/// version) do not count: they take no more space and are no longer being sent.
pub(super) fn check_open_count(
    state: &AppState,
    user_id: i32,
    others: &[Open],
) -> Result<(), UploadError> {
    let max = state.config.uploads_open_per_user;
    let receiving = others
        .iter()
        .filter(|o| o.user_id == user_id && o.offset < o.size)
        .count();
    if receiving >= max as usize {
        tracing::info!(
            user = user_id,
            receiving,
            "upload refused: too many unfinished uploads"
        );
        return Err(UploadError::TooManyOpenUploads { max });
    }
    Ok(())
}

/// Refuses a new upload of `size` bytes that would take the user past `upload_quota_bytes`:
/// the files they uploaded that the server still records, plus the declared size of their
/// unfinished uploads.
pub(super) async fn check_quota(
    state: &AppState,
    user_id: i32,
    size: u64,
    others: &[Open],
) -> Result<(), UploadError> {
    let Some(quota) = state.config.upload_quota_bytes else {
        return Ok(());
    };
    // PostgreSQL sums a BIGINT as NUMERIC: cast back so that both databases answer i64.
    let stored: Option<i64> = uploaded_file::Entity::find()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT)"),
            "bytes",
        )
        .filter(uploaded_file::Column::UserId.eq(user_id))
        .into_tuple()
        .one(&state.db)
        .await?;
    let unfinished: u64 = others
        .iter()
        .filter(|o| o.user_id == user_id)
        .map(|o| o.size)
        .sum();
    let used = (stored.unwrap_or(0).max(0) as u64).saturating_add(unfinished);
    if used.saturating_add(size) > quota {
        tracing::info!(
            user = user_id,
            used,
            size,
            quota,
            "upload refused: over quota"
        );
        return Err(UploadError::QuotaExceeded {
            quota,
            used,
            needed: size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staging_disk_needs_what_is_still_to_come_a_library_disk_the_whole_file() {
        let staging = Disk {
            free: 100,
            promised: 30,
            staging: true,
        };
        assert_eq!(staging.needed(50, 20, 5), 30 + 5 + 30);
        let library = Disk {
            staging: false,
            ..staging
        };
        assert_eq!(library.needed(50, 20, 5), 50 + 5 + 30);
        assert_eq!(library.needed(u64::MAX, 0, 5), u64::MAX, "no overflow");
    }
}
