//! Uploads into a library kept in a bucket: their state lives here, not in one instance's
//! staging folder, so that any instance can take the next chunk. The bytes go straight into
//! the bucket as the parts of one multipart upload (`backend::uploads::in_bucket`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BucketUploads::Table)
                    // The upload id (`uploads::upload_id`), the same on every instance.
                    .col(string_len(BucketUploads::Id, 32).primary_key())
                    .col(integer(BucketUploads::UserId))
                    .col(integer(BucketUploads::LibraryId))
                    // What the client described at `init`.
                    .col(text(BucketUploads::Filename))
                    .col(big_integer(BucketUploads::Size))
                    .col(big_integer(BucketUploads::LastModified))
                    // Seconds since 1970, as the staged uploads' manifests.
                    .col(big_integer(BucketUploads::Created))
                    .col(big_integer(BucketUploads::Updated))
                    // The protocol's position: bytes received, last chunk number and length.
                    .col(big_integer(BucketUploads::Received))
                    .col(big_integer(BucketUploads::ChunkNr))
                    .col(big_integer(BucketUploads::LastChunkLen))
                    // The object the parts make (inside the library), and the store's id of the
                    // multipart upload.
                    .col(text(BucketUploads::ObjectKey))
                    .col(text(BucketUploads::MultipartId))
                    // JSON: the parts' tags in order, and the chunks held as small objects
                    // until they make a part of S3's minimum size ([[offset, length], ...]).
                    .col(text(BucketUploads::Parts))
                    .col(text(BucketUploads::Held))
                    // The parts were joined into the object (at `end`).
                    .col(boolean(BucketUploads::Joined))
                    // An `end` in progress on some instance holds the upload until then.
                    .col(big_integer_null(BucketUploads::EndingUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bucket_uploads_user_id")
                            .from(BucketUploads::Table, BucketUploads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BucketUploads::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum BucketUploads {
    Table,
    Id,
    UserId,
    LibraryId,
    Filename,
    Size,
    LastModified,
    Created,
    Updated,
    Received,
    ChunkNr,
    LastChunkLen,
    ObjectKey,
    MultipartId,
    Parts,
    Held,
    Joined,
    EndingUntil,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
