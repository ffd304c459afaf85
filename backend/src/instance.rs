//! Server-wide settings the administrator changes at run time (kept in `instance_settings`).

use crate::entities::instance_setting;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

const OPEN_REGISTRATION: &str = "open_registration";

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

/// Whether people may create their own accounts (default: yes).
pub async fn open_registration(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(get(db, OPEN_REGISTRATION)
        .await?
        .is_none_or(|v| v == "true"))
}

pub async fn set_open_registration(db: &impl ConnectionTrait, open: bool) -> Result<(), DbErr> {
    set(db, OPEN_REGISTRATION, if open { "true" } else { "false" }).await
}
