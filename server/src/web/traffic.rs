//! Counts the bytes of every request and response body as they flow (a stream cut short
//! counts what was sent, not its Content-Length), and the streams and upload chunks in
//! progress, for the server monitor (`backend::monitor`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use backend::AppState;
use backend::monitor::Counters;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let counters = state.traffic.clone();
    let path = req.uri().path();
    let is_stream = path.starts_with("/stream/");
    let is_chunk = req.method() == http::Method::POST
        && path == "/api/upload"
        && req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "type=chunk"));
    let uploading = is_chunk.then(|| InProgress::start(counters.clone(), |c| &c.uploads));
    let req = req.map(|body| Body::new(Counted::new(body, counters.clone(), Direction::In, None)));
    let res = next.run(req).await;
    drop(uploading);
    let streaming = is_stream.then(|| InProgress::start(counters.clone(), |c| &c.streams));
    res.map(|body| Body::new(Counted::new(body, counters, Direction::Out, streaming)))
}

/// One stream or upload in progress, for as long as this lives.
struct InProgress {
    counters: Arc<Counters>,
    which: fn(&Counters) -> &AtomicU64,
}

impl InProgress {
    fn start(counters: Arc<Counters>, which: fn(&Counters) -> &AtomicU64) -> InProgress {
        which(&counters).fetch_add(1, Ordering::Relaxed);
        InProgress { counters, which }
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        (self.which)(&self.counters).fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy)]
enum Direction {
    In,
    Out,
}

/// A body that reports each data frame's size as it passes.
struct Counted {
    inner: Body,
    counters: Arc<Counters>,
    direction: Direction,
    /// Ends when the body is finished or dropped (the client went away).
    _in_progress: Option<InProgress>,
}

impl Counted {
    fn new(
        inner: Body,
        counters: Arc<Counters>,
        direction: Direction,
        in_progress: Option<InProgress>,
    ) -> Counted {
        Counted {
            inner,
            counters,
            direction,
            _in_progress: in_progress,
        }
    }
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let n = data.len() as u64;
            match self.direction {
                Direction::In => self.counters.received(n),
                Direction::Out => self.counters.sent(n),
            }
        }
        polled
    }

    // Passed through so that lengths stay known (Content-Length, not chunked).
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
