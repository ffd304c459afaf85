//! A user's own settings, stored in `user_settings` (one row per user).

use crate::access::{Need, preferences_of};
use crate::entities::user_settings;
use crate::libraries::LibraryError;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::settings::{Preferences, PreferencesChange, SettingsRuleError};
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, Set};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Rule(#[from] SettingsRuleError),
    #[error("{0}")]
    Library(#[from] LibraryError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> ApiError {
        match err {
            SettingsError::Rule(rule) => ApiError::bad_request(rule.code(), rule.to_string()),
            SettingsError::Library(e) => e.into(),
            SettingsError::Db(e) => e.into(),
        }
    }
}

/// Saves the fields `change` names after checking all of them; the default library must be
/// one the user belongs to.
pub async fn update(
    state: &AppState,
    user_id: i32,
    change: &PreferencesChange,
) -> Result<Preferences, SettingsError> {
    if let Some(library) = change.default_library_id {
        crate::access::library(state, user_id, library, Need::Member)
            .await
            .map_err(LibraryError::from)?;
    }
    let write = Write::begin(state).await?;
    let db = write.db();
    let existing = user_settings::Entity::find_by_id(user_id).one(db).await?;
    let current = existing.as_ref().map(preferences_of).unwrap_or_default();
    let next = current.apply(change)?;
    let row = user_settings::ActiveModel {
        user_id: Set(user_id),
        theme: Set(next.theme.as_str().to_owned()),
        default_library_id: Set(next.default_library_id),
        simultaneous_uploads: Set(next.simultaneous_uploads),
        subtitle_language: Set(next.subtitle_language.clone()),
        autoplay_next: Set(next.autoplay_next),
        updated_at: Set(Utc::now()),
    };
    if existing.is_some() {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    write.touch(Cache::Access);
    write.commit().await?;
    tracing::info!(
        user = user_id,
        theme = next.theme.as_str(),
        "settings saved"
    );
    Ok(next)
}
