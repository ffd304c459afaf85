//! `movie_moves`: the movie a provisional id (a movie named by hand) became once it was found.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// `from_imdb_id` (`tt9…`) is now `to_imdb_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "movie_moves")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_imdb_id: String,
    pub to_imdb_id: String,
    pub moved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
