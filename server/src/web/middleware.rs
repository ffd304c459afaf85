//! Middleware every request passes: who the client is, cross-site request refusal, who the
//! user is, and a limit on how long a request body may stall.

use super::error::Failure;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::auth::ClientInfo;
use backend::{ApiError, AppState};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// Records the client's address and user agent for logs, rate limits and session lists.
/// Forwarding headers count only from a configured trusted proxy (see `backend::proxies`).
pub async fn client_info(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        // In-process tests supply the peer address this way.
        .or_else(|| {
            req.extensions()
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        });
    // In a block: a borrow of the request (not Sync) must not live across the await below.
    let client = {
        let header_values = |name: &str| -> Vec<&str> {
            req.headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect()
        };
        peer.map(|peer| {
            state.config.trusted_proxies.client(
                peer,
                &header_values("x-forwarded-for"),
                &header_values("x-forwarded-proto"),
            )
        })
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let https =
        req.uri().scheme() == Some(&http::uri::Scheme::HTTPS) || client.is_some_and(|c| c.https);
    req.extensions_mut().insert(ClientInfo {
        ip: client.map(|c| c.ip),
        user_agent,
        https,
    });
    next.run(req).await
}

/// Refuses state-changing requests that a browser sent on behalf of another site (CSRF).
///
/// Browsers mark such requests with `Sec-Fetch-Site` or, older ones, an `Origin` that differs
/// from the `Host`. Requests with neither header do not come from a web page (curl, the CLI,
/// scripts) and carry no ambient credentials a page could abuse; `SameSite=Lax` cookies cover
/// the remaining old browsers.
pub async fn reject_cross_origin(req: Request, next: Next) -> Response {
    if is_safe_method(req.method()) || !is_cross_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(method = %req.method(), path = %crate::logging::redact_secrets(req.uri().path()), "refused a cross-site request");
    Failure(ApiError::forbidden(
        "cross_origin_request",
        "This request came from another website and was refused. Reload the page and try again.",
    ))
    .into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_cross_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// Resolves the session cookie or bearer token to a user, once per request, and stores it in
/// the request's extensions for handlers and server functions.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Compiled assets need no user; skip the database for them.
    if req.uri().path().starts_with("/pkg/") {
        return next.run(req).await;
    }
    let cookies: Vec<&str> = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let cookie_header = (!cookies.is_empty()).then(|| cookies.join("; "));
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match backend::auth::authenticate(&state, cookie_header.as_deref(), authorization).await {
        Ok(Some(user)) => {
            req.extensions_mut().insert(user);
        }
        Ok(None) => {}
        Err(e) => return Failure(ApiError::from(e)).into_response(),
    }
    next.run(req).await
}

/// Fails a request whose body stops arriving for `body_timeout_secs`: the handler reading it
/// gets an error (an upload chunk cut this way is not kept, and can be sent again), and the
/// client a 408 `request_timeout`, on HTTP/1 with the connection closed. The clock runs only
/// while the handler waits for the client, so a slow disk does not count against it.
pub async fn body_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.config.body_timeout_secs);
    let stalled = Arc::new(AtomicBool::new(false));
    let http1 = req.version() < http::Version::HTTP_2;
    let req = req.map(|inner| {
        Body::new(StallLimit {
            inner,
            limit,
            timer: None,
            armed: false,
            stalled: stalled.clone(),
        })
    });
    let res = next.run(req).await;
    if !stalled.load(Ordering::Relaxed) {
        return res;
    }
    tracing::info!("a request body stopped arriving for {limit:?}; request refused");
    let mut res = Failure(ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "The request stopped arriving for {} seconds. Send it again.",
            limit.as_secs()
        ),
    ))
    .into_response();
    if http1 {
        // The rest of that body may still come; the connection is no use for another request.
        res.headers_mut()
            .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
    }
    res
}

/// A request body that fails once no frame has come for `limit` while it was being waited for.
struct StallLimit {
    inner: Body,
    limit: Duration,
    /// Made on the first wait and reset for each later one.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    armed: bool,
    stalled: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
struct BodyStalled(Duration);

impl http_body::Body for StallLimit {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.armed = false;
            return Poll::Ready(frame);
        }
        if !this.armed {
            let deadline = tokio::time::Instant::now() + this.limit;
            match &mut this.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => this.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            this.armed = true;
        }
        let timer = this.timer.as_mut().expect("armed above");
        if timer.as_mut().poll(cx).is_ready() {
            this.armed = false;
            this.stalled.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(BodyStalled(this.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A handler panicked: log it, and answer with the JSON error shape and no details.
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    let mut res = Failure(ApiError::internal(format!(
        "request handler panicked: {detail}"
    )))
    .into_response();
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        assert!(!is_cross_origin(&headers(&[])));
        assert!(!is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_cross_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_cross_origin(&headers(&[
            ("origin", "https://Movies.Example"),
            ("host", "movies.example")
        ])));
    }

    #[test]
    fn other_sites_are_refused() {
        assert!(is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_cross_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_origin(&headers(&[
            ("origin", "http://127.0.0.1:3001"),
            ("host", "127.0.0.1:3000")
        ])));
    }
}
