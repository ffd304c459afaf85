//! What several server instances on one database share: login and registration attempt
//! limits, so that every instance counts the same attempts (`domain::rate`: one number per
//! key), the instances themselves, for the monitor (each writes its row every few seconds),
//! and the playback sessions, which any instance can then serve.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    // What is limited: `login-ip:<address>`, `login-user:<name>`,
                    // `register-ip:<address>`.
                    .col(text(RateLimits::Key).primary_key())
                    // When the key's next attempt is due under its quota (ms since 1970).
                    .col(big_integer(RateLimits::TatMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Instances::Table)
                    // Random, new at each start (`AppState::instance_id`).
                    .col(string_len(Instances::Id, 32).primary_key())
                    // Where it listens, as given to `ott serve --addr`.
                    .col(string_len(Instances::Address, 255))
                    .col(string_len(Instances::Version, 64))
                    .col(timestamp_with_time_zone(Instances::StartedAt))
                    // Its last heartbeat: rows not refreshed for a while are gone instances.
                    .col(timestamp_with_time_zone(Instances::SeenAt))
                    .col(big_integer(Instances::Streams))
                    .col(big_integer(Instances::Uploads))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlaybackSessions::Table)
                    .col(string_len(PlaybackSessions::Id, 32).primary_key())
                    .col(integer(PlaybackSessions::UserId))
                    .col(integer(PlaybackSessions::FileId))
                    // What the browser plays (`ClientCaps::to_query`) and the audio track
                    // picked: with the file's probe, all it takes to make the same session.
                    .col(text(PlaybackSessions::Caps))
                    .col(integer_null(PlaybackSessions::Audio))
                    .col(timestamp_with_time_zone(PlaybackSessions::CreatedAt))
                    // When an instance last served it (refreshed now and then): a session idle
                    // on every instance is forgotten.
                    .col(timestamp_with_time_zone(PlaybackSessions::SeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_playback_sessions_user_id")
                            .from(PlaybackSessions::Table, PlaybackSessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_playback_sessions_file_id")
                            .from(PlaybackSessions::Table, PlaybackSessions::FileId)
                            .to(MovieFiles::Table, MovieFiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlaybackSessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Instances::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RateLimits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    TatMs,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    Address,
    Version,
    StartedAt,
    SeenAt,
    Streams,
    Uploads,
}

#[derive(DeriveIden)]
enum PlaybackSessions {
    Table,
    Id,
    UserId,
    FileId,
    Caps,
    Audio,
    CreatedAt,
    SeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MovieFiles {
    Table,
    Id,
}
