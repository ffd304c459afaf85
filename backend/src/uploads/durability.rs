//! Acknowledged now, durable a moment later.
//!
//! A chunk is acknowledged as soon as its bytes are written to the data file. Making them
//! durable (an fdatasync, then an atomic manifest rewrite) waits for the disk, and doing that
//! inside every chunk's round trip cost a third of the throughput. So durability runs behind:
//! after a chunk, a background flush per upload (at most one per [`FLUSH_INTERVAL`]) flushes
//! the data file and then records in the manifest the state that was acknowledged *before*
//! the flush began.
//!
//! The manifest therefore never claims a byte that is not on disk, whatever happens. What the
//! process acknowledged beyond it lives only in memory here: after a crash it is forgotten,
//! the client's next request learns the manifest's offset (from init, or from an
//! `out_of_order` answer) and resends from there: at most about a second of upload is sent
//! twice, and nothing is lost or corrupted. The bytes past the manifest's offset are cut off
//! before the next write, as after a cut connection.
//!
//! If a flush fails, the in-memory state is dropped the same way: the manifest stays the truth.

use super::UploadService;
use super::staging::Staging;
use domain::upload::Manifest;
use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long acknowledged bytes may wait before they are flushed: also the most a client
/// resends after a crash (at the speed it was sending).
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// The uploads this process has acknowledged chunks of.
#[derive(Default)]
pub struct Acknowledged {
    uploads: Mutex<HashMap<String, Arc<Live>>>,
}

/// One upload's acknowledged state and how far of it is durable.
pub struct Live {
    /// What the client was told: bytes up to `offset` are in the data file.
    ahead: Mutex<Manifest>,
    /// Held while the upload's folder is flushed, finished, cancelled or swept.
    disk: Mutex<Disk>,
    /// A flush failed: the manifest on disk is the truth again.
    failed: AtomicBool,
    /// A background flush is scheduled or running.
    flushing: AtomicBool,
}

struct Disk {
    /// The (offset, chunk number) the manifest on disk records.
    durable: (u64, u64),
    /// The folder is gone (finished, cancelled, swept): nothing more to flush.
    gone: bool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn position(m: &Manifest) -> (u64, u64) {
    (m.offset, m.chunk_nr)
}

impl Live {
    pub(super) fn ahead(&self) -> Manifest {
        locked(&self.ahead).clone()
    }

    fn has_unflushed(&self) -> bool {
        // One lock at a time: `flush` takes `disk`, then `ahead`.
        let acknowledged = position(&locked(&self.ahead));
        acknowledged != locked(&self.disk).durable
    }
}

impl UploadService {
    /// The upload's state in this process, if a chunk of it was acknowledged and nothing
    /// failed since.
    pub(super) fn live(&self, id: &str) -> Option<Arc<Live>> {
        let mut uploads = locked(&self.acknowledged.uploads);
        match uploads.get(id) {
            Some(live) if live.failed.load(Ordering::Acquire) => {
                uploads.remove(id);
                None
            }
            found => found.cloned(),
        }
    }

    /// The upload's current state: what was acknowledged, else what the manifest records.
    pub fn current(&self, id: &str) -> io::Result<Option<Manifest>> {
        match self.live(id) {
            Some(live) => Ok(Some(live.ahead())),
            None => self.staging.load(id),
        }
    }

    /// Records an appended chunk (the caller holds the upload's lock, and `base` is the live
    /// state it started from, if any) and makes sure a flush will follow.
    pub(super) fn acknowledge(&self, id: &str, base: Option<Arc<Live>>, manifest: &Manifest) {
        let live = match base {
            // A flush failed while this chunk was written: the manifest is the truth, and
            // the client will learn its offset from the next answer.
            Some(live) if live.failed.load(Ordering::Acquire) => return,
            Some(live) => {
                *locked(&live.ahead) = manifest.clone();
                live
            }
            None => {
                let durable = (
                    manifest.offset - manifest.last_chunk_len,
                    manifest.chunk_nr - 1,
                );
                let live = Arc::new(Live {
                    ahead: Mutex::new(manifest.clone()),
                    disk: Mutex::new(Disk {
                        durable,
                        gone: false,
                    }),
                    failed: AtomicBool::new(false),
                    flushing: AtomicBool::new(false),
                });
                locked(&self.acknowledged.uploads).insert(id.to_owned(), live.clone());
                live
            }
        };
        if !live.flushing.swap(true, Ordering::AcqRel) {
            tokio::spawn(flush_in_background(
                self.staging.clone(),
                id.to_owned(),
                live,
            ));
        }
    }

