//! `ott backup` / `ott restore` / `ott db copy` through the real binary, on SQLite and
//! PostgreSQL: a library with uploads, users and a watch position survives a wipe.

use crate::cli::ott_bin;
use crate::support::{As, PASSWORD, TestServer, files_under, on_each_database};
use crate::uploads::{MATRIX, member, sha256, upload};
use backend::testing::{POSTGRES_ENV, TestDatabase, fresh_postgres_database};
use http::{Method, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const ALIEN: &str = "tt0078748";

/// Runs `ott` on a data dir and database; returns its output (not checked).
fn ott_on(data: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(ott_bin())
        .args(["--data-dir", data.to_str().unwrap(), "--database-url", url])
        .args(args)
        .output()
        .expect("run ott")
}

fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "ott failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.r#gen()).collect()
}

/// An empty database of the same kind as `url`, for a restore or a copy.
async fn empty_database_like(url: &str, dir: &Path) -> TestDatabase {
    if url.starts_with("sqlite:") {
        TestDatabase {
            kind: "sqlite",
            url: backend::config::default_database_url(dir),
        }
    } else {
        let server = std::env::var(POSTGRES_ENV).unwrap();
        TestDatabase {
            kind: "postgres",
            url: fresh_postgres_database(&server).await.unwrap(),
        }
    }
}

