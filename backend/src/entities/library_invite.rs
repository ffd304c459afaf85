//! `library_invites`: links that let someone join a library with a role.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An invite; the link's token is stored only as its hex SHA-256 (`token_hash`, unique).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "library_invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub library_id: i32,
    pub created_by: i32,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub role: String,
    pub single_use: bool,
    pub uses: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
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
}

impl Related<super::library::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Library.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
