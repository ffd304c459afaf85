//! What a backup folder holds, written as `manifest.json` beside the copies, and the rules for
//! reusing the previous backup's copies of unchanged files.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: u32 = 1;
/// Backup folders are named `open-ott-YYYY-MM-DD_HHMMSS`, so that names sort by age.
pub const FOLDER_PREFIX: &str = "open-ott-";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// RFC 3339.
    pub created: String,
    pub ott_version: String,
    /// The data dir backed up: libraries inside it move with a restore into another one.
    pub data_dir: PathBuf,
    pub database: DatabaseDump,
    /// The config file given with --config, copied as this name.
    pub config: Option<String>,
    pub libraries: Vec<LibraryEntry>,
    pub files: Vec<FileEntry>,
    /// The objects of the libraries kept in buckets, as their stores listed them: not copied
    /// (keeping them is the store's job), recorded so that a restore can say whether the
    /// bucket still holds them unchanged.
    #[serde(default)]
    pub objects: Vec<ObjectEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub library_id: i32,
    /// Inside the library, `/`-separated.
    pub key: String,
    pub size: u64,
    /// The store's checksum of the object (its S3 ETag).
    pub etag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseDump {
    /// `sqlite` (a database file made with VACUUM INTO) or `postgres` (pg_dump's custom format).
    pub kind: String,
    pub file: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryEntry {
    pub id: i32,
    pub name: String,
    /// Where the library was.
    pub path: PathBuf,
    /// Its copy inside the backup folder.
    pub folder: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the backup folder, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Modification time, milliseconds since the epoch.
    pub modified: i64,
    pub sha256: String,
}

impl Manifest {
    pub fn files_by_path(&self) -> HashMap<&str, &FileEntry> {
        self.files.iter().map(|f| (f.path.as_str(), f)).collect()
    }
}

/// A file the previous backup already holds unchanged (same size and modification time, as
/// rsync decides), whose copy can be hard-linked instead of copied again.
pub fn unchanged<'a>(
    previous: &HashMap<&str, &'a FileEntry>,
    path: &str,
    size: u64,
    modified: i64,
) -> Option<&'a FileEntry> {
    previous
        .get(path)
        .copied()
        .filter(|f| f.size == size && f.modified == modified)
}

/// The name for a backup made at `now`, unique among `taken`.
pub fn folder_name(now: chrono::DateTime<chrono::Utc>, taken: impl Fn(&str) -> bool) -> String {
    let base = format!("{FOLDER_PREFIX}{}", now.format("%Y-%m-%d_%H%M%S"));
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(name))
        .expect("some suffix is free")
}

/// The finished backups in `dir` (those with a manifest), oldest first.
fn backups_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(FOLDER_PREFIX))
        .map(|e| e.path())
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    found.sort();
    Ok(found)
}

/// The newest backup folder in `dir` (by name), if any.
pub fn newest_backup(dir: &Path) -> Option<PathBuf> {
    backups_in(dir).ok()?.pop()
}

/// Deletes all but the newest `keep` backups in `dir`; returns what went. Files shared with a
/// kept backup (hard links) stay on disk through it.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let found = backups_in(dir)?;
    let old = found.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = found.into_iter().take(old).collect();
    for path in &removed {
        std::fs::remove_dir_all(path)?;
    }
    Ok(removed)
}

/// Where a library goes back to: a library that was inside the old data dir moves with it
/// into the new one; one elsewhere returns to its own place.
pub fn restored_path(library: &Path, old_data_dir: &Path, new_data_dir: &Path) -> PathBuf {
    match library.strip_prefix(old_data_dir) {
        Ok(rest) => new_data_dir.join(rest),
        Err(_) => library.to_path_buf(),
    }
}

/// A relative path from the manifest, refused if it could step outside the backup folder.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    let safe = !path.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    safe.then(|| relative.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(path: &str, size: u64, modified: i64) -> FileEntry {
        FileEntry {
            path: path.into(),
            size,
            modified,
            sha256: format!("sha-{path}"),
        }
    }

    #[test]
    fn only_files_with_the_same_size_and_time_are_reused() {
        let files = [entry("a", 10, 100), entry("b", 20, 200)];
        let previous: HashMap<&str, &FileEntry> =
            files.iter().map(|f| (f.path.as_str(), f)).collect();
        assert_eq!(unchanged(&previous, "a", 10, 100).unwrap().sha256, "sha-a");
        assert!(unchanged(&previous, "a", 11, 100).is_none());
        assert!(unchanged(&previous, "b", 20, 201).is_none());
        assert!(unchanged(&previous, "c", 10, 100).is_none());
    }

    #[test]
    fn folder_names_sort_by_time_and_never_collide() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 9, 5, 7).unwrap();
        assert_eq!(folder_name(now, |_| false), "open-ott-2026-11-26_090507");
        let taken = ["open-ott-2026-11-26_090507", "open-ott-2026-11-26_090507-2"];
        assert_eq!(
            folder_name(now, |n| taken.contains(&n)),
            "open-ott-2026-11-26_090507-3"
        );
    }

    #[test]
    fn the_newest_backup_with_a_manifest_is_found() {
        let dir = tempfile::TempDir::new().unwrap();
        assert_eq!(newest_backup(dir.path()), None);
        for name in [
            "open-ott-2026-01-01_000000",
            "open-ott-2026-02-01_000000",
            "open-ott-2026-03-01_000000",
            "unrelated",
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        for name in [
            "open-ott-2026-01-01_000000",
            "open-ott-2026-02-01_000000",
            "unrelated",
        ] {
            std::fs::write(dir.path().join(name).join(MANIFEST), "{}").unwrap();
        }
        // March has no manifest: an interrupted backup is not a backup.
        assert_eq!(
            newest_backup(dir.path()).unwrap(),
            dir.path().join("open-ott-2026-02-01_000000")
        );
    }

    #[test]
    fn libraries_inside_the_data_dir_move_with_it() {
        let old = Path::new("/srv/ott");
        let new = Path::new("/home/anna/ott");
        assert_eq!(
            restored_path(Path::new("/srv/ott/libraries/films"), old, new),
            Path::new("/home/anna/ott/libraries/films")
        );
        assert_eq!(
            restored_path(Path::new("/mnt/disk/films"), old, new),
            Path::new("/mnt/disk/films")
        );
    }

    #[test]
    fn manifest_paths_cannot_escape_the_backup() {
        assert!(safe_relative("libraries/1/tt1/1080p/movie.mp4").is_some());
        for bad in [
            "",
            "../etc/passwd",
            "/etc/passwd",
            "libraries/../../x",
            "./a",
        ] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }
}
