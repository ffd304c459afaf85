//! `user_settings`: per-user preferences, at most one row per user.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Preferences of one user; the primary key is the user's id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "user_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// `dark`, `light` or `system` (the default).
    pub theme: String,
    pub default_library_id: Option<i32>,
    pub simultaneous_uploads: i32,
    pub subtitle_language: Option<String>,
    pub autoplay_next: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::library::Entity",
        from = "Column::DefaultLibraryId",
        to = "super::library::Column::Id",
        on_delete = "SetNull"
    )]
    DefaultLibrary,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::library::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DefaultLibrary.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
