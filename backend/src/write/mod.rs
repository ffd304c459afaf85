//! Writes whose results a cache keeps go through [`Write`]: a write transaction that
//! remembers which caches it touched and tells exactly those once it is committed.
//!
//! Bumping a cache beside the commit, by hand, was easy to forget (a forgotten bump meant stale
//! permissions for up to [`crate::access::MAX_AGE`]) and easy to do too early (before the
//! commit, a reader could cache what was about to change). Here the bump is part of the commit.
//! It is also the one place that will tell other server instances what changed.

use crate::AppState;
use sea_orm::{DatabaseTransaction, DbErr};
use std::sync::atomic::{AtomicU8, Ordering};

/// A cache a write can make stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// Sessions, users, user settings, libraries and memberships ([`crate::access`]).
    Access,
    /// What the libraries show: movies, files, metadata, categories ([`crate::catalog`]).
    Catalog,
    /// Saved watch positions ([`crate::access::AccessCache::watched`]).
    Watched,
}

impl Cache {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A write transaction that bumps the caches it touched when it commits; dropped without a
/// commit, it rolls back and bumps nothing.
pub struct Write<'s> {
    txn: DatabaseTransaction,
    state: &'s AppState,
    /// One bit per [`Cache`]. Atomic so that a `&Write` held across an await stays `Send`.
    touched: AtomicU8,
}

impl<'s> Write<'s> {
    /// Starts a write (on SQLite it takes the write lock at once: [`crate::db::begin_write`]).
    pub async fn begin(state: &'s AppState) -> Result<Write<'s>, DbErr> {
        Ok(Write {
            txn: crate::db::begin_write(&state.db).await?,
            state,
            touched: AtomicU8::new(0),
        })
    }

    /// The transaction, for the queries of the write.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Notes that this write changes what `cache` keeps.
    pub fn touch(&self, cache: Cache) {
        self.touched.fetch_or(cache.bit(), Ordering::Relaxed);
    }

    /// Commits, then tells the caches it touched: a reader that starts after this sees the
    /// write, and one that read during it does not keep what it read.
    pub async fn commit(self) -> Result<(), DbErr> {
        let touched = self.touched.load(Ordering::Relaxed);
        self.txn.commit().await?;
        let has = |cache: Cache| touched & cache.bit() != 0;
        if has(Cache::Access) {
            self.state.access.changed();
        }
        if has(Cache::Catalog) {
            self.state.catalogs.changed();
        }
        if has(Cache::Watched) {
            self.state.access.watched_changed();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::cache::test_session;

    #[tokio::test]
    async fn a_commit_tells_exactly_the_caches_it_touched() {
        let dir = tempfile::TempDir::new().unwrap();
        let config = crate::Config::new(dir.path().to_path_buf());
        let db = crate::db::open(&crate::config::default_database_url(dir.path()))
            .await
            .unwrap();
        let state = AppState::new(db, config);
        let cached = |state: &AppState| state.access.session("s").is_some();
        state
            .access
            .put_session(state.access.generation(), "s".into(), test_session());
        assert!(cached(&state));

        let write = Write::begin(&state).await.unwrap();
        write.touch(Cache::Catalog);
        write.commit().await.unwrap();
        assert!(
            cached(&state),
            "a catalogue write left the access cache alone"
        );

        let write = Write::begin(&state).await.unwrap();
        write.touch(Cache::Access);
        drop(write);
        assert!(cached(&state), "a write rolled back tells nobody");

        let write = Write::begin(&state).await.unwrap();
        write.touch(Cache::Access);
        assert!(cached(&state), "nothing is told before the commit");
        write.commit().await.unwrap();
        assert!(!cached(&state));
    }
}
