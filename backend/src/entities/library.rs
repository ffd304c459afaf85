//! `libraries`: a directory on disk holding movie files, owned by a user.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A movie library rooted at an absolute filesystem path (unique).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "libraries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub path: String,
    pub owner_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Owner,
    #[sea_orm(has_many = "super::library_member::Entity")]
    LibraryMembers,
    #[sea_orm(has_many = "super::movie_file::Entity")]
    MovieFiles,
    #[sea_orm(has_many = "super::uploaded_file::Entity")]
    UploadedFiles,
    #[sea_orm(has_many = "super::category::Entity")]
    Categories,
}

/// The owner.
impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::library_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LibraryMembers.def()
    }
}

impl Related<super::movie_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieFiles.def()
    }
}

impl Related<super::uploaded_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UploadedFiles.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Categories.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
