//! Where a movie named by hand went once the metadata job found it: its page's old address
//! (`/movie/tt9…`, bookmarked or shared while the upload ran) leads to the movie found.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MovieMoves::Table)
                    .if_not_exists()
                    .col(string(MovieMoves::FromImdbId).primary_key())
                    .col(string(MovieMoves::ToImdbId))
                    .col(timestamp_with_time_zone(MovieMoves::MovedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MovieMoves::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MovieMoves {
    Table,
    FromImdbId,
    ToImdbId,
    MovedAt,
}
