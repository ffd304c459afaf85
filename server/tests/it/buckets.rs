//! Libraries kept in a bucket of an S3-compatible store: a real SeaweedFS (`seaweed.rs`) with
//! keys, the server's `object_stores` pointing at it. An upload goes straight into the bucket
//! (chunks smaller than S3's parts are held until they make one) and becomes an object with
//! the same bytes (read back from SeaweedFS itself, not through the server), streams keep
//! their ranges, deleting a version deletes the object, and a bucket that is down gives 503s
//! and loses nothing: the same upload finishes once it is back. Files in a bucket are analysed and play
//! through on-the-fly sessions (ffprobe and ffmpeg read them through signed links), and their
//! subtitle files are listed and served. Covers and trailers are objects too, fixing a match
//! moves the objects, and an MKV is converted to an MP4 object.

use crate::seaweed::SeaweedFs;
use crate::support::{As, TestServer};
use crate::uploads::{MATRIX, Member, chunk, end, init, init_with, sha256};
use backend::config::ObjectStore;
use backend::testing::TestDatabase;
use http::{Method, Request, StatusCode, header};
use serde_json::json;
use tempfile::TempDir;

/// Several parts.
const SIZE: usize = 20 * 1024 * 1024 + 12_345;
/// What the uploader sends per chunk here: less than S3's 5 MiB part, so that chunks are
/// held and joined into parts of 8 MiB (the seam tested below).
const CHUNK: usize = 4 * 1024 * 1024;

