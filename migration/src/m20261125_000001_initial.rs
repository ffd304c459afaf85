//! Initial schema: users and sessions, libraries and their members, movies with their files,
//! uploads, categories, collections, genres and watch progress.
//!
//! Only sea-query builders are used so the migration runs unchanged on SQLite and PostgreSQL.
//! Foreign keys are declared inline in `CREATE TABLE` (SQLite cannot add them later); every
//! other index is created with a separate `CREATE [UNIQUE] INDEX`, which both backends support.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // users
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Username))
                    .col(string(Users::PasswordHash))
                    .col(boolean(Users::IsAdmin).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // instance_settings
        manager
            .create_table(
                Table::create()
                    .table(InstanceSettings::Table)
                    .col(string(InstanceSettings::Key).primary_key())
                    .col(text(InstanceSettings::Value))
                    .col(timestamp_with_time_zone(InstanceSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // libraries
        manager
            .create_table(
                Table::create()
                    .table(Libraries::Table)
                    .col(pk_auto(Libraries::Id))
                    .col(string(Libraries::Name))
                    .col(string_uniq(Libraries::Path))
                    .col(integer(Libraries::OwnerId))
                    .col(timestamp_with_time_zone(Libraries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_libraries_owner_id")
                            .from(Libraries::Table, Libraries::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_libraries_owner_id")
                    .table(Libraries::Table)
                    .col(Libraries::OwnerId)
                    .to_owned(),
            )
            .await?;

        // user_settings (after libraries: it references the default library)
        manager
            .create_table(
                Table::create()
                    .table(UserSettings::Table)
                    .col(integer(UserSettings::UserId).primary_key())
                    .col(string(UserSettings::Theme).default("system"))
                    .col(integer_null(UserSettings::DefaultLibraryId))
                    .col(integer(UserSettings::SimultaneousUploads).default(3))
                    .col(string_null(UserSettings::SubtitleLanguage))
                    .col(boolean(UserSettings::AutoplayNext).default(true))
                    .col(timestamp_with_time_zone(UserSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_settings_user_id")
                            .from(UserSettings::Table, UserSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_settings_default_library_id")
                            .from(UserSettings::Table, UserSettings::DefaultLibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        // library_members
        manager
            .create_table(
                Table::create()
                    .table(LibraryMembers::Table)
                    .col(integer(LibraryMembers::LibraryId))
                    .col(integer(LibraryMembers::UserId))
                    .col(string(LibraryMembers::Role))
                    .col(timestamp_with_time_zone(LibraryMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(LibraryMembers::LibraryId)
                            .col(LibraryMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_library_members_library_id")
                            .from(LibraryMembers::Table, LibraryMembers::LibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_library_members_user_id")
                            .from(LibraryMembers::Table, LibraryMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_library_members_user_id")
                    .table(LibraryMembers::Table)
                    .col(LibraryMembers::UserId)
                    .to_owned(),
            )
            .await?;

        // movies
        manager
            .create_table(
                Table::create()
                    .table(Movies::Table)
                    .col(pk_auto(Movies::Id))
                    .col(string_uniq(Movies::ImdbId))
                    .col(string(Movies::Title))
                    .col(string_null(Movies::OriginalTitle))
                    .col(string(Movies::SearchTitle))
                    .col(integer_null(Movies::Year))
                    .col(text_null(Movies::Plot))
                    .col(double_null(Movies::Rating))
                    .col(integer_null(Movies::RatingCount))
                    .col(integer_null(Movies::RuntimeMinutes))
                    .col(string_null(Movies::ContentRating))
                    .col(string_null(Movies::PosterPath))
                    .col(string_null(Movies::BackdropPath))
                    .col(string_null(Movies::TrailerRef))
                    .col(string(Movies::MetadataStatus).default("pending"))
                    .col(timestamp_with_time_zone_null(Movies::MetadataUpdatedAt))
                    .col(timestamp_with_time_zone(Movies::CreatedAt))
                    .col(timestamp_with_time_zone(Movies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movies_search_title")
                    .table(Movies::Table)
                    .col(Movies::SearchTitle)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movies_year")
                    .table(Movies::Table)
                    .col(Movies::Year)
                    .to_owned(),
            )
            .await?;

        // movie_files
        manager
            .create_table(
                Table::create()
                    .table(MovieFiles::Table)
                    .col(pk_auto(MovieFiles::Id))
                    .col(integer(MovieFiles::LibraryId))
                    .col(integer(MovieFiles::MovieId))
                    .col(string(MovieFiles::RelativePath))
                    .col(string_null(MovieFiles::Resolution))
                    .col(integer_null(MovieFiles::Width))
                    .col(integer_null(MovieFiles::Height))
                    .col(double_null(MovieFiles::DurationSeconds))
                    .col(string_null(MovieFiles::Container))
                    .col(string_null(MovieFiles::VideoCodec))
                    .col(string_null(MovieFiles::AudioCodec))
                    .col(big_integer(MovieFiles::SizeBytes))
                    .col(string_null(MovieFiles::VersionLabel))
                    .col(timestamp_with_time_zone(MovieFiles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_movie_files_library_id")
                            .from(MovieFiles::Table, MovieFiles::LibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_movie_files_movie_id")
                            .from(MovieFiles::Table, MovieFiles::MovieId)
                            .to(Movies::Table, Movies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_movie_files_library_id_relative_path")
                    .table(MovieFiles::Table)
                    .col(MovieFiles::LibraryId)
                    .col(MovieFiles::RelativePath)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movie_files_library_id_movie_id")
                    .table(MovieFiles::Table)
                    .col(MovieFiles::LibraryId)
                    .col(MovieFiles::MovieId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movie_files_library_id_created_at")
                    .table(MovieFiles::Table)
                    .col(MovieFiles::LibraryId)
                    .col(MovieFiles::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movie_files_movie_id")
                    .table(MovieFiles::Table)
                    .col(MovieFiles::MovieId)
                    .to_owned(),
            )
            .await?;

        // uploaded_files
        manager
            .create_table(
                Table::create()
                    .table(UploadedFiles::Table)
                    .col(pk_auto(UploadedFiles::Id))
                    .col(integer(UploadedFiles::LibraryId))
                    .col(integer(UploadedFiles::UserId))
                    .col(string(UploadedFiles::OriginalFilename))
                    .col(big_integer(UploadedFiles::SizeBytes))
                    .col(big_integer(UploadedFiles::LastModifiedMs))
                    .col(string(UploadedFiles::SizeModifiedHash))
                    .col(integer_null(UploadedFiles::MovieFileId))
                    .col(timestamp_with_time_zone(UploadedFiles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_uploaded_files_library_id")
                            .from(UploadedFiles::Table, UploadedFiles::LibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_uploaded_files_user_id")
                            .from(UploadedFiles::Table, UploadedFiles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_uploaded_files_movie_file_id")
                            .from(UploadedFiles::Table, UploadedFiles::MovieFileId)
                            .to(MovieFiles::Table, MovieFiles::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_uploaded_files_library_id_size_modified_hash")
                    .table(UploadedFiles::Table)
                    .col(UploadedFiles::LibraryId)
                    .col(UploadedFiles::SizeModifiedHash)
                    .to_owned(),
            )
            .await?;

        // categories
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(pk_auto(Categories::Id))
                    .col(integer(Categories::LibraryId))
                    .col(string(Categories::Name))
                    .col(string_null(Categories::Icon))
                    .col(text_null(Categories::Rule))
                    .col(integer(Categories::Position).default(0))
                    .col(timestamp_with_time_zone(Categories::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_categories_library_id")
                            .from(Categories::Table, Categories::LibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_categories_library_id_name")
                    .table(Categories::Table)
                    .col(Categories::LibraryId)
                    .col(Categories::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // category_movies
        manager
            .create_table(
                Table::create()
                    .table(CategoryMovies::Table)
                    .col(integer(CategoryMovies::CategoryId))
                    .col(integer(CategoryMovies::MovieId))
                    .col(integer(CategoryMovies::Position).default(0))
                    .primary_key(
                        Index::create()
                            .col(CategoryMovies::CategoryId)
                            .col(CategoryMovies::MovieId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_movies_category_id")
                            .from(CategoryMovies::Table, CategoryMovies::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_movies_movie_id")
                            .from(CategoryMovies::Table, CategoryMovies::MovieId)
                            .to(Movies::Table, Movies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_category_movies_movie_id")
                    .table(CategoryMovies::Table)
                    .col(CategoryMovies::MovieId)
                    .to_owned(),
            )
            .await?;

        // collections
        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .col(pk_auto(Collections::Id))
                    .col(integer_null(Collections::TmdbId).unique_key())
                    .col(string(Collections::Name))
                    .col(text_null(Collections::Overview))
                    .col(string_null(Collections::PosterPath))
                    .col(timestamp_with_time_zone(Collections::CreatedAt))
                    .to_owned(),
            )
            .await?;

        // collection_movies
        manager
            .create_table(
                Table::create()
                    .table(CollectionMovies::Table)
                    .col(integer(CollectionMovies::CollectionId))
                    .col(integer(CollectionMovies::MovieId))
                    .col(integer(CollectionMovies::Position))
                    .primary_key(
                        Index::create()
                            .col(CollectionMovies::CollectionId)
                            .col(CollectionMovies::MovieId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_collection_movies_collection_id")
                            .from(CollectionMovies::Table, CollectionMovies::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_collection_movies_movie_id")
                            .from(CollectionMovies::Table, CollectionMovies::MovieId)
                            .to(Movies::Table, Movies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_collection_movies_movie_id")
                    .table(CollectionMovies::Table)
                    .col(CollectionMovies::MovieId)
                    .to_owned(),
            )
            .await?;

        // genres
        manager
            .create_table(
                Table::create()
                    .table(Genres::Table)
                    .col(pk_auto(Genres::Id))
                    .col(string_uniq(Genres::Name))
                    .to_owned(),
            )
            .await?;

        // movie_genres
        manager
            .create_table(
                Table::create()
                    .table(MovieGenres::Table)
                    .col(integer(MovieGenres::MovieId))
                    .col(integer(MovieGenres::GenreId))
                    .primary_key(
                        Index::create()
                            .col(MovieGenres::MovieId)
                            .col(MovieGenres::GenreId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_movie_genres_movie_id")
                            .from(MovieGenres::Table, MovieGenres::MovieId)
                            .to(Movies::Table, Movies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_movie_genres_genre_id")
                            .from(MovieGenres::Table, MovieGenres::GenreId)
                            .to(Genres::Table, Genres::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_movie_genres_genre_id")
                    .table(MovieGenres::Table)
                    .col(MovieGenres::GenreId)
                    .to_owned(),
            )
            .await?;

        // watch_progress
        manager
            .create_table(
                Table::create()
                    .table(WatchProgress::Table)
                    .col(integer(WatchProgress::UserId))
                    .col(integer(WatchProgress::MovieId))
                    .col(integer_null(WatchProgress::MovieFileId))
                    .col(double(WatchProgress::PositionSeconds))
                    .col(double_null(WatchProgress::DurationSeconds))
                    .col(boolean(WatchProgress::Completed).default(false))
                    .col(timestamp_with_time_zone(WatchProgress::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(WatchProgress::UserId)
                            .col(WatchProgress::MovieId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_watch_progress_user_id")
                            .from(WatchProgress::Table, WatchProgress::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_watch_progress_movie_id")
                            .from(WatchProgress::Table, WatchProgress::MovieId)
                            .to(Movies::Table, Movies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_watch_progress_movie_file_id")
                            .from(WatchProgress::Table, WatchProgress::MovieFileId)
                            .to(MovieFiles::Table, MovieFiles::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_watch_progress_user_id_updated_at")
                    .table(WatchProgress::Table)
                    .col(WatchProgress::UserId)
                    .col(WatchProgress::UpdatedAt)
                    .to_owned(),
            )
            .await?;

        // sessions
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string(Sessions::Id).primary_key())
                    .col(integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(string_null(Sessions::UserAgent))
                    .col(string_null(Sessions::Ip))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user_id")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user_id")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        // api_tokens
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user_id")
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user_id")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse creation order, so no table is dropped while another still references it.
        // Indexes go away with their tables.
        let tables = [
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            WatchProgress::Table.into_iden(),
            MovieGenres::Table.into_iden(),
            Genres::Table.into_iden(),
            CollectionMovies::Table.into_iden(),
            Collections::Table.into_iden(),
            CategoryMovies::Table.into_iden(),
            Categories::Table.into_iden(),
            UploadedFiles::Table.into_iden(),
            MovieFiles::Table.into_iden(),
            Movies::Table.into_iden(),
            LibraryMembers::Table.into_iden(),
            UserSettings::Table.into_iden(),
            Libraries::Table.into_iden(),
            InstanceSettings::Table.into_iden(),
            Users::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    IsAdmin,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    UserId,
    Theme,
    DefaultLibraryId,
    SimultaneousUploads,
    SubtitleLanguage,
    AutoplayNext,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InstanceSettings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Libraries {
    Table,
    Id,
    Name,
    Path,
    OwnerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LibraryMembers {
    Table,
    LibraryId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Movies {
    Table,
    Id,
    ImdbId,
    Title,
    OriginalTitle,
    SearchTitle,
    Year,
    Plot,
    Rating,
    RatingCount,
    RuntimeMinutes,
    ContentRating,
    PosterPath,
    BackdropPath,
    TrailerRef,
    MetadataStatus,
    MetadataUpdatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MovieFiles {
    Table,
    Id,
    LibraryId,
    MovieId,
    RelativePath,
    Resolution,
    Width,
    Height,
    DurationSeconds,
    Container,
    VideoCodec,
    AudioCodec,
    SizeBytes,
    VersionLabel,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UploadedFiles {
    Table,
    Id,
    LibraryId,
    UserId,
    OriginalFilename,
    SizeBytes,
    LastModifiedMs,
    SizeModifiedHash,
    MovieFileId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    LibraryId,
    Name,
    Icon,
    Rule,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CategoryMovies {
    Table,
    CategoryId,
    MovieId,
    Position,
}

#[derive(DeriveIden)]
enum Collections {
    Table,
    Id,
    TmdbId,
    Name,
    Overview,
    PosterPath,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CollectionMovies {
    Table,
    CollectionId,
    MovieId,
    Position,
}

#[derive(DeriveIden)]
enum Genres {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum MovieGenres {
    Table,
    MovieId,
    GenreId,
}

#[derive(DeriveIden)]
enum WatchProgress {
    Table,
    UserId,
    MovieId,
    MovieFileId,
    PositionSeconds,
    DurationSeconds,
    Completed,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    UserAgent,
    Ip,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
}
