//! Shared test helpers: a server on a fresh data dir and database, and JSON requests.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::connect_info::MockConnectInfo;
use backend::testing::{TestDatabase, databases};
use backend::{AppState, Config, db};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use tempfile::TempDir;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub state: AppState,
    pub router: Router,
    pub dir: TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The `name=value` of the session cookie this reply sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie()
            .and_then(|c| c.split(';').next().map(str::to_owned))
            .filter(|c| !c.ends_with('='))
    }

    pub fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
    }

    /// Asserts the JSON error shape and code.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.body["error"], code,
            "unexpected error code; body: {}",
            self.text
        );
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error without a message: {}",
            self.text
        );
    }
}

/// Credentials to send with a request.
#[derive(Clone, Default)]
pub struct As {
    pub cookie: Option<String>,
    pub bearer: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl As {
    pub fn anonymous() -> As {
        As::default()
    }
    pub fn cookie(cookie: &str) -> As {
        As {
            cookie: Some(cookie.to_owned()),
            ..As::default()
        }
    }
    pub fn bearer(token: &str) -> As {
        As {
            bearer: Some(token.to_owned()),
            ..As::default()
        }
    }
    pub fn with_header(mut self, name: &'static str, value: &str) -> As {
        self.headers.push((name, value.to_owned()));
        self
    }
}

impl TestServer {
    pub async fn start(database: &TestDatabase, dir: TempDir) -> TestServer {
        Self::start_with(database, dir, |_| {}).await
    }

    /// Starts a server whose configuration `adjust` may change first.
    pub async fn start_with(
        database: &TestDatabase,
        dir: TempDir,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config::new(dir.path().canonicalize().unwrap());
        config.database_url = database.url.clone();
        // Tests never reach the real providers: port 9 (discard) refuses at once.
        for url in [
            &mut config.imdb_suggest_url,
            &mut config.imdb_url,
            &mut config.tmdb_url,
            &mut config.omdb_url,
        ] {
            *url = "http://127.0.0.1:9".into();
        }
        // Every request of these tests comes from 127.0.0.1; auth.rs tests the real limit.
        config.registrations_per_ip_per_hour = 1_000;
        adjust(&mut config);
        let conn = db::open(&config.database_url)
            .await
            .expect("open the test database");
        // Most tests register several people, which a new server refuses after the first
        // account until the administrator opens registration; auth.rs tests that default.
        backend::instance::set_open_registration(&conn, true)
            .await
            .expect("open registration");
        let state = AppState::new(conn, config);
        let leptos = server::config::leptos_options().expect("Leptos.toml parses");
        let router = server::web::router(state.clone(), leptos)
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        TestServer { state, router, dir }
    }

    /// What a restart changes for uploads: the process's memory of them is gone (a fresh
    /// upload service over the same folder), and the requests go to a new router.
    pub fn restart_uploads(&mut self) {
        self.state.uploads = backend::uploads::service(&self.state.config);
        let leptos = server::config::leptos_options().expect("Leptos.toml parses");
        self.router = server::web::router(self.state.clone(), leptos)
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    }

    /// Changes the state the requests are served with (e.g. a wider hashing gate), on a new
    /// router.
    pub fn adjust_state(&mut self, adjust: impl FnOnce(&mut AppState)) {
        adjust(&mut self.state);
        let leptos = server::config::leptos_options().expect("Leptos.toml parses");
        self.router = server::web::router(self.state.clone(), leptos)
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    }

    /// The router, for requests sent from other tasks.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        send_to(self.router.clone(), req).await
    }

    pub async fn call(&self, method: Method, path: &str, who: &As, body: Option<Value>) -> Reply {
        self.send(self.request(method, path, who, body)).await
    }

    fn request(&self, method: Method, path: &str, who: &As, body: Option<Value>) -> Request<Body> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(cookie) = &who.cookie {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(token) = &who.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in &who.headers {
            req = req.header(*name, HeaderValue::from_str(value).unwrap());
        }
        let req = match body {
            Some(json) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => req.body(Body::empty()),
        };
        req.unwrap()
    }

    pub async fn get(&self, path: &str, who: &As) -> Reply {
        self.call(Method::GET, path, who, None).await
    }

    pub async fn post(&self, path: &str, who: &As, body: Value) -> Reply {
        self.call(Method::POST, path, who, Some(body)).await
    }

    /// Puts registration back as a new server has it (closed after the first account, the
    /// setting never written), undoing what `start_with` opened for the other tests.
    pub async fn as_shipped(&self) {
        use sea_orm::EntityTrait;
        backend::entities::instance_setting::Entity::delete_by_id(
            backend::instance::OPEN_REGISTRATION.to_owned(),
        )
        .exec(&self.state.db)
        .await
        .expect("forget the registration setting");
    }

