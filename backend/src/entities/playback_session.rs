//! `playback_sessions`: what each open playback session was made from, so that any instance
//! (or this one after a restart) can make it again (see `hls::Sessions::get`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "playback_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i32,
    pub file_id: i32,
    /// `ClientCaps::to_query`.
    #[sea_orm(column_type = "Text")]
    pub caps: String,
    /// The audio track picked (absolute stream index).
    pub audio: Option<i32>,
    pub created_at: DateTimeUtc,
    /// When an instance last served it (refreshed every few seconds of use at most).
    pub seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
