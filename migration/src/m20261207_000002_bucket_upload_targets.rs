//! An upload into a bucket that names its movie at `init` is written straight to its place in
//! the library (`<imdb id>/<resolution>/movie.<ext>`), which saves copying the whole object at
//! `end`. Two unfinished uploads may not aim at the same object.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BucketUploads::Table)
                    // The movie the client named at `init`, if it did.
                    .add_column(text_null(BucketUploads::ImdbHint))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_bucket_uploads_target")
                    .table(BucketUploads::Table)
                    .col(BucketUploads::LibraryId)
                    .col(BucketUploads::ObjectKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_bucket_uploads_target")
                    .table(BucketUploads::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BucketUploads::Table)
                    .drop_column(BucketUploads::ImdbHint)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum BucketUploads {
    Table,
    LibraryId,
    ObjectKey,
    ImdbHint,
}
