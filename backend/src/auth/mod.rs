//! Accounts and who is making a request: passwords, sessions, API tokens, login and
//! registration limits.

pub mod password;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;
pub mod users;

use crate::entities::user;
use crate::error::Missing;
use crate::write::Write;
use crate::{ApiError, AppState};
use domain::account::{self, AccountRuleError};
use domain::api::{CreatedToken, Me, UserInfo};
use sea_orm::DbErr;
use std::net::IpAddr;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Rule(#[from] AccountRuleError),
    #[error("Wrong username or password.")]
    WrongCredentials,
    #[error("That is not your current password.")]
    WrongPassword,
    #[error("That username is taken.")]
    UsernameTaken,
    #[error(
        "Registration is closed on this server. Ask its administrator for an account, or a library's owner for an invite link."
    )]
    RegistrationClosed,
    #[error("Too many login attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    #[error("Too many accounts were asked for from your address. Try again in {0} seconds.")]
    TooManyRegistrations(u64),
    #[error("The server is busy checking passwords. Try again in a few seconds.")]
    Busy,
    /// A refusal from elsewhere (an invite link that does not work, a bad token name).
    #[error("{0}")]
    Api(ApiError),
    #[error("There is no user called {0}.")]
    UnknownUser(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
}

impl From<ApiError> for AuthError {
    fn from(err: ApiError) -> AuthError {
        AuthError::Api(err)
    }
}

impl From<password::HashError> for AuthError {
    fn from(err: password::HashError) -> AuthError {
        match err {
            password::HashError::Busy => AuthError::Busy,
            password::HashError::Failed(e) => AuthError::Internal(e),
        }
    }
}

/// Facts about the client that auth decisions need, gathered once per request.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The request reached us over HTTPS (directly or via a trusted proxy).
    pub https: bool,
}

/// The user a request is made by.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
    pub is_admin: bool,
    /// Present when authenticated by the session cookie (needed to log out).
    pub session_token: Option<String>,
}

impl AuthUser {
    /// The user, when they are the server's administrator; 403 `admin_only` otherwise.
    pub fn require_admin(self) -> Result<AuthUser, ApiError> {
        if !self.is_admin {
            return Err(ApiError::forbidden(
                "admin_only",
                "Only the administrator can do that.",
            ));
        }
        Ok(self)
    }

    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id,
            username: self.username.clone(),
            is_admin: self.is_admin,
        }
    }
}

impl From<(user::Model, Option<String>)> for AuthUser {
    fn from((u, session_token): (user::Model, Option<String>)) -> AuthUser {
        AuthUser {
            id: u.id,
            username: u.username,
            is_admin: u.is_admin,
            session_token,
        }
    }
}

const MAX_LOGIN_NAME_BYTES: usize = 256;

/// Checks the credentials (within the attempt limits) and opens a session.
/// Returns the user and the session token for the cookie.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<(user::Model, String), AuthError> {
    // Overlong input is a client mistake, not a guess: say so instead of "wrong password".
    if username.len() > MAX_LOGIN_NAME_BYTES {
        return Err(AuthError::Rule(AccountRuleError::UsernameTooLong));
    }
    if password.len() > account::PASSWORD_MAX_BYTES {
        return Err(AuthError::Rule(AccountRuleError::PasswordTooLong));
    }
    let key = rate_limit::user_key(username);
    if let Err(wait) = rate_limit::login_attempt(state, client.ip, username).await? {
        tracing::warn!(user = %key, ip = ?client.ip, "login rate limit hit");
        return Err(AuthError::RateLimited(wait.as_secs().max(1)));
    }
    let found = match users::verify_password(state, username, password).await {
        Ok(found) => found,
        Err(err) => {
            tracing::info!(user = %key, ip = ?client.ip, "login refused: {err}");
            return Err(err);
        }
    };
    let token = start_session(state, &found, client).await?;
    tracing::info!(user = %found.username, ip = ?client.ip, "logged in");
    Ok((found, token))
}

/// Creates an account (see [`users::register`]) within the per-address registration limit and
/// opens its session. `invite`: the token of an invite link the new account joins.
pub async fn register(
    state: &AppState,
    username: &str,
    password: &str,
    invite: Option<&str>,
    client: &ClientInfo,
) -> Result<(users::Created, String), AuthError> {
    // A mistyped form is not counted against the address.
    account::normalize_username(username)?;
    account::check_new_password(password)?;
    if let Err(wait) = rate_limit::registration_attempt(state, client.ip).await? {
        tracing::warn!(ip = ?client.ip, "registration rate limit hit");
        return Err(AuthError::TooManyRegistrations(wait.as_secs().max(1)));
    }
    let created = match users::register(state, username, password, invite).await {
        Ok(created) => created,
        Err(err) => {
            tracing::info!(ip = ?client.ip, "registration refused: {err}");
            return Err(err);
        }
    };
    let token = start_session(state, &created.user, client).await?;
    Ok((created, token))
}

/// Opens a session for a user whose identity is already established (just logged in or just
/// registered) and returns the token for the cookie.
pub async fn start_session(
    state: &AppState,
    user: &user::Model,
    client: &ClientInfo,
) -> Result<String, DbErr> {
    sessions::create(
        &state.db,
        user.id,
        state.config.session_days,
        client.user_agent.clone(),
        client.ip.map(|ip| ip.to_string()),
    )
    .await
}

