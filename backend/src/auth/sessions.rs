//! Login sessions: a random token in an HttpOnly cookie; the database keeps only its SHA-256,
//! so a leaked database cannot be replayed as cookies.

use crate::AppState;
use crate::entities::{session, user};
use crate::write::{Cache, Write};
use chrono::{DateTime, Duration, Utc};
use domain::settings::SessionInfo;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "ott_session";
/// `last_seen_at` is written at most this often, so browsing does not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// A fresh unguessable token: 32 random bytes, hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 64 hex digits: the shape of every token this module hands out.
pub(super) fn looks_like_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Stores a new session and returns the token for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    days: u32,
    user_agent: Option<String>,
    ip: Option<String>,
) -> Result<String, DbErr> {
    let token = new_token();
    let now = Utc::now();
    session::ActiveModel {
        id: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::days(days.into())),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(300).collect())),
        ip: Set(ip),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The user of the session with this id (the token's [`hash_token`]), if it is live. Slides
/// the expiry forward.
pub async fn lookup(
    db: &impl ConnectionTrait,
    id: &str,
    days: u32,
) -> Result<Option<(session::Model, user::Model)>, DbErr> {
    let Some((found, Some(owner))) = session::Entity::find_by_id(id)
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if found.expires_at <= now {
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    let found = if due_for_touch(found.last_seen_at, now) {
        let mut active: session::ActiveModel = found.into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(now + Duration::days(days.into()));
        active.update(db).await?
    } else {
        found
    };
    Ok(Some((found, owner)))
}

/// Whether a session last seen at `last_seen` should have that time (and its expiry) moved on.
pub(crate) fn due_for_touch(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen > TOUCH_EVERY
}

/// Ends one session (logout). Unknown tokens are fine: the result is the same.
pub async fn delete(state: &AppState, token: &str) -> Result<(), DbErr> {
    let write = Write::begin(state).await?;
    session::Entity::delete_by_id(hash_token(token))
        .exec(write.db())
        .await?;
    write.touch(Cache::Access);
    write.commit().await
}

/// Ends every session of a user except, optionally, the one with `keep_token`.
pub async fn delete_all_for_user(
    write: &Write<'_>,
    user_id: i32,
    keep_token: Option<&str>,
) -> Result<u64, DbErr> {
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep_token {
        query = query.filter(session::Column::Id.ne(hash_token(keep)));
    }
    let ended = query.exec(write.db()).await?.rows_affected;
    write.touch(Cache::Access);
    Ok(ended)
}

/// The user's live sessions, most recently seen first; `current_token` marks the caller's.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
    current_token: Option<&str>,
) -> Result<Vec<SessionInfo>, DbErr> {
    let current = current_token.map(hash_token);
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionInfo {
            current: current.as_deref() == Some(s.id.as_str()),
            device: domain::settings::device(s.user_agent.as_deref()),
            ip: s.ip,
            created_at: s.created_at.to_rfc3339(),
            last_seen_at: s.last_seen_at.to_rfc3339(),
            id: s.id,
        })
        .collect())
}

/// Ends one of the user's sessions by its id (as listed); false when it is not theirs.
pub async fn revoke(state: &AppState, user_id: i32, id: &str) -> Result<bool, DbErr> {
    let write = Write::begin(state).await?;
    let res = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.eq(id))
        .exec(write.db())
        .await?;
    write.touch(Cache::Access);
    write.commit().await?;
    Ok(res.rows_affected > 0)
}

/// Removes expired sessions; run now and then.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// `Set-Cookie` value for a new session.
pub fn cookie(token: &str, days: u32, secure: bool) -> String {
    let max_age = u64::from(days) * 24 * 3600;
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token from a `Cookie` header, if any.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_the_safety_attributes() {
        let c = cookie("abc", 30, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"));
        assert!(c.contains("Max-Age=2592000") && !c.contains("Secure"));
        assert!(cookie("abc", 30, true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        assert_eq!(
            token_from_cookie_header("a=1; ott_session=xyz; b=2"),
            Some("xyz")
        );
        assert_eq!(token_from_cookie_header("ott_sessionx=1"), None);
        assert_eq!(token_from_cookie_header(""), None);
    }

    #[test]
    fn tokens_are_random_hex_and_hashes_are_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert!(!looks_like_token("short"));
        assert_eq!(hash_token("x"), hash_token("x"));
        assert_ne!(hash_token(&a), a);
    }
}
