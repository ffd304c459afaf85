//! The listener against raw sockets, on the real `ott serve` with short timeouts: half-sent
//! requests and silent clients are cut after the header timeout (over TLS too), kept-alive
//! connections live past it until the idle timeout, a stalled body gets 408 and the
//! connection closed (an upload chunk cut so is sent again and the file comes out whole), the
//! connection cap holds clients back without refusing them, and invite tokens stay out of the
//! server's log.
//!
//! Timings are asserted with wide margins (these machines are noisy): "closed within the
//! timeout plus `MARGIN`", and "still open" only well before a timeout could fire.

use crate::cli::{ott, ott_bin, stdout};
use crate::support::{PASSWORD, free_port};
use crate::uploads::{MATRIX, enc, sha256};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MARGIN: Duration = Duration::from_secs(5);

struct Server {
    data: TempDir,
    child: Child,
    port: u16,
    tls: bool,
    /// A user's API token and library, when asked for.
    token: String,
    library: i64,
    library_path: PathBuf,
}

impl Server {
    /// `ott serve` on a free loopback port with `config` added to the test config file.
    async fn start(config: &str, args: &[&str], with_user: bool) -> Server {
        let data = TempDir::new().unwrap();
        let db = backend::config::default_database_url(data.path());
        let (mut token, mut library, mut library_path) = (String::new(), 0, PathBuf::new());
        if with_user {
            stdout(&ott(
                &data,
                &db,
                &["user", "create", "anna", "--password-stdin"],
                Some(PASSWORD),
            ));
            token = stdout(&ott(
                &data,
                &db,
                &["token", "create", "--user", "anna"],
                None,
            ))
            .trim()
            .to_owned();
            let lib: Value = serde_json::from_str(&stdout(&ott(
                &data,
                &db,
                &["library", "create", "--owner", "anna", "--name", "Films"],
                None,
            )))
            .unwrap();
            library = lib["id"].as_i64().unwrap();
            library_path = PathBuf::from(lib["path"].as_str().unwrap());
        }
        let config_path = data.path().join("ott.toml");
        std::fs::write(
            &config_path,
            format!("{}{config}", crate::fixtures::config_file()),
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(data.path().join("server.log")).unwrap();
        let child = Command::new(ott_bin())
            .args(["--data-dir", data.path().to_str().unwrap()])
            .arg("--config")
            .arg(&config_path)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start ott serve");
        let mut srv = Server {
            data,
            child,
            port,
            tls: args.contains(&"--tls-self-signed"),
            token,
            library,
            library_path,
        };
        srv.wait_until_up().await;
        srv
    }

    fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// A client for checks; dropped after use so that its pooled connection does not hold a
    /// slot of the server's connection cap.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap()
    }

