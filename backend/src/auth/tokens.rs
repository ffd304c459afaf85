//! Personal API tokens for scripts and the CLI uploader (`Authorization: Bearer ott_…`).
//! Like sessions, only the SHA-256 of a token is stored.

use super::sessions::hash_token;
use crate::ApiError;
use crate::entities::{api_token, user};
use chrono::{Duration, Utc};
use domain::api::{CreatedToken, TokenInfo};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

const PREFIX: &str = "ott_";
const TOUCH_EVERY: Duration = Duration::minutes(5);
const NAME_MAX: usize = 100;

/// What clients see of a token.
pub fn info(t: api_token::Model) -> TokenInfo {
    TokenInfo {
        id: t.id,
        name: t.name,
        created_at: t.created_at.to_rfc3339(),
        last_used_at: t.last_used_at.map(|t| t.to_rfc3339()),
    }
}

/// The token name as stored (trimmed), if it is acceptable.
pub fn check_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_token_name",
            format!("Give the token a name of 1 to {NAME_MAX} characters."),
        ));
    }
    Ok(name)
}

/// Creates a token called `name` for `user_id`. Its secret is shown once; it cannot be
/// recovered. Whoever calls this has made sure the user wants it: the web asks for the
/// password (`auth::create_token`), the CLI runs on the server machine.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
) -> Result<CreatedToken, ApiError> {
    let name = check_name(name)?;
    let token = format!("{PREFIX}{}", super::sessions::new_token());
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(hash_token(&token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(user = user_id, token = %model.name, "API token created");
    Ok(CreatedToken {
        info: info(model),
        token,
    })
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

pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<TokenInfo>, DbErr> {
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(info).collect())
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

/// Revokes every token of the user (a password change that asks for it); returns how many.
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    Ok(api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}
