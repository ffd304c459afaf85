//! Login attempt limits, per client address and per username, so a password cannot be
//! guessed quickly from one machine or against one account from many; and registration
//! attempts per client address, so one machine cannot flood the server with accounts.
//!
//! Each limited key is one row of `rate_limits` (`domain::rate`: GCRA keeps one number per
//! key), read and written in one write transaction (`FOR UPDATE` on PostgreSQL), so that
//! every server instance on the database counts the same attempts.

use crate::AppState;
use crate::entities::rate_limit;
use crate::write::Write;
use chrono::Utc;
use domain::rate::Quota;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use std::net::IpAddr;
use std::time::Duration;

/// The quotas, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    login_per_ip: Quota,
    login_per_user: Quota,
    registrations_per_ip: Quota,
}

impl Limits {
    /// `per_ip_per_minute` login attempts a minute from one address; a burst of `per_user`
    /// attempts on one username, then one every 30 seconds; `registrations_per_hour` accounts
    /// an hour from one address.
    pub fn new(per_ip_per_minute: u32, per_user: u32, registrations_per_hour: u32) -> Limits {
        Limits {
            login_per_ip: Quota::per_minute(per_ip_per_minute),
            login_per_user: Quota::every(30_000, per_user),
            registrations_per_ip: Quota::per_hour(registrations_per_hour),
        }
    }
}

/// What an attempt was told: go ahead, or wait this long.
pub type Verdict = Result<(), Duration>;

/// Counts one login attempt (or password confirmation) from `ip` on `username`. Requests
/// without a known address are limited by username only.
pub async fn login_attempt(
    state: &AppState,
    ip: Option<IpAddr>,
    username: &str,
) -> Result<Verdict, DbErr> {
    let limits = state.limits;
    if let Some(ip) = ip {
        let verdict = take(state, &format!("login-ip:{ip}"), limits.login_per_ip).await?;
        if verdict.is_err() {
            return Ok(verdict);
        }
    }
    take(
        state,
        &format!("login-user:{}", user_key(username)),
        limits.login_per_user,
    )
    .await
}

/// Counts one registration attempt from `ip` (requests without a known address are not
/// limited, as for logins).
pub async fn registration_attempt(state: &AppState, ip: Option<IpAddr>) -> Result<Verdict, DbErr> {
    let Some(ip) = ip else { return Ok(Ok(())) };
    take(
        state,
        &format!("register-ip:{ip}"),
        state.limits.registrations_per_ip,
    )
    .await
}

/// The form of a username its limit is kept under: "Anna " and "anna" are one account.
pub fn user_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// One attempt on `key` under `quota`: allowed and counted, or refused with the wait.
async fn take(state: &AppState, key: &str, quota: Quota) -> Result<Verdict, DbErr> {
    let now = Utc::now().timestamp_millis();
    let write = Write::begin(state).await?;
    let db = write.db();
    // The row first exists, then is locked: two instances' first attempts on a new key
    // cannot both miss it.
    rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.to_owned()),
        tat_ms: Set(now),
    })
    .on_conflict_do_nothing_on([rate_limit::Column::Key])
    .exec_without_returning(db)
    .await?;
    let stored = rate_limit::Entity::find_by_id(key.to_owned())
        .lock_exclusive()
        .one(db)
        .await?
        .map(|row| row.tat_ms);
    match quota.attempt(stored, now) {
        Ok(tat) => {
            rate_limit::Entity::update_many()
                .col_expr(rate_limit::Column::TatMs, tat.into())
                .filter(rate_limit::Column::Key.eq(key))
                .exec(db)
                .await?;
            write.commit().await?;
            Ok(Ok(()))
        }
        // Dropping the write rolls back: a refused attempt changes nothing.
        Err(wait_ms) => Ok(Err(Duration::from_millis(wait_ms))),
    }
}

/// Forgets the keys whose every attempt has come back (their next is due already): they are
/// the same as never seen. Returns how many went.
pub async fn forget_recovered(state: &AppState) -> Result<u64, DbErr> {
    let now = Utc::now().timestamp_millis();
    Ok(rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::TatMs.lt(now))
        .exec(&state.db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn state(limits: Limits) -> (tempfile::TempDir, AppState) {
        let dir = tempfile::TempDir::new().unwrap();
        let config = crate::Config::new(dir.path().to_path_buf());
        let db = crate::db::open(&crate::config::default_database_url(dir.path()))
            .await
            .unwrap();
        let mut state = AppState::new(db, config);
        state.limits = limits;
        (dir, state)
    }

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[tokio::test]
    async fn a_username_is_limited_whatever_the_address() {
        let (_dir, state) = state(Limits::new(1000, 3, 10)).await;
        for i in 0..3u8 {
            assert!(login_attempt(&state, ip(i), "anna").await.unwrap().is_ok());
        }
        let wait = login_attempt(&state, ip(9), " Anna")
            .await
            .unwrap()
            .unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30));
        assert!(login_attempt(&state, ip(9), "bert").await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn an_address_is_limited_whatever_the_username() {
        let (_dir, state) = state(Limits::new(2, 100, 10)).await;
        assert!(login_attempt(&state, ip(5), "a1").await.unwrap().is_ok());
        assert!(login_attempt(&state, ip(5), "a2").await.unwrap().is_ok());
        assert!(login_attempt(&state, ip(5), "a3").await.unwrap().is_err());
        assert!(login_attempt(&state, ip(6), "a3").await.unwrap().is_ok());
        assert!(login_attempt(&state, None, "a4").await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn registrations_are_limited_per_address_and_recovered_keys_are_forgotten() {
        let (_dir, state) = state(Limits::new(30, 10, 3)).await;
        for _ in 0..3 {
            assert!(registration_attempt(&state, ip(5)).await.unwrap().is_ok());
        }
        let wait = registration_attempt(&state, ip(5))
            .await
            .unwrap()
            .unwrap_err();
        // One attempt comes back every 20 minutes.
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(registration_attempt(&state, ip(6)).await.unwrap().is_ok());
        assert!(registration_attempt(&state, None).await.unwrap().is_ok());
        // Both keys still wait for attempts to come back: nothing is forgotten yet.
        assert_eq!(forget_recovered(&state).await.unwrap(), 0);
        rate_limit::Entity::update_many()
            .col_expr(rate_limit::Column::TatMs, 0i64.into())
            .filter(rate_limit::Column::Key.eq("register-ip:10.0.0.6"))
            .exec(&state.db)
            .await
            .unwrap();
        assert_eq!(forget_recovered(&state).await.unwrap(), 1);
        assert!(registration_attempt(&state, ip(5)).await.unwrap().is_err());
    }
}
