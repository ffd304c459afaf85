//! `collections`: franchises such as Die Hard, grouping movies in release order.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A movie collection (franchise), optionally tied to its TMDB collection id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "collections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub tmdb_id: Option<i32>,
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub overview: Option<String>,
    pub poster_path: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::collection_movie::Entity")]
    CollectionMovies,
}

impl Related<super::collection_movie::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CollectionMovies.def()
    }
}

impl Related<super::movie::Entity> for Entity {
    fn to() -> RelationDef {
        super::collection_movie::Relation::Movie.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::collection_movie::Relation::Collection.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
