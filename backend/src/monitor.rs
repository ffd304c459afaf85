//! The server monitor: bytes received and sent (counted by the web layer as they flow, kept
//! per minute for 30 days), streams and uploads in progress, and the storage of each library
//! and filesystem, and the server instances on the database (each writes its heartbeat).
//! `report` is what `GET /api/monitor` answers.

use crate::access::Need;
use crate::entities::{instance, library, traffic_minute};
use crate::{ApiError, AppState};
use chrono::{DateTime, Utc};
use domain::monitor::{
    self as figures, Activity, BucketUsage, Filesystem, LibraryStorage, MonitorReport,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long per-minute traffic is kept.
pub const KEEP_DAYS: i64 = 30;

/// Counters the web layer feeds; one per server process.
#[derive(Debug)]
pub struct Counters {
    started: DateTime<Utc>,
    received: AtomicU64,
    sent: AtomicU64,
    /// Minutes not yet written to the database: start → (received, sent).
    pending: Mutex<BTreeMap<i64, (u64, u64)>>,
    pub streams: AtomicU64,
    pub uploads: AtomicU64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            started: Utc::now(),
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            pending: Mutex::default(),
            streams: AtomicU64::new(0),
            uploads: AtomicU64::new(0),
        }
    }
}

fn minute_of(at: DateTime<Utc>) -> i64 {
    let secs = at.timestamp();
    secs - secs.rem_euclid(60)
}

impl Counters {
    pub fn received(&self, bytes: u64) {
        self.add(bytes, 0);
    }

    pub fn sent(&self, bytes: u64) {
        self.add(0, bytes);
    }

    fn add(&self, received: u64, sent: u64) {
        self.add_at(Utc::now(), received, sent);
    }

    /// Counts bytes as moved at `at` (the web layer counts them now; tests go back in time).
    pub fn add_at(&self, at: DateTime<Utc>, received: u64, sent: u64) {
        if received == 0 && sent == 0 {
            return;
        }
        self.received.fetch_add(received, Ordering::Relaxed);
        self.sent.fetch_add(sent, Ordering::Relaxed);
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.entry(minute_of(at)).or_default();
        entry.0 += received;
        entry.1 += sent;
    }

    /// (received, sent) since this process started.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.received.load(Ordering::Relaxed),
            self.sent.load(Ordering::Relaxed),
        )
    }

    fn pending_rows(&self) -> Vec<(i64, u64, u64)> {
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.iter().map(|(m, (r, s))| (*m, *r, *s)).collect()
    }

    /// Takes the minutes before `now`'s (they will not grow any more).
    fn take_finished(&self, now: DateTime<Utc>) -> Vec<(i64, u64, u64)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let current = pending.split_off(&minute_of(now));
        let done = std::mem::replace(&mut *pending, current);
        done.into_iter().map(|(m, (r, s))| (m, r, s)).collect()
    }
}