    /// Registers `username` through the API and returns its session cookie.
    pub async fn register(&self, username: &str) -> String {
        let reply = self
            .post(
                "/api/auth/register",
                &As::anonymous(),
                serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "register {username}: {}",
            reply.text
        );
        reply
            .session_cookie()
            .expect("registration sets the session cookie")
    }
}

/// Sends every request at once, each from its own task on the test's runtime (so they truly
/// run at the same time), and returns the answers in the same order.
pub async fn all_at_once(srv: &TestServer, requests: Vec<Request<Body>>) -> Vec<Reply> {
    let router = srv.router();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|req| tokio::spawn(send_to(router.clone(), req)))
        .collect();
    let mut replies = Vec::with_capacity(tasks.len());
    for task in tasks {
        replies.push(task.await.expect("the request task finishes"));
    }
    replies
}

/// A JSON `POST` as [`TestServer::post`] sends it, for [`all_at_once`].
pub fn json_post(path: &str, who: &As, body: Value) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = &who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(token) = &who.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in &who.headers {
        req = req.header(*name, HeaderValue::from_str(value).unwrap());
    }
    req.body(Body::from(body.to_string())).unwrap()
}

/// Calls a server function with form-encoded arguments, as the browser does with JavaScript
/// (JSON answer, HTTP status of the error).
pub async fn server_fn(srv: &TestServer, name: &str, who: &As, form: &str) -> Reply {
    let mut req = Request::post(format!("/api/fn/{name}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = &who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    srv.send(req.body(Body::from(form.to_owned())).unwrap())
        .await
}

/// Sends a request to a router and reads the whole answer. An answer that takes longer than
/// [`PATIENCE`] fails the test with its method, path and stage (waiting for the head, or
/// reading the body): a request that hangs here could hang in production too.
pub async fn send_to(router: Router, req: Request<Body>) -> Reply {
    let what = format!("{} {}", req.method(), req.uri());
    let res = patiently(&what, "waiting for the answer's head", router.oneshot(req))
        .await
        .expect("the router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = patiently(
        &what,
        "reading the body",
        to_bytes(res.into_body(), usize::MAX),
    )
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
        bytes: bytes.to_vec(),
    }
}

/// Longer than any request of these tests takes on a loaded CI machine (the slowest, a
/// remux of a test clip, takes a few seconds), far shorter than the stage limit of [`within`].
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

async fn patiently<T>(what: &str, stage: &str, work: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, work).await {
        Ok(value) => value,
        Err(_) => panic!("{what} hung: no progress {stage} within {PATIENCE:?}"),
    }
}

/// Runs `test` once per test database (SQLite, and PostgreSQL when configured), each time on
/// a fresh data dir and an empty database.
pub async fn on_each_database<F, Fut>(test: F)
where
    F: Fn(TestServer) -> Fut,
    Fut: Future<Output = ()>,
{
    on_each_database_with(|_| {}, test).await
}

/// Like [`on_each_database`], with the configuration changed by `adjust`.
pub async fn on_each_database_with<A, F, Fut>(adjust: A, test: F)
where
    A: Fn(&mut Config),
    F: Fn(TestServer) -> Fut,
    Fut: Future<Output = ()>,
{
    let probe = TempDir::new().unwrap();
    for database in databases(probe.path()).await {
        let dir = TempDir::new().unwrap();
        let database = if database.kind == "sqlite" {
            TestDatabase {
                url: backend::config::default_database_url(dir.path()),
                ..database
            }
        } else {
            database
        };
        eprintln!("-- on {}", database.kind);
        let kind = database.kind;
        let server = within(kind, "starting the server", async {
            TestServer::start_with(&database, dir, &adjust).await
        })
        .await;
        within(kind, "the test", test(server)).await;
    }
}

/// Runs one stage of a test with a time limit, so that a hang fails with its place named
/// instead of stalling the whole run until CI's own limit.
async fn within<T>(database: &str, stage: &str, work: impl Future<Output = T>) -> T {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(240);
    match tokio::time::timeout(LIMIT, work).await {
        Ok(value) => value,
        Err(_) => panic!("{stage} on {database} took more than {LIMIT:?}"),
    }
}

/// A free port that no other server of this test run has had: a killed server's port must
/// stay its own until it restarts, or a restart could find another test's server answering.
pub fn free_port() -> u16 {
    static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut taken = TAKEN.lock().unwrap();
        if !taken.contains(&port) {
            taken.push(port);
            return port;
        }
    }
}

/// The messages of a channel as a stream, for request bodies fed piece by piece.
pub fn receiver_stream<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Send + 'static {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Every file below `dir`, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