fn movie_bytes(seed: u32) -> Vec<u8> {
    // A cheap generator: every 4 bytes differ, so a misplaced part is seen.
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

async fn server(weed: &SeaweedFs, redirect_streams: bool) -> TestServer {
    let dir = TempDir::new().unwrap();
    let database = TestDatabase {
        kind: "sqlite",
        url: backend::config::default_database_url(dir.path()),
    };
    let store = ObjectStore {
        endpoint: weed.endpoint.clone(),
        region: "us-east-1".into(),
        access_key_id: weed.access_key_id.clone(),
        secret_access_key: weed.secret_access_key.clone(),
        redirect_streams,
        // The server that redirects players also sends its bodies unsigned (`UNSIGNED-PAYLOAD`,
        // the default over https): both ways of signing are tested against the real store.
        sign_payload: !redirect_streams,
    };
    TestServer::start_with(&database, dir, move |config| {
        crate::fixtures::use_fixtures(config);
        config.object_stores.insert("home".into(), store);
    })
    .await
}

/// The first account (the administrator) with a new library at the bucket `location`.
async fn admin_library(srv: &TestServer, location: &str) -> Member {
    let admin = As::cookie(&srv.register("admin").await);
    let made = srv
        .post(
            "/api/libraries",
            &admin,
            json!({"name": "In the bucket", "path": location}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    Member {
        who: admin,
        library: made.body["id"].as_i64().unwrap(),
        path: made.body["path"].as_str().unwrap().into(),
    }
}

/// A SeaweedFS with `bucket`, a server using it, and the administrator's library at
/// `s3://home/<bucket><prefix>`; `None` where SeaweedFS is not available (outside CI).
async fn with_library(
    bucket: &str,
    redirect_streams: bool,
    prefix: &str,
) -> Option<(SeaweedFs, TestServer, Member)> {
    let weed = SeaweedFs::start(bucket)?;
    let srv = server(&weed, redirect_streams).await;
    let m = admin_library(&srv, &format!("s3://home/{}{prefix}", weed.bucket)).await;
    Some((weed, srv, m))
}

/// Sends every chunk of `data`; returns the upload id, ready for `end`.
async fn send_all(srv: &TestServer, m: &Member, name: &str, data: &[u8]) -> String {
    let started = init(srv, m, name, data.len(), 1_700_000_000_000).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let id = started.body["uploadId"].as_str().unwrap().to_owned();
    let mut offset = 0;
    for (nr, piece) in (1..).zip(data.chunks(CHUNK)) {
        let r = chunk(srv, m, &id, nr, offset as u64, piece).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        offset += piece.len();
    }
    id
}

async fn get(srv: &TestServer, path: &str, who: &As, range: Option<&str>) -> crate::support::Reply {
    let mut req = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = &who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(range) = range {
        req = req.header(header::RANGE, range);
    }
    srv.send(req.body(axum::body::Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_libraries_keep_uploads_as_objects_and_stream_them_with_ranges() {
    let Some(mut weed) = SeaweedFs::start("movies") else {
        return;
    };
    let srv = server(&weed, false).await;
    let admin = As::cookie(&srv.register("admin").await);
    let location = format!("s3://home/{}/households/ours", weed.bucket);

    // Only the administrator chooses a bucket, and a wrong one is named as such.
    let bea = As::cookie(&srv.register("bea").await);
    let create = |who: As, path: String| {
        let srv = &srv;
        async move {
            srv.post(
                "/api/libraries",
                &who,
                json!({"name": "Bucket films", "path": path}),
            )
            .await
        }
    };
    create(bea.clone(), location.clone())
        .await
        .assert_error(StatusCode::FORBIDDEN, "path_not_allowed");
    create(admin.clone(), format!("s3://nas/{}", weed.bucket))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_object_store");
    create(admin.clone(), "s3://home/Not_A_Bucket".into())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_bucket_name");
    let made = create(admin.clone(), format!("{location}/")).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(
        made.body["path"],
        location.as_str(),
        "kept in its plain form"
    );
    create(admin.clone(), format!("{location}/kids"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "path_inside_library");
    let anna = Member {
        who: admin.clone(),
        library: made.body["id"].as_i64().unwrap(),
        path: location.clone().into(),
    };

    // An upload of several parts becomes one object with the same bytes.
    let data = movie_bytes(1);
    let id = send_all(&srv, &anna, "The Matrix.mp4", &data).await;
    let done = end(&srv, &anna, &id, MATRIX, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let relative = done.body["path"].as_str().unwrap().to_owned();
    assert!(relative.starts_with(&format!("{MATRIX}/")), "{relative}");
    let key = format!("households/ours/{relative}");
    let stored = weed
        .object(&key)
        .await
        .expect("the object is in the bucket");
    assert_eq!(sha256(&stored), sha256(&data));
    let staged = srv.state.config.uploads_dir();
    assert!(
        crate::support::files_under(&staged).is_empty(),
        "nothing of an upload into a bucket is staged on the server's disk"
    );
    assert!(
        weed.object(&format!("households/ours/.ott-uploads/{id}/upload.mp4"))
            .await
            .is_none(),
        "the upload's own object is gone once the file is in its place"
    );

    // Streams: whole, ranges (one across the parts' seam), past the end; members only.
    let file_id = done.body["movieFileId"].as_i64().unwrap();
    let url = format!("/stream/{file_id}");
    let full = get(&srv, &url, &admin, None).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(
        full.headers[header::CONTENT_LENGTH],
        SIZE.to_string().as_str()
    );
    assert_eq!(sha256(&full.bytes), sha256(&data));
    assert!(full.headers.contains_key(header::ETAG));
    let seam = 8 * 1024 * 1024;
    for (range, start, end) in [
        ("bytes=0-99".to_owned(), 0, 99),
        (
            format!("bytes={}-{}", seam - 10, seam + 10),
            seam - 10,
            seam + 10,
        ),
        ("bytes=-1000".to_owned(), SIZE - 1000, SIZE - 1),
    ] {
        let part = get(&srv, &url, &admin, Some(&range)).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            part.headers[header::CONTENT_RANGE],
            format!("bytes {start}-{end}/{SIZE}").as_str()
        );
        assert_eq!(part.bytes, data[start..=end], "{range}");
    }
    let past = get(&srv, &url, &admin, Some(&format!("bytes={SIZE}-"))).await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    get(&srv, &url, &bea, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "file_not_found");

    // The monitor says what the store holds for the library.
    let usage =
        |report: &crate::support::Reply| report.body["storage"]["libraries"][0]["bucket"].clone();
    let report = srv.get("/api/monitor?parts=storage", &admin).await;
    let held = usage(&report);
    assert_eq!(held["reachable"], true, "{}", report.text);
    assert_eq!(held["objects"], 1, "{}", report.text);
    assert_eq!(held["bytes"].as_u64(), Some(SIZE as u64), "{}", report.text);

    // A bucket that is down: clear 503s, and nothing lost. The upload's state is in the
    // database: `init` still answers where it stands, and the chunk refused while the bucket
    // was away, then `end`, go through once it is back.
    let second = movie_bytes(2);
    let started = init(&srv, &anna, "The Matrix Reloaded.mkv", SIZE, 1).await;
    let id2 = started.body["uploadId"].as_str().unwrap().to_owned();
    let pieces: Vec<&[u8]> = second.chunks(CHUNK).collect();
    let last = pieces.len();
    for (nr, piece) in (1..last).zip(&pieces) {
        let r = chunk(
            &srv,
            &anna,
            &id2,
            nr as u64,
            ((nr - 1) * CHUNK) as u64,
            piece,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let last_offset = ((last - 1) * CHUNK) as u64;
    weed.stop();
    let refused = chunk(
        &srv,
        &anna,
        &id2,
        last as u64,
        last_offset,
        pieces[last - 1],
    )
    .await;
    refused.assert_error(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable");
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
    let stands = init(&srv, &anna, "The Matrix Reloaded.mkv", SIZE, 1).await;
    assert_eq!(
        stands.body["offset"].as_u64(),
        Some(last_offset),
        "{}",
        stands.text
    );
    get(&srv, &url, &admin, Some("bytes=0-99"))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable");
    let report = srv.get("/api/monitor?parts=storage", &admin).await;
    assert_eq!(usage(&report)["reachable"], false, "{}", report.text);
    weed.resume();
    let r = chunk(
        &srv,
        &anna,
        &id2,
        last as u64,
        last_offset,
        pieces[last - 1],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    weed.stop();
    end(&srv, &anna, &id2, "tt0234215", "new")
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable");
    weed.resume();
    let finished = end(&srv, &anna, &id2, "tt0234215", "new").await;
    assert_eq!(
        finished.status,
        StatusCode::OK,
        "{}\n{}",
        finished.text,
        weed.log()
    );
    let key2 = format!(
        "households/ours/{}",
        finished.body["path"].as_str().unwrap()
    );
    assert_eq!(sha256(&weed.object(&key2).await.unwrap()), sha256(&second));

    // Deleting a version deletes its object; its stream is gone.
    let deleted = srv
        .call(
            Method::DELETE,
            &format!("/api/files/{file_id}"),
            &admin,
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    assert!(weed.object(&key).await.is_none(), "the object was deleted");
    get(&srv, &url, &admin, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "file_not_found");
    assert!(
        weed.object(&key2).await.is_some(),
        "the other movie's object stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_that_serve_players_get_them_redirected_to_a_signed_link() {
    let Some((weed, srv, m)) = with_library("films", true, "").await else {
        return;
    };
    let admin = m.who.clone();
    // One chunk, one (last, short) part.
    let data = movie_bytes(3)[..1_000_000].to_vec();
    let started = init(&srv, &m, "Heat.mp4", data.len(), 1_700_000_000_000).await;
    let id = started.body["uploadId"].as_str().unwrap().to_owned();
    assert_eq!(
        chunk(&srv, &m, &id, 1, 0, &data).await.status,
        StatusCode::OK
    );
    let done = end(&srv, &m, &id, "tt0113277", "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let file_id = done.body["movieFileId"].as_i64().unwrap();

    let sent = get(&srv, &format!("/stream/{file_id}"), &admin, None).await;
    assert_eq!(sent.status, StatusCode::FOUND);
    let link = sent.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(link.starts_with(&weed.endpoint), "{link}");
    assert!(
        !link.contains(&weed.secret_access_key),
        "the link carries a signature, not the key"
    );
    // The player's request goes to the store, ranges and all, with no cookie of ours; the
    // object carries the file's content type.
    let part = reqwest::Client::new()
        .get(&link)
        .header(header::RANGE, "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.headers()[header::CONTENT_TYPE], "video/mp4");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &data[1000..2000]);
    // A download needs a file name the object does not carry: it goes through the server.
    let download = get(&srv, &format!("/stream/{file_id}?download=1"), &admin, None).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(download.bytes, data);
    // Still members only: the link is given to nobody else.
    let bea = As::cookie(&srv.register("bea").await);
    get(&srv, &format!("/stream/{file_id}"), &bea, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "file_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_files_are_analysed_and_play_through_sessions_with_their_subtitles() {
    use crate::clips::{self, Clip};
    use crate::hls::{CHROMIUM, codec_of, fetch, ffprobe, playback, segment_lengths};
    let Some((_weed, srv, m)) = with_library("clips", false, "/clips").await else {
        return;
    };
    let admin = m.who.clone();
    let clip = Clip::MkvTwoAudioSrt;
    let done = crate::uploads::upload(
        &srv,
        &m,
        &clip.file_name(),
        &clips::bytes(clip),
        MATRIX,
        "new",
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let file = done.body["movieFileId"].as_i64().unwrap();
    // ffprobe read the object through a signed link.
    let probed = crate::media::probed(&srv, file).await;
    assert!(probed.probe.video.is_some(), "{:?}", probed.probe);
    let srt = b"1\n00:00:01,000 --> 00:00:02,000\nFrom the bucket\n";
    let sub = crate::uploads::upload(&srv, &m, "The Matrix.en.srt", srt, MATRIX, "new").await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.text);

    // Chromium cannot play E-AC-3: the audio is converted, the video copied, by an ffmpeg
    // reading the object.
    let view = playback(&srv, &admin, file, CHROMIUM, "").await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.body["mode"], "audio", "{}", view.text);
    let session = view.body["session"].as_str().unwrap().to_owned();
    let lengths = segment_lengths(&srv, &admin, &session).await;
    let mut joined = fetch(&srv, &admin, &session, "init.mp4").await;
    for n in 0..lengths.len() {
        joined.extend(fetch(&srv, &admin, &session, &format!("{n}.m4s")).await);
    }
    let read = ffprobe(&joined);
    assert_eq!(codec_of(&read, "video"), ["h264"]);
    assert_eq!(codec_of(&read, "audio"), ["aac"]);
    assert!(
        (read.duration - Clip::SECONDS).abs() < 0.35,
        "{}",
        read.duration
    );

    // The uploaded subtitle file is listed and served from the bucket as WebVTT.
    let watch = srv.get(&format!("/api/files/{file}/watch"), &admin).await;
    let track = &watch.body["subtitles"][0];
    assert_eq!(track["lang"], "en", "{}", watch.text);
    let vtt = get(&srv, track["url"].as_str().unwrap(), &admin, None).await;
    assert_eq!(vtt.status, StatusCode::OK, "{}", vtt.text);
    assert!(
        vtt.text.starts_with("WEBVTT") && vtt.text.contains("From the bucket"),
        "{}",
        vtt.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_records_the_bucket_objects_and_a_restore_says_which_are_gone() {
    use crate::cli::ott_bin;
    use std::process::Command;
    let Some((weed, srv, m)) = with_library("kept", false, "/lib").await else {
        return;
    };
    let mut files = Vec::new();
    for (seed, imdb) in [(5, MATRIX), (6, "tt0113277")] {
        let data = movie_bytes(seed)[..700_000].to_vec();
        let done =
            crate::uploads::upload(&srv, &m, &format!("{imdb}.mp4"), &data, imdb, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        files.push((
            done.body["movieFileId"].as_i64().unwrap(),
            done.body["path"].as_str().unwrap().to_owned(),
        ));
    }
    // The CLI reads the store's keys from a config file, as a real server's backup job would.
    let config = srv.dir.path().join("ott.toml");
    std::fs::write(
        &config,
        format!(
            "[object_stores.home]\nendpoint = {:?}\nregion = \"us-east-1\"\naccess_key_id = {:?}\nsecret_access_key = {:?}\n",
            weed.endpoint, weed.access_key_id, weed.secret_access_key
        ),
    )
    .unwrap();
    let run = |data: &std::path::Path, url: &str, args: &[&str]| {
        let out = Command::new(ott_bin())
            .args(["--data-dir", data.to_str().unwrap(), "--database-url", url])
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{said}");
        said
    };
    let backups = TempDir::new().unwrap();
    let url = srv.state.config.database_url.clone();
    let said = run(
        srv.dir.path(),
        &url,
        &["backup", "--to", backups.path().to_str().unwrap()],
    );
    assert!(said.contains("2 object(s) are recorded"), "{said}");
    let folder = std::fs::read_dir(backups.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).unwrap())
            .unwrap();
    let objects = manifest["objects"].as_array().unwrap();
    let mut keys: Vec<&str> = objects.iter().map(|o| o["key"].as_str().unwrap()).collect();
    keys.sort();
    let mut expected: Vec<&str> = files.iter().map(|(_, path)| path.as_str()).collect();
    expected.sort();
    assert_eq!(keys, expected, "every file's object, and nothing else");
    for o in objects {
        assert_eq!(o["size"], 700_000);
        assert!(!o["etag"].as_str().unwrap().is_empty(), "{o}");
    }

    // One version is deleted after the backup: a restore elsewhere says which object is gone.
    let deleted = srv
        .call(
            Method::DELETE,
            &format!("/api/files/{}", files[0].0),
            &m.who,
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    let elsewhere = TempDir::new().unwrap();
    let fresh = backend::config::default_database_url(elsewhere.path());
    let said = run(
        elsewhere.path(),
        &fresh,
        &["restore", "--from", folder.to_str().unwrap()],
    );
    assert!(
        said.contains("1 of the 2 object(s) the backup recorded are missing or changed")
            && said.contains(&format!("{} (missing)", files[0].1)),
        "{said}"
    );
    assert!(
        !elsewhere.path().join("s3:").exists(),
        "a bucket library is not made a folder by the restore"
    );
}

/// `init` with the movie: the parts go straight to the file's place (no copy at `end`).
async fn init_for(srv: &TestServer, m: &Member, name: &str, data: &[u8], imdb: &str) -> String {
    let extra = format!("&imdbId={imdb}");
    let started = init_with(srv, m, name, data.len(), 1_700_000_000_000, &extra).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    started.body["uploadId"].as_str().unwrap().to_owned()
}

/// The upload's row, as the database has it now.
async fn row_of(srv: &TestServer, id: &str) -> backend::entities::bucket_upload::Model {
    use sea_orm::EntityTrait;
    backend::entities::bucket_upload::Entity::find_by_id(id)
        .one(&srv.state.db)
        .await
        .unwrap()
        .expect("the upload's row")
}

/// The object the upload's parts go to, as the database records it.
async fn aimed_at(srv: &TestServer, id: &str) -> String {
    row_of(srv, id).await.object_key
}

/// Sends all of `data` to the upload `id` in chunks of 8 MiB (one part each).
async fn send_parts(srv: &TestServer, m: &Member, id: &str, data: &[u8]) {
    const PART: usize = 8 * 1024 * 1024;
    for (nr, piece) in (1..).zip(data.chunks(PART)) {
        let offset = (nr as usize - 1) * PART;
        let r = chunk(srv, m, id, nr, offset as u64, piece).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_names_its_movie_at_init_is_written_straight_to_its_place() {
    use crate::clips::{self, Clip};
    let Some((weed, srv, m)) = with_library("aimed", false, "/lib").await else {
        return;
    };
    let clip = Clip::MkvTwoAudioSrt;
    let data = clips::bytes(clip);
    let id = init_for(&srv, &m, &clip.file_name(), &data, MATRIX).await;
    assert!(
        aimed_at(&srv, &id).await.starts_with(".ott-uploads/"),
        "before any byte the parts go to a temporary object"
    );
    // The first chunk shows the frame size: the parts are aimed at the file's place.
    let r = chunk(&srv, &m, &id, 1, 0, &data).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let aimed = aimed_at(&srv, &id).await;
    assert!(
        aimed.starts_with(&format!("{MATRIX}/"))
            && aimed.ends_with("/movie.mkv")
            && !aimed.contains("unknown"),
        "{aimed}"
    );
    let done = end(&srv, &m, &id, MATRIX, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["path"], aimed.as_str(), "{}", done.text);
    assert_eq!(
        sha256(&weed.object(&format!("lib/{aimed}")).await.unwrap()),
        sha256(&data)
    );
    use sea_orm::EntityTrait;
    let names: Vec<String> = match backend::storage::of(
        &srv.state,
        &backend::entities::library::Entity::find_by_id(m.library as i32)
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap()
    {
        backend::storage::Store::Bucket(bucket) => bucket
            .objects()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect(),
        _ => unreachable!("a bucket library"),
    };
    assert_eq!(
        names,
        std::slice::from_ref(&aimed),
        "one object, at its place"
    );

    // Named one movie at init and another at end: the file goes to the other's folder, and
    // nothing is left at the first place.
    let second = movie_bytes(3);
    let id = init_for(&srv, &m, "Second.mkv", &second, MATRIX).await;
    send_parts(&srv, &m, &id, &second).await;
    let misaimed = aimed_at(&srv, &id).await;
    assert!(
        misaimed.starts_with(&format!("{MATRIX}/unknown")),
        "{misaimed}"
    );
    let other = "tt0234215";
    let done = end(&srv, &m, &id, other, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let placed = done.body["path"].as_str().unwrap().to_owned();
    assert!(placed.starts_with(&format!("{other}/")), "{placed}");
    assert_eq!(
        sha256(&weed.object(&format!("lib/{placed}")).await.unwrap()),
        sha256(&second)
    );
    assert!(weed.object(&format!("lib/{misaimed}")).await.is_none());

    // Joined at its place, refused by `end` (the movie has a file), then cancelled: the
    // joined object goes, the movie's file stays.
    let third = movie_bytes(4);
    let id = init_for(&srv, &m, "Third.mkv", &third, other).await;
    send_parts(&srv, &m, &id, &third).await;
    let third_key = aimed_at(&srv, &id).await;
    assert_ne!(third_key, placed, "a free folder, not the file's");
    end(&srv, &m, &id, other, "new")
        .await
        .assert_error(StatusCode::CONFLICT, "movie_has_files");
    assert!(weed.object(&format!("lib/{third_key}")).await.is_some());
    let cancelled = srv
        .call(
            Method::DELETE,
            &format!("/api/upload?uploadId={id}"),
            &m.who,
            None,
        )
        .await;
    assert!(cancelled.status.is_success(), "{}", cancelled.text);
    assert!(weed.object(&format!("lib/{third_key}")).await.is_none());
    assert_eq!(
        sha256(&weed.object(&format!("lib/{placed}")).await.unwrap()),
        sha256(&second),
        "the movie's file stays"
    );
}

/// Seconds since 1970 until which an `end` holds the upload, if one does.
async fn held_until(srv: &TestServer, id: &str) -> Option<i64> {
    row_of(srv, id).await.ending_until
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_the_client_gave_up_on_lets_go_of_the_upload_and_cancel_waits_for_an_end() {
    let Some((weed, srv, m)) = with_library("held", false, "").await else {
        return;
    };
    let data = movie_bytes(5);
    let id = send_all(&srv, &m, "Held.mkv", &data).await;
    // `check` finds it complete (the rows of uploads into buckets, read in one query).
    let checked = srv
        .post(
            "/api/upload/check",
            &m.who,
            json!({"library": m.library, "files": [
                {"filename": "Held.mkv", "size": data.len(), "lastModified": 1_700_000_000_000u64},
                {"filename": "Other.mkv", "size": data.len(), "lastModified": 1_700_000_000_000u64},
            ]}),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
    assert_eq!(
        checked.body,
        json!([{"status": "partial", "uploadId": id, "offset": data.len()}, {"status": "new"}])
    );
    // A store that hangs: `end` waits for the join of the parts, holding the upload.
    weed.freeze();
    let uri = format!("/api/upload?type=end&uploadId={id}&imdbId={MATRIX}&mode=new");
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header(header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = &m.who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let router = srv.router.clone();
    let ending = tokio::spawn(crate::support::send_to(
        router,
        req.body(axum::body::Body::empty()).unwrap(),
    ));
    let mut waited = 0;
    while held_until(&srv, &id).await.is_none() {
        assert!(waited < 200, "the end never held the upload");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        waited += 1;
    }
    // Cancelling now would delete the parts from under the `end`.
    srv.call(
        Method::DELETE,
        &format!("/api/upload?uploadId={id}"),
        &m.who,
        None,
    )
    .await
    .assert_error(StatusCode::CONFLICT, "busy");

    // The client gives up (its request is dropped): the hold goes with it.
    ending.abort();
    let mut waited = 0;
    while held_until(&srv, &id).await.is_some() {
        assert!(waited < 200, "the dropped end still holds the upload");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        waited += 1;
    }
    weed.thaw();
    let done = end(&srv, &m, &id, MATRIX, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let key = done.body["path"].as_str().unwrap();
    assert_eq!(
        sha256(&weed.object(key).await.unwrap()),
        sha256(&data),
        "the retried end finished the upload whole"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn covers_trailers_fixed_matches_and_conversions_live_in_the_bucket() {
    use crate::fixtures::{WITH_TRAILER, trailer_bytes};
    use crate::remux::{finished, h264_mkv, remux};
    use backend::metadata::ingest;
    const ALIEN: &str = "tt0078748";
    let Some((weed, srv, m)) = with_library("covers", false, "/films").await else {
        return;
    };
    let object = |key: &str| {
        let key = format!("films/{key}");
        let weed = &weed;
        async move { weed.object(&key).await }
    };
    let lib = m.library;
    let mkv = h264_mkv();
    // Uploaded under Alien by mistake; Alien's cover is fetched into the bucket.
    let done = crate::uploads::upload(&srv, &m, "The Matrix.mkv", &mkv, ALIEN, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let mkv_id = done.body["movieFileId"].as_i64().unwrap();
    let mkv_path = done.body["path"].as_str().unwrap().to_owned();
    // The Matrix had a version here once: its cover stays when the version is deleted.
    let old =
        crate::uploads::upload(&srv, &m, "Matrix.mp4", b"an old version", MATRIX, "new").await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text);
    assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 2);
    let old_id = old.body["movieFileId"].as_i64().unwrap();
    let gone = srv
        .call(
            Method::DELETE,
            &format!("/api/files/{old_id}"),
            &m.who,
            None,
        )
        .await;
    assert!(gone.status.is_success(), "{}", gone.text);
    assert!(object("tt0133093/cover/cover.jpg").await.is_some());
    let cover = object("tt0078748/cover/cover.jpg")
        .await
        .expect("the cover is an object of the library");
    let list = srv.get(&format!("/api/movies?library={lib}"), &m.who).await;
    assert_eq!(list.body[0]["hasPoster"], true, "{}", list.text);
    let poster = format!("/api/movies/{ALIEN}/poster?library={lib}");
    let served = get(&srv, &poster, &m.who, None).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text);
    assert_eq!(served.bytes, cover);
    let small = get(&srv, &format!("{poster}&w=160"), &m.who, None).await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.text);
    assert_eq!(image::load_from_memory(&small.bytes).unwrap().width(), 160);
    // Another user sees no cover of a library that is not theirs.
    let eve = As::cookie(&srv.register("eve").await);
    get(&srv, &poster, &eve, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");

    // Fix match: the file's object moves under The Matrix (the old cover there is no reason
    // to refuse); Alien's cover does not come along.
    let url = format!("/api/movies/{ALIEN}/match?library={lib}&to={MATRIX}");
    let moved = srv.post(&url, &m.who, json!({})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let path = moved.body[0]["path"].as_str().unwrap().to_owned();
    assert_eq!(path, mkv_path.replace(ALIEN, MATRIX));
    assert_eq!(sha256(&object(&path).await.unwrap()), sha256(&mkv));
    assert!(object(&mkv_path).await.is_none(), "the old object is gone");
    assert!(object("tt0078748/cover/cover.jpg").await.is_none());
    assert!(object("tt0133093/cover/cover.jpg").await.is_none());
    // No poster is promised until the fetch puts the cover there.
    let has_poster = || async {
        let list = srv.get(&format!("/api/movies?library={lib}"), &m.who).await;
        assert_eq!(list.body[0]["imdbId"], MATRIX, "{}", list.text);
        list.body[0]["hasPoster"].clone()
    };
    assert_eq!(has_poster().await, false);
    assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
    assert_eq!(
        object("tt0133093/cover/cover.jpg").await,
        Some(crate::metadata::poster_bytes())
    );
    assert_eq!(has_poster().await, true);
    let stream = get(
        &srv,
        &format!("/stream/{mkv_id}"),
        &m.who,
        Some("bytes=0-99"),
    )
    .await;
    assert_eq!(stream.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(stream.bytes, mkv[..100]);

    // The MKV becomes an MP4 object: read through a signed link, sent back whole.
    let queued = remux(&srv, &m.who, mkv_id).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    let job = finished(&srv, &m.who, mkv_id).await;
    assert_eq!(job["state"], "done", "{job}");
    let mp4_path = path.replace(".mkv", ".mp4");
    let mp4 = object(&mp4_path).await.expect("the MP4 is an object");
    let read = crate::hls::ffprobe(&mp4);
    assert_eq!(crate::hls::codec_of(&read, "video"), ["h264"]);
    assert_eq!(crate::hls::codec_of(&read, "audio"), ["aac"]);
    let files = srv
        .get(&format!("/api/movies/{MATRIX}/files?library={lib}"), &m.who)
        .await;
    let mp4_row = &files.body[1];
    assert_eq!(mp4_row["path"], mp4_path.as_str(), "{}", files.text);
    assert_eq!(mp4_row["size"], mp4.len());
    remux(&srv, &m.who, mkv_id)
        .await
        .assert_error(StatusCode::CONFLICT, "already_converted");

    // A trailer given as a direct video goes into the bucket and plays with ranges.
    let done =
        crate::uploads::upload(&srv, &m, "Unforgiven.mkv", b"a film", WITH_TRAILER, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
    let key = format!("{WITH_TRAILER}/trailer/trailer.mp4");
    assert_eq!(object(&key).await, Some(trailer_bytes()));
    let page = srv
        .get(&format!("/api/movies/{WITH_TRAILER}?library={lib}"), &m.who)
        .await;
    assert_eq!(page.body["trailer"], format!("file:{key}"), "{}", page.text);
    let trailer = format!("/api/movies/{WITH_TRAILER}/trailer?library={lib}");
    let part = get(&srv, &trailer, &m.who, Some("bytes=4-11")).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{}", part.text);
    assert_eq!(part.bytes, trailer_bytes()[4..12]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_of_several_parts_is_sent_as_it_arrives_and_counts_only_when_whole() {
    use crate::uploads::post_request;
    let Some((weed, srv, m)) = with_library("streamed", false, "").await else {
        return;
    };
    // One chunk of two parts (20 MiB and a bit, in frames as a network delivers them).
    let data = movie_bytes(7);
    let started = init(&srv, &m, "Heat.mkv", data.len(), 1_700_000_000_000).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    assert_eq!(started.body["chunkSize"], 32 * 1024 * 1024, "four parts");
    let id = started.body["uploadId"].as_str().unwrap().to_owned();
    let frames = || {
        let frames: Vec<Result<bytes::Bytes, std::convert::Infallible>> = data
            .chunks(100_003)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        axum::body::Body::from_stream(futures::stream::iter(frames))
    };
    let uri =
        |sum: &str| format!("/api/upload?type=chunk&uploadId={id}&chunkNr=1&offset=0&sha256={sum}");
    // Its parts went to the store while it arrived, but a wrong checksum counts nothing.
    let wrong = post_request(&m.who, &uri(&"0".repeat(64)), frames(), Some(data.len()));
    srv.send(wrong)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "checksum_mismatch");
    let row = row_of(&srv, &id).await;
    assert_eq!((row.received, row.parts.as_str()), (0, "[]"));

    let right = post_request(&m.who, &uri(&sha256(&data)), frames(), Some(data.len()));
    let sent = srv.send(right).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["offset"], data.len());
    let tags: Vec<String> = serde_json::from_str(&row_of(&srv, &id).await.parts).unwrap();
    assert_eq!(tags.len(), 2, "{tags:?}");
    let done = end(&srv, &m, &id, MATRIX, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let path = done.body["path"].as_str().unwrap();
    assert_eq!(sha256(&weed.object(path).await.unwrap()), sha256(&data));
}

/// A store that copies at most 5 GiB in one request (Amazon S3) gets larger objects copied
/// through the server, 64 MiB at a time: an object of two such parts comes out the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_too_large_for_one_copy_request_are_copied_through_the_server() {
    let Some((weed, srv, _m)) = with_library("copied", false, "/films").await else {
        return;
    };
    let location =
        domain::storage::BucketLocation::parse(&format!("s3://home/{}/films", weed.bucket))
            .unwrap();
    let bucket = backend::storage::bucket(&srv.state, location).unwrap();
    let data: Vec<u8> = (0..65 * 1024 * 1024 + 17)
        .map(|i: usize| (i * 31 + i / 4099) as u8)
        .collect();
    bucket
        .put("from/movie.mkv", vec![bytes::Bytes::from(data.clone())])
        .await
        .unwrap();
    bucket
        .copy_through("from/movie.mkv", "to/movie.mkv", data.len() as u64)
        .await
        .unwrap();
    let copied = weed
        .object("films/to/movie.mkv")
        .await
        .expect("the copy exists");
    assert_eq!(copied.len(), data.len());
    assert_eq!(sha256(&copied), sha256(&data));
    assert!(
        weed.object("films/from/movie.mkv").await.is_some(),
        "the original stays"
    );
    // A source that is gone fails the copy and leaves nothing behind.
    let gone = bucket
        .copy_through("from/none.mkv", "to/none.mkv", 1024)
        .await;
    assert!(gone.is_err());
    assert!(weed.object("films/to/none.mkv").await.is_none());
}
