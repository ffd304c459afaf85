//! What fetching a movie's metadata needs: the fetch is a job kept in the movie's own row
//! (`metadata_status` = `pending` until it succeeds or gives up), so it survives a restart,
//! with its attempts, when to try next and the last error; and the details the providers give
//! beyond the first schema (cast, directors, the other sites' ratings, TMDB's id).
//!
//! One column per `ALTER TABLE`: SQLite adds only one at a time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            integer(Movies::MetadataAttempts).default(0).to_owned(),
            timestamp_with_time_zone_null(Movies::MetadataNextAt).to_owned(),
            text_null(Movies::MetadataError).to_owned(),
            text_null(Movies::CastNames).to_owned(),
            text_null(Movies::Directors).to_owned(),
            text_null(Movies::Ratings).to_owned(),
            integer_null(Movies::TmdbId).to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Movies::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_movies_metadata_queue")
                    .table(Movies::Table)
                    .col(Movies::MetadataStatus)
                    .col(Movies::MetadataNextAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_movies_metadata_queue")
                    .table(Movies::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Movies::MetadataAttempts,
            Movies::MetadataNextAt,
            Movies::MetadataError,
            Movies::CastNames,
            Movies::Directors,
            Movies::Ratings,
            Movies::TmdbId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Movies::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Movies {
    Table,
    MetadataStatus,
    MetadataAttempts,
    MetadataNextAt,
    MetadataError,
    CastNames,
    Directors,
    Ratings,
    TmdbId,
}
