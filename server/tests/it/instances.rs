//! Several real `ott serve` processes on one PostgreSQL database, behind Debian's nginx in
//! round robin (the deploy file with one `server` line per instance): a change made through one
//! instance is honoured by the other within a second (cache notices, `backend::write::peers`),
//! a login made through one works on every one, login limits count every instance's attempts,
//! the metadata job of each instance never fetches a movie another one has taken, a playback
//! session plays to the end whichever instance each of its requests reaches, the monitor
//! lists every instance, and an upload into a bucket continues on whichever instance each
//! chunk reaches, even when one of them is killed in the middle of a chunk. A server of its
//! own shows the cap on the chunks one process holds on their way into a bucket.

use crate::cli::{ott, ott_bin, stdout};
use crate::clips;
use crate::fixtures;
use crate::hls::{codec_of, ffprobe};
use crate::proxy::Nginx;
use crate::support::{PASSWORD, free_port};
use backend::entities::movie;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How soon another instance must honour a change.
const WITHIN: Duration = Duration::from_secs(1);

/// A fresh PostgreSQL database, or `None` (with a note) where none is configured; in CI a
/// missing PostgreSQL fails.
async fn postgres() -> Option<String> {
    match std::env::var(backend::testing::POSTGRES_ENV) {
        Ok(server) if !server.is_empty() => Some(
            backend::testing::fresh_postgres_database(&server)
                .await
                .expect("create a PostgreSQL test database"),
        ),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("several instances need PostgreSQL: set OTT_TEST_POSTGRES_URL")
        }
        _ => {
            eprintln!("note: OTT_TEST_POSTGRES_URL not set; several instances are not tested");
            None
        }
    }
}

/// One `ott serve` process with a data dir of its own (as on its own machine), killed when
/// dropped.
struct Instance {
    child: Child,
    url: String,
    port: u16,
    data: TempDir,
}

impl Instance {
    fn spawn(database_url: &str) -> Instance {
        Instance::spawn_with(database_url, "")
    }

