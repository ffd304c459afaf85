//! The listener: accepts connections up to a limit, serves HTTP/1.1 and HTTP/2 (over TLS when
//! configured) with hyper, and closes connections that are slow to send a request or that sit
//! idle too long.
//!
//! `axum::serve` and axum-server had no timer: a client that sent half a request line kept its
//! connection, and a file descriptor, forever, and a few thousand of them stopped the server.
//! hyper's own `header_read_timeout` cannot do the job alone: since hyper 1.4 it also runs
//! while a kept-alive connection waits for its next request, so it cannot give an idle
//! connection (a proxy's pool) longer than a client that is slowly sending headers. Each
//! connection here has a watchdog instead, fed by its reads and its requests (`Activity`).
//! A request body that stalls is the router's business (`web::middleware::body_timeout`).

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::{Request, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower::Service;

/// How long a connection may take over what, and how many may be open at once.
#[derive(Clone, Debug)]
pub struct Limits {
    /// From a connection's start (TLS handshake included), or from the first byte of a later
    /// request, until its headers are complete.
    pub header: Duration,
    /// A kept-alive connection's wait for its next request.
    pub idle: Duration,
    /// Free connection slots; shared by every listener of the process, so that the total stays
    /// under the open-file limit.
    pub slots: Arc<Semaphore>,
    /// The number of slots, for the log.
    pub max_connections: usize,
}

impl Limits {
    pub fn new(config: &backend::Config, max_connections: usize) -> Limits {
        Limits {
            header: Duration::from_secs(config.header_timeout_secs),
            idle: Duration::from_secs(config.idle_timeout_secs),
            slots: Arc::new(Semaphore::new(max_connections)),
            max_connections,
        }
    }
}

/// Files each connection may hold open: its socket and a movie file being streamed or an
/// upload being written.
const FILES_PER_CONNECTION: u64 = 2;
/// Files kept for everything else: the database, logs, staging, ffmpeg's pipes.
const SPARE_FILES: u64 = 256;

/// How many connections the open-file limit allows, at most `wanted`. The soft limit is raised
/// towards the hard one first (systemd's default soft limit of 1024 would allow only a few
/// hundred); what it cannot reach is logged, with the lower number that is then used.
pub fn connection_limit(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let needed = wanted as u64 * FILES_PER_CONNECTION + SPARE_FILES;
        let limit = getrlimit(Resource::Nofile);
        let soft = limit.current.unwrap_or(u64::MAX);
        if soft < needed {
            let raised = limit.maximum.map_or(needed, |hard| hard.min(needed));
            if raised > soft {
                let _ = setrlimit(
                    Resource::Nofile,
                    Rlimit {
                        current: Some(raised),
                        maximum: limit.maximum,
                    },
                );
            }
        }
        let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        let fits = usize::try_from(soft.saturating_sub(SPARE_FILES) / FILES_PER_CONNECTION)
            .unwrap_or(usize::MAX)
            .max(1);
        if fits < wanted {
            tracing::warn!(
                open_files = soft,
                max_connections = wanted,
                "the open-file limit allows only {fits} connections; raise it (LimitNOFILE= for systemd, ulimit -n) or lower max_connections"
            );
            return fits;
        }
        tracing::info!(
            open_files = soft,
            max_connections = wanted,
            "connection limit"
        );
    }
    wanted
}

/// Serves `router` on `listener` until `stop` resolves; then stops accepting, lets open
/// requests finish for up to `grace`, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let tls = tls.map(TlsAcceptor::from);
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    let mut warned: Option<Instant> = None;
    loop {
        let slot = match limits.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // Stop accepting: further clients wait in the kernel's queue until a
                // connection closes. Said once a minute at most, not once a connection.
                if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                    warned = Some(Instant::now());
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached; new connections wait until one closes"
                    );
                }
                tokio::select! {
                    () = &mut stop => break,
                    slot = limits.slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let connection = Connection {
            peer,
            router: router.clone(),
            builder: builder.clone(),
            watcher: graceful.watcher(),
            limits: limits.clone(),
            activity: Arc::new(Activity::new()),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            connection.run(tcp, tls).await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("connections still open after {grace:?}; closing them");
        }
    }
}

/// As `axum::serve` does: a client that gave up before it was accepted is nobody's problem;
/// anything else (out of file descriptors, say) is logged, and the loop pauses so as not to
/// spin.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("accepting a connection failed: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

struct Connection {
    peer: SocketAddr,
    router: Router,
    builder: Arc<auto::Builder<TokioExecutor>>,
    watcher: Watcher,
    limits: Limits,
    activity: Arc<Activity>,
}

impl Connection {
    async fn run(self, tcp: TcpStream, tls: Option<TlsAcceptor>) {
        let io = Watched {
            inner: tcp,
            activity: self.activity.clone(),
        };
        match tls {
            None => self.http(io).await,
            Some(acceptor) => {
                // The handshake counts against the header timeout, like the headers after it.
                let deadline = self.activity.accepted + self.limits.header;
                match tokio::time::timeout_at(deadline, acceptor.accept(io)).await {
                    Ok(Ok(stream)) => self.http(stream).await,
                    Ok(Err(e)) => tracing::debug!(peer = %self.peer, "TLS handshake failed: {e}"),
                    Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
                }
            }
        }
    }

