//! `bucket_uploads`: an unfinished upload into a bucket library, which any instance can
//! continue (see `uploads::in_bucket`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bucket_uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i32,
    pub library_id: i32,
    #[sea_orm(column_type = "Text")]
    pub filename: String,
    pub size: i64,
    pub last_modified: i64,
    pub created: i64,
    pub updated: i64,
    pub received: i64,
    pub chunk_nr: i64,
    pub last_chunk_len: i64,
    /// The object the parts make, inside the library.
    #[sea_orm(column_type = "Text")]
    pub object_key: String,
    #[sea_orm(column_type = "Text")]
    pub multipart_id: String,
    /// JSON array of the parts' tags, in order.
    #[sea_orm(column_type = "Text")]
    pub parts: String,
    /// JSON array of `[offset, length]`: chunks kept as small objects until they make a part.
    #[sea_orm(column_type = "Text")]
    pub held: String,
    pub joined: bool,
    /// Seconds since 1970 until which an `end` in progress holds the upload.
    pub ending_until: Option<i64>,
    /// The movie the client named at `init`: the first chunk then aims the parts at the
    /// file's place in the library (`object_key`), so that `end` need not copy the object.
    #[sea_orm(column_type = "Text", nullable)]
    pub imdb_hint: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
