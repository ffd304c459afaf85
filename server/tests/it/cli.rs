//! The `ott` binary itself: subcommands, their output, and a real server start and stop.

use crate::support::{As, PASSWORD, TestServer};
use backend::testing::databases;
use http::StatusCode;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The `ott` binary the tests run: this build's, or `OTT_TEST_BIN` (bench/suite-stress.sh
/// runs copies, so that a build meanwhile does not change the binary under the tests).
pub fn ott_bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("OTT_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ott").to_owned())
    })
}

pub fn ott(data: &TempDir, database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(ott_bin())
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "--database-url",
            database_url,
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ott");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "ott failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn help_lists_every_subcommand() {
    let out = Command::new(ott_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "user",
        "token",
        "library",
        "upload",
        "backup",
        "restore",
        "db",
        "install-service",
        "--data-dir",
        "--database-url",
        "--config",
        "config",
    ] {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
    // It fits on one screen, every line of it: the config keys have their own page.
    assert!(help.lines().count() <= 40, "{help}");
    assert!(help.lines().all(|l| l.chars().count() <= 160), "{help}");
    let keys = Command::new(ott_bin())
        .args(["config", "keys"])
        .output()
        .unwrap();
    assert!(keys.status.success());
    let keys = String::from_utf8(keys.stdout).unwrap();
    for key in [
        "transcode_limit",
        "trusted_proxies",
        "registrations_per_ip_per_hour",
    ] {
        assert!(keys.contains(key), "{keys}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_create_users_tokens_and_libraries() {
    let probe = TempDir::new().unwrap();
    for database in databases(probe.path()).await {
        let data = TempDir::new().unwrap();
        let url = if database.kind == "sqlite" {
            backend::config::default_database_url(data.path())
        } else {
            database.url.clone()
        };
        eprintln!("-- on {}", database.kind);
        assert!(stdout(&ott(&data, &url, &["migrate"], None)).contains("up to date"));

        let user: serde_json::Value = serde_json::from_str(&stdout(&ott(
            &data,
            &url,
            &["user", "create", "Anna", "--password-stdin", "--admin"],
            Some(&format!("{PASSWORD}\n")),
        )))
        .unwrap();
        assert_eq!(user["username"], "anna");
        assert_eq!(user["is_admin"], true);

        let refused = ott(&data, &url, &["user", "create", "bert"], None);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--password-stdin"));
        let taken = ott(
            &data,
            &url,
            &["user", "create", "anna", "--password-stdin"],
            Some(PASSWORD),
        );
        assert!(!taken.status.success());
        assert!(String::from_utf8_lossy(&taken.stderr).contains("taken"));

        let token = stdout(&ott(
            &data,
            &url,
            &["token", "create", "--user", "anna"],
            None,
        ))
        .trim()
        .to_owned();
        assert!(token.starts_with("ott_") && token.len() == 68, "{token}");
        let lib: serde_json::Value = serde_json::from_str(&stdout(&ott(
            &data,
            &url,
            &["library", "create", "--owner", "anna", "--name", "Films"],
            None,
        )))
        .unwrap();
        assert_eq!(lib["name"], "Films");
        assert_eq!(lib["role"], "owner");
        assert!(lib["id"].as_i64().is_some());
        assert!(std::path::Path::new(lib["path"].as_str().unwrap()).is_dir());
        let nobody = ott(
            &data,
            &url,
            &["library", "create", "--owner", "nobody", "--name", "X"],
            None,
        );
        assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user called nobody"));
        let injected = format!(
            "{}/x\nExecStartPre=+/bin/sh -c 'id'\n#",
            data.path().display()
        );
        let refused = ott(
            &data,
            &url,
            &[
                "library", "create", "--owner", "anna", "--name", "X", "--path", &injected,
            ],
            None,
        );
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("control characters"));

        // A path stored before the rule existed (or written to the database by hand) never
        // reaches a unit file.
        {
            use sea_orm::{ActiveModelTrait, Set};
            let db = backend::db::open(&url).await.unwrap();
            backend::entities::library::ActiveModel {
                name: Set("Old".into()),
                // Outside the data dir, which the unit lists on its own.
                path: Set("/srv/films\nExecStartPre=+/bin/sh -c 'id'\n#".into()),
                owner_id: Set(user["id"].as_i64().unwrap() as i32),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&db)
            .await
            .unwrap();
            db.close().await.unwrap();
        }
        let unit = ott(
            &data,
            &url,
            &[
                "install-service",
                "--print",
                "--format",
                "systemd",
                "--user",
                "ott",
            ],
            None,
        );
        assert!(!unit.status.success(), "the unit was written");
        assert!(!String::from_utf8_lossy(&unit.stdout).contains("ExecStartPre"));
        assert!(String::from_utf8_lossy(&unit.stderr).contains("refusing"));

        // What the CLI wrote is what the server sees: the token logs in, the library is listed.
        let srv = TestServer::start(
            &backend::testing::TestDatabase {
                kind: database.kind,
                url,
            },
            data,
        )
        .await;
        let me = srv.get("/api/me", &As::bearer(&token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["libraries"][0]["name"], "Films");
    }
}

#[test]
fn serve_prints_the_url_answers_and_stops_on_sigterm() {
    let data = TempDir::new().unwrap();
    let port = crate::support::free_port();
    let mut child = Command::new(ott_bin())
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            data.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");
    assert!(
        data.path().join("ott.db").exists(),
        "SQLite database created in the data dir"
    );

    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") && response.ends_with("ok"),
        "{response}"
    );

    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit after SIGTERM: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "did not stop within the grace period"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn guess_prints_one_json_object_per_name() {
    let out = Command::new(ott_bin())
        .args([
            "guess",
            "The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv",
            "Heat (1995) [tt0113277]/movie.mkv",
            "notes",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0]["title"], "The Matrix");
    assert_eq!(lines[0]["year"], 1999);
    assert_eq!(lines[0]["resolution"], "1080p");
    assert_eq!(lines[0]["group"], "SPARKS");
    assert_eq!(lines[0]["edition"], serde_json::Value::Null);
    assert_eq!(lines[1]["title"], "Heat");
    assert_eq!(lines[1]["year"], 1995);
    assert_eq!(lines[1]["imdbId"], "tt0113277");
    assert_eq!(lines[2]["title"], "Notes");
    assert_eq!(lines[2]["year"], serde_json::Value::Null);
}
