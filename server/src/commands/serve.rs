//! `ott serve`: open the database, build the router, listen, and shut down gracefully.

mod listen;

use crate::cli::ServeArgs;
use crate::config::Settings;
use crate::web;
use anyhow::{Context, anyhow};
use axum::Router;
use backend::{AppState, db};
use listen::Limits;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// After a shutdown signal, open connections (a long stream, say) get this long to finish;
/// with the final flush the process is gone within 10 seconds.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

pub async fn run(settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    let Settings {
        mut config,
        addr,
        leptos,
        ..
    } = settings;
    if !args.trusted_proxies.is_empty() {
        config.trusted_proxies = backend::proxies::TrustedProxies::parse(&args.trusted_proxies)
            .map_err(|e| anyhow!("--trusted-proxy: {e}"))?;
    }
    let tls = super::tls::prepare(&args, &config.data_dir, addr).await?;
    if tls.is_some() {
        config.secure_cookies = true;
    } else if args.redirect_http.is_some() {
        return Err(anyhow!(
            "--redirect-http needs HTTPS (--tls-cert and --tls-key, or --tls-self-signed)"
        ));
    }
    tracing::info!(data_dir = %config.data_dir.display(), database = %crate::database_url::redact(&config.database_url), "starting");
    let conn = db::open(&config.database_url).await.with_context(|| {
        format!(
            "opening the database {}",
            crate::database_url::redact(&config.database_url)
        )
    })?;
    let state = AppState::new(conn, config);
    spawn_housekeeping(state.clone());
    tokio::spawn(backend::metadata::ingest::run(state.clone()));
    tokio::spawn(backend::write::peers::listen(state.clone()));
    spawn_backfill(state.clone());

    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another program using it? choose another with --addr)")
    })?;
    let local = listener.local_addr()?;
    let limits = Limits::new(
        &state.config,
        listen::connection_limit(state.config.max_connections),
    );
    tracing::info!(
        header_timeout_secs = state.config.header_timeout_secs,
        body_timeout_secs = state.config.body_timeout_secs,
        idle_timeout_secs = state.config.idle_timeout_secs,
        "timeouts"
    );
    if let Some(from) = args.redirect_http {
        spawn_redirect(from, local.port(), limits.clone()).await?;
    }
    spawn_heartbeat(state.clone(), local);
    let uploads = state.uploads.clone();
    let sessions = state.hls.clone();
    let stopping = state.clone();
    let router = web::router(state, leptos);
    let shutdown = shutdown_signal()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "Open OTT is running. Open {scheme}://{} in your browser.",
        browser_addr(local)
    );

    listen::serve(listener, router, limits, tls, shutdown, SHUTDOWN_GRACE).await;
    // Chunks acknowledged in the last second become durable now, so that clients resume
    // exactly where they were.
    let _ = tokio::task::spawn_blocking(move || uploads.flush_all()).await;
    // No ffmpeg outlives the server, and no session folder is left.
    sessions.end_all().await;
    // The monitor no longer lists this instance.
    if let Err(e) = backend::monitor::leave(&stopping).await {
        tracing::warn!("could not remove this instance from the monitor's list: {e}");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Plain HTTP on `from` that sends every request to the same path over HTTPS on `https_port`.
async fn spawn_redirect(from: SocketAddr, https_port: u16, limits: Limits) -> anyhow::Result<()> {
    let listener = TcpListener::bind(from)
        .await
        .with_context(|| format!("cannot listen on {from} for the HTTP redirect"))?;
    let app = Router::new().fallback(move |req: axum::extract::Request| async move {
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let location = https_location(host, https_port, req.uri());
        (
            http::StatusCode::PERMANENT_REDIRECT,
            [(http::header::LOCATION, location)],
        )
    });
    tracing::info!(%from, "redirecting plain HTTP to HTTPS");
    // Until the process ends; its connections count against the same limit.
    tokio::spawn(listen::serve(
        listener,
        app,
        limits,
        None,
        std::future::pending(),
        Duration::ZERO,
    ));
    Ok(())
}

/// `https://host[:port]/path?query` for a request that came in over HTTP to `host`.
fn https_location(host: &str, https_port: u16, uri: &http::Uri) -> String {
    let name = match host.rsplit_once(':') {
        // `[::1]:80` or `name:80`; a bare IPv6 literal is in brackets, so a ':' after ']' is a port.
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() => name,
        _ => host,
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    if https_port == 443 {
        format!("https://{name}{path}")
    } else {
        format!("https://{name}:{https_port}{path}")
    }
}

/// An address a browser can open: a wildcard bind is reachable as localhost.
fn browser_addr(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed here, before the server says it
/// is running, not when the future is first polled: a SIGTERM sent right after the URL was
/// printed used to find no handler yet and kill the process without a clean shutdown.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?,
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received; finishing open requests");
    })
}

/// Files uploaded before this server analysed files (or by an older reading of ffprobe's
/// output) are queued for probing, behind any new upload.
/// This instance's row in the monitor's list of instances, refreshed while it runs.
fn spawn_heartbeat(state: AppState, local: SocketAddr) {
    tokio::spawn(async move {
        let address = local.to_string();
        let mut tick = tokio::time::interval(backend::monitor::HEARTBEAT);
        loop {
            tick.tick().await;
            if let Err(e) = backend::monitor::heartbeat(&state, &address).await {
                tracing::warn!("could not write this instance's heartbeat: {e}");
            }
        }
    });
}

fn spawn_backfill(state: AppState) {
    tokio::spawn(async move {
        match backend::media::info::backfill(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "analysing files not analysed yet"),
            Err(e) => tracing::warn!("could not list the files to analyse: {e}"),
        }
    });
}

/// Periodic clean-up: expired sessions, and uploads abandoned for longer than allowed; and
/// each finished minute of traffic into the database; idle playback sessions.
fn spawn_housekeeping(state: AppState) {
    // Playback sessions: nothing is left from a previous run; idle ones end, the others' ffmpeg
    // is paced (paused far ahead of the player, old segments deleted).
    backend::hls::clear(&state);
    let playback = state.clone();
    tokio::spawn(async move {
        let idle = Duration::from_secs(playback.config.playback_idle_secs);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            playback.hls.sweep(&playback, idle).await;
        }
    });
    let traffic = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            if let Err(e) = backend::monitor::flush(&traffic).await {
                tracing::warn!("could not save the traffic figures: {e}");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match backend::auth::sessions::purge_expired(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "removed expired sessions"),
                Err(e) => tracing::warn!("could not remove expired sessions: {e}"),
            }
            if let Err(e) = backend::hls::forget_old(&state).await {
                tracing::warn!("could not forget old playback sessions: {e}");
            }
            if let Err(e) = backend::auth::rate_limit::forget_recovered(&state).await {
                tracing::warn!("could not forget old login attempts: {e}");
            }
            match backend::uploads::sweep(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(uploads = n, "removed abandoned uploads"),
                Err(e) => tracing::warn!("could not sweep abandoned uploads: {e}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_sent_to_the_same_place_over_https() {
        let uri: http::Uri = "/movie/tt0133093?x=1".parse().unwrap();
        assert_eq!(
            https_location("movies.home:8080", 8443, &uri),
            "https://movies.home:8443/movie/tt0133093?x=1"
        );
        assert_eq!(
            https_location("movies.home", 443, &"/".parse().unwrap()),
            "https://movies.home/"
        );
        assert_eq!(
            https_location("[::1]:80", 3443, &"/a".parse().unwrap()),
            "https://[::1]:3443/a"
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
