//! Creating and finding user accounts.

use super::AuthError;
use crate::entities::{user, user_settings};
use crate::write::{Cache, Write};
use crate::{AppState, instance, invites};
use chrono::Utc;
use domain::account;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set, SqlErr,
};

pub async fn find_by_name(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, AuthError> {
    let Ok(name) = account::normalize_username(username) else {
        return Ok(None);
    };
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(db)
        .await?)
}

/// A new account, and the library it joined through an invite link (if it came with one).
#[derive(Debug)]
pub struct Created {
    pub user: user::Model,
    pub joined: Option<i32>,
}

/// Creates an account from the command line on the server machine (whoever runs it may do
/// anything, so registration rules do not apply). The first account on a server becomes its
/// administrator; `admin` makes the account an administrator in any case (`--admin`).
pub async fn create(
    state: &AppState,
    username: &str,
    password: &str,
    admin: bool,
) -> Result<user::Model, AuthError> {
    let username = account::normalize_username(username)?;
    account::check_new_password(password)?;
    if find_by_name(&state.db, &username).await?.is_some() {
        return Err(AuthError::UsernameTaken);
    }
    let hash = state.hashing.hash(password).await?;
    let write = Write::begin(state).await?;
    let (created, _) = insert(&write, username, hash, admin).await?;
    write.commit().await?;
    tracing::info!(user = %created.username, admin = created.is_admin, "account created");
    Ok(created)
}

/// Who may create an account now: the first (the administrator), anyone, or invitees only.
pub async fn sign_up(state: &AppState) -> Result<domain::api::SignUp, DbErr> {
    let first = user::Entity::find().count(&state.db).await? == 0;
    let open = first || instance::open_registration(&state.db).await?;
    Ok(domain::api::SignUp { first, open })
}

/// Self-service registration. Allowed for a server's first account, while the administrator
/// keeps registration open, or with a working invite link: the new account then joins the
/// link's library in the same transaction, so a single-use link admits one person.
///
/// Everything that can refuse cheaply (rules, closed registration, a dead link, a taken name)
/// is checked before the password is hashed; the transaction checks again what may have
/// changed meanwhile (the unique name, the first account, the link's uses).
pub async fn register(
    state: &AppState,
    username: &str,
    password: &str,
    invite: Option<&str>,
) -> Result<Created, AuthError> {
    let username = account::normalize_username(username)?;
    account::check_new_password(password)?;
    match invite {
        Some(token) => invites::check(&state.db, token).await?,
        None => {
            let has_users = user::Entity::find().count(&state.db).await? > 0;
            if has_users && !instance::open_registration(&state.db).await? {
                return Err(AuthError::RegistrationClosed);
            }
        }
    }
    if find_by_name(&state.db, &username).await?.is_some() {
        return Err(AuthError::UsernameTaken);
    }
    let hash = state.hashing.hash(password).await?;

    let write = Write::begin(state).await?;
    let (user, first) = insert(&write, username, hash, false).await?;
    let joined = match invite {
        Some(token) => Some(invites::join(&write, user.id, token).await?.0),
        None if first || instance::open_registration(write.db()).await? => None,
        // Another registration became the first account while this one hashed, and
        // registration is closed after it: this account is not made (the transaction rolls
        // back when dropped).
        None => return Err(AuthError::RegistrationClosed),
    };
    write.commit().await?;
    tracing::info!(user = %user.username, admin = user.is_admin, joined = ?joined, "account registered");
    Ok(Created { user, joined })
}

/// Inserts the account and its settings inside the caller's write transaction. Returns the
/// account and whether it is the server's first (which makes it administrator).
async fn insert(
    write: &Write<'_>,
    username: String,
    hash: String,
    admin: bool,
) -> Result<(user::Model, bool), AuthError> {
    write.touch(Cache::Access);
    let txn = write.db();
    // Only a server without accounts has a first account to give; a database whose accounts
    // predate the claim row never hands it out.
    let others = user::Entity::find().count(txn).await?;
    let now = Utc::now();
    let inserted = user::ActiveModel {
        username: Set(username),
        password_hash: Set(hash),
        is_admin: Set(admin),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await;
    let mut created = match inserted {
        Ok(model) => model,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AuthError::UsernameTaken);
        }
        Err(err) => return Err(err.into()),
    };
    // Two simultaneous first registrations both count no other account (neither has
    // committed); the claim row decides which one is first.
    let first = others == 0 && instance::claim_first_admin(txn, created.id).await?;
    if first && !created.is_admin {
        let mut active: user::ActiveModel = created.into();
        active.is_admin = Set(true);
        created = active.update(txn).await?;
    }
    user_settings::ActiveModel {
        user_id: Set(created.id),
        theme: Set("system".into()),
        default_library_id: Set(None),
        simultaneous_uploads: Set(3),
        subtitle_language: Set(None),
        autoplay_next: Set(true),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok((created, first))
}

/// Stores a new password hash (made through `state.hashing` by the caller).
pub async fn store_password(
    db: &impl ConnectionTrait,
    found: user::Model,
    hash: String,
) -> Result<user::Model, AuthError> {
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Checks a password against the account, taking the same time whether or not it exists.
pub async fn verify_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<user::Model, AuthError> {
    if password.len() > account::PASSWORD_MAX_BYTES {
        return Err(AuthError::Rule(account::AccountRuleError::PasswordTooLong));
    }
    let found = find_by_name(&state.db, username).await?;
    let phc = found.as_ref().map(|u| u.password_hash.clone());
    match (found, state.hashing.verify(password, phc).await?) {
        (Some(u), true) => Ok(u),
        _ => Err(AuthError::WrongCredentials),
    }
}
