//! Database migrations for Open OTT.
//!
//! Every migration is written with sea-query builders only so that the same code runs on
//! SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_initial;
mod m20261126_000001_metadata_fetch;
mod m20261126_000002_invites;
mod m20261126_000003_traffic;
mod m20261127_000001_registration_default;
mod m20261205_000001_media_probes;
mod m20261206_000001_shared_state;
mod m20261207_000001_bucket_uploads;
mod m20261207_000002_bucket_upload_targets;
mod m20261207_000003_movie_moves;

/// Runs the migrations in order; use `Migrator::up(&db, None)` to bring a database up to date.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261126_000001_metadata_fetch::Migration),
            Box::new(m20261126_000002_invites::Migration),
            Box::new(m20261126_000003_traffic::Migration),
            Box::new(m20261127_000001_registration_default::Migration),
            Box::new(m20261205_000001_media_probes::Migration),
            Box::new(m20261206_000001_shared_state::Migration),
            Box::new(m20261207_000001_bucket_uploads::Migration),
            Box::new(m20261207_000002_bucket_upload_targets::Migration),
            Box::new(m20261207_000003_movie_moves::Migration),
        ]
    }
}