/// Resolves the user from a `Cookie` header (session) or an `Authorization: Bearer` header
/// (API token). Invalid credentials simply yield no user.
pub async fn authenticate(
    state: &AppState,
    cookie_header: Option<&str>,
    authorization: Option<&str>,
) -> Result<Option<AuthUser>, DbErr> {
    if let Some(token) = cookie_header.and_then(sessions::token_from_cookie_header)
        && let Some(u) = session_user(state, token).await?
    {
        return Ok(Some(u));
    }
    if let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer "))
        && let Some(u) = tokens::lookup(&state.db, token.trim()).await?
    {
        return Ok(Some((u, None).into()));
    }
    Ok(None)
}

/// The user of a session token: from memory while the session is known and fresh (see
/// `access`), else from the database, which also moves a stale `last_seen_at` on.
async fn session_user(state: &AppState, token: &str) -> Result<Option<AuthUser>, DbErr> {
    if !sessions::looks_like_token(token) {
        return Ok(None);
    }
    let id = sessions::hash_token(token);
    let now = chrono::Utc::now();
    if let Some(s) = state.access.session(&id)
        && s.expires_at > now
        && !sessions::due_for_touch(s.last_seen_at, now)
    {
        return Ok(Some(AuthUser {
            id: s.user_id,
            username: s.username,
            is_admin: s.is_admin,
            session_token: Some(token.to_owned()),
        }));
    }
    let generation = state.access.generation();
    let Some((found, u)) = sessions::lookup(&state.db, &id, state.config.session_days).await?
    else {
        return Ok(None);
    };
    let cached = crate::access::CachedSession {
        user_id: u.id,
        username: u.username.clone(),
        is_admin: u.is_admin,
        last_seen_at: found.last_seen_at,
        expires_at: found.expires_at,
    };
    state.access.put_session(generation, id, cached);
    Ok(Some((u, Some(token.to_owned())).into()))
}

/// Checks the password of the logged-in user before something a borrowed session alone must
/// not do, under the login limits so that it cannot be guessed that way either.
async fn confirm_password(
    state: &AppState,
    user: &AuthUser,
    password: &str,
    client: &ClientInfo,
    what: &str,
) -> Result<user::Model, AuthError> {
    if let Err(wait) = rate_limit::login_attempt(state, client.ip, &user.username).await? {
        tracing::warn!(user = %user.username, ip = ?client.ip, "{what}: rate limit hit");
        return Err(AuthError::RateLimited(wait.as_secs().max(1)));
    }
    match users::verify_password(state, &user.username, password).await {
        Ok(found) => Ok(found),
        Err(AuthError::WrongCredentials) => {
            tracing::info!(user = %user.username, ip = ?client.ip, "{what} refused: wrong password");
            Err(AuthError::WrongPassword)
        }
        Err(e) => Err(e),
    }
}

/// What a password change ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordChanged {
    /// The user's other sessions (all of them are logged out).
    pub sessions_ended: u64,
    /// The user's API tokens, when the change asked to revoke them.
    pub tokens_revoked: u64,
}

/// Changes the user's password after checking the current one (under the login limits, so a
/// borrowed session cannot guess it), ends every other session of theirs and, with
/// `revoke_tokens`, revokes all their API tokens, in one transaction.
pub async fn change_password(
    state: &AppState,
    user: &AuthUser,
    current: &str,
    new: &str,
    revoke_tokens: bool,
    client: &ClientInfo,
) -> Result<PasswordChanged, AuthError> {
    account::check_new_password(new)?;
    let found = confirm_password(state, user, current, client, "password change").await?;
    let hash = state.hashing.hash(new).await?;
    let write = Write::begin(state).await?;
    users::store_password(write.db(), found, hash).await?;
    let sessions_ended =
        sessions::delete_all_for_user(&write, user.id, user.session_token.as_deref()).await?;
    let tokens_revoked = if revoke_tokens {
        tokens::revoke_all(write.db(), user.id).await?
    } else {
        0
    };
    write.commit().await?;
    tracing::info!(user = %user.username, sessions_ended, tokens_revoked, "password changed");
    Ok(PasswordChanged {
        sessions_ended,
        tokens_revoked,
    })
}

/// Creates an API token for the logged-in user once their password is confirmed: a token
/// outlives sessions, so a borrowed session alone must not be able to make one. (The `ott
/// token create` command runs on the server machine and asks for no password.)
pub async fn create_token(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<CreatedToken, AuthError> {
    let name = tokens::check_name(name)?;
    confirm_password(state, user, password, client, "token creation").await?;
    Ok(tokens::create(&state.db, user.id, name).await?)
}

/// Ends one of the user's sessions by its id (as listed); 404 `session_not_found` when they
/// have no such session.
pub async fn revoke_session(state: &AppState, user: &AuthUser, id: &str) -> Result<(), ApiError> {
    if !sessions::revoke(state, user.id, id).await? {
        return Err(Missing::LoginSession.into());
    }
    tracing::info!(user = %user.username, "session revoked");
    Ok(())
}

/// Ends the session the user is logged in with (if any).
pub async fn logout(state: &AppState, user: &AuthUser) -> Result<(), DbErr> {
    if let Some(token) = &user.session_token {
        sessions::delete(state, token).await?;
        tracing::info!(user = %user.username, "logged out");
    }
    Ok(())
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(state: &AppState, token: &str, client: &ClientInfo) -> String {
    sessions::cookie(
        token,
        state.config.session_days,
        client.https || state.config.secure_cookies,
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(state: &AppState, client: &ClientInfo) -> String {
    sessions::clear_cookie(client.https || state.config.secure_cookies)
}

/// Everything a client needs to know about the logged-in user.
pub async fn me(state: &AppState, user: &AuthUser) -> Result<Me, ApiError> {
    let access = crate::access::of_user(state, user.id).await?;
    Ok(Me {
        user: user.info(),
        libraries: access.infos(),
        active_library_id: access.active_library(),
        preferences: access.preferences.clone(),
    })
}