/// Writes finished minutes to the database (adding to a row another process may have written)
/// and forgets those older than 30 days. Run every minute or so.
pub async fn flush(state: &AppState) -> Result<(), sea_orm::DbErr> {
    // Here only: its `max` and `add` would shadow the integer ones elsewhere in this file.
    use sea_orm::sea_query::ExprTrait;
    let rows = state.traffic.take_finished(Utc::now());
    for (minute, received, sent) in rows {
        traffic_minute::Entity::insert(traffic_minute::ActiveModel {
            minute: sea_orm::Set(minute),
            received: sea_orm::Set(received as i64),
            sent: sea_orm::Set(sent as i64),
        })
        .on_conflict(
            OnConflict::column(traffic_minute::Column::Minute)
                .value(
                    traffic_minute::Column::Received,
                    Expr::col((traffic_minute::Entity, traffic_minute::Column::Received))
                        .add(received as i64),
                )
                .value(
                    traffic_minute::Column::Sent,
                    Expr::col((traffic_minute::Entity, traffic_minute::Column::Sent))
                        .add(sent as i64),
                )
                .to_owned(),
        )
        .exec_without_returning(&state.db)
        .await?;
    }
    let cutoff = minute_of(Utc::now()) - KEEP_DAYS * 86_400;
    traffic_minute::Entity::delete_many()
        .filter(traffic_minute::Column::Minute.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Who may see the monitor: the admin (everything), and owners and managers (their
/// libraries' storage, and the server's traffic and activity).
async fn visible_libraries(
    state: &AppState,
    user_id: i32,
    is_admin: bool,
) -> Result<Vec<library::Model>, ApiError> {
    let all = library::Entity::find().all(&state.db).await?;
    if is_admin {
        return Ok(all);
    }
    // One query for the caller's roles rather than one per library.
    let managed: Vec<i32> = crate::libraries::list_for_user(&state.db, user_id)
        .await?
        .into_iter()
        .filter(|l| Need::Manage.met_by(l.role))
        .map(|l| l.id)
        .collect();
    let mine: Vec<library::Model> = all
        .into_iter()
        .filter(|l| managed.contains(&l.id))
        .collect();
    if mine.is_empty() {
        return Err(ApiError::forbidden(
            "not_allowed",
            "The server monitor is for the administrator and for library owners and managers.",
        ));
    }
    Ok(mine)
}

pub async fn report(
    state: &AppState,
    user_id: i32,
    is_admin: bool,
    parts: Option<&str>,
) -> Result<MonitorReport, ApiError> {
    let parts =
        figures::parse_parts(parts).map_err(|m| ApiError::bad_request("invalid_parts", m))?;
    let libraries = visible_libraries(state, user_id, is_admin).await?;
    let mut out = MonitorReport::default();
    if parts.contains(&"storage") {
        out.storage = Some(storage(state, &libraries, is_admin).await?);
    }
    if parts.contains(&"traffic") {
        out.traffic = Some(traffic(state).await?);
    }
    if parts.contains(&"instances") && is_admin {
        out.instances = Some(instances(state).await?);
    }
    if parts.contains(&"activity") {
        out.activity = Some(Activity {
            streams: state.traffic.streams.load(Ordering::Relaxed),
            uploads: state.traffic.uploads.load(Ordering::Relaxed),
            // Staging folders (one per upload started here and not ended), and uploads
            // into buckets (any instance's).
            unfinished_uploads: std::fs::read_dir(state.uploads.staging.root())
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .filter(|e| e.path().is_dir())
                        .count() as u64
                })
                .unwrap_or(0)
                + crate::uploads::in_buckets(state).await.unwrap_or(0),
        });
    }
    Ok(out)
}

/// How often each instance refreshes its row in `instances`.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(10);
/// An instance whose row is older than this is gone (stopped without saying, or cut off).
const GONE_AFTER_SECS: i64 = 30;

/// Writes this instance's row (address, version, what it is doing now); `ott serve` calls it
/// every [`HEARTBEAT`]. Also forgets instances gone for a day.
pub async fn heartbeat(state: &AppState, address: &str) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    instance::Entity::insert(instance::ActiveModel {
        id: sea_orm::Set(state.instance_id.to_string()),
        address: sea_orm::Set(address.to_owned()),
        version: sea_orm::Set(env!("CARGO_PKG_VERSION").to_owned()),
        started_at: sea_orm::Set(state.traffic.started),
        seen_at: sea_orm::Set(now),
        streams: sea_orm::Set(state.traffic.streams.load(Ordering::Relaxed) as i64),
        uploads: sea_orm::Set(state.traffic.uploads.load(Ordering::Relaxed) as i64),
    })
    .on_conflict(
        OnConflict::column(instance::Column::Id)
            .update_columns([
                instance::Column::Address,
                instance::Column::SeenAt,
                instance::Column::Streams,
                instance::Column::Uploads,
            ])
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    instance::Entity::delete_many()
        .filter(instance::Column::SeenAt.lt(now - chrono::Duration::days(1)))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Removes this instance's row, when it stops.
pub async fn leave(state: &AppState) -> Result<(), sea_orm::DbErr> {
    instance::Entity::delete_by_id(state.instance_id.to_string())
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The instances seen lately, this one first.
async fn instances(state: &AppState) -> Result<Vec<domain::monitor::Instance>, ApiError> {
    let cutoff = Utc::now() - chrono::Duration::seconds(GONE_AFTER_SECS);
    let mut rows = instance::Entity::find()
        .filter(instance::Column::SeenAt.gte(cutoff))
        .all(&state.db)
        .await?;
    rows.sort_by_key(|r| (*r.id != *state.instance_id, r.started_at));
    Ok(rows
        .into_iter()
        .map(|r| domain::monitor::Instance {
            current: *r.id == *state.instance_id,
            id: r.id,
            address: r.address,
            version: r.version,
            started: r.started_at.to_rfc3339(),
            seen: r.seen_at.to_rfc3339(),
            streams: r.streams.max(0) as u64,
            uploads: r.uploads.max(0) as u64,
        })
        .collect())
}

async fn traffic(state: &AppState) -> Result<domain::monitor::Traffic, ApiError> {
    let now = Utc::now();
    let since = minute_of(now) - KEEP_DAYS * 86_400;
    let stored = traffic_minute::Entity::find()
        .filter(traffic_minute::Column::Minute.gte(since))
        .all(&state.db)
        .await?;
    let mut rows: Vec<(i64, u64, u64)> = stored
        .into_iter()
        .map(|r| (r.minute, r.received.max(0) as u64, r.sent.max(0) as u64))
        .collect();
    rows.extend(state.traffic.pending_rows());
    let (received, sent) = state.traffic.totals();
    let t = now.timestamp();
    Ok(domain::monitor::Traffic {
        since: state.traffic.started.to_rfc3339(),
        received_since_start: received,
        sent_since_start: sent,
        last_hour: figures::series(&rows, t, 60, 60),
        last_day: figures::series(&rows, t, 3600, 24),
        last_30_days: figures::series(&rows, t, 86_400, 30),
    })
}

/// Total, used and what the server may still write, of the filesystem holding `path`.
fn filesystem_of(path: &Path) -> std::io::Result<(u64, u64, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let stat = rustix::fs::statvfs(path)?;
    let total = stat.f_blocks.saturating_mul(stat.f_frsize);
    let free_all = stat.f_bfree.saturating_mul(stat.f_frsize);
    let available = stat.f_bavail.saturating_mul(stat.f_frsize);
    let device = std::fs::metadata(path)?.dev();
    Ok((device, total, total.saturating_sub(free_all), available))
}

async fn storage(
    state: &AppState,
    libraries: &[library::Model],
    is_admin: bool,
) -> Result<domain::monitor::Storage, ApiError> {
    let ids: Vec<i32> = libraries.iter().map(|l| l.id).collect();
    let sums = crate::libraries::sizes(&state.db, &ids).await?;

    let config = &state.config;
    let mut filesystems: Vec<(u64, Filesystem)> = Vec::new();
    let mut place = |path: &Path, library: Option<i32>| -> std::io::Result<()> {
        let (device, total, used, free) = filesystem_of(path)?;
        let entry = match filesystems.iter_mut().find(|(d, _)| *d == device) {
            Some((_, fs)) => fs,
            None => {
                let warn = figures::warn_below(
                    total,
                    config.storage_warning_percent,
                    config.storage_reserve,
                );
                filesystems.push((
                    device,
                    Filesystem {
                        path: path.display().to_string(),
                        total,
                        used,
                        free,
                        warn_below: warn,
                        low: free < warn,
                        libraries: Vec::new(),
                        data_dir: false,
                    },
                ));
                &mut filesystems.last_mut().expect("just pushed").1
            }
        };
        match library {
            Some(id) => entry.libraries.push(id),
            None => entry.data_dir = true,
        }
        Ok(())
    };
    let mut out_libraries = Vec::new();
    for lib in libraries {
        let path = Path::new(&lib.path);
        // A bucket is on no filesystem of this machine.
        if !domain::storage::is_bucket(&lib.path)
            && let Err(e) = place(path, Some(lib.id))
        {
            tracing::warn!(library = %lib.name, path = %lib.path, "cannot read the library's filesystem: {e}");
        }
        let size = sums.get(&lib.id).copied().unwrap_or_default();
        out_libraries.push(LibraryStorage {
            id: lib.id,
            name: lib.name.clone(),
            path: lib.path.clone(),
            movies: size.movies,
            files: size.files,
            bytes: size.bytes,
            bucket: bucket_usage(state, lib).await,
        });
    }
    if is_admin {
        place(&config.data_dir, None).map_err(ApiError::internal)?;
    }
    let filesystems: Vec<Filesystem> = filesystems.into_iter().map(|(_, fs)| fs).collect();
    let warning = filesystems
        .iter()
        .find(|fs| fs.low)
        .map(|fs| figures::low_space_message(&fs.path, fs.free, fs.total, config.storage_reserve));
    Ok(domain::monitor::Storage {
        filesystems,
        libraries: out_libraries,
        warning,
    })
}

/// What a bucket library's store holds; `None` for a library in a folder.
async fn bucket_usage(state: &AppState, lib: &library::Model) -> Option<BucketUsage> {
    let Ok(crate::storage::Store::Bucket(bucket)) = crate::storage::of(state, lib) else {
        return None;
    };
    Some(match bucket.usage().await {
        Ok((objects, bytes)) => BucketUsage {
            reachable: true,
            objects,
            bytes,
        },
        Err(e) => {
            tracing::warn!(library = %lib.name, "could not list the library's bucket: {e}");
            BucketUsage::default()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn finished_minutes_are_taken_and_the_current_one_stays() {
        let c = Counters::default();
        c.received(100);
        c.sent(40);
        assert_eq!(c.totals(), (100, 40));
        let rows = c.pending_rows();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].1, rows[0].2), (100, 40));
        // Within the same minute nothing is finished yet.
        let now = Utc.timestamp_opt(rows[0].0 + 59, 0).unwrap();
        assert!(c.take_finished(now).is_empty());
        let later = Utc.timestamp_opt(rows[0].0 + 60, 0).unwrap();
        assert_eq!(c.take_finished(later), rows);
        assert!(c.pending_rows().is_empty());
        // Totals since start are not reset by a flush.
        assert_eq!(c.totals(), (100, 40));
    }
}
