//! Behind a reverse proxy: `deploy/nginx/open-ott.conf` run by Debian's nginx in front of the
//! real server (uploads, Range streams, the client's address), and the trusted-proxy rules.

use crate::support::{As, PASSWORD, free_port, on_each_database_with};
use crate::upload_faults::{RealServer, job, options};
use crate::uploads::sha256;
use backend::auth::sessions::hash_token;
use backend::entities::session;
use http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use server::uploader::client::ApiClient;
use server::uploader::{self, Outcome};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const NGINX: &str = "/usr/sbin/nginx";

/// The address a session was created from, as the server recorded it.
async fn session_ip(db: &sea_orm::DatabaseConnection, cookie: &str) -> Option<String> {
    let token = cookie.split_once('=').unwrap().1;
    session::Entity::find_by_id(hash_token(token))
        .one(db)
        .await
        .unwrap()
        .expect("the session exists")
        .ip
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_names_the_client_and_its_scheme() {
    on_each_database_with(
        |config| {
            config.trusted_proxies =
                backend::proxies::TrustedProxies::parse(&["127.0.0.1".into()]).unwrap()
        },
        |srv| async move {
            srv.register("anna").await;
            // The in-process test client connects from 127.0.0.1, which is trusted here.
            let login = srv
                .post(
                    "/api/auth/login",
                    &As::anonymous()
                        .with_header("x-forwarded-for", "6.6.6.6, 192.0.2.7")
                        .with_header("x-forwarded-proto", "https"),
                    json!({"username": "anna", "password": PASSWORD}),
                )
                .await;
            assert_eq!(login.status, StatusCode::OK, "{}", login.text);
            assert!(login.set_cookie().unwrap().contains("Secure"));
            let ip = session_ip(&srv.state.db, &login.session_cookie().unwrap()).await;
            // The address the proxy saw, not the one the client wrote itself.
            assert_eq!(ip.as_deref(), Some("192.0.2.7"));
        },
    )
    .await;
}

/// Debian's nginx with the deploy file, ports rewritten, in front of one or more servers.
pub struct Nginx {
    dir: TempDir,
    child: Child,
    pub url: String,
}

impl Nginx {
    /// `bind` is the address nginx connects to the server from, so that the server can tell
    /// the proxy apart from clients that connect directly (all of them are on loopback here).
    fn start(upstream_port: u16, bind: IpAddr) -> Nginx {
        Self::start_before(&[upstream_port], bind)
    }

    /// In front of several servers, one `server` line each in the deploy file's upstream:
    /// nginx sends requests to them in turn (round robin).
    pub fn start_before(upstream_ports: &[u16], bind: IpAddr) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: scripts/test installs Debian's nginx"
        );
        let dir = TempDir::new().unwrap();
        let port = free_port();
        let deploy = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx/open-ott.conf"),
        )
        .unwrap();
        let site = rewrite_site(&deploy, port, upstream_ports, bind);
        std::fs::write(dir.path().join("open-ott.conf"), site).unwrap();
        let d = dir.path().display();
        let user = if running_as_root() {
            "user root;\n"
        } else {
            ""
        };
        let main = format!(
            "{user}worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/access.log;\n  log_format upstream '$upstream_addr';\n  \
             access_log {d}/upstream.log upstream;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  include {d}/open-ott.conf;\n}}\n"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, main).unwrap();
        let args = |cmd: &mut Command| {
            cmd.arg("-p")
                .arg(format!("{d}/"))
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(dir.path().join("error.log"));
        };
        let mut check = Command::new(NGINX);
        args(&mut check);
        let checked = check.arg("-t").output().unwrap();
        assert!(
            checked.status.success(),
            "nginx rejects the deploy file: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
        let mut run = Command::new(NGINX);
        args(&mut run);
        let child = run
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            dir,
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// The server (`127.0.0.1:port`) each request so far went to, in order.
    pub fn upstreams_used(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("upstream.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Nginx {
    /// A fast shutdown (SIGTERM), so the master stops its worker; a SIGKILL left the worker
    /// running (and holding its port) after every test run.
    fn drop(&mut self) {
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn running_as_root() -> bool {
    // nginx refuses `user` directives when not root, and as root its workers need one.
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
}

/// The deploy file with its ports on loopback: nginx on `port`, the servers on `upstreams`,
/// and nginx's connections to them made from `bind`. Fails if the file no longer has the
/// lines it rewrites, so the test always runs the file users get.
fn rewrite_site(deploy: &str, port: u16, upstreams_at: &[u16], bind: IpAddr) -> String {
    let mut out = String::new();
    let (mut listens, mut upstreams) = (0, 0);
    for line in deploy.lines() {
        let trimmed = line.trim();
        if trimmed == "listen 80;" {
            listens += 1;
            out.push_str(&format!("    listen 127.0.0.1:{port};\n"));
        } else if trimmed == "listen [::]:80;" {
            continue;
        } else if trimmed == "server 127.0.0.1:3000;" {
            upstreams += 1;
            for upstream in upstreams_at {
                out.push_str(&format!("    server 127.0.0.1:{upstream};\n"));
            }
        } else if trimmed == "client_max_body_size 0;" {
            out.push_str(line);
            out.push_str(&format!("\n    proxy_bind {bind};\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert_eq!(
        (listens, upstreams),
        (1, 1),
        "the deploy file's shape changed"
    );
    out
}

async fn login(client: &reqwest::Client, base: &str, spoof: &str) -> String {
    let res = client
        .post(format!("{base}/api/auth/login"))
        .header("x-forwarded-for", spoof)
        .json(&json!({"username": "anna", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ott_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_with_the_deploy_file_passes_uploads_streams_and_the_real_client() {
    let proxy_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let client_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let srv = RealServer::start_with(&["--trusted-proxy", "127.0.0.2"]).await;
    let port: u16 = srv.url.rsplit(':').next().unwrap().parse().unwrap();
    let nginx = Nginx::start(port, proxy_ip);
    let context = |what: &str| {
        format!(
            "{what}\nnginx: {}\nserver: {}",
            nginx.error_log(),
            srv.log_tail()
        )
    };

    // An upload through nginx with the chunk protocol: every byte arrives.
    let files = TempDir::new().unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    let data: Vec<u8> = (0..5 * 1024 * 1024 + 123).map(|_| rng.r#gen()).collect();
    let api = ApiClient::new(&nginx.url, &srv.token).unwrap();
    let upload = job(files.path(), "The Matrix (1999).mp4", &data, "tt0133093");
    let outcome = uploader::upload(&api, &upload, &options(&srv, 1024 * 1024), |_| {}).await;
    let Outcome::Uploaded { path } = outcome else {
        panic!("{}", context(&format!("{outcome:?}")))
    };
    assert_eq!(sha256(&srv.stored(&path)), sha256(&data));

    // A Range request through nginx.
    let http = reqwest::Client::builder()
        .local_address(client_ip)
        .build()
        .unwrap();
    let movie: Value = http
        .get(format!(
            "{}/api/movies/tt0133093?library={}",
            nginx.url, srv.library
        ))
        .bearer_auth(&srv.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file_id = movie["files"][0]["id"]
        .as_i64()
        .expect("the file is listed");
    let range = http
        .get(format!("{}/stream/{file_id}", nginx.url))
        .bearer_auth(&srv.token)
        .header(http::header::RANGE, "bytes=1000000-1999999")
        .send()
        .await
        .unwrap();
    assert_eq!(
        range.status(),
        StatusCode::PARTIAL_CONTENT,
        "{}",
        context("range")
    );
    assert_eq!(
        range.headers()[http::header::CONTENT_RANGE],
        format!("bytes 1000000-1999999/{}", data.len()).as_str()
    );
    assert_eq!(
        &range.bytes().await.unwrap()[..],
        &data[1_000_000..2_000_000]
    );

    // The client's address: what nginx saw (127.0.0.3), never what the client wrote, and a
    // client that goes around the proxy is not believed either.
    let db = backend::db::connect(&backend::config::default_database_url(srv.data.path()))
        .await
        .unwrap();
    let proxied = login(&http, &nginx.url, "6.6.6.6").await;
    assert_eq!(
        session_ip(&db, &proxied).await.as_deref(),
        Some("127.0.0.3"),
        "{}",
        context("through nginx")
    );
    let direct = login(&http, &srv.url, "6.6.6.6").await;
    assert_eq!(session_ip(&db, &direct).await.as_deref(), Some("127.0.0.3"));
}
