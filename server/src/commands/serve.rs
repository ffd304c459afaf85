//! `ott serve`: open the database, build the router, listen, and shut down gracefully.

use crate::config::Settings;
use crate::web;
use anyhow::Context;
use backend::{AppState, db};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// After a shutdown signal, open connections (a long stream, say) get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let Settings {
        config,
        addr,
        leptos,
    } = settings;
    tracing::info!(data_dir = %config.data_dir.display(), database = %redact(&config.database_url), "starting");
    let conn = db::open(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database_url)))?;
    let state = AppState::new(conn, config);
    spawn_housekeeping(state.clone());
    tokio::spawn(backend::metadata::ingest::run(state.clone()));

    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another program using it? choose another with --addr)")
    })?;
    let local = listener.local_addr()?;
    let uploads = state.uploads.clone();
    let router = web::router(state, leptos);
    println!(
        "Open OTT is running. Open http://{} in your browser.",
        browser_addr(local)
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    tokio::select! {
        result = server => result.context("serving HTTP")?,
        _ = async {
            let mut rx = stop_rx;
            let _ = rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; closing them"),
    }
    // Chunks acknowledged in the last second become durable now, so that clients resume
    // exactly where they were.
    let _ = tokio::task::spawn_blocking(move || uploads.flush_all()).await;
    tracing::info!("stopped");
    Ok(())
}

/// An address a browser can open: a wildcard bind is reachable as localhost.
fn browser_addr(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// Hides a password in a database URL before it is logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing open requests");
}

/// Periodic clean-up: expired sessions, and uploads abandoned for longer than allowed.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match backend::auth::sessions::purge_expired(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "removed expired sessions"),
                Err(e) => tracing::warn!("could not remove expired sessions: {e}"),
            }
            let sweeper = state.clone();
            match tokio::task::spawn_blocking(move || backend::uploads::sweep(&sweeper)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(uploads = n, "removed abandoned uploads"),
                Ok(Err(e)) => tracing::warn!("could not sweep abandoned uploads: {e}"),
                Err(e) => tracing::warn!("the upload sweep failed: {e}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_logged_urls() {
        assert_eq!(
            redact("postgres://ott:secret@db:5432/ott"),
            "postgres://ott:***@db:5432/ott"
        );
        assert_eq!(redact("postgres://ott@db/ott"), "postgres://ott@db/ott");
        assert_eq!(
            redact("sqlite:///data/ott.db?mode=rwc"),
            "sqlite:///data/ott.db?mode=rwc"
        );
    }

    #[test]
    fn wildcard_addresses_are_shown_as_localhost() {
        assert_eq!(
            browser_addr("0.0.0.0:3000".parse().unwrap()),
            "localhost:3000"
        );
        assert_eq!(
            browser_addr("127.0.0.1:3000".parse().unwrap()),
            "127.0.0.1:3000"
        );
    }
}
