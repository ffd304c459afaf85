//! A full disk: on a small tmpfs, `init` refuses what cannot fit (507), also beside what other
//! unfinished uploads were promised, and a chunk that would eat into the reserve or runs into
//! ENOSPC is refused (507) without keeping any of it, and the upload resumes once space is
//! freed. Mounting needs root (as in CI); elsewhere the tests say loudly that they skipped.

use crate::support::TestServer;
use crate::uploads::{chunk, end, init, member, sha256};
use backend::testing::TestDatabase;
use http::Method;
use http::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const MIB: usize = 1024 * 1024;

/// A tmpfs mounted for the test's lifetime.
struct SmallDisk {
    dir: TempDir,
}

impl SmallDisk {
    fn mount(size_mib: usize) -> Result<SmallDisk, String> {
        let dir = TempDir::new().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size_mib}m"),
                "ott-test",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn fill(path: &Path, leave_free: u64) -> PathBuf {
    let free = backend::media::disk::available(path).unwrap();
    let filler = path.join("filler");
    std::fs::write(&filler, vec![7u8; (free - leave_free) as usize]).unwrap();
    filler
}

/// A small tmpfs, or `None` (said loudly) where mounting is not allowed; CI must mount it.
fn small_disk(size_mib: usize) -> Option<SmallDisk> {
    match SmallDisk::mount(size_mib) {
        Ok(disk) => Some(disk),
        Err(why) => {
            let message = format!("cannot mount a tmpfs ({why}); the disk-full tests need root");
            if std::env::var_os("CI").is_some() {
                panic!("{message}");
            }
            eprintln!("\n!!!!!!!! SKIPPED a disk-full test: {message} !!!!!!!!\n");
            None
        }
    }
}

/// A server whose data dir (uploads and libraries) is on `disk`, with a reserve of 1 MiB. The
/// database is elsewhere (kept in the returned folder), so that filling the disk tests the
/// upload path alone.
async fn server_on(disk: &SmallDisk) -> (TestServer, TempDir) {
    let elsewhere = TempDir::new().unwrap();
    let data = TempDir::new_in(disk.path()).unwrap();
    let database = TestDatabase {
        kind: "sqlite",
        url: backend::config::default_database_url(elsewhere.path()),
    };
    let srv = TestServer::start_with(&database, data, |c| c.storage_reserve = MIB as u64).await;
    (srv, elsewhere)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_refused_up_front_and_mid_upload_without_losing_anything() {
    let Some(disk) = small_disk(24) else {
        return;
    };
    let (srv, _database) = server_on(&disk).await;
    let anna = member(&srv, "anna").await;

    let too_big = init(&srv, &anna, "big.mkv", 40 * MIB, 1).await;
    too_big.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    let free = too_big.body["free"].as_u64().unwrap();
    assert!(free <= 24 * MIB as u64, "free space is the tmpfs's: {free}");
    assert_eq!(too_big.body["needed"].as_u64().unwrap(), (41 * MIB) as u64);

    let movie: Vec<u8> = (0..6 * MIB).map(|i| (i % 241) as u8).collect();
    let started = init(&srv, &anna, "movie.mkv", movie.len(), 1).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let id = started.body["uploadId"].as_str().unwrap().to_owned();
    let r = chunk(&srv, &anna, &id, 1, 0, &movie[..2 * MIB]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Something else fills the disk: the next chunk cannot be written.
    let filler = fill(disk.path(), (MIB / 2) as u64);
    let r = chunk(
        &srv,
        &anna,
        &id,
        2,
        (2 * MIB) as u64,
        &movie[2 * MIB..4 * MIB],
    )
    .await;
    r.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    let data_file = srv.dir.path().join("uploads").join(&id).join("data");
    assert_eq!(
        std::fs::metadata(&data_file).unwrap().len(),
        (2 * MIB) as u64,
        "nothing of the refused chunk was kept"
    );

    // Space is freed: the same chunk goes through and the upload finishes intact.
    std::fs::remove_file(filler).unwrap();
    let again = init(&srv, &anna, "movie.mkv", movie.len(), 1).await;
    assert_eq!(
        again.body["offset"].as_u64(),
        Some((2 * MIB) as u64),
        "{}",
        again.text
    );
    let r = chunk(
        &srv,
        &anna,
        &id,
        2,
        (2 * MIB) as u64,
        &movie[2 * MIB..4 * MIB],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = chunk(&srv, &anna, &id, 3, (4 * MIB) as u64, &movie[4 * MIB..]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = end(&srv, &anna, &id, "tt0113277", "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let stored = std::fs::read(anna.path.join(done.body["path"].as_str().unwrap())).unwrap();
    assert_eq!(sha256(&stored), sha256(&movie));
}

fn staged(srv: &TestServer) -> usize {
    std::fs::read_dir(srv.dir.path().join("uploads")).map_or(0, |d| d.count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_space_promised_to_one_upload_is_not_promised_to_another() {
    let Some(disk) = small_disk(24) else {
        return;
    };
    let (srv, _database) = server_on(&disk).await;
    let anna = member(&srv, "anna").await;
    let bob = member(&srv, "bob").await;
    let mib = |n: usize| (n * MIB) as u64;

    // 12 MiB and the 1 MiB reserve fit on the 24 MiB disk once, not twice.
    let a = init(&srv, &anna, "a.mkv", 12 * MIB, 1).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = a.body["uploadId"].as_str().unwrap().to_owned();
    let b = init(&srv, &bob, "b.mkv", 12 * MIB, 1).await;
    b.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    assert_eq!(b.body["promised"].as_u64(), Some(mib(12)), "{}", b.text);
    assert_eq!(b.body["needed"].as_u64(), Some(mib(25)));
    assert_eq!(staged(&srv), 1, "b was not created");

    // Cancelled, a gives its promise back (no byte of it was on the disk).
    let cancelled = srv
        .call(
            Method::DELETE,
            &format!("/api/upload?uploadId={a}"),
            &anna.who,
            None,
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::NO_CONTENT,
        "{}",
        cancelled.text
    );
    let b = init(&srv, &bob, "b.mkv", 12 * MIB, 1).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    let b = b.body["uploadId"].as_str().unwrap().to_owned();

    // What arrived is on the disk, no longer promised: 8 MiB sent, 4 MiB still promised.
    let movie: Vec<u8> = (0..12 * MIB).map(|i| (i % 251) as u8).collect();
    let r = chunk(&srv, &bob, &b, 1, 0, &movie[..8 * MIB]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = init(&srv, &anna, "c.mkv", 12 * MIB, 1).await;
    c.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    assert_eq!(c.body["promised"].as_u64(), Some(mib(4)), "{}", c.text);
    // Resuming b is not refused for its own promise.
    let again = init(&srv, &bob, "b.mkv", 12 * MIB, 1).await;
    assert_eq!(
        again.body["offset"].as_u64(),
        Some(mib(8)),
        "{}",
        again.text
    );

    // Finished, b promises nothing more.
    let r = chunk(&srv, &bob, &b, 2, mib(8), &movie[8 * MIB..]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = end(&srv, &bob, &b, "tt0113277", "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let c = init(&srv, &anna, "c.mkv", 12 * MIB, 1).await;
    c.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    assert_eq!(c.body["promised"].as_u64(), Some(0), "{}", c.text);

    // A chunk that would eat into the reserve is refused before it is read, even though
    // the disk could still hold it; it goes through once there is room.
    let c = init(&srv, &anna, "c.mkv", 8 * MIB, 1).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let c = c.body["uploadId"].as_str().unwrap().to_owned();
    let filler = fill(disk.path(), mib(2) + (MIB / 2) as u64);
    let r = chunk(&srv, &anna, &c, 1, 0, &movie[..2 * MIB]).await;
    r.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
    assert_eq!(r.body["needed"].as_u64(), Some(mib(3)));
    let data_file = srv.dir.path().join("uploads").join(&c).join("data");
    assert_eq!(std::fs::metadata(&data_file).unwrap().len(), 0);
    std::fs::remove_file(filler).unwrap();
    let r = chunk(&srv, &anna, &c, 1, 0, &movie[..2 * MIB]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
