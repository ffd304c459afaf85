//! `uploaded_files`: files received through the upload UI, used to recognise re-uploads.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An uploaded file, looked up by `(library_id, size_modified_hash)` and then the original name.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "uploaded_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub library_id: i32,
    pub user_id: i32,
    pub original_filename: String,
    pub size_bytes: i64,
    /// The browser's `File.lastModified`, in milliseconds since the epoch.
    pub last_modified_ms: i64,
    /// Hash of size and last-modified time.
    pub size_modified_hash: String,
    /// The stored file this upload became, if any.
    pub movie_file_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::library::Entity",
        from = "Column::LibraryId",
        to = "super::library::Column::Id",
        on_delete = "Cascade"
    )]
    Library,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::movie_file::Entity",
        from = "Column::MovieFileId",
        to = "super::movie_file::Column::Id",
        on_delete = "SetNull"
    )]
    MovieFile,
}

impl Related<super::library::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Library.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::movie_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieFile.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