async fn login(srv: &TestServer, name: &str) -> As {
    let reply = srv
        .post(
            "/api/auth/login",
            &As::anonymous(),
            json!({"username": name, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.text);
    As::cookie(&reply.session_cookie().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_brings_back_every_movie_file_user_and_position() {
    on_each_database(|srv| async move {
        let url = srv.state.config.database_url.clone();
        let anna = member(&srv, "anna").await;
        let bob = member(&srv, "bob").await;
        let matrix = random_bytes(1, 300_000);
        let alien = random_bytes(2, 200_000);
        let mut ids = Vec::new();
        for (name, bytes, imdb) in [
            ("The Matrix.mp4", &matrix, MATRIX),
            ("Alien.mkv", &alien, ALIEN),
        ] {
            let done = upload(&srv, &anna, name, bytes, imdb, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            ids.push(done.body["movieFileId"].as_i64().unwrap());
        }
        let progress = format!("/api/files/{}/progress", ids[0]);
        let saved = srv
            .call(
                Method::PUT,
                &progress,
                &anna.who,
                Some(json!({"position": 1234.5, "duration": 8160.0})),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);

        // Two backups: the second links the unchanged files to the first's copies.
        let backups = TempDir::new().unwrap();
        let to = backups.path().to_str().unwrap();
        let first = succeeded(&ott_on(srv.dir.path(), &url, &["backup", "--to", to]));
        assert!(first.contains("2 copied"), "{first}");
        let second = succeeded(&ott_on(srv.dir.path(), &url, &["backup", "--to", to]));
        assert!(
            second.contains("0 copied") && second.contains("2 unchanged"),
            "{second}"
        );
        let mut folders: Vec<PathBuf> = std::fs::read_dir(backups.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        folders.sort();
        assert_eq!(folders.len(), 2, "{folders:?}");
        // A third with --keep 2 leaves two; the remaining copies are still whole.
        let third = succeeded(&ott_on(
            srv.dir.path(),
            &url,
            &["backup", "--to", to, "--keep", "2"],
        ));
        assert!(third.contains("Removed the old backup"), "{third}");
        assert!(!folders[0].exists());
        let mut folders: Vec<PathBuf> = std::fs::read_dir(backups.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        folders.sort();
        assert_eq!(folders.len(), 2, "{folders:?}");
        // Private: the database snapshot (password hashes), the TLS key and the config (API
        // keys) are for the server's own account only; so are the movies' copies.
        for folder in &folders {
            let mut stack = vec![folder.clone()];
            let mut seen_files = 0;
            while let Some(dir) = stack.pop() {
                assert_eq!(mode(&dir), 0o700, "{}", dir.display());
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        assert_eq!(mode(&path), 0o600, "{}", path.display());
                        seen_files += 1;
                    }
                }
            }
            assert!(
                seen_files >= 4,
                "database, manifest and two movies: {seen_files}"
            );
        }
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(folders[1].join("manifest.json")).unwrap())
                .unwrap();
        let listed = manifest["files"].as_array().unwrap();
        assert_eq!(listed.len(), 2, "{manifest}");
        for file in listed {
            let relative = file["path"].as_str().unwrap();
            let bytes = std::fs::read(folders[1].join(relative)).unwrap();
            assert_eq!(file["sha256"], sha256(&bytes).as_str());
            assert!(
                bytes == matrix || bytes == alien,
                "{relative} is one of the movies"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let a = std::fs::metadata(folders[0].join(relative)).unwrap().ino();
                let b = std::fs::metadata(folders[1].join(relative)).unwrap().ino();
                assert_eq!(a, b, "{relative} is a hard link to the first backup's copy");
            }
        }

        // Wipe: a new data dir and an empty database, as on a new machine.
        let target_dir = TempDir::new().unwrap();
        let target = empty_database_like(&url, target_dir.path()).await;
        let restored = succeeded(&ott_on(
            target_dir.path(),
            &target.url,
            &["restore", "--from", to],
        ));
        assert!(restored.contains("2 file(s)"), "{restored}");
        // A second restore into the same place is refused and changes nothing.
        let again = ott_on(target_dir.path(), &target.url, &["restore", "--from", to]);
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("already"),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );

        let back = TestServer::start(&target, target_dir).await;
        let anna_again = login(&back, "anna").await;
        let bob_again = login(&back, "bob").await;
        let libraries = back.get("/api/libraries", &anna_again).await;
        let lib = &libraries.body.as_array().expect("a list")[0];
        assert_eq!(lib["id"], anna.library);
        let lib_path = PathBuf::from(lib["path"].as_str().unwrap());
        assert!(
            lib_path.starts_with(back.dir.path().canonicalize().unwrap()),
            "the library moved with the data dir: {lib_path:?}"
        );
        let stored: Vec<String> = files_under(&lib_path)
            .iter()
            .map(|p| sha256(&std::fs::read(p).unwrap()))
            .collect();
        let mut want = vec![sha256(&matrix), sha256(&alien)];
        let mut got = stored.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        for (imdb, bytes) in [(MATRIX, &matrix), (ALIEN, &alien)] {
            let movie = back
                .get(
                    &format!("/api/movies/{imdb}?library={}", anna.library),
                    &anna_again,
                )
                .await;
            assert_eq!(movie.status, StatusCode::OK, "{}", movie.text);
            let id = movie.body["files"][0]["id"].as_i64().unwrap();
            let stream = back.get(&format!("/stream/{id}"), &anna_again).await;
            assert_eq!(&stream.bytes, bytes);
        }
        let watch = back
            .get(&format!("/api/files/{}/watch", ids[0]), &anna_again)
            .await;
        assert_eq!(watch.body["resumeAt"], 1234.5, "{}", watch.text);
        let bobs = back.get("/api/libraries", &bob_again).await;
        assert_eq!(bobs.body[0]["id"], bob.library);
        // New rows get fresh ids after the restore (sequences moved on).
        back.register("carol").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_every_row_into_an_empty_database() {
    let probe = TempDir::new().unwrap();
    let dbs = backend::testing::databases(probe.path()).await;
    let source_dir = TempDir::new().unwrap();
    let source = TestDatabase {
        kind: "sqlite",
        url: backend::config::default_database_url(source_dir.path()),
    };
    let srv = TestServer::start(&source, source_dir).await;
    let anna = member(&srv, "anna").await;
    let done = upload(
        &srv,
        &anna,
        "The Matrix.mp4",
        &random_bytes(3, 50_000),
        MATRIX,
        "new",
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    // Its probe (failed: these bytes are no video) is a row to copy too; waited for, so the
    // counts below do not change under the copy.
    crate::media::settled(&srv, done.body["movieFileId"].as_i64().unwrap()).await;
    // Collections, genres and many movies from the seeding command.
    succeeded(&ott_on(
        srv.dir.path(),
        &source.url,
        &[
            "dev",
            "seed",
            "--owner",
            "anna",
            "--movies",
            "120",
            "--collections",
            "6",
            "--genres",
            "5",
        ],
    ));
    let want = backend::transfer::count_all(&srv.state.db).await.unwrap();
    assert!(
        want.iter().filter(|(_, n)| *n > 0).count() >= 10,
        "{want:?}"
    );
    assert!(want.contains(&("media_probes".to_owned(), 1)), "{want:?}");

    for target in dbs {
        eprintln!("-- into {}", target.kind);
        let target_dir = TempDir::new().unwrap();
        let target = if target.kind == "sqlite" {
            TestDatabase {
                url: backend::config::default_database_url(target_dir.path()),
                ..target
            }
        } else {
            target
        };
        let out = succeeded(&ott_on(
            target_dir.path(),
            &target.url,
            &["db", "copy", "--from", &source.url, "--to", &target.url],
        ));
        assert!(out.contains("movies"), "{out}");
        let copy = TestServer::start(&target, target_dir).await;
        assert_eq!(
            backend::transfer::count_all(&copy.state.db).await.unwrap(),
            want
        );
        // The copy works as a server: the password, the library, the seeded rows, new ids.
        let who = login(&copy, "anna").await;
        let movie = copy
            .get(
                &format!("/api/movies/{MATRIX}?library={}", anna.library),
                &who,
            )
            .await;
        assert_eq!(movie.status, StatusCode::OK, "{}", movie.text);
        copy.register("carol").await;
        // Copying into a database that has rows is refused.
        let again = ott_on(
            copy.dir.path(),
            &target.url,
            &["db", "copy", "--from", &source.url, "--to", &target.url],
        );
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("not empty"),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );
    }
}

#[test]
fn install_service_prints_a_hardened_unit_and_a_launchd_agent() {
    let data = TempDir::new().unwrap();
    let url = backend::config::default_database_url(data.path());
    let unit = succeeded(&ott_on(
        data.path(),
        &url,
        &[
            "install-service",
            "--print",
            "--user",
            "anna",
            "--addr",
            "0.0.0.0:8080",
        ],
    ));
    let data_dir = data.path().canonicalize().unwrap();
    for line in [
        "User=anna".to_owned(),
        format!(
            "ExecStart={} --data-dir {} serve --addr 0.0.0.0:8080",
            ott_bin(),
            data_dir.display()
        ),
        format!("ReadWritePaths={}", data_dir.display()),
        "NoNewPrivileges=yes".to_owned(),
        "ProtectSystem=strict".to_owned(),
        "Restart=on-failure".to_owned(),
        "WantedBy=multi-user.target".to_owned(),
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in\n{unit}");
    }
    // A library outside the data dir is writable too.
    let elsewhere = TempDir::new().unwrap();
    let films = elsewhere.path().canonicalize().unwrap().join("films");
    crate::cli::stdout(&crate::cli::ott(
        &data,
        &url,
        &["user", "create", "anna", "--password-stdin"],
        Some(PASSWORD),
    ));
    crate::cli::stdout(&crate::cli::ott(
        &data,
        &url,
        &[
            "library",
            "create",
            "--owner",
            "anna",
            "--name",
            "Films",
            "--path",
            films.to_str().unwrap(),
        ],
        None,
    ));
    let unit = succeeded(&ott_on(
        data.path(),
        &url,
        &[
            "install-service",
            "--print",
            "--tls-self-signed",
            "--trusted-proxy",
            "127.0.0.1",
        ],
    ));
    assert!(
        unit.lines().any(|l| l.starts_with("ExecStart=")
            && l.ends_with(" --tls-self-signed --trusted-proxy 127.0.0.1")),
        "{unit}"
    );
    let want = format!("ReadWritePaths={} {}", data_dir.display(), films.display());
    assert!(unit.lines().any(|l| l == want), "{want} in\n{unit}");
    let output = data.path().join("open-ott.plist");
    succeeded(&ott_on(
        data.path(),
        &url,
        &[
            "install-service",
            "--format",
            "launchd",
            "--output",
            output.to_str().unwrap(),
        ],
    ));
    let plist = std::fs::read_to_string(&output).unwrap();
    assert!(
        plist.contains(&format!("<string>{}</string>", ott_bin())),
        "{plist}"
    );
    assert!(plist.contains("<key>RunAtLoad</key>"));
}
