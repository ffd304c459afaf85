//! The state every upload request shares: where uploads are staged, which one a request is
//! writing to, and the key upload ids are derived with.

use super::staging::Staging;
use super::{UploadError, durability};
use domain::api::FileDescription;
use domain::upload::{self as rules, Manifest};
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// State shared by all upload requests: where uploads are staged, which are being written to,
/// and the key that upload ids are derived with.
pub struct UploadService {
    pub staging: Staging,
    pub(super) busy: Mutex<HashSet<String>>,
    /// Held while a new upload is weighed and created, so that two at once cannot both be
    /// promised the same free space (see `ledger`).
    pub(super) admitting: tokio::sync::Mutex<()>,
    pub(super) acknowledged: durability::Acknowledged,
    secret: OnceCell<Vec<u8>>,
}

/// Holds an upload for one request; dropping it releases the upload.
pub struct UploadLock<'a> {
    service: &'a UploadService,
    id: String,
    /// The upload's acknowledged state when the lock was taken (see `durability`).
    pub(super) live: Option<Arc<durability::Live>>,
}

impl Drop for UploadLock<'_> {
    fn drop(&mut self) {
        self.service
            .busy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl UploadService {
    pub fn new(staging: Staging) -> UploadService {
        UploadService {
            staging,
            busy: Mutex::new(HashSet::new()),
            admitting: tokio::sync::Mutex::new(()),
            acknowledged: Default::default(),
            secret: OnceCell::new(),
        }
    }

    /// Takes the upload for this request, or answers `busy` when another request has it.
    pub fn lock(&self, id: &str) -> Result<UploadLock<'_>, UploadError> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if !busy.insert(id.to_owned()) {
            return Err(UploadError::Busy);
        }
        Ok(UploadLock {
            service: self,
            id: id.to_owned(),
            live: None,
        })
    }

    pub(super) async fn secret(&self, db: &impl ConnectionTrait) -> Result<&[u8], DbErr> {
        self.secret
            .get_or_try_init(|| crate::instance::upload_secret(db))
            .await
            .map(Vec::as_slice)
    }

    /// The upload's manifest, if it exists and belongs to `user_id` (another user's upload
    /// is answered exactly like a missing one).
    pub(super) fn owned_manifest(&self, user_id: i32, id: &str) -> Result<Manifest, UploadError> {
        rules::check_upload_id(id)?;
        match self.current(id)? {
            Some(m) if m.user_id == user_id => Ok(m),
            _ => Err(UploadError::UploadNotFound),
        }
    }

    /// Takes the user's upload for this request, with its manifest as it stands under the
    /// lock. Ownership is checked before locking too, so that another user's id is answered
    /// "not found", never "busy".
    pub(super) fn lock_owned(
        &self,
        user_id: i32,
        id: &str,
    ) -> Result<(UploadLock<'_>, Manifest), UploadError> {
        // Checked before locking, so that a stranger's request never makes the owner's busy.
        self.owned_manifest(user_id, id)?;
        let mut lock = self.lock(id)?;
        // Read again: the request that held the lock may have moved the upload on.
        lock.live = self.live(id);
        let manifest = match &lock.live {
            Some(live) => Some(live.ahead()),
            None => self.staging.load(id)?,
        };
        match manifest {
            Some(m) if m.user_id == user_id => Ok((lock, m)),
            _ => Err(UploadError::UploadNotFound),
        }
    }
}

/// The id of an upload: keyed with the server's secret so ids cannot be guessed, and with the
/// user and library so that the same file always maps to the same id for them (which is what
/// makes resuming work) and never collides with another user's.
pub fn upload_id(secret: &[u8], user_id: i32, library_id: i32, file: &FileDescription) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(
        format!(
            "v1\n{user_id}\n{library_id}\n{}\n{}\n{}",
            file.size, file.last_modified, file.filename
        )
        .as_bytes(),
    );
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The hash `uploaded_files` is looked up by.
pub fn size_modified_hash(size: u64, last_modified: u64) -> String {
    hex::encode(Sha256::digest(format!("{size}:{last_modified}").as_bytes()))
}

/// Builds the service for a data directory.
pub fn service(config: &crate::Config) -> Arc<UploadService> {
    Arc::new(UploadService::new(Staging::new(config.uploads_dir())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> FileDescription {
        FileDescription {
            filename: name.into(),
            size: 100,
            last_modified: 5,
        }
    }

    #[test]
    fn upload_ids_depend_on_every_input_and_the_key() {
        let a = upload_id(b"key", 1, 1, &file("a.mp4"));
        assert_eq!(a.len(), 32);
        assert!(rules::check_upload_id(&a).is_ok());
        assert_eq!(a, upload_id(b"key", 1, 1, &file("a.mp4")), "stable");
        assert_ne!(a, upload_id(b"other", 1, 1, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 2, 1, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 1, 2, &file("a.mp4")));
        assert_ne!(a, upload_id(b"key", 1, 1, &file("b.mp4")));
        let mut bigger = file("a.mp4");
        bigger.size += 1;
        assert_ne!(a, upload_id(b"key", 1, 1, &bigger));
    }
}