    /// Flushes whatever was acknowledged, now, and returns the state the manifest records
    /// (durable). Blocking: `end` calls it before moving the file into the library.
    pub(super) fn settle(&self, id: &str) -> io::Result<Option<Manifest>> {
        if let Some(live) = self.live(id) {
            let mut disk = locked(&live.disk);
            flush(&self.staging, id, &live, &mut disk).inspect_err(|_| {
                live.failed.store(true, Ordering::Release);
            })?;
        }
        self.staging.load(id)
    }

    /// Removes an upload's folder (finished, cancelled or swept), after waiting for a flush in
    /// progress; none starts after. Blocking.
    pub(super) fn discard(&self, id: &str) -> io::Result<()> {
        let live = locked(&self.acknowledged.uploads).remove(id);
        if let Some(live) = live {
            locked(&live.disk).gone = true;
        }
        self.staging.remove(id)
    }

    /// Flushes every upload with acknowledged bytes (at shutdown). Blocking.
    pub fn flush_all(&self) {
        let all: Vec<(String, Arc<Live>)> = locked(&self.acknowledged.uploads)
            .iter()
            .map(|(id, live)| (id.clone(), live.clone()))
            .collect();
        for (id, live) in all {
            let mut disk = locked(&live.disk);
            if disk.gone || live.failed.load(Ordering::Acquire) {
                continue;
            }
            if let Err(e) = flush(&self.staging, &id, &live, &mut disk) {
                tracing::error!(upload = %id, error = %e, "could not flush an upload at shutdown; its client will resend the last second");
            }
        }
    }
}

/// Flushes the data file, then records the state acknowledged before the flush began.
fn flush(staging: &Staging, id: &str, live: &Live, disk: &mut Disk) -> io::Result<()> {
    if disk.gone {
        return Ok(());
    }
    let snapshot = live.ahead();
    if position(&snapshot) == disk.durable {
        return Ok(());
    }
    let file = std::fs::File::open(staging.data_path(id))?;
    file.sync_data()?;
    staging.save(id, &snapshot)?;
    disk.durable = position(&snapshot);
    // The flushed pages are clean now; nobody reads an upload back soon, so do not let it
    // crowd the page cache. Only a hint.
    if let Some(len) = std::num::NonZeroU64::new(snapshot.offset) {
        let _ = rustix::fs::fadvise(&file, 0, Some(len), rustix::fs::Advice::DontNeed);
    }
    Ok(())
}

/// Flushes an upload after [`FLUSH_INTERVAL`], and again as long as chunks keep arriving.
async fn flush_in_background(staging: Staging, id: String, live: Arc<Live>) {
    loop {
        tokio::time::sleep(FLUSH_INTERVAL).await;
        let (s, i, l) = (staging.clone(), id.clone(), live.clone());
        let result =
            tokio::task::spawn_blocking(move || flush(&s, &i, &l, &mut locked(&l.disk))).await;
        if let Err(e) = result.map_err(io::Error::other).and_then(|r| r) {
            tracing::error!(upload = %id, error = %e, "could not flush an upload; its client will resend from the last flushed offset");
            live.failed.store(true, Ordering::Release);
            return;
        }
        live.flushing.store(false, Ordering::Release);
        // A chunk acknowledged after the snapshot, whose acknowledge() saw this flush still
        // scheduled, needs one more round, unless a new flusher took it on already.
        let another_round = live.has_unflushed() && !live.flushing.swap(true, Ordering::AcqRel);
        if !another_round {
            return;
        }
    }
}
