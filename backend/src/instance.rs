//! Server-wide settings the administrator changes at run time (kept in `instance_settings`).

use crate::entities::instance_setting;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, TryInsertResult};

pub const OPEN_REGISTRATION: &str = "open_registration";
/// Who became administrator by registering first; its insert is the atomic "I was first".
pub const FIRST_ADMIN: &str = "first_admin";
const UPLOAD_SECRET: &str = "upload_secret";

async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(instance_setting::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|s| s.value))
}

async fn set(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), DbErr> {
    instance_setting::Entity::insert(instance_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(instance_setting::Column::Key)
            .update_columns([
                instance_setting::Column::Value,
                instance_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Whether people may create their own accounts once the server has its first one. A new
/// server says no until the administrator opens it; a database that already had accounts
/// before this setting could be left unset was given an explicit "true" by the migration
/// `m20261127_000001_registration_default`, so upgraded servers keep what they had.
pub async fn open_registration(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(get(db, OPEN_REGISTRATION)
        .await?
        .is_some_and(|v| v == "true"))
}

pub async fn set_open_registration(db: &impl ConnectionTrait, open: bool) -> Result<(), DbErr> {
    set(db, OPEN_REGISTRATION, if open { "true" } else { "false" }).await
}

/// Claims "first administrator" for `user_id`; true when this call took the claim. The row is
/// inserted or not in one statement, so of two simultaneous first registrations only one can
/// take it: on PostgreSQL the second insert waits for the first transaction and then finds the
/// key taken; SQLite runs write transactions one at a time.
pub async fn claim_first_admin(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    let inserted = instance_setting::Entity::insert(instance_setting::ActiveModel {
        key: Set(FIRST_ADMIN.to_owned()),
        value: Set(user_id.to_string()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([instance_setting::Column::Key])
    .exec_without_returning(db)
    .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(n) if n > 0))
}

/// The key upload ids are derived with: made once, at random, and kept in the database so
/// that ids stay the same across restarts (that is what lets an upload resume).
pub async fn upload_secret(db: &impl ConnectionTrait) -> Result<Vec<u8>, DbErr> {
    if get(db, UPLOAD_SECRET).await?.is_none() {
        // Two servers starting at once may both get here: the first insert wins.
        instance_setting::Entity::insert(instance_setting::ActiveModel {
            key: Set(UPLOAD_SECRET.to_owned()),
            value: Set(hex::encode(rand::random::<[u8; 32]>())),
            updated_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([instance_setting::Column::Key])
        .exec(db)
        .await?;
    }
    let value = get(db, UPLOAD_SECRET)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(UPLOAD_SECRET.into()))?;
    hex::decode(&value).map_err(|e| DbErr::Custom(format!("{UPLOAD_SECRET} is not hex: {e}")))
}
