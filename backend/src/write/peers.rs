//! Other `ott serve` processes on the same PostgreSQL database. Each keeps caches of what it
//! read (sessions and permissions, catalogues, watch positions), so a write committed by one
//! must make the others drop what it changed. A [`super::Write`] announces the caches it
//! touched with PostgreSQL's `NOTIFY`, issued inside its transaction so that it goes out
//! exactly when the write commits and never for a rollback; [`listen`] hears the other
//! instances' notices and tells this process's caches within milliseconds. With SQLite there is
//! one process, and neither runs.
//!
//! A notice is `"<instance id> <cache bits>"` on the channel [`CHANNEL`]; an instance ignores
//! its own (it told its caches at the commit). While the listening connection is down, notices
//! are lost, so every cache is dropped when it comes back. The caches' maximum ages
//! (`access::MAX_AGE`, `catalog::MAX_AGE`) still bound what a missed notice could cost.

use crate::AppState;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, Statement};
use std::time::Duration;

/// The PostgreSQL notification channel of cache notices.
pub const CHANNEL: &str = "ott_cache";

/// How long to wait before listening again after the connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// A new process's id in notices: random, so that two processes never share one.
pub fn new_instance_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// Queues, inside `txn`, the notice that the caches in `touched` change when it commits.
pub(super) async fn announce(
    txn: &DatabaseTransaction,
    instance: &str,
    touched: u8,
) -> Result<(), DbErr> {
    if txn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), format!("{instance} {touched}").into()],
    ))
    .await?;
    Ok(())
}

/// The sender and the cache bits of a notice; `None` for anything else.
fn parse(payload: &str) -> Option<(&str, u8)> {
    let (sender, bits) = payload.split_once(' ')?;
    Some((sender, bits.parse().ok()?))
}

/// Hears the other instances' notices until the server stops (PostgreSQL only; returns at once
/// on SQLite).
pub async fn listen(state: AppState) {
    if state.db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let pool = state.db.get_postgres_connection_pool().clone();
    let mut first = true;
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
            tokio::time::sleep(RETRY).await;
            continue;
        }
        if !first {
            // Whatever was announced while nobody listened is lost: start afresh.
            super::tell_caches(&state, super::EVERY_CACHE);
        }
        first = false;
        tracing::debug!("listening for other instances' changes");
        loop {
            match listener.try_recv().await {
                Ok(Some(notice)) => match parse(notice.payload()) {
                    Some((sender, _)) if sender == &*state.instance_id => {}
                    Some((_, touched)) => super::tell_caches(&state, touched),
                    None => tracing::warn!(payload = notice.payload(), "unreadable cache notice"),
                },
                // The connection was lost; `try_recv` reconnects on its next call.
                Ok(None) => {
                    tracing::warn!("lost the connection that hears other instances' changes");
                    super::tell_caches(&state, super::EVERY_CACHE);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "stopped hearing other instances' changes; listening again");
                    break;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_their_sender_and_caches() {
        assert_eq!(parse("0a1b 5"), Some(("0a1b", 5)));
        assert_eq!(parse("0a1b"), None);
        assert_eq!(parse("0a1b x"), None);
        assert_eq!(parse("0a1b 300"), None, "more than a byte of bits");
        assert_ne!(new_instance_id(), new_instance_id());
    }
}
