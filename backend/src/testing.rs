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
    Ok(with_database(server_url, &name))
}

/// The server URL with its database (path) replaced by `db_name`; the query string is kept.
pub fn with_database(server_url: &str, db_name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut url = format!("{}/{db_name}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_path() {
        assert_eq!(
            with_database("postgres://ott@127.0.0.1:5432/postgres", "x"),
            "postgres://ott@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database(
                "postgres://ott:secret@db:5432/postgres?sslmode=disable",
                "x"
            ),
            "postgres://ott:secret@db:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://ott@localhost", "x"),
            "postgres://ott@localhost/x"
        );
    }
}
