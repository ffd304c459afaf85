//! Built-in HTTPS: `ott serve --tls-self-signed` on loopback, logged into with a client that
//! trusts the certificate the server made, the HTTP→HTTPS redirect, and bad certificate files.

use crate::cli::{ott, ott_bin, stdout};
use crate::support::{PASSWORD, free_port};
use http::StatusCode;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &TempDir, args: &[String]) -> Killed {
    Killed(
        Command::new(ott_bin())
            .args(["--data-dir", data.path().to_str().unwrap(), "serve"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

async fn wait_until_up(client: &reqwest::Client, url: &str, server: &mut Killed) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(server.0.try_wait().unwrap().is_none(), "ott serve exited");
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_server_is_reached_over_https_with_secure_cookies() {
    let data = TempDir::new().unwrap();
    let db = backend::config::default_database_url(data.path());
    stdout(&ott(
        &data,
        &db,
        &["user", "create", "anna", "--password-stdin"],
        Some(PASSWORD),
    ));
    let (port, plain) = (free_port(), free_port());
    let args = vec![
        "--addr".to_owned(),
        format!("127.0.0.1:{port}"),
        "--tls-self-signed".to_owned(),
        "--redirect-http".to_owned(),
        format!("127.0.0.1:{plain}"),
    ];
    let mut server = serve(&data, &args);
    let cert_path = data.path().join("tls/cert.pem");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cert_path.exists() {
        assert!(Instant::now() < deadline, "no certificate was made");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let cert_pem = std::fs::read(&cert_path).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert_pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let base = format!("https://{host}:{port}");
        wait_until_up(&trusting, &format!("{base}/healthz"), &mut server).await;
        let login = trusting
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"username": "anna", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK);
        let cookie = login.headers()[http::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cookie.contains("Secure"), "{cookie}");
        let me: Value = trusting
            .get(format!("{base}/api/me"))
            .header(http::header::COOKIE, cookie.split(';').next().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["user"]["username"], "anna", "{me}");
    }

    // A client that does not trust the certificate is stopped by TLS, and plain HTTP on the
    // TLS port gets no page.
    let stranger = reqwest::Client::new();
    assert!(
        stranger
            .get(format!("https://localhost:{port}/healthz"))
            .send()
            .await
            .is_err()
    );
    assert!(
        stranger
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
    );

    // Plain HTTP on the redirect port is sent to the same path over HTTPS.
    let redirect = trusting
        .get(format!("http://127.0.0.1:{plain}/movie/tt0133093?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirect.headers()[http::header::LOCATION],
        format!("https://127.0.0.1:{port}/movie/tt0133093?x=1").as_str()
    );

    // A restart keeps the certificate: browsers that accepted it once are not asked again.
    drop(server);
    let mut server = serve(&data, &args);
    wait_until_up(
        &trusting,
        &format!("https://localhost:{port}/healthz"),
        &mut server,
    )
    .await;
    assert_eq!(std::fs::read(&cert_path).unwrap(), cert_pem);
}

#[test]
fn missing_or_bad_certificate_files_are_reported() {
    let data = TempDir::new().unwrap();
    let junk = data.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    for (cert, key) in [
        (data.path().join("nope.pem"), data.path().join("nope.key")),
        (junk.clone(), junk.clone()),
    ] {
        let out = Command::new(ott_bin())
            .args(["--data-dir", data.path().to_str().unwrap(), "serve"])
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", free_port()))
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(cert.file_name().unwrap().to_str().unwrap()) && err.contains("TLS"),
            "{err}"
        );
    }
    // A key without a certificate is a usage error.
    let out = Command::new(ott_bin())
        .args(["serve", "--tls-key", "k.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