    async fn http<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            peer,
            router,
            builder,
            watcher,
            limits,
            activity,
        } = self;
        let requests = activity.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            // What `into_make_service_with_connect_info` provided: the client's address.
            req.extensions_mut().insert(ConnectInfo(peer));
            let busy = requests.begin(req.version());
            let response = router.clone().call(req);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| Tracked { body, _busy: busy }))
            }
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(io), service)
            .into_owned();
        tokio::select! {
            result = watcher.watch(conn) => {
                if let Err(e) = result {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
            }
            () = activity.watchdog(&limits) => {
                tracing::debug!(%peer, "closed a connection that was too slow to send a request, or idle");
            }
        }
    }
}

/// What one connection is doing, as its watchdog needs to know.
struct Activity {
    accepted: Instant,
    state: Mutex<State>,
    /// Set while idle until the first byte arrives, so that reads take the lock once per idle
    /// spell, not once per read.
    listening: AtomicBool,
    changed: Notify,
}

struct State {
    /// Requests whose response is not yet fully sent.
    requests: usize,
    served: bool,
    http2: bool,
    idle_since: Instant,
    /// The first byte read since the connection went idle: a request has begun.
    first_byte: Option<Instant>,
}

impl Activity {
    fn new() -> Activity {
        let now = Instant::now();
        Activity {
            accepted: now,
            state: Mutex::new(State {
                requests: 0,
                served: false,
                http2: false,
                idle_since: now,
                first_byte: None,
            }),
            listening: AtomicBool::new(true),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(self: &Arc<Self>, version: Version) -> Busy {
        let mut state = self.state();
        state.requests += 1;
        state.served = true;
        state.http2 |= version == Version::HTTP_2;
        self.listening.store(false, Ordering::Relaxed);
        Busy(self.clone())
    }

    fn bytes_read(&self) {
        if self.listening.swap(false, Ordering::Relaxed) {
            let mut state = self.state();
            if state.requests == 0 && state.first_byte.is_none() {
                state.first_byte = Some(Instant::now());
                drop(state);
                self.changed.notify_one();
            }
        }
    }

    /// When the connection is to be closed if nothing changes; `None` while a request is in
    /// progress (a stalled body is the router's business, and a paused video may hold its
    /// response for as long as the viewer likes).
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        let state = self.state();
        if state.requests > 0 {
            None
        } else if !state.served {
            Some(self.accepted + limits.header)
        } else {
            match state.first_byte {
                // HTTP/2 clients may send pings and settings between requests: only the idle
                // timeout applies to them.
                Some(at) if !state.http2 => Some(at + limits.header),
                _ => Some(state.idle_since + limits.idle),
            }
        }
    }

    /// Returns when the connection should be closed.
    async fn watchdog(&self, limits: &Limits) {
        loop {
            match self.deadline(limits) {
                None => self.changed.notified().await,
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = self.changed.notified() => {}
                        () = tokio::time::sleep_until(deadline) => {}
                    }
                }
            }
        }
    }
}

/// One request in progress, until its response has been sent (or abandoned).
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.requests -= 1;
        if state.requests == 0 {
            state.idle_since = Instant::now();
            state.first_byte = None;
            self.0.listening.store(true, Ordering::Relaxed);
            drop(state);
            self.0.changed.notify_one();
        }
    }
}

/// A response body that keeps its request counted as in progress until it is sent.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, telling the connection's `Activity` when bytes arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(header_ms: u64, idle_ms: u64) -> Limits {
        Limits {
            header: Duration::from_millis(header_ms),
            idle: Duration::from_millis(idle_ms),
            slots: Arc::new(Semaphore::new(1)),
            max_connections: 1,
        }
    }

    /// `deadline` is `base + span`, with `base` taken between `before` and now.
    #[track_caller]
    fn within(deadline: Option<Instant>, before: Instant, span: Duration) {
        let deadline = deadline.expect("a deadline");
        assert!(deadline >= before + span && deadline <= Instant::now() + span);
    }

    #[tokio::test]
    async fn deadlines_follow_what_the_connection_is_doing() {
        let limits = limits(15_000, 75_000);
        let activity = Arc::new(Activity::new());
        // A new connection has the header timeout, whether or not bytes arrive.
        assert_eq!(
            activity.deadline(&limits),
            Some(activity.accepted + limits.header)
        );
        activity.bytes_read();
        assert_eq!(
            activity.deadline(&limits),
            Some(activity.accepted + limits.header)
        );
        // None while a request is served.
        let busy = activity.begin(Version::HTTP_11);
        activity.bytes_read();
        assert_eq!(activity.deadline(&limits), None);
        // Idle: the idle timeout, until the next request's first byte starts the header one.
        let before = Instant::now();
        drop(busy);
        within(activity.deadline(&limits), before, limits.idle);
        let before = Instant::now();
        activity.bytes_read();
        within(activity.deadline(&limits), before, limits.header);
        // HTTP/2 between requests: the idle timeout only.
        let before = Instant::now();
        drop(activity.begin(Version::HTTP_2));
        activity.bytes_read();
        within(activity.deadline(&limits), before, limits.idle);
    }

    #[tokio::test]
    async fn the_watchdog_fires_at_the_deadline_and_not_during_a_request() {
        let limits = limits(100, 300);
        let activity = Arc::new(Activity::new());
        let busy = activity.begin(Version::HTTP_11);
        let watch = tokio::spawn({
            let activity = activity.clone();
            let limits = limits.clone();
            async move { activity.watchdog(&limits).await }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!watch.is_finished(), "no deadline during a request");
        let idle = Instant::now();
        drop(busy);
        watch.await.unwrap();
        assert!(Instant::now() >= idle + limits.idle);
    }
}
