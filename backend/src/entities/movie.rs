//! `movies`: one row per film (identified by its IMDb id) with its metadata.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A movie and its metadata; the files themselves are in `movie_files`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "movies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// IMDb id such as `tt0133093` (unique).
    #[sea_orm(unique)]
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    /// Normalised lowercase title used for searching.
    pub search_title: String,
    pub year: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub plot: Option<String>,
    pub rating: Option<f64>,
    pub rating_count: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub content_rating: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    /// A local path or a reference such as `youtube:KEY`.
    pub trailer_ref: Option<String>,
    /// `pending` (the default: the metadata fetch is queued), `fetched`, `failed` (gave up
    /// after several attempts; the movie still plays) or `manual`.
    pub metadata_status: String,
    pub metadata_updated_at: Option<DateTimeUtc>,
    /// Failed fetches so far; the next waits longer.
    pub metadata_attempts: i32,
    /// When a pending fetch is due (none: at once).
    pub metadata_next_at: Option<DateTimeUtc>,
    /// Why the last fetch failed, in words.
    #[sea_orm(column_type = "Text", nullable)]
    pub metadata_error: Option<String>,
    /// Main cast in billing order, as a JSON array of names.
    #[sea_orm(column_type = "Text", nullable)]
    pub cast_names: Option<String>,
    /// Directors, as a JSON array of names.
    #[sea_orm(column_type = "Text", nullable)]
    pub directors: Option<String>,
    /// Other sites' ratings (Rotten Tomatoes, Metacritic, TMDB), as JSON
    /// `[{"source", "value", "score"}]`.
    #[sea_orm(column_type = "Text", nullable)]
    pub ratings: Option<String>,
    pub tmdb_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::movie_file::Entity")]
    MovieFiles,
    #[sea_orm(has_many = "super::category_movie::Entity")]
    CategoryMovies,
    #[sea_orm(has_many = "super::collection_movie::Entity")]
    CollectionMovies,
    #[sea_orm(has_many = "super::movie_genre::Entity")]
    MovieGenres,
    #[sea_orm(has_many = "super::watch_progress::Entity")]
    WatchProgress,
}

impl Related<super::movie_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieFiles.def()
    }
}

impl Related<super::category_movie::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CategoryMovies.def()
    }
}

impl Related<super::collection_movie::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CollectionMovies.def()
    }
}

impl Related<super::movie_genre::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieGenres.def()
    }
}

impl Related<super::watch_progress::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WatchProgress.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        super::category_movie::Relation::Category.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::category_movie::Relation::Movie.def().rev())
    }
}

impl Related<super::collection::Entity> for Entity {
    fn to() -> RelationDef {
        super::collection_movie::Relation::Collection.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::collection_movie::Relation::Movie.def().rev())
    }
}

impl Related<super::genre::Entity> for Entity {
    fn to() -> RelationDef {
        super::movie_genre::Relation::Genre.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::movie_genre::Relation::Movie.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
