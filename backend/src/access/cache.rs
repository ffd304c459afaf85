//! Who is logged in, which libraries they may open, and what they watched, kept in memory
//! between requests (the reads that [`super::library`] and the pages make on every request).
//!
//! Every page and most API calls need the session's user, the user's libraries (with their
//! role) and their preferences. Read from the database each time, those are several queries
//! per request, which dominated the home page's cost under load. Here they are kept until
//! anything they are made of changes: every write to sessions, users, user settings,
//! libraries or memberships goes through [`crate::write::Write`], whose commit bumps this
//! cache's generation *after* the commit, and the next read starts afresh. A reader notes the generation *before* it reads the database, so a write
//! that lands during the read makes its result stale at once, never the other way round.
//!
//! Watch positions follow the same rule with their own counter, bumped by every saved position
//! ([`AccessCache::watched_changed`]): the player saves every few seconds, and that should not
//! empty everything else.
//!
//! Writes from another process (the `ott` CLI next to a running server) do not reach this
//! counter, so nothing is kept longer than [`MAX_AGE`].

use super::UserAccess;
use sea_orm::DbErr;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest anything is kept, for changes made by another process.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Entries kept at most; past that the cache starts over (a bound, not a policy).
const MAX_ENTRIES: usize = 10_000;

/// A live session as last read from the database.
#[derive(Clone, Debug)]
pub struct CachedSession {
    pub user_id: i32,
    pub username: String,
    pub is_admin: bool,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A user's watch positions, last watched first: (movie id, finished, seconds).
pub type WatchPositions = Arc<Vec<(i32, bool, f64)>>;

struct Entry<T> {
    value: T,
    stored: Instant,
}

struct Entries<K, V> {
    generation: u64,
    map: HashMap<K, Entry<V>>,
}

/// Values read from the database, kept while the generation they were read at is current,
/// for at most [`MAX_AGE`]; at most [`MAX_ENTRIES`] of them.
struct Kept<K, V>(Mutex<Entries<K, V>>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept(Mutex::new(Entries {
            generation: 0,
            map: HashMap::new(),
        }))
    }
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// The entries, emptied first when the generation moved on to `current`.
    fn at(&self, current: u64) -> MutexGuard<'_, Entries<K, V>> {
        let mut entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if entries.generation != current {
            entries.map.clear();
            entries.generation = current;
        }
        entries
    }

    fn get<Q: Eq + Hash + ?Sized>(&self, current: u64, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.at(current);
        let e = entries.map.get(key)?;
        (e.stored.elapsed() < MAX_AGE).then(|| e.value.clone())
    }

    /// Keeps what was read from the database at generation `read_at` (taken before the read),
    /// unless a write came in between.
    fn put(&self, read_at: u64, current: u64, key: K, value: V) {
        if read_at != current {
            return;
        }
        let mut entries = self.at(current);
        if entries.map.len() >= MAX_ENTRIES {
            entries.map.clear();
        }
        let stored = Instant::now();
        entries.map.insert(key, Entry { value, stored });
    }
}

#[derive(Default)]
pub struct AccessCache {
    /// Bumped by every committed write that can change a session, a user, their settings, a
    /// library or a membership.
    generation: AtomicU64,
    /// By SHA-256 of the session token (the session's id).
    sessions: Kept<String, CachedSession>,
    users: Kept<i32, Arc<UserAccess>>,
    /// Watch positions change far more often than the rest, so they have their own counter.
    watched: Kept<i32, WatchPositions>,
    watch_generation: AtomicU64,
}

impl AccessCache {
    /// Called by [`crate::write::Write::commit`] after a write to sessions, users, user
    /// settings, libraries or members.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current generation; read it before reading the database for [`Self::put_session`]
    /// or [`Self::put_user`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn session(&self, id: &str) -> Option<CachedSession> {
        self.sessions.get(self.generation(), id)
    }

    /// Keeps what was read from the database at `generation` (taken before the read).
    pub fn put_session(&self, read_at: u64, id: String, value: CachedSession) {
        self.sessions.put(read_at, self.generation(), id, value);
    }

    pub fn user(&self, user_id: i32) -> Option<Arc<UserAccess>> {
        self.users.get(self.generation(), &user_id)
    }

    /// Keeps what was read from the database at `generation` (taken before the read).
    pub fn put_user(&self, read_at: u64, user_id: i32, value: Arc<UserAccess>) {
        self.users.put(read_at, self.generation(), user_id, value);
    }

    /// Called by [`crate::write::Write::commit`] after a saved watch position.
    pub(crate) fn watched_changed(&self) {
        self.watch_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The user's watch positions: from memory, else from the database.
    pub async fn watched<F, Fut>(&self, user_id: i32, read: F) -> Result<WatchPositions, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(i32, bool, f64)>, DbErr>>,
    {
        let current = || self.watch_generation.load(Ordering::SeqCst);
        let read_at = current();
        if let Some(found) = self.watched.get(read_at, &user_id) {
            return Ok(found);
        }
        let found: WatchPositions = Arc::new(read().await?);
        self.watched.put(read_at, current(), user_id, found.clone());
        Ok(found)
    }
}

/// A session for the tests of this cache and of what fills it.
#[cfg(test)]
pub(crate) fn test_session() -> CachedSession {
    CachedSession {
        user_id: 1,
        username: "ann".into(),
        is_admin: false,
        last_seen_at: chrono::Utc::now(),
        expires_at: chrono::Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_empties_the_cache() {
        let cache = AccessCache::default();
        cache.put_session(cache.generation(), "a".into(), test_session());
        assert_eq!(cache.session("a").map(|s| s.user_id), Some(1));
        cache.changed();
        assert!(cache.session("a").is_none());
    }

    #[test]
    fn a_read_that_overlapped_a_write_is_not_kept() {
        let cache = AccessCache::default();
        let before = cache.generation();
        cache.changed(); // a write committed while the read was in flight
        cache.put_session(before, "a".into(), test_session());
        assert!(cache.session("a").is_none());
    }
}
