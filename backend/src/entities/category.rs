//! `categories`: a library's shelves, either rule-based or hand-picked.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A category of a library; names are unique per library.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub library_id: i32,
    pub name: String,
    pub icon: Option<String>,
    /// JSON rule selecting the movies; `None` means the movies are hand-picked.
    #[sea_orm(column_type = "Text", nullable)]
    pub rule: Option<String>,
    pub position: i32,
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
    #[sea_orm(has_many = "super::category_movie::Entity")]
    CategoryMovies,
}

impl Related<super::library::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Library.def()
    }
}

impl Related<super::category_movie::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CategoryMovies.def()
    }
}

impl Related<super::movie::Entity> for Entity {
    fn to() -> RelationDef {
        super::category_movie::Relation::Movie.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::category_movie::Relation::Category.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
