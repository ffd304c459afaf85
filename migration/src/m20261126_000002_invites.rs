//! Invite links for sharing a library by URL: only the token's SHA-256 is stored, with the
//! role it gives, its expiry, single use and how often it was used, and when it was revoked.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LibraryInvites::Table)
                    .col(pk_auto(LibraryInvites::Id))
                    .col(integer(LibraryInvites::LibraryId))
                    .col(integer(LibraryInvites::CreatedBy))
                    .col(string_uniq(LibraryInvites::TokenHash))
                    .col(string(LibraryInvites::Role))
                    .col(boolean(LibraryInvites::SingleUse).default(false))
                    .col(integer(LibraryInvites::Uses).default(0))
                    .col(timestamp_with_time_zone(LibraryInvites::CreatedAt))
                    .col(timestamp_with_time_zone_null(LibraryInvites::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LibraryInvites::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_library_invites_library_id")
                            .from(LibraryInvites::Table, LibraryInvites::LibraryId)
                            .to(Libraries::Table, Libraries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_library_invites_created_by")
                            .from(LibraryInvites::Table, LibraryInvites::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_library_invites_library_id")
                    .table(LibraryInvites::Table)
                    .col(LibraryInvites::LibraryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LibraryInvites::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LibraryInvites {
    Table,
    Id,
    LibraryId,
    CreatedBy,
    TokenHash,
    Role,
    SingleUse,
    Uses,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Libraries {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
