//! Bytes received and sent, per minute (kept 30 days), for the server monitor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrafficMinutes::Table)
                    // The minute's start, in seconds since the Unix epoch.
                    .col(big_integer(TrafficMinutes::Minute).primary_key())
                    .col(big_integer(TrafficMinutes::Received).default(0))
                    .col(big_integer(TrafficMinutes::Sent).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrafficMinutes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TrafficMinutes {
    Table,
    Minute,
    Received,
    Sent,
}
