//! Creating and finding user accounts.

use super::{AuthError, password};
use crate::entities::{user, user_settings};
use crate::instance;
use chrono::Utc;
use domain::account;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, SqlErr,
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

/// Creates an account. The first account on a server becomes its administrator.
/// `admin` makes the account an administrator in any case (the CLI's `--admin`).
pub async fn create(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    admin: bool,
) -> Result<user::Model, AuthError> {
    let username = account::normalize_username(username)?;
    account::check_new_password(password)?;
    let hash = hash_off_thread(password).await?;
    let now = Utc::now();
    let inserted = user::ActiveModel {
        username: Set(username),
        password_hash: Set(hash),
        is_admin: Set(admin),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    let mut created = match inserted {
        Ok(model) => model,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AuthError::UsernameTaken);
        }
        Err(err) => return Err(err.into()),
    };
    // "First" is decided after the insert, by id, so two simultaneous first registrations
    // cannot both become administrator.
    let earlier = user::Entity::find()
        .filter(user::Column::Id.lt(created.id))
        .count(db)
        .await?;
    if earlier == 0 && !created.is_admin {
        let mut active: user::ActiveModel = created.into();
        active.is_admin = Set(true);
        created = active.update(db).await?;
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
    .insert(db)
    .await?;
    crate::access::changed();
    tracing::info!(user = %created.username, admin = created.is_admin, "account created");
    Ok(created)
}

/// Argon2 takes tens of milliseconds of CPU: not on the async threads.
async fn hash_off_thread(password: &str) -> Result<String, AuthError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?
        .map_err(|e| AuthError::Internal(e.to_string()))
}

/// Replaces a user's password (already checked against the rules by the caller or here).
pub async fn set_password(
    db: &impl ConnectionTrait,
    found: user::Model,
    new: &str,
) -> Result<user::Model, AuthError> {
    account::check_new_password(new)?;
    let hash = hash_off_thread(new).await?;
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    crate::access::changed();
    Ok(updated)
}

/// Self-service registration: allowed while the server has no users, or while the
/// administrator keeps registration open.
pub async fn register(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> Result<user::Model, AuthError> {
    let has_users = user::Entity::find().count(db).await? > 0;
    if has_users && !instance::open_registration(db).await? {
        return Err(AuthError::RegistrationClosed);
    }
    create(db, username, password, false).await
}

/// Checks a password against the account, taking the same time whether or not it exists.
pub async fn verify_password(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
) -> Result<user::Model, AuthError> {
    if password.len() > account::PASSWORD_MAX_BYTES {
        return Err(AuthError::Rule(account::AccountRuleError::PasswordTooLong));
    }
    let found = find_by_name(db, username).await?;
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || match found {
        Some(u) if password::verify(&password, &u.password_hash) => Some(u),
        Some(_) => None,
        None => {
            password::verify_dummy(&password);
            None
        }
    })
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))?;
    matches.ok_or(AuthError::WrongCredentials)
}
