//! Unfinished uploads on disk: `uploads/<id>/manifest.json` and `uploads/<id>/data`.
//!
//! The manifest is the truth. It is replaced atomically (temp file, fsync, rename, fsync of
//! the folder) and only after the data it describes is flushed, so after a crash or a cut
//! connection the data file may hold extra bytes but never fewer; they are cut off before
//! the next write.

use crate::media::disk::sync_dir;
use domain::upload::Manifest;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const MANIFEST: &str = "manifest.json";
const DATA: &str = "data";

/// The staging folder of all uploads.
#[derive(Clone, Debug)]
pub struct Staging {
    root: PathBuf,
}

impl Staging {
    pub fn new(root: PathBuf) -> Staging {
        Staging { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Callers pass only ids checked by `domain::upload::check_upload_id`.
    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    pub fn data_path(&self, id: &str) -> PathBuf {
        self.dir(id).join(DATA)
    }

    /// The manifest of an upload, or `None` when there is no such upload.
    pub fn load(&self, id: &str) -> io::Result<Option<Manifest>> {
        match std::fs::read(self.dir(id).join(MANIFEST)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the folder, an empty data file and the first manifest.
    pub fn create(&self, id: &str, manifest: &Manifest) -> io::Result<()> {
        let dir = self.dir(id);
        std::fs::create_dir_all(&dir)?;
        std::fs::File::create(dir.join(DATA))?;
        self.save(id, manifest)?;
        sync_dir(&self.root)
    }

    /// Atomically replaces the manifest.
    pub fn save(&self, id: &str, manifest: &Manifest) -> io::Result<()> {
        let dir = self.dir(id);
        let tmp = dir.join("manifest.json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(manifest).map_err(io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(MANIFEST))?;
        sync_dir(&dir)
    }

    /// Removes an upload's folder (finished, cancelled or expired).
    pub fn remove(&self, id: &str) -> io::Result<()> {
        match std::fs::remove_dir_all(self.dir(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every upload folder with its manifest (`None` for a folder whose manifest is missing or
    /// unreadable, e.g. a crash between creating the folder and writing the manifest).
    pub fn all(&self) -> io::Result<Vec<(String, Option<Manifest>)>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry?;
            let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if domain::upload::check_upload_id(&id).is_err() {
                continue;
            }
            out.push((id.clone(), self.load(&id).ok().flatten()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            filename: "a.mp4".into(),
            size: 10,
            last_modified: 1,
            user_id: 1,
            library_id: 2,
            created: 3,
            updated: 3,
            offset: 0,
            chunk_nr: 0,
            last_chunk_len: 0,
        }
    }

    #[test]
    fn manifests_round_trip_and_folders_are_listed() {
        let dir = tempfile::TempDir::new().unwrap();
        let staging = Staging::new(dir.path().join("uploads"));
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(staging.load(id).unwrap(), None);
        assert!(staging.all().unwrap().is_empty());
        let mut m = manifest();
        staging.create(id, &m).unwrap();
        assert_eq!(staging.load(id).unwrap(), Some(m.clone()));
        m.accept(4, 9);
        staging.save(id, &m).unwrap();
        assert_eq!(staging.load(id).unwrap().unwrap().offset, 4);
        assert!(!staging.dir(id).join("manifest.json.tmp").exists());
        std::fs::create_dir(staging.root().join("not-an-upload")).unwrap();
        assert_eq!(staging.all().unwrap(), vec![(id.to_owned(), Some(m))]);
        staging.remove(id).unwrap();
        staging.remove(id).unwrap();
        assert!(!staging.dir(id).exists());
    }
}
