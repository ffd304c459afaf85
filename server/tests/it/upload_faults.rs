//! The upload protocol against the real `ott` binary on loopback, under abuse: clients that
//! drop connections mid-chunk, repeat and reorder chunks, a server killed with SIGKILL and
//! restarted mid-upload, many uploads at once, two clients racing on one file, and the
//! `ott upload` command itself. Every finished file is compared by sha256 with its source.

use crate::cli::{ott, ott_bin, stdout};
use crate::support::{PASSWORD, files_under, free_port, receiver_stream};
use crate::uploads::{enc, sha256};
use bytes::Bytes;
use domain::api::FileDescription;
use domain::upload::client::Backoff;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use server::uploader::client::ApiClient;
use server::uploader::{self, Job, Options, Outcome};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A real server process with a user, a token and a library.
pub struct RealServer {
    pub data: TempDir,
    pub url: String,
    port: u16,
    child: Option<Child>,
    pub token: String,
    pub library: i64,
    pub library_path: PathBuf,
    /// More `ott serve` options, kept for restarts.
    serve_args: Vec<String>,
}

impl RealServer {
    async fn start() -> RealServer {
        Self::start_with(&[]).await
    }

    /// A server started with more `ott serve` options (plain HTTP, on a free loopback port).
    pub async fn start_with(serve_args: &[&str]) -> RealServer {
        let data = TempDir::new().unwrap();
        let db = backend::config::default_database_url(data.path());
        stdout(&ott(
            &data,
            &db,
            &["user", "create", "anna", "--password-stdin"],
            Some(PASSWORD),
        ));
        let token = stdout(&ott(
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
        let port = free_port();
        // Searches and metadata go to the local stand-ins, never to the internet.
        std::fs::write(data.path().join("ott.toml"), crate::fixtures::config_file()).unwrap();
        let mut srv = RealServer {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            token,
            library: lib["id"].as_i64().unwrap(),
            library_path: PathBuf::from(lib["path"].as_str().unwrap()),
            data,
            serve_args: serve_args.iter().map(|a| a.to_string()).collect(),
        };
        srv.spawn().await;
        srv
    }

    async fn spawn(&mut self) {
        let child = Command::new(ott_bin())
            .args(["--data-dir", self.data.path().to_str().unwrap()])
            .arg("--config")
            .arg(self.data.path().join("ott.toml"))
            .args(["serve", "--addr"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.serve_args)
            .stdout(Stdio::null())
            .stderr(self.log_file())
            .spawn()
            .expect("start ott serve");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Our own process must still be running: an answer from anything else would not do.
            let exited = self.child.as_mut().unwrap().try_wait().unwrap();
            assert!(exited.is_none(), "ott serve exited: {exited:?}");
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The server's log, kept across restarts, for the message of a failed assertion.
    fn log_file(&self) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join("server.log"))
            .expect("open the server log")
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGTERM, as systemd stops a service; returns how long the process took to exit.
    async fn terminate(&mut self) -> Duration {
        let mut child = self.child.take().expect("the server runs");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "a clean stop exits with 0: {status:?}");
                return start.elapsed();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the server never stopped"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn staged(&self) -> Vec<String> {
        match std::fs::read_dir(self.data.path().join("uploads")) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn stored(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.library_path.join(relative)).unwrap_or_else(|e| {
            panic!(
                "{relative} is in the library: {e}; the library holds {:?}; the server logged:\n{}",
                files_under(&self.library_path),
                self.log_tail()
            )
        })
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A deliberately unreliable client speaking the protocol with reqwest.
struct RoughClient<'a> {
    srv: &'a RealServer,
    http: reqwest::Client,
}

#[derive(Debug)]
enum Sent {
    Answer(reqwest::StatusCode, Value),
    Broken,
}

impl RoughClient<'_> {
    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.bearer_auth(&self.srv.token)
    }

    async fn read(res: Result<reqwest::Response, reqwest::Error>) -> Sent {
        match res {
            Ok(r) => {
                let status = r.status();
                match r.bytes().await {
                    Ok(b) => Sent::Answer(status, serde_json::from_slice(&b).unwrap_or_default()),
                    Err(_) => Sent::Broken,
                }
            }
            Err(_) => Sent::Broken,
        }
    }

    async fn init(&self, name: &str, size: usize) -> Sent {
        let url = format!(
            "{}/api/upload?type=init&filename={}&size={size}&lastModified=1&library={}",
            self.srv.url,
            enc(name),
            self.srv.library
        );
        Self::read(self.auth(self.http.post(url)).send().await).await
    }

    fn chunk_url(&self, id: &str, nr: u64, offset: usize) -> String {
        format!(
            "{}/api/upload?type=chunk&uploadId={id}&chunkNr={nr}&offset={offset}",
            self.srv.url
        )
    }

    async fn chunk(&self, id: &str, nr: u64, offset: usize, bytes: &[u8]) -> Sent {
        let req = self
            .auth(self.http.post(self.chunk_url(id, nr, offset)))
            .body(bytes.to_vec());
        Self::read(req.send().await).await
    }

    /// Sends the first half of the chunk, then drops the connection.
    async fn chunk_cut_off(&self, id: &str, nr: u64, offset: usize, bytes: &[u8]) -> Sent {
        let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
        let frames: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            )),
        ];
        let req = self
            .auth(self.http.post(self.chunk_url(id, nr, offset)))
            .header(reqwest::header::CONTENT_LENGTH, bytes.len())
            .body(reqwest::Body::wrap_stream(futures::stream::iter(frames)));
        Self::read(req.send().await).await
    }

    /// Asserts, through `init`, where the upload stands.
    async fn assert_state(&self, name: &str, size: usize, offset: usize, nr: u64) {
        match self.init(name, size).await {
            Sent::Answer(s, body) if s.is_success() => {
                assert_eq!(body["offset"].as_u64(), Some(offset as u64), "{body}");
                assert_eq!(body["chunkNr"].as_u64(), Some(nr), "{body}");
            }
            other => panic!("init of {name}: {other:?}"),
        }
    }

    async fn end(&self, id: &str, imdb: &str) -> Sent {
        let url = format!(
            "{}/api/upload?type=end&uploadId={id}&imdbId={imdb}&mode=new",
            self.srv.url
        );
        Self::read(self.auth(self.http.post(url)).send().await).await
    }
}