    async fn wait_until_up(&mut self) {
        let client = self.client();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let exited = self.child.try_wait().unwrap();
            assert!(exited.is_none(), "ott serve exited: {}", self.log());
            if let Ok(r) = client.get(format!("{}/healthz", self.url())).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn assert_serves(&self) {
        let client = self.client();
        let ok = client
            .get(format!("{}/healthz", self.url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the server still answers: {e}; log:\n{}", self.log()));
        assert!(ok.status().is_success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).await.unwrap()
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.bearer_auth(&self.token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the server closes the connection (or resets it) and returns what it sent and
/// when it closed; `None` if the connection is still open after `within`.
async fn closed_within<S: AsyncRead + Unpin>(
    stream: &mut S,
    within: Duration,
) -> Option<(Vec<u8>, Instant)> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((got, Instant::now())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one response to a `GET /healthz` (body `ok`), leaving the connection open.
async fn read_health<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(MARGIN, stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200"), "{got:?}");
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_and_silent_clients_are_cut_after_the_header_timeout() {
    const HEADER: Duration = Duration::from_secs(2);
    let srv = Server::start(
        "header_timeout_secs = 2\nidle_timeout_secs = 60\n",
        &[],
        false,
    )
    .await;
    let started = Instant::now();
    let mut clients = Vec::new();
    for i in 0..21 {
        let mut stream = srv.connect().await;
        // Twenty send half a request line; one sends nothing at all.
        if i < 20 {
            stream.write_all(b"GET /healthz HT").await.unwrap();
        }
        clients.push(stream);
    }
    let closed = futures::future::join_all(
        clients
            .iter_mut()
            .map(|s| closed_within(s, HEADER + MARGIN)),
    )
    .await;
    for (i, closed) in closed.into_iter().enumerate() {
        let Some((sent, at)) = closed else {
            panic!(
                "connection {i} still open {:?} after it started",
                started.elapsed()
            );
        };
        assert!(
            sent.is_empty() || sent.starts_with(b"HTTP/1.1 408"),
            "connection {i} got {:?}",
            String::from_utf8_lossy(&sent)
        );
        // Cut by the timeout, not refused on sight.
        assert!(at - started >= HEADER / 2, "connection {i} closed at once");
    }
    srv.assert_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_outlives_the_header_timeout_and_closes_when_idle() {
    const IDLE: Duration = Duration::from_secs(6);
    let srv = Server::start(
        "header_timeout_secs = 1\nidle_timeout_secs = 6\n",
        &[],
        false,
    )
    .await;
    let mut stream = srv.connect().await;
    stream.write_all(HEALTH).await.unwrap();
    read_health(&mut stream).await;
    // Well past the header timeout, well before the idle one: the connection still serves.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stream.write_all(HEALTH).await.unwrap();
    read_health(&mut stream).await;
    let idle = Instant::now();
    let (sent, at) = closed_within(&mut stream, IDLE + MARGIN)
        .await
        .expect("an idle connection is closed after the idle timeout");
    assert!(sent.is_empty(), "{sent:?}");
    assert!(at - idle >= IDLE - Duration::from_secs(2), "closed early");
    srv.assert_serves().await;
}

/// The head of a request whose body is `length` bytes, with the test user's token.
fn head(srv: &Server, method: &str, target: &str, length: usize, json: bool) -> String {
    let kind = if json {
        "application/json"
    } else {
        "application/octet-stream"
    };
    format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {kind}\r\nContent-Length: {length}\r\n\r\n",
        srv.token
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_gets_408_and_a_stalled_chunk_is_sent_again() {
    const BODY: Duration = Duration::from_secs(2);
    let srv = Server::start(
        "header_timeout_secs = 2\nbody_timeout_secs = 2\nidle_timeout_secs = 60\n",
        &[],
        true,
    )
    .await;

    // A JSON body that stops half way.
    let mut stream = srv.connect().await;
    let body = json!({"username": "anna", "password": PASSWORD}).to_string();
    stream
        .write_all(head(&srv, "POST", "/api/auth/login", body.len(), true).as_bytes())
        .await
        .unwrap();
    stream
        .write_all(&body.as_bytes()[..body.len() / 2])
        .await
        .unwrap();
    let (sent, _) = closed_within(&mut stream, BODY + MARGIN)
        .await
        .expect("the connection is closed after the body timeout");
    let sent = String::from_utf8_lossy(&sent);
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains(r#""error":"request_timeout""#), "{sent}");
    srv.assert_serves().await;

    // An upload whose second chunk stalls half way, then is sent again in full.
    let client = srv.client();
    const CHUNK: usize = 64 * 1024;
    let data: Vec<u8> = (0..3 * CHUNK).map(|i| (i * 7 % 251) as u8).collect();
    let init = |client: &reqwest::Client| {
        srv.auth(client.get(format!(
            "{}/api/upload?type=init&filename={}&size={}&lastModified=1&library={}",
            srv.url(),
            enc("Stalled.mp4"),
            data.len(),
            srv.library
        )))
        .header("x-ott-upload", "1")
        .send()
    };
    let started: Value = init(&client).await.unwrap().json().await.unwrap();
    let id = started["uploadId"]
        .as_str()
        .unwrap_or_else(|| panic!("init: {started}"))
        .to_owned();
    let chunk_target = |nr: usize| {
        format!(
            "/api/upload?type=chunk&uploadId={id}&chunkNr={nr}&offset={}",
            (nr - 1) * CHUNK
        )
    };
    let send_chunk = |nr: usize| {
        srv.auth(client.post(format!("{}{}", srv.url(), chunk_target(nr))))
            .body(data[(nr - 1) * CHUNK..nr * CHUNK].to_vec())
            .send()
    };
    assert!(send_chunk(1).await.unwrap().status().is_success());
    let mut stream = srv.connect().await;
    stream
        .write_all(head(&srv, "POST", &chunk_target(2), CHUNK, false).as_bytes())
        .await
        .unwrap();
    stream
        .write_all(&data[CHUNK..CHUNK + CHUNK / 2])
        .await
        .unwrap();
    let (sent, _) = closed_within(&mut stream, BODY + MARGIN)
        .await
        .expect("the stalled chunk's connection is closed");
    let sent = String::from_utf8_lossy(&sent);
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains(r#""error":"request_timeout""#), "{sent}");
    // Nothing of the half chunk counts: the upload stands after chunk 1.
    let state: Value = init(&client).await.unwrap().json().await.unwrap();
    assert_eq!(state["offset"].as_u64(), Some(CHUNK as u64), "{state}");
    assert_eq!(state["chunkNr"].as_u64(), Some(1), "{state}");
    for nr in 2..=3 {
        let res = send_chunk(nr).await.unwrap();
        assert!(res.status().is_success(), "chunk {nr}: {}", res.status());
    }
    let end: Value = srv
        .auth(client.post(format!(
            "{}/api/upload?type=end&uploadId={id}&imdbId={MATRIX}&mode=new",
            srv.url()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = end["path"].as_str().unwrap_or_else(|| panic!("{end}"));
    let stored = std::fs::read(srv.library_path.join(path)).unwrap();
    assert_eq!(sha256(&stored), sha256(&data));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_clients_wait_until_a_connection_closes() {
    let srv = Server::start(
        "max_connections = 3\nheader_timeout_secs = 60\nidle_timeout_secs = 60\n",
        &[],
        false,
    )
    .await;
    // The start-up check's connection may take a moment to be noticed as closed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = srv.connect().await;
        stream.write_all(HEALTH).await.unwrap();
        read_health(&mut stream).await;
        held.push(stream);
    }
    // The fourth is queued by the kernel, not served.
    let mut fourth = srv.connect().await;
    fourth.write_all(HEALTH).await.unwrap();
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_secs(2), fourth.read(&mut buf))
            .await
            .is_err(),
        "a fourth connection is served while three are open"
    );
    // One closes: the fourth is served.
    drop(held.pop());
    read_health(&mut fourth).await;
    drop(held);
    drop(fourth);
    tokio::time::sleep(Duration::from_millis(300)).await;
    srv.assert_serves().await;
    assert!(
        srv.log().contains("connection limit reached"),
        "{}",
        srv.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_silent_clients_are_cut_and_http2_is_offered() {
    const HEADER: Duration = Duration::from_secs(2);
    let srv = Server::start(
        "header_timeout_secs = 2\nidle_timeout_secs = 60\n",
        &["--tls-self-signed"],
        false,
    )
    .await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No handshake at all, and half a ClientHello.
    let mut silent = srv.connect().await;
    let mut half = srv.connect().await;
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    for (what, stream) in [("silent", &mut silent), ("half a hello", &mut half)] {
        assert!(
            closed_within(stream, HEADER + MARGIN).await.is_some(),
            "{what}: still open"
        );
    }

    // A full handshake choosing HTTP/2, then the preface, then silence.
    let cert = std::fs::read(srv.data.path().join("tls/cert.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::pem::PemObject::pem_slice_iter(&cert) {
        roots.add(c.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, srv.connect().await).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut frame = [0u8; 9];
    tls.read_exact(&mut frame).await.unwrap();
    assert_eq!(frame[3], 0x04, "the server answers with its SETTINGS");
    assert!(
        closed_within(&mut tls, HEADER + MARGIN).await.is_some(),
        "an HTTP/2 connection without a request is closed"
    );
    srv.assert_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_tokens_stay_out_of_the_log() {
    let srv = Server::start("", &[], true).await;
    let client = srv.client();
    let made: Value = srv
        .auth(client.post(format!(
            "{}/api/libraries/{}/invites",
            srv.url(),
            srv.library
        )))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{made}"))
        .to_owned();
    let base = srv.url();
    let requests = [
        client.get(format!("{base}/join/{token}")),
        srv.auth(client.get(format!("{base}/api/invites/{token}"))),
        srv.auth(client.post(format!("{base}/api/invites/{token}/accept"))),
        client.get(format!("{base}/login?next=%2Fjoin%2F{token}")),
        // Refused as cross-site, which logs the path itself.
        srv.auth(client.post(format!("{base}/api/invites/{token}/accept")))
            .header("sec-fetch-site", "cross-site"),
        client.get(format!("{base}/healthz?done")),
    ];
    for req in requests {
        req.send().await.unwrap();
    }
    let deadline = Instant::now() + MARGIN;
    while !srv.log().contains("/healthz?done") {
        assert!(Instant::now() < deadline, "no request log: {}", srv.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = srv.log();
    assert!(!log.contains(&token), "the token is in the log:\n{log}");
    for shown in [
        "/join/…",
        "/api/invites/…/accept",
        "/login?next=%2Fjoin%2F…",
        "refused a cross-site request",
    ] {
        assert!(log.contains(shown), "{shown} is logged:\n{log}");
    }
}
