//! `instances`: the server processes on this database, each refreshing its row (see
//! `instance::heartbeat`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub address: String,
    pub version: String,
    pub started_at: DateTimeUtc,
    pub seen_at: DateTimeUtc,
    pub streams: i64,
    pub uploads: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
