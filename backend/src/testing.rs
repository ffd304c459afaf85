//! Support for tests in this and other crates: the databases every DB test runs against.
//!
//! SQLite always; PostgreSQL when `OTT_TEST_POSTGRES_URL` names a server (the test command
//! starts one). In CI (`CI=true`) a missing PostgreSQL is an error, not a skip.

use sea_orm::{ConnectionTrait, Database, DbErr};

pub const POSTGRES_ENV: &str = "OTT_TEST_POSTGRES_URL";

/// A database for one test: a name for messages and a connection URL.
#[derive(Clone, Debug)]
pub struct TestDatabase {
    pub kind: &'static str,
    pub url: String,
}

/// Creates a fresh, empty PostgreSQL database on the server at `server_url` and returns its URL.
pub async fn fresh_postgres_database(server_url: &str) -> Result<String, DbErr> {
    let admin = Database::connect(server_url).await?;
    let name = format!("ott_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let base = server_url
        .rsplit_once('/')
        .map_or(server_url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// SQLite in a file under `dir`, plus a fresh PostgreSQL database when configured.
///
/// Panics in CI when PostgreSQL is not configured, so it cannot be skipped by accident.
pub async fn databases(dir: &std::path::Path) -> Vec<TestDatabase> {
    let mut out = vec![TestDatabase {
        kind: "sqlite",
        url: crate::config::default_database_url(dir),
    }];
    match std::env::var(POSTGRES_ENV) {
        Ok(server) if !server.is_empty() => out.push(TestDatabase {
            kind: "postgres",
            url: fresh_postgres_database(&server)
                .await
                .expect("create a PostgreSQL test database"),
        }),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{POSTGRES_ENV} is not set: in CI every database test must also run on PostgreSQL"
            )
        }
        _ => eprintln!("note: {POSTGRES_ENV} not set; testing SQLite only"),
    }
    out
}