    /// An instance whose config file has `more` after the test fixtures' settings.
    fn spawn_with(database_url: &str, more: &str) -> Instance {
        let data = TempDir::new().unwrap();
        let config = format!("{}{more}", fixtures::config_file());
        std::fs::write(data.path().join("ott.toml"), config).unwrap();
        let port = free_port();
        let log = std::fs::File::create(data.path().join("server.log")).unwrap();
        let child = Command::new(ott_bin())
            .args(["--data-dir", data.path().to_str().unwrap()])
            .args(["--database-url", database_url])
            .arg("--config")
            .arg(data.path().join("ott.toml"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start ott serve");
        Instance {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            data,
        }
    }

    async fn ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let exited = self.child.try_wait().unwrap();
            assert!(exited.is_none(), "ott serve exited: {}", self.log());
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not come up: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two instances on `database_url`, both answering.
async fn two_instances(database_url: &str) -> (Instance, Instance) {
    let (mut a, mut b) = (Instance::spawn(database_url), Instance::spawn(database_url));
    a.ready().await;
    b.ready().await;
    (a, b)
}

/// A user made with the CLI, and an API token of theirs.
fn user_with_token(data: &TempDir, database_url: &str, name: &str) -> String {
    user_made(data, database_url, name, &[])
}

fn user_made(data: &TempDir, database_url: &str, name: &str, more: &[&str]) -> String {
    let mut args = vec!["user", "create", name, "--password-stdin"];
    args.extend(more);
    stdout(&ott(data, database_url, &args, Some(PASSWORD)));
    stdout(&ott(
        data,
        database_url,
        &["token", "create", "--user", name],
        None,
    ))
    .trim()
    .to_owned()
}

/// A library of `owner`'s, made with the CLI; its id.
fn library_of(data: &TempDir, database_url: &str, owner: &str) -> i64 {
    let made: Value = serde_json::from_str(&stdout(&ott(
        data,
        database_url,
        &["library", "create", "--owner", owner, "--name", "Films"],
        None,
    )))
    .unwrap();
    made["id"].as_i64().unwrap()
}

/// `GET base + path` with `token`, which must answer 200; the body's bytes.
async fn fetch(client: &reqwest::Client, base: &str, path: &str, token: &str) -> Vec<u8> {
    let res = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.bytes().await.unwrap().to_vec();
    assert_eq!(
        status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
    );
    bytes
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The ids of the libraries `token`'s user may see, as `base` answers.
async fn library_ids(client: &reqwest::Client, base: &str, token: &str) -> Vec<i64> {
    let res = client
        .get(format!("{base}/api/libraries"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    body.as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

/// A new invite to `library` as a viewer, made by its owner through `base`: its token.
async fn viewer_invite(client: &reqwest::Client, base: &str, owner: &str, library: i64) -> String {
    let invite: Value = client
        .post(format!("{base}/api/libraries/{library}/invites"))
        .bearer_auth(owner)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    invite["token"]
        .as_str()
        .expect("an invite token")
        .to_owned()
}

/// Whether `base` lets `token`'s user into the library: its home rows (through the access
/// cache, unlike the list of libraries, which is read from the database each time).
async fn lets_in(client: &reqwest::Client, base: &str, token: &str, library: i64) -> bool {
    let res = client
        .get(format!("{base}/api/rows?library={library}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    match res.status().as_u16() {
        200 => true,
        404 => false,
        other => panic!("{other}: {}", res.text().await.unwrap()),
    }
}

/// How long until `base` lets `token`'s user into the library (`member`) or no longer does.
async fn until_seen(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    library: i64,
    member: bool,
) -> Duration {
    let start = Instant::now();
    while lets_in(client, base, token, library).await != member {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{base} still says member={} after 10 s",
            !member
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_changed_through_one_instance_is_honoured_by_the_other_within_a_second() {
    let Some(db) = postgres().await else { return };
    let cli = TempDir::new().unwrap();
    let anna = user_with_token(&cli, &db, "anna");
    let bert = user_with_token(&cli, &db, "bert");
    let library = library_of(&cli, &db, "anna");
    let (a, b) = two_instances(&db).await;
    let client = reqwest::Client::new();

    // B has read (and keeps, for up to 30 s) that bert is no member.
    assert!(!lets_in(&client, &b.url, &bert, library).await);
    assert!(!library_ids(&client, &b.url, &bert).await.contains(&library));

    // Anna invites bert through A; bert joins through A.
    let token = viewer_invite(&client, &a.url, &anna, library).await;
    let joined = client
        .post(format!("{}/api/invites/{token}/accept", a.url))
        .bearer_auth(&bert)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(
        joined.status().is_success(),
        "{}",
        joined.text().await.unwrap()
    );
    let granted = until_seen(&client, &b.url, &bert, library, true).await;
    assert!(
        granted < WITHIN,
        "B honoured the membership after {granted:?}"
    );

    // And the way that matters most: anna removes bert through A, and B shuts him out.
    let users: Value = client
        .get(format!("{}/api/libraries/{library}/members", a.url))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bert_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == "bert")
        .and_then(|m| m["userId"].as_i64())
        .unwrap_or_else(|| panic!("bert is listed: {users}"));
    let removed = client
        .delete(format!(
            "{}/api/libraries/{library}/members/{bert_id}",
            a.url
        ))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert!(
        removed.status().is_success(),
        "{}",
        removed.text().await.unwrap()
    );
    let revoked = until_seen(&client, &b.url, &bert, library, false).await;
    assert!(revoked < WITHIN, "B still let bert in after {revoked:?}");
    eprintln!("B honoured the membership after {granted:?} and its removal after {revoked:?}");
    // Behind nginx in round robin: a login made through one instance works on both, and every
    // request after a change sees it, whichever instance answers.
    let nginx = Nginx::start_before(&[a.port, b.port], IpAddr::V4(Ipv4Addr::LOCALHOST));
    let login = client
        .post(format!("{}/api/auth/login", nginx.url))
        .json(&json!({"username": "bert", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get(http::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    assert!(
        login.status().is_success(),
        "{}",
        login.text().await.unwrap()
    );
    let cookie = cookie.expect("a session cookie");
    let token = viewer_invite(&client, &nginx.url, &anna, library).await;
    let joined = client
        .post(format!("{}/api/invites/{token}/accept", nginx.url))
        .header(http::header::COOKIE, &cookie)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(
        joined.status().is_success(),
        "{}",
        joined.text().await.unwrap()
    );
    tokio::time::sleep(WITHIN).await;
    for _ in 0..6 {
        let rows = client
            .get(format!("{}/api/rows?library={library}", nginx.url))
            .header(http::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(rows.status(), 200, "{}", rows.text().await.unwrap());
    }
    let used = nginx.upstreams_used();
    for instance in [&a, &b] {
        let at = format!("127.0.0.1:{}", instance.port);
        assert!(
            used.iter().filter(|u| **u == at).count() >= 3,
            "round robin sent requests to both instances: {used:?}\nnginx: {}",
            nginx.error_log()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_movie_is_fetched_once_with_two_instances_running() {
    let Some(url) = postgres().await else { return };
    // Movies waiting for their metadata before either instance starts, as after uploads.
    let db = backend::db::open(&url).await.unwrap();
    for id in fixtures::SHARED_TITLES {
        movie::ActiveModel {
            imdb_id: Set(id.to_owned()),
            title: Set(format!("file of {id}")),
            search_title: Set(format!("file of {id}")),
            metadata_status: Set("pending".into()),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
    }

    // Both jobs start a round at once; each title page takes a second to arrive, so without
    // claims both would be fetching the same movies.
    let (a, b) = two_instances(&url).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = movie::Entity::find()
            .filter(movie::Column::ImdbId.is_in(fixtures::SHARED_TITLES))
            .filter(movie::Column::MetadataStatus.ne("fetched"))
            .all(&db)
            .await
            .unwrap();
        if pending.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not fetched within 30 s: {:?}\nA: {}\nB: {}",
            pending
                .iter()
                .map(|m| (&m.imdb_id, &m.metadata_status))
                .collect::<Vec<_>>(),
            a.log(),
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in fixtures::SHARED_TITLES {
        assert_eq!(
            fixtures::hits(&format!("/title/{id}/")),
            1,
            "{id}'s page was asked for once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_limits_hold_across_instances_and_the_monitor_lists_both() {
    let Some(db) = postgres().await else { return };
    let cli = TempDir::new().unwrap();
    user_with_token(&cli, &db, "anna");
    let admin = user_made(&cli, &db, "root", &["--admin"]);
    let (a, b) = two_instances(&db).await;
    let client = reqwest::Client::new();

    // Each instance writes its heartbeat as it starts; the administrator sees both, from
    // either, the one answering first.
    let (at_a, at_b) = (
        format!("127.0.0.1:{}", a.port),
        format!("127.0.0.1:{}", b.port),
    );
    let expected = vec![(at_b, true), (at_a, false)];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listed: Value = client
            .get(format!("{}/api/monitor?parts=instances", b.url))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let addresses: Vec<(String, bool)> = listed["instances"]
            .as_array()
            .unwrap_or_else(|| panic!("instances listed: {listed}"))
            .iter()
            .map(|i| {
                (
                    i["address"].as_str().unwrap().to_owned(),
                    i["current"].as_bool().unwrap(),
                )
            })
            .collect();
        if addresses == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{addresses:?} is not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let attempt = |base: String| {
        let client = client.clone();
        async move {
            client
                .post(format!("{base}/api/auth/login"))
                .json(&json!({"username": "anna", "password": "not her password"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The configured burst on one username is 10 (`login_attempts_per_user`), split between
    // the instances; one instance alone would allow 10 more.
    let burst = backend::Config::new(cli.path().to_path_buf()).login_attempts_per_user;
    for i in 0..burst {
        let base = if i % 2 == 0 { &a.url } else { &b.url };
        assert_eq!(
            attempt(base.clone()).await,
            401,
            "attempt {i} is only wrong"
        );
    }
    for base in [&a.url, &b.url] {
        assert_eq!(
            attempt(base.clone()).await,
            429,
            "{base} counts the other's attempts"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playback_session_plays_to_the_end_whichever_instance_each_request_reaches() {
    let Some(db) = postgres().await else { return };
    let cli = TempDir::new().unwrap();
    let anna = user_with_token(&cli, &db, "anna");
    let library = library_of(&cli, &db, "anna");
    let (a, b) = two_instances(&db).await;
    let client = reqwest::Client::new();

    // A minute of Matroska with AC-3 audio, uploaded through A: Chromium plays neither, so
    // playback is a session (the video copied, the audio converted), ten 6-second segments.
    const MINUTE: &str = "tt0990009";
    let out = Command::new(ott_bin())
        .args(["upload", "--server", &a.url, "--token", &anna])
        .args(["--library", &library.to_string(), "--imdb", MINUTE])
        .arg(clips::minute_mkv())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = json_of(
        &fetch(
            &client,
            &a.url,
            &format!("/api/movies/{MINUTE}/files?library={library}"),
            &anna,
        )
        .await,
    );
    let file = files[0]["id"].as_i64().expect("the uploaded file");
    let deadline = Instant::now() + Duration::from_secs(30);
    let watch = loop {
        let watch =
            json_of(&fetch(&client, &a.url, &format!("/api/files/{file}/watch"), &anna).await);
        if watch["playback"].is_object() {
            break watch;
        }
        assert!(
            Instant::now() < deadline,
            "the file was not analysed: {}",
            a.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let supported: Vec<&str> = watch["playback"]["codecs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|c| c.starts_with("avc1.") || c.starts_with("mp4a.40."))
        .collect();
    let query = format!("supported={}&direct=0&hls=mse", supported.join(","));
    let opened = json_of(
        &fetch(
            &client,
            &a.url,
            &format!("/api/files/{file}/playback?{query}"),
            &anna,
        )
        .await,
    );
    assert_eq!(opened["mode"], "audio", "{opened}");
    let session = opened["session"].as_str().expect("a session").to_owned();

    // Every request of the player through nginx in round robin: the playlists, the init
    // section and every segment, half of them answered by B, which never saw the session open.
    let nginx = Nginx::start_before(&[a.port, b.port], IpAddr::V4(Ipv4Addr::LOCALHOST));
    let base = format!("/api/playback/{session}");
    fetch(&client, &nginx.url, &format!("{base}/master.m3u8"), &anna).await;
    let index = fetch(&client, &nginx.url, &format!("{base}/index.m3u8"), &anna).await;
    let segments = String::from_utf8(index)
        .unwrap()
        .lines()
        .filter(|l| l.ends_with(".m4s"))
        .count();
    assert_eq!(segments, 10);
    let mut film = fetch(&client, &nginx.url, &format!("{base}/init.mp4"), &anna).await;
    for n in 0..segments {
        film.extend(fetch(&client, &nginx.url, &format!("{base}/{n}.m4s"), &anna).await);
    }
    let read = ffprobe(&film);
    assert_eq!(codec_of(&read, "video"), ["h264"]);
    assert_eq!(codec_of(&read, "audio"), ["aac"]);
    assert!(
        (read.duration - 60.0).abs() < 0.5,
        "the whole minute plays: {} s",
        read.duration
    );
    let used = nginx.upstreams_used();
    for instance in [&a, &b] {
        let at = format!("127.0.0.1:{}", instance.port);
        assert!(
            used.iter().filter(|u| **u == at).count() >= 5,
            "both instances served the session: {used:?}"
        );
    }
    assert!(
        b.log().contains("playback session made again here"),
        "B made the session from the database: {}",
        b.log()
    );

    // Ended through one instance, it is forgotten for all: no instance makes it again.
    let ended = client
        .delete(format!("{}{base}", a.url))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    let conn = backend::db::connect(&db).await.unwrap();
    let kept = backend::entities::playback_session::Entity::find_by_id(session.clone())
        .one(&conn)
        .await
        .unwrap();
    assert_eq!(kept, None);
}

/// `POST base + path` with `token` and `body`; the status and the JSON answer (or an error
/// saying why the request failed, for a killed instance).
async fn post_bytes(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> Result<(u16, Value), String> {
    let res = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answer_of(res).await
}

/// A response's status and JSON answer (its text when it is not JSON), or why the body could
/// not be read.
async fn answer_of(res: reqwest::Response) -> Result<(u16, Value), String> {
    let status = res.status().as_u16();
    let text = res.text().await.map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// The config file's entry for `weed` as the object store `home`.
fn store_config(weed: &crate::seaweed::SeaweedFs) -> String {
    format!(
        "\n[object_stores.home]\nendpoint = {:?}\nregion = \"us-east-1\"\n\
         access_key_id = {:?}\nsecret_access_key = {:?}\n",
        weed.endpoint, weed.access_key_id, weed.secret_access_key
    )
}

/// A library named `name` in `weed`'s bucket (under `films/`), made through `base` by the
/// admin `token`; its id.
async fn bucket_library(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    weed: &crate::seaweed::SeaweedFs,
    name: &str,
) -> i64 {
    let made = client
        .post(format!("{base}/api/libraries"))
        .bearer_auth(token)
        .json(&json!({"name": name, "path": format!("s3://home/{}/films", weed.bucket)}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201, "{}", made.text().await.unwrap());
    made.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_into_a_bucket_continues_on_any_instance_even_after_one_is_killed() {
    use crate::uploads::sha256;
    let Some(db) = postgres().await else { return };
    let Some(weed) = crate::seaweed::SeaweedFs::start("shared") else {
        return;
    };
    let store = store_config(&weed);
    let cli = TempDir::new().unwrap();
    let admin = user_made(&cli, &db, "admin", &["--admin"]);
    let (mut a, mut b) = (
        Instance::spawn_with(&db, &store),
        Instance::spawn_with(&db, &store),
    );
    a.ready().await;
    b.ready().await;
    let client = reqwest::Client::new();
    let library = bucket_library(&client, &a.url, &admin, &weed, "Shared").await;

    // 100 MiB, every byte position telling, sent in the chunks the server suggests.
    let size = 100 * 1024 * 1024;
    let mut x: u32 = 0x9e37_79b9;
    let data: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let init = format!(
        "/api/upload?type=init&filename=Heat.mkv&size={size}&lastModified=1700000000000&library={library}"
    );
    let (status, started) = post_bytes(&client, &a.url, &init, &admin, Vec::new())
        .await
        .unwrap();
    assert_eq!(status, 200, "{started}");
    let id = started["uploadId"].as_str().unwrap().to_owned();
    let chunk_size = started["chunkSize"].as_u64().unwrap() as usize;
    let chunk_path = |nr: usize, offset: usize| {
        format!("/api/upload?type=chunk&uploadId={id}&chunkNr={nr}&offset={offset}")
    };

    let pieces: Vec<&[u8]> = data.chunks(chunk_size).collect();
    let kill_at = pieces.len() / 2;
    for (i, piece) in pieces.iter().enumerate() {
        let (nr, offset) = (i + 1, i * chunk_size);
        let killed = i == kill_at;
        if killed {
            // A is killed while this chunk is on its way to it; the client sends it to B.
            let (url, token, path, body) = (
                a.url.clone(),
                admin.clone(),
                chunk_path(nr, offset),
                piece.to_vec(),
            );
            let in_flight = tokio::spawn(async move {
                post_bytes(&reqwest::Client::new(), &url, &path, &token, body).await
            });
            tokio::time::sleep(Duration::from_millis(30)).await;
            let _ = a.child.kill();
            let _ = a.child.wait();
            // (Receiving a chunk of 32 MiB, storing its parts and recording them takes A longer
            // than that.)
            let cut = in_flight.await.unwrap();
            assert!(cut.is_err(), "A died before it answered: {cut:?}");
        }
        let to = if killed || i % 2 == 1 { &b } else { &a };
        let (status, answer) = post_bytes(
            &client,
            &to.url,
            &chunk_path(nr, offset),
            &admin,
            piece.to_vec(),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "chunk {nr} through {}: {answer}", to.url);
        if killed {
            assert_eq!(
                answer["offset"].as_u64(),
                Some((offset + piece.len()) as u64),
                "B took the chunk A was killed with"
            );
            // A comes back (a new process, nothing of the upload in it) and takes its turns.
            a = Instance::spawn_with(&db, &store);
            a.ready().await;
        }
    }
    // Either instance answers where the upload stands.
    let (_, again) = post_bytes(&client, &a.url, &init, &admin, Vec::new())
        .await
        .unwrap();
    assert_eq!(again["offset"].as_u64(), Some(size as u64), "{again}");
    let end = format!("/api/upload?type=end&uploadId={id}&imdbId=tt0113277&mode=new");
    let (status, done) = post_bytes(&client, &b.url, &end, &admin, Vec::new())
        .await
        .unwrap();
    assert_eq!(status, 200, "{done}\n{}", b.log());
    let relative = done["path"].as_str().unwrap();
    let stored = weed
        .object(&format!("films/{relative}"))
        .await
        .expect("the object is in the bucket");
    assert_eq!(
        sha256(&stored),
        sha256(&data),
        "the object has the file's bytes"
    );
    for instance in [&a, &b] {
        assert!(
            crate::support::files_under(&instance.data.path().join("uploads")).is_empty(),
            "nothing was staged on {}",
            instance.url
        );
    }

    // Both instances stream it with exact ranges.
    let file = done["movieFileId"].as_i64().unwrap();
    for (instance, start) in [(&a, 0usize), (&b, 37 * 1024 * 1024 - 5)] {
        let res = client
            .get(format!("{}/stream/{file}", instance.url))
            .bearer_auth(&admin)
            .header("range", format!("bytes={start}-{}", start + 99_999))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206);
        assert_eq!(
            res.headers()["content-range"],
            format!("bytes {start}-{}/{size}", start + 99_999).as_str()
        );
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            &data[start..start + 100_000]
        );
    }
}

/// Feeds a request body piece by piece.
type Feed = tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>;
/// A request's status and JSON answer, or why it failed.
type Answer = tokio::task::JoinHandle<Result<(u16, Value), String>>;

/// A chunk request of `len` bytes to `url` whose body is fed through the returned sender; its
/// answer.
fn chunk_fed_by_hand(
    client: &reqwest::Client,
    url: String,
    token: &str,
    len: usize,
) -> (Feed, Answer) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let request = client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(reqwest::Body::wrap_stream(crate::support::receiver_stream(
            rx,
        )));
    let answer =
        tokio::spawn(
            async move { answer_of(request.send().await.map_err(|e| e.to_string())?).await },
        );
    (tx, answer)
}

/// The cap is per process (a static of the server), hence a server of its own: four chunks of
/// 32 MiB on their way into a bucket take the 128 MiB, a fifth waits (it is not refused, and
/// the server does not read it) until one of them is stored, then goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_holds_at_most_128_mib_of_chunks_for_a_bucket_and_a_fifth_waits_its_turn() {
    let Some(db) = postgres().await else { return };
    let Some(weed) = crate::seaweed::SeaweedFs::start("capped") else {
        return;
    };
    let store = store_config(&weed);
    let cli = TempDir::new().unwrap();
    let admin = user_made(&cli, &db, "admin", &["--admin"]);
    let mut server = Instance::spawn_with(&db, &store);
    server.ready().await;
    let client = reqwest::Client::new();
    let library = bucket_library(&client, &server.url, &admin, &weed, "Capped").await;

    const MIB: usize = 1024 * 1024;
    let chunk = bytes::Bytes::from((0..32 * MIB).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let mut chunk_paths = Vec::new();
    for name in ["A", "B", "C", "D", "E"] {
        let init = format!(
            "/api/upload?type=init&filename={name}.mkv&size={}&lastModified=1700000000000&library={library}",
            64 * MIB
        );
        let (status, started) = post_bytes(&client, &server.url, &init, &admin, Vec::new())
            .await
            .unwrap();
        assert_eq!(status, 200, "{started}");
        assert_eq!(started["chunkSize"].as_u64(), Some(32 * MIB as u64));
        let id = started["uploadId"].as_str().unwrap();
        chunk_paths.push(format!(
            "/api/upload?type=chunk&uploadId={id}&chunkNr=1&offset=0"
        ));
    }

    // Four first chunks, each stopped after its first MiB: they hold the room.
    let mut held = Vec::new();
    for path in &chunk_paths[..4] {
        let url = format!("{}{path}", server.url);
        let (tx, answer) = chunk_fed_by_hand(&client, url, &admin, chunk.len());
        tx.send(Ok(chunk.slice(..MIB))).await.unwrap();
        held.push((tx, answer));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The fifth, whole: it waits while the four are held.
    let fifth = {
        let (client, base, path, token, body) = (
            client.clone(),
            server.url.clone(),
            chunk_paths[4].clone(),
            admin.clone(),
            chunk.to_vec(),
        );
        tokio::spawn(async move { post_bytes(&client, &base, &path, &token, body).await })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !fifth.is_finished(),
        "a fifth chunk went through while four held the room: {:?}",
        fifth.await
    );

    // One of the four ends: it is stored, and the fifth gets its room.
    let (tx, answer) = held.remove(0);
    tx.send(Ok(chunk.slice(MIB..))).await.unwrap();
    drop(tx);
    let (status, first) = answer.await.unwrap().unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["offset"].as_u64(), Some(32 * MIB as u64), "{first}");
    let (status, fifth) = tokio::time::timeout(Duration::from_secs(60), fifth)
        .await
        .expect("the fifth chunk went through once there was room")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200, "{fifth}\n{}", server.log());
    // The other three, nothing refused.
    for (tx, answer) in held {
        tx.send(Ok(chunk.slice(MIB..))).await.unwrap();
        drop(tx);
        let (status, done) = answer.await.unwrap().unwrap();
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["offset"].as_u64(), Some(32 * MIB as u64), "{done}");
    }
}
