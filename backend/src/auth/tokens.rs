//! Personal API tokens for scripts and the CLI uploader (`Authorization: Bearer ott_…`).
//! Like sessions, only the SHA-256 of a token is stored.

use super::sessions::hash_token;
use crate::entities::{api_token, user};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

const PREFIX: &str = "ott_";
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Creates a token for `user_id`. The returned string is shown once; it cannot be recovered.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
) -> Result<(api_token::Model, String), DbErr> {
    let token = format!("{PREFIX}{}", super::sessions::new_token());
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.trim().chars().take(100).collect()),
        token_hash: Set(hash_token(&token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((model, token))
}

/// The token's owner, if the token is valid.
pub async fn lookup(db: &impl ConnectionTrait, token: &str) -> Result<Option<user::Model>, DbErr> {
    let Some(secret) = token.strip_prefix(PREFIX) else {
        return Ok(None);
    };
    if !super::sessions::looks_like_token(secret) {
        return Ok(None);
    }
    let Some((found, Some(owner))) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_token(token)))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if found.last_used_at.is_none_or(|t| now - t > TOUCH_EVERY) {
        let mut active: api_token::ActiveModel = found.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(owner))
}

pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await
}

/// Revokes one of the user's tokens; false when it was not theirs or did not exist.
pub async fn revoke(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<bool, DbErr> {
    let res = api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
