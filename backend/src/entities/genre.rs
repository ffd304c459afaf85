//! `genres`: the genre names (unique) movies can be tagged with.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A genre such as `Action`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "genres")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::movie_genre::Entity")]
    MovieGenres,
}

impl Related<super::movie_genre::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieGenres.def()
    }
}

impl Related<super::movie::Entity> for Entity {
    fn to() -> RelationDef {
        super::movie_genre::Relation::Movie.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::movie_genre::Relation::Genre.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
