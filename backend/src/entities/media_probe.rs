//! `media_probes`: what ffprobe read from a movie file (its streams and the video's keyframes),
//! one row per file, deleted with it. Read and written by `media::info`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "media_probes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub file_id: i32,
    /// `probed` or `failed`.
    pub status: String,
    /// The `media::info::VERSION` that wrote the row.
    pub version: i32,
    /// `domain::media::probe::MediaProbe` as JSON (when probed).
    #[sea_orm(column_type = "Text", nullable)]
    pub streams: Option<String>,
    /// `domain::media::keyframes::encode`d keyframe times; None when not scanned.
    #[sea_orm(column_type = "Text", nullable)]
    pub keyframes: Option<String>,
    /// Why the file could not be probed (when failed).
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub probed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::movie_file::Entity",
        from = "Column::FileId",
        to = "super::movie_file::Column::Id",
        on_delete = "Cascade"
    )]
    MovieFile,
}

impl Related<super::movie_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MovieFile.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
