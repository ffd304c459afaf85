//! What ffprobe read from each movie file (every stream, and the video's keyframes), which
//! decides how a browser plays it (direct, remux, audio conversion or transcode) and what the
//! movie page's versions table says about the file.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MediaProbes::Table)
                    // One row per file; it goes with the file (deleted, replaced).
                    .col(integer(MediaProbes::FileId).primary_key())
                    // `probed`, or `failed` (ffprobe cannot read the file as a video).
                    .col(string_len(MediaProbes::Status, 16))
                    // Which reading of ffprobe's output made the row: a server that reads
                    // more (a newer `backend::media::info::VERSION`) probes older rows again.
                    .col(integer(MediaProbes::Version))
                    // `domain::media::probe::MediaProbe` as JSON, when probed.
                    .col(text_null(MediaProbes::Streams))
                    // The video's keyframe times (`domain::media::keyframes::encode`); null
                    // when the scan could not be made.
                    .col(text_null(MediaProbes::Keyframes))
                    // Why it failed, for the log and the administrator.
                    .col(text_null(MediaProbes::Error))
                    .col(timestamp_with_time_zone(MediaProbes::ProbedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_probes_file_id")
                            .from(MediaProbes::Table, MediaProbes::FileId)
                            .to(MovieFiles::Table, MovieFiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaProbes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MediaProbes {
    Table,
    FileId,
    Status,
    Version,
    Streams,
    Keyframes,
    Error,
    ProbedAt,
}

#[derive(DeriveIden)]
enum MovieFiles {
    Table,
    Id,
}