#[derive(Default, Debug)]
struct Faults {
    cut_off: u32,
    repeated: u32,
    out_of_order: u32,
    killed_between: u32,
    killed_mid_chunk: u32,
    /// Refusals whose answer the client lost because the server closed the connection while
    /// the unread body was still being sent.
    refused_mid_body: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_survive_cut_connections_repeats_reordering_and_server_kills() {
    let seed: u64 = std::env::var("OTT_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("fault injection seed: {seed} (rerun with OTT_FAULT_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut srv = RealServer::start().await;
    const CHUNK: usize = 64 * 1024;
    let mut sizes = vec![0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7];
    while sizes.len() < 50 {
        sizes.push(rng.gen_range(0..CHUNK * 7 / 2));
    }
    let mut faults = Faults::default();

    for (i, size) in sizes.into_iter().enumerate() {
        let data: Vec<u8> = (0..size).map(|_| rng.r#gen()).collect();
        let name = format!("film {i}.mkv");
        let imdb = format!("tt{:07}", 1_000_000 + i);
        let mut steps = 0;
        let finished = 'upload: loop {
            steps += 1;
            assert!(steps < 1000, "file {i} makes no progress");
            let client = RoughClient {
                srv: &srv,
                http: reqwest::Client::new(),
            };
            let (id, mut offset, mut nr) = match client.init(&name, size).await {
                Sent::Answer(s, body) if s.is_success() => (
                    body["uploadId"].as_str().unwrap().to_owned(),
                    body["offset"].as_u64().unwrap() as usize,
                    body["chunkNr"].as_u64().unwrap(),
                ),
                other => panic!("init of file {i}: {other:?}"),
            };
            let mut last: Option<(u64, usize, usize)> = None;
            while offset < size {
                let len = rng.gen_range(1..=CHUNK).min(size - offset);
                let piece = &data[offset..offset + len];
                match rng.gen_range(0..100) {
                    0..10 => {
                        faults.cut_off += 1;
                        client.chunk_cut_off(&id, nr + 1, offset, piece).await;
                        continue 'upload;
                    }
                    10..20 if last.is_some() => {
                        let (lnr, loff, llen) = last.unwrap();
                        faults.repeated += 1;
                        match client.chunk(&id, lnr, loff, &data[loff..loff + llen]).await {
                            Sent::Answer(s, body) => {
                                assert_eq!(
                                    s, 200,
                                    "a repeated chunk is answered with the state: {body}"
                                );
                                assert_eq!(body["offset"].as_u64(), Some(offset as u64));
                            }
                            // Answered before the body was read, the server may close the
                            // connection under the client; the state must not have moved.
                            Sent::Broken => {
                                faults.refused_mid_body += 1;
                                client.assert_state(&name, size, offset, nr).await;
                            }
                        }
                    }
                    20..30 => {
                        faults.out_of_order += 1;
                        let (bad_nr, bad_off) = if rng.gen_bool(0.5) {
                            (nr + 2, offset)
                        } else {
                            (nr + 1, offset + 1)
                        };
                        match client.chunk(&id, bad_nr, bad_off, piece).await {
                            Sent::Answer(s, body) => {
                                assert_eq!(s, 409, "{body}");
                                assert_eq!(body["error"], "out_of_order");
                                assert_eq!(body["offset"].as_u64(), Some(offset as u64));
                                assert_eq!(body["chunkNr"].as_u64(), Some(nr));
                            }
                            Sent::Broken => {
                                faults.refused_mid_body += 1;
                                client.assert_state(&name, size, offset, nr).await;
                            }
                        }
                    }
                    30..33 => {
                        faults.killed_between += 1;
                        srv.kill();
                        srv.spawn().await;
                        continue 'upload;
                    }
                    33..36 if len > 1 => {
                        // Kill the server while the chunk's body is arriving.
                        faults.killed_mid_chunk += 1;
                        let (tx, rx) =
                            tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
                        tx.send(Ok(Bytes::copy_from_slice(&piece[..len / 2])))
                            .await
                            .unwrap();
                        let req = client
                            .auth(client.http.post(client.chunk_url(&id, nr + 1, offset)))
                            .header(reqwest::header::CONTENT_LENGTH, len)
                            .body(reqwest::Body::wrap_stream(receiver_stream(rx)));
                        let pending = tokio::spawn(req.send());
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        srv.kill();
                        drop(tx);
                        let _ = pending.await;
                        srv.spawn().await;
                        continue 'upload;
                    }
                    _ => match client.chunk(&id, nr + 1, offset, piece).await {
                        Sent::Answer(s, body) => {
                            assert_eq!(s, 200, "file {i}: {body}");
                            last = Some((nr + 1, offset, len));
                            offset += len;
                            nr += 1;
                            assert_eq!(body["offset"].as_u64(), Some(offset as u64));
                        }
                        Sent::Broken => continue 'upload,
                    },
                }
            }
            match client.end(&id, &imdb).await {
                Sent::Answer(s, body) if s.is_success() => break body,
                other => panic!("end of file {i}: {other:?}"),
            }
        };
        let path = finished["path"].as_str().unwrap();
        assert_eq!(
            sha256(&srv.stored(path)),
            sha256(&data),
            "file {i} ({size} bytes) arrived intact"
        );
    }
    eprintln!("faults injected: {faults:?}");
    assert!(faults.cut_off > 0 && faults.repeated > 0 && faults.out_of_order > 0);
    assert!(
        faults.killed_between + faults.killed_mid_chunk > 0,
        "the server was killed at least once"
    );
    assert_eq!(
        srv.staged(),
        Vec::<String>::new(),
        "nothing is left in uploads/"
    );
}

pub fn job(dir: &Path, name: &str, data: &[u8], imdb: &str) -> Job {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    Job {
        file: FileDescription {
            filename: name.to_owned(),
            size: data.len() as u64,
            last_modified: 7,
        },
        path,
        imdb_id: Some(imdb.to_owned()),
    }
}

pub fn options(srv: &RealServer, chunk: u64) -> Options {
    Options {
        library: Some(srv.library as i32),
        mode: "new".into(),
        chunk_size: Some(chunk),
        backoff: Backoff {
            first: Duration::from_millis(20),
            max: Duration::from_millis(200),
            attempts: 20,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_uploads_at_once_and_two_clients_racing_on_one() {
    let srv = RealServer::start().await;
    let files = TempDir::new().unwrap();
    let api = ApiClient::new(&srv.url, &srv.token).unwrap();
    let mut rng = StdRng::seed_from_u64(8);
    let jobs: Vec<(Job, Vec<u8>)> = (0..8)
        .map(|i| {
            let data: Vec<u8> = (0..rng.gen_range(100_000..600_000))
                .map(|_| rng.r#gen())
                .collect();
            (
                job(
                    files.path(),
                    &format!("m{i}.mp4"),
                    &data,
                    &format!("tt{:07}", 2_000_000 + i),
                ),
                data,
            )
        })
        .collect();
    let opts = options(&srv, 32 * 1024);
    let outcomes = futures::future::join_all(
        jobs.iter()
            .map(|(job, _)| uploader::upload(&api, job, &opts, |_| {})),
    )
    .await;
    for ((_, data), outcome) in jobs.iter().zip(outcomes) {
        let Outcome::Uploaded { path } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(sha256(&srv.stored(&path)), sha256(data));
    }

    // Two clients, one file: the per-upload lock and the resync keep the bytes in order.
    let data: Vec<u8> = (0..700_000).map(|_| rng.r#gen()).collect();
    let shared = job(files.path(), "shared.mkv", &data, "tt3000000");
    let opts = options(&srv, 16 * 1024);
    let (a, b) = tokio::join!(
        uploader::upload(&api, &shared, &opts, |_| {}),
        uploader::upload(&api, &shared, &opts, |_| {}),
    );
    assert!(
        matches!(a, Outcome::Uploaded { .. }) || matches!(b, Outcome::Uploaded { .. }),
        "{a:?} / {b:?}"
    );
    for outcome in [&a, &b] {
        assert!(!matches!(outcome, Outcome::Failed { .. }), "{outcome:?}");
    }
    let copies: Vec<_> = std::fs::read_dir(srv.library_path.join("tt3000000"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "stored once: {copies:?}");
    assert_eq!(
        sha256(&std::fs::read(copies[0].join("movie.mkv")).unwrap()),
        sha256(&data)
    );
    assert!(srv.staged().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_command_resumes_skips_duplicates_and_reports_failures() {
    let srv = RealServer::start().await;
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("Heat (1995) [tt0113277]");
    std::fs::create_dir(&folder).unwrap();
    let heat: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(folder.join("Heat.1995.mkv"), &heat).unwrap();
    std::fs::write(
        folder.join("Heat.1995.en.srt"),
        b"1\n00:00:01,000 --> 00:00:02,000\nHi\n",
    )
    .unwrap();
    std::fs::write(folder.join("notes.txt"), b"ignored in folders").unwrap();
    let matrix: Vec<u8> = (0..200_000u32).map(|i| (i % 199) as u8).collect();
    let matrix_path = dir.path().join("The Matrix tt0133093.mp4");
    std::fs::write(&matrix_path, &matrix).unwrap();
    let unknown = dir.path().join("Some Film.mp4");
    std::fs::write(&unknown, b"who knows").unwrap();
    // No id in these names: the server's search decides, or cannot.
    let alien = dir.path().join("Alien.1979.1080p.BluRay.x264-GRP.mkv");
    std::fs::write(&alien, b"in space no one can hear you scream").unwrap();
    let dune = dir.path().join("Dune.mkv");
    std::fs::write(&dune, b"the spice must flow").unwrap();

    // Half of The Matrix is already on the server: the command must resume it.
    let api = ApiClient::new(&srv.url, &srv.token).unwrap();
    let described = FileDescription {
        filename: "The Matrix tt0133093.mp4".into(),
        size: matrix.len() as u64,
        last_modified: std::fs::metadata(&matrix_path)
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64,
    };
    let state = api
        .init(Some(srv.library as i32), &described, "tt0133093")
        .await
        .unwrap();
    let plan = domain::upload::client::ChunkPlan {
        chunk_nr: 1,
        offset: 0,
        len: 100_000,
    };
    api.chunk(&state.upload_id, plan, matrix[..100_000].to_vec())
        .await
        .unwrap();

    let run = |paths: Vec<PathBuf>| {
        let out = Command::new(ott_bin())
            .args([
                "upload",
                "--server",
                &srv.url,
                "--library",
                &srv.library.to_string(),
            ])
            .env("OTT_TOKEN", &srv.token)
            .args(paths)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(vec![
        folder.clone(),
        matrix_path.clone(),
        unknown.clone(),
        dir.path().join("missing.mkv"),
        alien.clone(),
        dune.clone(),
    ]);
    assert!(!ok, "failures make the exit status non-zero");
    assert!(
        out.contains("Uploaded 4, skipped 0 already on the server, failed 3."),
        "{out}\n{err}"
    );
    assert!(
        out.contains("Some Film.mp4: no movie called \"Some Film\" was found"),
        "{out}"
    );
    assert!(out.contains("missing.mkv: no such file or folder"), "{out}");
    assert!(
        out.contains("Dune.mkv: not sure which movie this is (best matches: Dune ("),
        "{out}"
    );
    assert!(out.contains("identified"), "{out}");
    assert!(err.contains("3 file(s) were not uploaded"), "{err}");
    assert!(
        srv.library_path
            .join("tt0078748/unknown/movie.mkv")
            .is_file(),
        "Alien went to Alien (1979)"
    );
    assert_eq!(
        sha256(&srv.stored("tt0113277/unknown/movie.mkv")),
        sha256(&heat)
    );
    assert_eq!(
        sha256(&srv.stored("tt0133093/unknown/movie.mp4")),
        sha256(&matrix)
    );
    assert!(
        srv.library_path
            .join("tt0113277/srt/subtitle.en.srt")
            .is_file()
    );

    let (ok, out, _) = run(vec![folder, matrix_path]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Uploaded 0, skipped 3 already on the server, failed 0."),
        "{out}"
    );

    // With --yes the best match is taken.
    let out = Command::new(ott_bin())
        .args(["upload", "--yes", "--server", &srv.url])
        .args(["--library", &srv.library.to_string()])
        .env("OTT_TOKEN", &srv.token)
        .arg(&dune)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Uploaded 1,"), "{text}");
    assert!(
        ["tt1160419", "tt0087182"]
            .iter()
            .any(|id| srv.library_path.join(id).is_dir()),
        "Dune went to one of the films called Dune"
    );

    let out = Command::new(ott_bin())
        .args(["upload", "--server", &srv.url, "--token", "ott_wrong"])
        .arg(&unknown)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the token"));
    assert!(srv.staged().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_command_rides_out_a_movie_database_outage_and_takes_an_imdb_link() {
    use crate::fixtures::hits;
    use server::uploader::identify::{Policy, identify};

    let srv = RealServer::start().await;
    let api = ApiClient::new(&srv.url, &srv.token).unwrap();
    let dir = TempDir::new().unwrap();
    let job = |name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, b"x").unwrap();
        Job {
            path,
            file: FileDescription {
                filename: name.into(),
                size: 1,
                last_modified: 1,
            },
            imdb_id: None,
        }
    };
    // The stand-in IMDb fails every search that starts with "error".
    let mut jobs = vec![
        job("Error Outage.mkv"),
        job("Error Outage.en.srt"),
        job("Error Again.mkv"),
    ];
    let (outage, again) = (hits("error outage"), hits("error again"));
    let policy = Policy {
        yes: false,
        ask: false,
        retry: Backoff {
            first: Duration::from_millis(10),
            max: Duration::from_millis(10),
            attempts: 2,
        },
    };
    let failures = identify(&api, Some(srv.library as i32), &mut jobs, policy).await;
    assert_eq!(hits("error outage") - outage, 3, "a search and two retries");
    assert_eq!(
        hits("error again") - again,
        1,
        "no more retries once the database stayed away"
    );
    assert_eq!(failures.len(), 3, "{failures:?}");
    for (path, why) in &failures {
        assert!(
            why.contains("not answering searches right now"),
            "{path}: {why}"
        );
        assert!(
            why.contains("pass --imdb with the movie's IMDb id or link"),
            "{why}"
        );
        assert!(!why.contains("http"), "{why}");
    }
    assert!(jobs.iter().all(|j| j.imdb_id.is_none()));

    // With --yes they go ahead under the title in their names, looked up later: a film and
    // its subtitles stay together.
    let mut jobs = vec![job("Error Outage.mkv"), job("Error Outage.en.srt")];
    let yes = Policy {
        yes: true,
        ..policy
    };
    let failures = identify(&api, Some(srv.library as i32), &mut jobs, yes).await;
    assert!(failures.is_empty(), "{failures:?}");
    let named = jobs[0].imdb_id.clone().unwrap();
    assert!(domain::imdb::is_provisional(&named), "{named}");
    assert_eq!(jobs[1].imdb_id.as_deref(), Some(named.as_str()));

    // Or by hand with --title and --year.
    let file = dir.path().join("IMG_0042.mkv");
    let data = b"a title typed by hand".to_vec();
    std::fs::write(&file, &data).unwrap();
    let upload_as = |how: &[&str], file: &std::path::Path| {
        let out = Command::new(ott_bin())
            .args(["upload", "--server", &srv.url])
            .args(["--library", &srv.library.to_string()])
            .args(how)
            .env("OTT_TOKEN", &srv.token)
            .arg(file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let text = upload_as(&["--title", "Error Outage", "--year", "2001"], &file);
    assert!(text.contains("uploading as \"Error Outage\""), "{text}");
    let provisional = domain::ImdbId::provisional("Error Outage", Some(2001));
    assert_eq!(
        sha256(&srv.stored(&format!("{provisional}/unknown/movie.mkv"))),
        sha256(&data)
    );

    // The way on: the movie's IMDb address.
    let file = dir.path().join("Some home video.mkv");
    let data = b"named by its IMDb address".to_vec();
    std::fs::write(&file, &data).unwrap();
    upload_as(
        &[
            "--imdb",
            "https://www.imdb.com/title/tt0113277/?ref_=fn_al_tt_1",
        ],
        &file,
    );
    assert_eq!(
        sha256(&srv.stored("tt0113277/unknown/movie.mkv")),
        sha256(&data)
    );
    // Anything else is refused before a byte is sent.
    let out = Command::new(ott_bin())
        .args(["upload", "--server", &srv.url])
        .args(["--imdb", "https://www.themoviedb.org/movie/348"])
        .env("OTT_TOKEN", &srv.token)
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--imdb: give the movie's IMDb id"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(srv.staged().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metadata_job_cut_short_by_a_kill_finishes_after_the_restart() {
    use crate::fixtures::{SLOW_FOR, SLOW_TITLE};
    use backend::entities::movie;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let mut srv = RealServer::start().await;
    let api = ApiClient::new(&srv.url, &srv.token).unwrap();
    let data = b"the first rule".to_vec();
    let described = FileDescription {
        filename: "Fight Club.mkv".into(),
        size: data.len() as u64,
        last_modified: 1,
    };
    let state = api
        .init(Some(srv.library as i32), &described, "tt0133093")
        .await
        .unwrap();
    let plan = domain::upload::client::ChunkPlan {
        chunk_nr: 1,
        offset: 0,
        len: data.len() as u64,
    };
    api.chunk(&state.upload_id, plan, data).await.unwrap();
    api.end(&state.upload_id, SLOW_TITLE, "new").await.unwrap();

    // The job is waiting for the slow title page now: kill the server in the middle of it.
    tokio::time::sleep(SLOW_FOR / 3).await;
    srv.kill();
    let url = backend::config::default_database_url(srv.data.path());
    let db = backend::db::connect(&url).await.unwrap();
    let row = || async {
        movie::Entity::find()
            .filter(movie::Column::ImdbId.eq(SLOW_TITLE))
            .one(&db)
            .await
            .unwrap()
            .expect("the upload created the movie")
    };
    assert_eq!(row().await.metadata_status, "pending", "cut short");
    assert_eq!(row().await.year, None, "nothing fetched yet");
    assert!(!srv.library_path.join(SLOW_TITLE).join("cover").exists());

    srv.spawn().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while row().await.metadata_status != "fetched" {
        assert!(
            Instant::now() < deadline,
            "the job finished after the restart: {:?}; the server logged:\n{}",
            row().await,
            srv.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let done = row().await;
    assert_eq!(done.year, Some(1999));
    assert!(
        srv.library_path
            .join(SLOW_TITLE)
            .join("cover/cover.jpg")
            .is_file()
    );
}

/// A request body that sends `first`, then waits for `rest` (or for ever, if it never comes).
fn held_body(first: Vec<u8>, rest: tokio::sync::oneshot::Receiver<Vec<u8>>) -> reqwest::Body {
    let first = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(first)) });
    let rest = futures::stream::once(async move {
        match rest.await {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(_) => std::future::pending().await,
        }
    });
    reqwest::Body::wrap_stream(futures::StreamExt::chain(first, rest))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_chunk_in_flight_finish_cuts_a_stalled_one_and_exits_in_time() {
    let mut srv = RealServer::start().await;
    let rough = RoughClient {
        srv: &srv,
        http: reqwest::Client::new(),
    };
    let chunk = 256 * 1024;
    let (a_data, b_data) = (vec![0xA5u8; 2 * chunk], vec![0x5Au8; 2 * chunk]);
    let mut ids = Vec::new();
    for name in ["finishing.mp4", "stalled.mp4"] {
        match rough.init(name, 2 * chunk).await {
            Sent::Answer(s, body) if s.is_success() => {
                ids.push(body["uploadId"].as_str().unwrap().to_owned())
            }
            other => panic!("{other:?}"),
        }
    }
    // Both chunks are half sent when the signal comes; one client then finishes its chunk,
    // the other never does.
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel();
    let (_stall_tx, stall_rx) = tokio::sync::oneshot::channel::<Vec<u8>>();
    let send = |id: &str, data: &[u8], rx| {
        rough
            .auth(rough.http.post(rough.chunk_url(id, 1, 0)))
            .header(reqwest::header::CONTENT_LENGTH, chunk)
            .body(held_body(data[..chunk / 2].to_vec(), rx))
            .send()
    };
    let finishing = tokio::spawn(send(&ids[0], &a_data, finish_rx));
    let stalled = tokio::spawn(send(&ids[1], &b_data, stall_rx));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rest = a_data[chunk / 2..chunk].to_vec();
    let stopping = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        finish_tx.send(rest).unwrap();
    });
    drop(rough);
    let took = srv.terminate().await;
    stopping.await.unwrap();
    eprintln!("SIGTERM to exit: {took:?}");
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    let finished = finishing
        .await
        .unwrap()
        .expect("the finishing chunk got an answer");
    assert_eq!(finished.status(), reqwest::StatusCode::OK);
    assert!(stalled.await.unwrap().is_err(), "the stalled chunk was cut");

    // After a restart: the finished chunk is kept, the cut one left no trace, and both
    // uploads complete byte for byte.
    srv.spawn().await;
    let rough = RoughClient {
        srv: &srv,
        http: reqwest::Client::new(),
    };
    rough
        .assert_state("finishing.mp4", 2 * chunk, chunk, 1)
        .await;
    rough.assert_state("stalled.mp4", 2 * chunk, 0, 0).await;
    for (i, (name, data, from)) in [
        ("finishing.mp4", &a_data, 1usize),
        ("stalled.mp4", &b_data, 0),
    ]
    .into_iter()
    .enumerate()
    {
        for nr in from..2 {
            let sent = rough
                .chunk(
                    &ids[i],
                    nr as u64 + 1,
                    nr * chunk,
                    &data[nr * chunk..(nr + 1) * chunk],
                )
                .await;
            assert!(
                matches!(sent, Sent::Answer(s, _) if s.is_success()),
                "{name}: {sent:?}"
            );
        }
        let imdb = format!("tt{:07}", 4_000_000 + i);
        match rough.end(&ids[i], &imdb).await {
            Sent::Answer(s, body) if s.is_success() => {
                let path = body["path"].as_str().unwrap();
                assert_eq!(sha256(&srv.stored(path)), sha256(data), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
