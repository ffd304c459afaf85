//! Writes whose results a cache keeps go through [`Write`]: a write transaction that
//! remembers which caches it touched and tells exactly those once it is committed.
//!
//! Bumping a cache beside the commit, by hand, was easy to forget (a forgotten bump meant stale
//! permissions for up to [`crate::access::MAX_AGE`]) and easy to do too early (before the
//! commit, a reader could cache what was about to change). Here the bump is part of the commit.
//! It is also the one place that tells other server instances what changed ([`peers`]).

pub mod peers;

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
    const ALL: [Cache; 3] = [Cache::Access, Cache::Catalog, Cache::Watched];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Every cache's bit: what may have changed when notices from other instances were missed.
const EVERY_CACHE: u8 = 0b111;

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
        if touched != 0 {
            // Inside the transaction: PostgreSQL sends it at the commit, and never on a rollback.
            peers::announce(&self.txn, &self.state.instance_id, touched).await?;
        }
        self.txn.commit().await?;
        tell_caches(self.state, touched);
        Ok(())
    }
}

/// Tells this process's caches that what `touched` names has changed: after a commit here, or
/// when another instance announces one of its own.
fn tell_caches(state: &AppState, touched: u8) {
    for cache in Cache::ALL {
        if touched & cache.bit() == 0 {
            continue;
        }
        match cache {
            Cache::Access => state.access.changed(),
            Cache::Catalog => state.catalogs.changed(),
            Cache::Watched => state.access.watched_changed(),
        }
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

    #[test]
    fn every_cache_names_them_all() {
        let all = Cache::ALL.iter().fold(0, |bits, cache| bits | cache.bit());
        assert_eq!(all, EVERY_CACHE);
    }
}
