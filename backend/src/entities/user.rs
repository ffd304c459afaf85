//! `users`: accounts that can sign in.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A user account. `username` is unique and stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::user_settings::Entity")]
    UserSettings,
    /// Libraries this user owns.
    #[sea_orm(has_many = "super::library::Entity")]
    Libraries,
    #[sea_orm(has_many = "super::library_member::Entity")]
    LibraryMembers,
    #[sea_orm(has_many = "super::uploaded_file::Entity")]
    UploadedFiles,
    #[sea_orm(has_many = "super::watch_progress::Entity")]
    WatchProgress,
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
    #[sea_orm(has_many = "super::api_token::Entity")]
    ApiTokens,
}

impl Related<super::user_settings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserSettings.def()
    }
}

/// Owned libraries (membership is reached through `library_member`).
impl Related<super::library::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Libraries.def()
    }
}

impl Related<super::library_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LibraryMembers.def()
    }
}

impl Related<super::uploaded_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UploadedFiles.def()
    }
}

impl Related<super::watch_progress::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WatchProgress.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
