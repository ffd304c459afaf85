//! The upload protocol through the real router: every rule, each bad input, and the files and
//! rows it leaves behind.

use crate::support::{
    As, Reply, TestServer, on_each_database, on_each_database_with, receiver_stream, send_to,
};
use axum::body::Body;
use backend::entities::{movie, movie_file, uploaded_file};
use backend::write::{Cache, Write};
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const MATRIX: &str = "tt0133093";

pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A one-second MP4 test video of the given frame size, made by ffmpeg (once per size).
pub fn video(width: u32, height: u32) -> Vec<u8> {
    video_as(width, height, "mp4")
}

/// A one-second test video in the container named by `ext`.
pub fn video_as(width: u32, height: u32, ext: &'static str) -> Vec<u8> {
    type Videos = std::sync::Mutex<Vec<((u32, u32, &'static str), Vec<u8>)>>;
    static CACHE: OnceLock<Videos> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((_, bytes)) = cache
        .lock()
        .unwrap()
        .iter()
        .find(|(key, _)| *key == (width, height, ext))
    {
        return bytes.clone();
    }
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join(format!("v.{ext}"));
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size={width}x{height}:rate=5:duration=1"))
        .args(["-c:v", "mpeg4", "-q:v", "10"])
        .arg(&out)
        .status()
        .expect("ffmpeg is installed (scripts/setup.sh installs it for the tests)");
    assert!(status.success(), "ffmpeg made the test video");
    let bytes = std::fs::read(out).unwrap();
    cache
        .lock()
        .unwrap()
        .push(((width, height, ext), bytes.clone()));
    bytes
}

/// A user with a library: their credentials, the library's id and folder.
pub struct Member {
    pub who: As,
    pub library: i64,
    pub path: PathBuf,
}

/// Makes `who` a member of another user's library with `role`.
pub async fn join(srv: &TestServer, who: &Member, library: i64, role: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    let user_id = srv.get("/api/me", &who.who).await.body["user"]["id"]
        .as_i64()
        .unwrap();
    // Written behind the backend's services, through the handle that tells the caches.
    let write = Write::begin(&srv.state).await.unwrap();
    backend::entities::library_member::ActiveModel {
        library_id: Set(library as i32),
        user_id: Set(user_id as i32),
        role: Set(role.into()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(write.db())
    .await
    .unwrap();
    write.touch(Cache::Access);
    write.commit().await.unwrap();
}

pub async fn member(srv: &TestServer, name: &str) -> Member {
    let cookie = srv.register(name).await;
    let who = As::cookie(&cookie);
    let lib = srv
        .post(
            "/api/libraries",
            &who,
            json!({"name": format!("{name} movies")}),
        )
        .await;
    assert_eq!(lib.status, StatusCode::CREATED, "{}", lib.text);
    Member {
        who,
        library: lib.body["id"].as_i64().unwrap(),
        path: PathBuf::from(lib.body["path"].as_str().unwrap()),
    }
}

/// Starts an upload that must start; returns its id.
pub async fn started(
    srv: &TestServer,
    m: &Member,
    name: &str,
    size: usize,
    modified: u64,
) -> String {
    let r = init(srv, m, name, size, modified).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["uploadId"].as_str().unwrap().to_owned()
}

/// `init` as the clients send it: a POST.
pub async fn init(srv: &TestServer, m: &Member, name: &str, size: usize, modified: u64) -> Reply {
    init_with(srv, m, name, size, modified, "").await
}

/// `init` with more of the query (`extra`, e.g. `&imdbId=tt0133093`).
pub async fn init_with(
    srv: &TestServer,
    m: &Member,
    name: &str,
    size: usize,
    modified: u64,
    extra: &str,
) -> Reply {
    srv.call(
        Method::POST,
        &format!(
            "/api/upload?type=init&filename={}&size={size}&lastModified={modified}&library={}{extra}",
            enc(name),
            m.library
        ),
        &m.who,
        None,
    )
    .await
}

/// What a GET init needs beside the login.
pub const UPLOAD_HEADER: (&str, &str) = ("x-ott-upload", "1");

pub fn post_request(who: &As, uri: &str, body: Body, len: Option<usize>) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = &who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(len) = len {
        req = req.header(header::CONTENT_LENGTH, len);
    }
    req.body(body).unwrap()
}

pub async fn chunk(
    srv: &TestServer,
    m: &Member,
    id: &str,
    nr: u64,
    offset: u64,
    bytes: &[u8],
) -> Reply {
    let uri = format!("/api/upload?type=chunk&uploadId={id}&chunkNr={nr}&offset={offset}");
    srv.send(post_request(
        &m.who,
        &uri,
        Body::from(bytes.to_vec()),
        Some(bytes.len()),
    ))
    .await
}

pub async fn end(srv: &TestServer, m: &Member, id: &str, imdb: &str, mode: &str) -> Reply {
    let uri = format!("/api/upload?type=end&uploadId={id}&imdbId={imdb}&mode={mode}");
    srv.send(post_request(&m.who, &uri, Body::empty(), None))
        .await
}

/// init, all chunks of `chunk_size`, end; returns end's reply.
pub async fn upload(
    srv: &TestServer,
    m: &Member,
    name: &str,
    data: &[u8],
    imdb: &str,
    mode: &str,
) -> Reply {
    let started = init(srv, m, name, data.len(), 1_700_000_000_000).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let id = started.body["uploadId"].as_str().unwrap().to_owned();
    let mut offset = started.body["offset"].as_u64().unwrap() as usize;
    let last = started.body["chunkNr"].as_u64().unwrap();
    for (nr, piece) in (last + 1..).zip(data[offset..].chunks(64 * 1024)) {
        let r = chunk(srv, m, &id, nr, offset as u64, piece).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        offset += piece.len();
        assert_eq!(r.body["offset"], offset as u64);
    }
    end(srv, m, &id, imdb, mode).await
}

fn data_file(srv: &TestServer, id: &str) -> PathBuf {
    srv.dir.path().join("uploads").join(id).join("data")
}

fn staged(srv: &TestServer) -> Vec<String> {
    match std::fs::read_dir(srv.dir.path().join("uploads")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_uploads_in_chunks_and_joins_the_library() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let data = video(1280, 720);
        let first = init(&srv, &anna, "The Matrix (1999).mp4", data.len(), 42).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert_eq!(first.body["offset"], 0);
        assert_eq!(first.body["chunkNr"], 0);
        assert_eq!(first.body["chunkSize"], 8 * 1024 * 1024);
        let id = first.body["uploadId"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 32);
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(
                srv.dir
                    .path()
                    .join("uploads")
                    .join(&id)
                    .join("manifest.json"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["filename"], "The Matrix (1999).mp4");
        assert_eq!(manifest["size"], data.len());

        // Half, then init again: the same id answers where to resume.
        let half = data.len() / 2;
        let r = chunk(&srv, &anna, &id, 1, 0, &data[..half]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body, json!({"offset": half, "chunkNr": 1}));
        let again = init(&srv, &anna, "The Matrix (1999).mp4", data.len(), 42).await;
        assert_eq!(again.body["uploadId"], id.as_str());
        assert_eq!(again.body["offset"], half);
        assert_eq!(again.body["chunkNr"], 1);
        let early = end(&srv, &anna, &id, MATRIX, "new").await;
        early.assert_error(StatusCode::CONFLICT, "incomplete");
        assert_eq!(early.body["offset"], half);

        let r = chunk(&srv, &anna, &id, 2, half as u64, &data[half..]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let done = end(&srv, &anna, &id, MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(done.body["path"], "tt0133093/720p/movie.mp4");
        let stored = std::fs::read(anna.path.join("tt0133093/720p/movie.mp4")).unwrap();
        assert_eq!(sha256(&stored), sha256(&data));
        assert!(staged(&srv).is_empty(), "the staging folder is gone");

        let db = &srv.state.db;
        let film = movie::Entity::find()
            .filter(movie::Column::ImdbId.eq(MATRIX))
            .one(db)
            .await
            .unwrap()
            .expect("a placeholder movie");
        assert_eq!(film.metadata_status, "pending");
        assert_eq!(film.title, "The Matrix (1999)");
        let file =
            movie_file::Entity::find_by_id(done.body["movieFileId"].as_i64().unwrap() as i32)
                .one(db)
                .await
                .unwrap()
                .unwrap();
        assert_eq!((file.width, file.height), (Some(1280), Some(720)));
        assert_eq!(file.resolution.as_deref(), Some("720p"));
        assert!((file.duration_seconds.unwrap() - 1.0).abs() < 0.3);
        assert_eq!(file.size_bytes, data.len() as i64);
        assert_eq!(file.movie_id, film.id);
        let record = uploaded_file::Entity::find()
            .filter(uploaded_file::Column::MovieFileId.eq(file.id))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.original_filename, "The Matrix (1999).mp4");
        assert_eq!(record.last_modified_ms, 42);

        // The same file again is recognised, with the movie it became.
        let dup = init(&srv, &anna, "The Matrix (1999).mp4", data.len(), 42).await;
        dup.assert_error(StatusCode::CONFLICT, "already_uploaded");
        assert_eq!(dup.body["movie"]["imdbId"], MATRIX);
        assert_eq!(dup.body["movieFileId"], file.id);
        // The old id is gone.
        chunk(&srv, &anna, &id, 3, data.len() as u64, b"")
            .await
            .assert_error(StatusCode::NOT_FOUND, "upload_not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_init_parameters_are_refused_and_create_nothing() {
    on_each_database_with(
        |c| c.upload_max_size = 1_000_000,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let ok = "filename=a.mp4&size=10&lastModified=1";
            let cases: Vec<(String, StatusCode, &str)> = vec![
                (
                    "size=10&lastModified=1&filename=a.mp4".to_owned(),
                    StatusCode::BAD_REQUEST,
                    "missing_parameter",
                ),
                (
                    format!("type=chunk&{ok}"),
                    StatusCode::BAD_REQUEST,
                    "invalid_type",
                ),
                (
                    "type=init&size=10&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "missing_parameter",
                ),
                (
                    "type=init&filename=a.mp4&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "missing_parameter",
                ),
                (
                    "type=init&filename=a.mp4&size=10".into(),
                    StatusCode::BAD_REQUEST,
                    "missing_parameter",
                ),
                (
                    "type=init&filename=a.mp4&size=-5&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    "type=init&filename=a.mp4&size=ten&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    "type=init&filename=a.mp4&size=1.5&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    "type=init&filename=a.mp4&size=99999999999999999999&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    "type=init&filename=a.mp4&size=10&lastModified=9223372036854775808".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    "type=init&filename=a.mp4&size=10&lastModified=1&imdbId=tt12".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_imdb_id",
                ),
                (
                    "type=init&filename=a.mp4&size=10&lastModified=1&imdbId=../tt0133093".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_imdb_id",
                ),
                (
                    format!(
                        "type=init&filename={}&size=10&lastModified=1",
                        enc("../../etc/x.mp4")
                    ),
                    StatusCode::BAD_REQUEST,
                    "invalid_filename",
                ),
                (
                    format!(
                        "type=init&filename={}&size=10&lastModified=1",
                        enc("a\\b.mp4")
                    ),
                    StatusCode::BAD_REQUEST,
                    "invalid_filename",
                ),
                (
                    "type=init&filename=..&size=10&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "invalid_filename",
                ),
                (
                    format!(
                        "type=init&filename={}&size=10&lastModified=1",
                        enc("a\nb.mp4")
                    ),
                    StatusCode::BAD_REQUEST,
                    "invalid_filename",
                ),
                (
                    format!(
                        "type=init&filename={}.mp4&size=10&lastModified=1",
                        "x".repeat(252)
                    ),
                    StatusCode::BAD_REQUEST,
                    "invalid_filename",
                ),
                (
                    "type=init&filename=notes.txt&size=10&lastModified=1".into(),
                    StatusCode::BAD_REQUEST,
                    "unsupported_file_type",
                ),
                (
                    "type=init&filename=a.mp4&size=1000001&lastModified=1".into(),
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "file_too_large",
                ),
                (
                    format!("type=init&{ok}&library=999999"),
                    StatusCode::NOT_FOUND,
                    "library_not_found",
                ),
                (
                    format!("type=init&{ok}&library=abc"),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
                (
                    format!("type=init&{ok}&library=99999999999"),
                    StatusCode::BAD_REQUEST,
                    "invalid_number",
                ),
            ];
            // The GET of the original protocol, with its header; POST is the same from `type` on.
            let annas_get = anna
                .who
                .clone()
                .with_header(UPLOAD_HEADER.0, UPLOAD_HEADER.1);
            for (query, status, code) in cases {
                let r = srv.get(&format!("/api/upload?{query}"), &annas_get).await;
                assert_eq!(r.status, status, "{query}: {}", r.text);
                r.assert_error(status, code);
            }
            assert!(staged(&srv).is_empty(), "no upload was created");
            // Without a library parameter the user's own library is used; anonymous is 401.
            let r = srv
                .get(&format!("/api/upload?type=init&{ok}"), &annas_get)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            srv.get(
                &format!("/api/upload?type=init&{ok}"),
                &As::anonymous().with_header(UPLOAD_HEADER.0, UPLOAD_HEADER.1),
            )
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
            // Someone without a library is told to make one.
            let bob = As::cookie(&srv.register("bob").await)
                .with_header(UPLOAD_HEADER.0, UPLOAD_HEADER.1);
            srv.get(&format!("/api/upload?type=init&{ok}"), &bob)
                .await
                .assert_error(StatusCode::CONFLICT, "no_library");
            // ...and cannot upload into Anna's.
            srv.get(
                &format!("/api/upload?type=init&{ok}&library={}", anna.library),
                &bob,
            )
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_refuses_what_the_disk_cannot_hold() {
    on_each_database_with(
        |c| c.storage_reserve = u64::MAX / 4,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let r = init(&srv, &anna, "a.mp4", 10, 1).await;
            r.assert_error(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage");
            assert!(r.body["free"].as_u64().is_some());
            assert_eq!(r.body["needed"].as_u64().unwrap(), u64::MAX / 4 + 10);
            assert!(staged(&srv).is_empty());
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_are_taken_only_in_order_and_bad_ones_leave_nothing() {
    on_each_database_with(
        |c| c.upload_max_chunk_size = 1000,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let data: Vec<u8> = (0..2500u32).map(|i| (i * 7 % 251) as u8).collect();
            let started = init(&srv, &anna, "film.mkv", data.len(), 7).await;
            let id = started.body["uploadId"].as_str().unwrap().to_owned();

            chunk(&srv, &anna, &id, 1, 0, &data[..1001])
                .await
                .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "chunk_too_large");
            let r = chunk(&srv, &anna, &id, 2, 0, &data[..1000]).await;
            r.assert_error(StatusCode::CONFLICT, "out_of_order");
            assert_eq!(
                (r.body["offset"].as_u64(), r.body["chunkNr"].as_u64()),
                (Some(0), Some(0))
            );
            chunk(&srv, &anna, &id, 1, 10, &data[..1000])
                .await
                .assert_error(StatusCode::CONFLICT, "out_of_order");
            assert_eq!(std::fs::metadata(data_file(&srv, &id)).unwrap().len(), 0);

            let r = chunk(&srv, &anna, &id, 1, 0, &data[..1000]).await;
            assert_eq!(r.body, json!({"offset": 1000, "chunkNr": 1}), "{}", r.text);
            // A retry of that chunk (its answer was lost) changes nothing.
            let r = chunk(&srv, &anna, &id, 1, 0, &data[..1000]).await;
            assert_eq!(r.body, json!({"offset": 1000, "chunkNr": 1}), "{}", r.text);
            assert_eq!(std::fs::metadata(data_file(&srv, &id)).unwrap().len(), 1000);

            // A checksum that does not match keeps nothing; the right one is accepted.
            let piece = &data[1000..2000];
            let uri = |sum: &str| {
                format!("/api/upload?type=chunk&uploadId={id}&chunkNr=2&offset=1000&sha256={sum}")
            };
            let r = srv
                .send(post_request(
                    &anna.who,
                    &uri(&sha256(b"other")),
                    Body::from(piece.to_vec()),
                    Some(1000),
                ))
                .await;
            r.assert_error(StatusCode::BAD_REQUEST, "checksum_mismatch");
            assert_eq!(std::fs::metadata(data_file(&srv, &id)).unwrap().len(), 1000);
            srv.send(post_request(
                &anna.who,
                &uri("xyz"),
                Body::from(piece.to_vec()),
                Some(1000),
            ))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_checksum");
            let r = srv
                .send(post_request(
                    &anna.who,
                    &uri(&sha256(piece).to_uppercase()),
                    Body::from(piece.to_vec()),
                    Some(1000),
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);

            // No Content-Length, or a body that does not match it.
            let base = format!("/api/upload?type=chunk&uploadId={id}&chunkNr=3&offset=2000");
            srv.send(post_request(
                &anna.who,
                &base,
                Body::from(vec![1u8; 10]),
                None,
            ))
            .await
            .assert_error(StatusCode::LENGTH_REQUIRED, "length_required");
            srv.send(post_request(
                &anna.who,
                &base,
                Body::from(vec![1u8; 10]),
                Some(20),
            ))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "length_mismatch");
            // Past the declared size.
            chunk(&srv, &anna, &id, 3, 2000, &[0u8; 501])
                .await
                .assert_error(StatusCode::CONFLICT, "out_of_order");
            assert_eq!(std::fs::metadata(data_file(&srv, &id)).unwrap().len(), 2000);

            // Bad parameters.
            for query in [
                format!("type=chunk&uploadId={id}&chunkNr=x&offset=2000"),
                format!("type=chunk&uploadId={id}&chunkNr=3&offset=-1"),
                format!("type=chunk&uploadId={id}&chunkNr=3"),
                "type=chunk&chunkNr=3&offset=2000".to_owned(),
                format!("type=fly&uploadId={id}"),
            ] {
                let r = srv
                    .send(post_request(
                        &anna.who,
                        &format!("/api/upload?{query}"),
                        Body::from(vec![0u8; 5]),
                        Some(5),
                    ))
                    .await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
            }
            // Unknown, malformed, and another user's ids are all "not found".
            let bob = member(&srv, "bob").await;
            for other in [
                id.as_str(),
                "0123456789abcdef0123456789abcdef",
                "..%2F..%2Fetc",
            ] {
                chunk(&srv, &bob, other, 3, 2000, &data[2000..])
                    .await
                    .assert_error(StatusCode::NOT_FOUND, "upload_not_found");
            }
            end(&srv, &bob, &id, MATRIX, "new")
                .await
                .assert_error(StatusCode::NOT_FOUND, "upload_not_found");
            srv.call(
                Method::DELETE,
                &format!("/api/upload?uploadId={id}"),
                &bob.who,
                None,
            )
            .await
            .assert_error(StatusCode::NOT_FOUND, "upload_not_found");

            let r = chunk(&srv, &anna, &id, 3, 2000, &data[2000..]).await;
            assert_eq!(r.body, json!({"offset": 2500, "chunkNr": 3}), "{}", r.text);
            end(&srv, &anna, &id, "tt123", "new")
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_imdb_id");
            end(&srv, &anna, &id, MATRIX, "overwrite")
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_mode");
            let done = end(&srv, &anna, &id, MATRIX, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            // Not a video ffprobe can read: the resolution is unknown, the bytes are intact.
            assert_eq!(done.body["path"], "tt0133093/unknown/movie.mkv");
            assert_eq!(
                sha256(&std::fs::read(anna.path.join("tt0133093/unknown/movie.mkv")).unwrap()),
                sha256(&data)
            );
        },
    )
    .await;
}

/// A body that sends `first`, then fails as a dropped connection would.
fn broken_body(first: Vec<u8>) -> Body {
    let frames: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(first)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )),
    ];
    Body::from_stream(futures::stream::iter(frames))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_cut_off_mid_body_leaves_no_trace() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let data = vec![9u8; 3000];
        let id = started(&srv, &anna, "a.mp4", data.len(), 1).await;
        chunk(&srv, &anna, &id, 1, 0, &data[..1000]).await;
        let uri = format!("/api/upload?type=chunk&uploadId={id}&chunkNr=2&offset=1000");
        let r = srv
            .send(post_request(
                &anna.who,
                &uri,
                broken_body(vec![9u8; 600]),
                Some(1000),
            ))
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "body_interrupted");
        assert_eq!(std::fs::metadata(data_file(&srv, &id)).unwrap().len(), 1000);
        // Bytes left past the offset by a crash are cut off before the next write.
        std::fs::OpenOptions::new()
            .append(true)
            .open(data_file(&srv, &id))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"garbage"))
            .unwrap();
        let r = chunk(&srv, &anna, &id, 2, 1000, &data[1000..]).await;
        assert_eq!(r.body["offset"], 3000, "{}", r.text);
        assert_eq!(std::fs::read(data_file(&srv, &id)).unwrap(), data);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_chunks_are_flushed_behind_and_a_crash_resyncs_the_client() {
    on_each_database(|mut srv| async move {
        let anna = member(&srv, "anna").await;
        let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        let id = started(&srv, &anna, "Heat.mkv", data.len(), 7).await;
        let manifest_path = srv
            .dir
            .path()
            .join("uploads")
            .join(&id)
            .join("manifest.json");
        let on_disk = || -> Value {
            serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap()
        };
        for (nr, range) in [(1, 0..1000usize), (2, 1000..2000)] {
            let r = chunk(&srv, &anna, &id, nr, range.start as u64, &data[range]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        // Acknowledged: init answers from memory at once; the manifest follows within a second
        // and never claims more than was acknowledged.
        assert_eq!(
            init(&srv, &anna, "Heat.mkv", data.len(), 7).await.body["offset"],
            2000
        );
        assert!(on_disk()["offset"].as_u64().unwrap() <= 2000);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while on_disk()["offset"] != 2000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the manifest caught up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(on_disk()["chunkNr"], 2);
        assert_eq!(std::fs::read(data_file(&srv, &id)).unwrap(), &data[..2000]);

        // Chunk 3 is acknowledged, then the server dies before flushing it: the manifest on
        // disk still says 2000 (put back here, as the flush would not have happened).
        let before = std::fs::read(&manifest_path).unwrap();
        let r = chunk(&srv, &anna, &id, 3, 2000, &data[2000..]).await;
        assert_eq!(r.body, json!({"offset": 3000, "chunkNr": 3}));
        while on_disk()["offset"] != 3000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the manifest caught up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        std::fs::write(&manifest_path, before).unwrap();
        srv.restart_uploads();

        // The restarted server knows only the manifest; the client resyncs and resends.
        let again = init(&srv, &anna, "Heat.mkv", data.len(), 7).await;
        assert_eq!(
            (
                again.body["offset"].as_u64(),
                again.body["chunkNr"].as_u64()
            ),
            (Some(2000), Some(2))
        );
        let early = end(&srv, &anna, &id, MATRIX, "new").await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
        assert_eq!(early.body["error"], "incomplete");
        let r = chunk(&srv, &anna, &id, 3, 2000, &data[2000..]).await;
        assert_eq!(r.body, json!({"offset": 3000, "chunkNr": 3}), "{}", r.text);
        // Straight to end, before any background flush: end flushes first.
        let done = end(&srv, &anna, &id, MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let stored = std::fs::read(anna.path.join(done.body["path"].as_str().unwrap())).unwrap();
        assert_eq!(sha256(&stored), sha256(&data));
        assert!(staged(&srv).is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_loses_the_right_to_upload_cannot_go_on() {
    use backend::entities::library_member;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let data = vec![7u8; 2000];
        let id = started(&srv, &anna, "Heat.mkv", data.len(), 7).await;
        let r = chunk(&srv, &anna, &id, 1, 0, &data[..1000]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let membership = library_member::Entity::find()
            .filter(library_member::Column::LibraryId.eq(anna.library as i32))
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut viewer = membership.clone().into_active_model();
        viewer.role = Set("viewer".into());
        let write = Write::begin(&srv.state).await.unwrap();
        viewer.update(write.db()).await.unwrap();
        write.touch(Cache::Access);
        write.commit().await.unwrap();
        chunk(&srv, &anna, &id, 2, 1000, &data[1000..])
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        let write = Write::begin(&srv.state).await.unwrap();
        library_member::Entity::delete_many()
            .filter(library_member::Column::LibraryId.eq(anna.library as i32))
            .exec(write.db())
            .await
            .unwrap();
        write.touch(Cache::Access);
        write.commit().await.unwrap();
        chunk(&srv, &anna, &id, 2, 1000, &data[1000..])
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        assert_eq!(
            std::fs::metadata(data_file(&srv, &id)).unwrap().len(),
            1000,
            "nothing of a refused chunk is written"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_on_one_upload_never_interleave() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let id = started(&srv, &anna, "a.mp4", 2000, 1).await;
        // The first chunk arrives slowly: half now, half when we say so.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        tx.send(Ok(Bytes::from(vec![1u8; 500]))).await.unwrap();
        let body = Body::from_stream(receiver_stream(rx));
        let uri = format!("/api/upload?type=chunk&uploadId={id}&chunkNr=1&offset=0");
        let slow = tokio::spawn(send_to(
            srv.router(),
            post_request(&anna.who, &uri, body, Some(1000)),
        ));
        // Wait until the slow request holds the upload.
        let mut busy = None;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let r = chunk(&srv, &anna, &id, 1, 0, &[2u8; 1000]).await;
            if r.status == StatusCode::CONFLICT && r.body["error"] == "busy" {
                busy = Some(r);
                break;
            }
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        }
        busy.expect("the racing request is told the upload is busy");
        srv.call(
            Method::DELETE,
            &format!("/api/upload?uploadId={id}"),
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::CONFLICT, "busy");
        tx.send(Ok(Bytes::from(vec![1u8; 500]))).await.unwrap();
        drop(tx);
        let r = slow.await.unwrap();
        assert_eq!(r.body, json!({"offset": 1000, "chunkNr": 1}), "{}", r.text);
        assert_eq!(
            std::fs::read(data_file(&srv, &id)).unwrap(),
            vec![1u8; 1000]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_movies_are_replaced_or_get_versions_only_when_asked() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let hd = video(1280, 720);
        let first = upload(&srv, &anna, "matrix.mp4", &hd, MATRIX, "new").await;
        assert_eq!(
            first.body["path"], "tt0133093/720p/movie.mp4",
            "{}",
            first.text
        );

        let other = video(1920, 1080);
        let id_of = |r: &Reply| r.body["uploadId"].as_str().unwrap().to_owned();
        let started = init(&srv, &anna, "matrix-1080.mp4", other.len(), 2).await;
        let id = id_of(&started);
        chunk(&srv, &anna, &id, 1, 0, &other).await;
        let r = end(&srv, &anna, &id, MATRIX, "new").await;
        r.assert_error(StatusCode::CONFLICT, "movie_has_files");
        assert_eq!(r.body["files"][0]["path"], "tt0133093/720p/movie.mp4");
        let r = end(&srv, &anna, &id, MATRIX, "version").await;
        assert_eq!(r.body["path"], "tt0133093/1080p/movie.mp4", "{}", r.text);

        // A second 720p file as a version gets its own folder.
        let third = upload(
            &srv,
            &anna,
            "matrix-again.mp4",
            &[hd.clone(), vec![0u8; 10]].concat(),
            MATRIX,
            "version",
        )
        .await;
        assert_eq!(
            third.body["path"], "tt0133093/720p-2/movie.mp4",
            "{}",
            third.text
        );

        let files = srv
            .get(
                &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
                &anna.who,
            )
            .await;
        let paths: Vec<&str> = files
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "tt0133093/720p/movie.mp4",
                "tt0133093/1080p/movie.mp4",
                "tt0133093/720p-2/movie.mp4"
            ]
        );
        assert_eq!(files.body[2]["versionLabel"], "720p-2");

        // Replace: the new file is put in place, then every old one goes.
        let fresh = [hd.clone(), vec![1u8; 20]].concat();
        let r = upload(&srv, &anna, "matrix-final.mp4", &fresh, MATRIX, "replace").await;
        assert_eq!(r.body["path"], "tt0133093/720p/movie.mp4", "{}", r.text);
        assert_eq!(
            sha256(&std::fs::read(anna.path.join("tt0133093/720p/movie.mp4")).unwrap()),
            sha256(&fresh)
        );
        assert!(!anna.path.join("tt0133093/1080p").exists());
        assert!(!anna.path.join("tt0133093/720p-2").exists());
        let files = srv
            .get(
                &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
                &anna.who,
            )
            .await;
        assert_eq!(files.body.as_array().unwrap().len(), 1, "{}", files.text);
        assert_eq!(files.body[0]["versionLabel"], Value::Null);
        // The replaced file may be uploaded again.
        let again = init(&srv, &anna, "matrix-1080.mp4", other.len(), 2).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);

        // Subtitles go to srt/, numbered when the name is taken.
        let srt = b"1\n00:00:01,000 --> 00:00:02,000\nHello\n".to_vec();
        let r = upload(&srv, &anna, "The.Matrix.en.srt", &srt, MATRIX, "new").await;
        assert_eq!(
            r.body["path"], "tt0133093/srt/subtitle.en.srt",
            "{}",
            r.text
        );
        assert_eq!(r.body["movieFileId"], Value::Null);
        let r = upload(&srv, &anna, "Matrix.EN.srt", &srt, MATRIX, "new").await;
        assert_eq!(
            r.body["path"], "tt0133093/srt/subtitle-2.en.srt",
            "{}",
            r.text
        );

        // Another user sees nothing of this library.
        let bob = member(&srv, "bob").await;
        srv.get(
            &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
            &bob.who,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.get(
            &format!("/api/movies/matrix/files?library={}", anna.library),
            &anna.who,
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_imdb_id");
        srv.get(&format!("/api/movies/{MATRIX}/files"), &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "missing_parameter");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_check_tells_new_partial_and_known_files_apart() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let done = upload(&srv, &anna, "done.mp4", b"finished bytes", MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let partial = init(&srv, &anna, "half.mkv", 100, 5).await;
        let partial_id = partial.body["uploadId"].as_str().unwrap().to_owned();
        chunk(&srv, &anna, &partial_id, 1, 0, &[0u8; 40]).await;

        let r = srv
            .post(
                "/api/upload/check",
                &anna.who,
                json!({"library": anna.library, "files": [
                    {"filename": "done.mp4", "size": 14, "lastModified": 1_700_000_000_000u64},
                    {"filename": "half.mkv", "size": 100, "lastModified": 5},
                    {"filename": "new.mp4", "size": 100, "lastModified": 5},
                    {"filename": "bad/name.mp4", "size": 100, "lastModified": 5},
                ]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body[0]["status"], "already_uploaded");
        assert_eq!(r.body[0]["imdbId"], MATRIX);
        assert_eq!(
            r.body[1],
            json!({"status": "partial", "uploadId": partial_id, "offset": 40})
        );
        assert_eq!(r.body[2], json!({"status": "new"}));
        assert_eq!(r.body[3]["status"], "invalid");
        assert_eq!(r.body[3]["error"], "invalid_filename");

        let pending = srv.get("/api/uploads", &anna.who).await;
        assert_eq!(
            pending.body.as_array().unwrap().len(),
            1,
            "{}",
            pending.text
        );
        assert_eq!(pending.body[0]["uploadId"], partial_id.as_str());
        assert_eq!(pending.body[0]["offset"], 40);
        let bob = member(&srv, "bob").await;
        assert_eq!(srv.get("/api/uploads", &bob.who).await.body, json!([]));
        srv.post(
            "/api/upload/check",
            &bob.who,
            json!({"library": anna.library, "files": []}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.post("/api/upload/check", &anna.who, json!({"files": "nope"}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_body");

        let r = srv
            .call(
                Method::DELETE,
                &format!("/api/upload?uploadId={partial_id}"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert!(staged(&srv).is_empty());
        srv.call(
            Method::DELETE,
            &format!("/api/upload?uploadId={partial_id}"),
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "upload_not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_uploads_are_swept_after_the_configured_age() {
    on_each_database_with(
        |c| c.upload_max_age_days = 7,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let old = started(&srv, &anna, "old.mp4", 10, 1).await;
            let recent = started(&srv, &anna, "recent.mp4", 10, 1).await;
            let manifest_path = srv
                .dir
                .path()
                .join("uploads")
                .join(&old)
                .join("manifest.json");
            let mut manifest: Value =
                serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
            manifest["updated"] = json!(chrono::Utc::now().timestamp() - 8 * 86_400);
            std::fs::write(&manifest_path, manifest.to_string()).unwrap();

            assert_eq!(backend::uploads::sweep(&srv.state).await.unwrap(), 1);
            assert_eq!(staged(&srv), vec![recent]);
            assert!(!Path::new(&manifest_path).exists());
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ffprobe_the_container_header_gives_size_and_duration() {
    let dir = tempfile::TempDir::new().unwrap();
    for ext in ["mp4", "mkv"] {
        let path = dir.path().join(format!("film.{ext}"));
        std::fs::write(&path, video_as(1920, 800, ext)).unwrap();
        let timeout = std::time::Duration::from_secs(30);
        let with = backend::media::probe::probe(&path, timeout).await;
        let without =
            backend::media::probe::probe_with("ffprobe-is-not-installed", &path, timeout).await;
        assert_eq!((with.width, with.height), (Some(1920), Some(800)), "{ext}");
        assert_eq!(
            (without.width, without.height),
            (with.width, with.height),
            "{ext}"
        );
        assert_eq!(without.resolution_label(), "1080p");
        assert_eq!(without.container, with.container, "{ext}");
        let (a, b) = (
            with.duration_seconds.unwrap(),
            without.duration_seconds.unwrap(),
        );
        assert!((a - b).abs() < 0.1, "{ext}: ffprobe {a} s, header {b} s");
        assert_eq!(without.video_codec, None, "codecs need ffprobe");
    }
    let junk = dir.path().join("junk.mkv");
    std::fs::write(&junk, b"not a video at all").unwrap();
    let info = backend::media::probe::probe_with(
        "ffprobe-is-not-installed",
        &junk,
        std::time::Duration::from_secs(5),
    )
    .await;
    assert_eq!(info.resolution_label(), "unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_files_of_a_new_movie_finishing_at_once_make_one_movie() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let mut ids = Vec::new();
        for (name, bytes) in [
            ("heat.mkv", &b"video bytes"[..]),
            ("heat.en.srt", &b"1\n"[..]),
        ] {
            let id = started(&srv, &anna, name, bytes.len(), 3).await;
            chunk(&srv, &anna, &id, 1, 0, bytes).await;
            ids.push(id);
        }
        let (a, b) = tokio::join!(
            end(&srv, &anna, &ids[0], "tt0113277", "new"),
            end(&srv, &anna, &ids[1], "tt0113277", "new"),
        );
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(b.status, StatusCode::OK, "{}", b.text);
        let movies = movie::Entity::find()
            .filter(movie::Column::ImdbId.eq("tt0113277"))
            .all(&srv.state.db)
            .await
            .unwrap();
        assert_eq!(movies.len(), 1);
    })
    .await;
}

/// Calls a server function with form-encoded arguments, as the browser does.
async fn server_fn(srv: &TestServer, name: &str, who: &As, form: &str) -> Reply {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uploader_sees_the_free_space_of_its_library_and_nobody_elses() {
    on_each_database_with(
        |c| c.storage_reserve = 3 * 1024 * 1024,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let space = server_fn(
                &srv,
                "upload_space",
                &anna.who,
                &format!("library={}", anna.library),
            )
            .await;
            assert_eq!(space.status, StatusCode::OK, "{}", space.text);
            let free = space.body["free"].as_u64().unwrap();
            let on_disk = backend::media::disk::available(&anna.path).unwrap();
            // Other tests write to the same disk meanwhile: allow them 1 GiB either way.
            assert!(
                free.abs_diff(on_disk) < 1 << 30,
                "{free} vs statvfs {on_disk}"
            );
            assert_eq!(space.body["reserve"], 3 * 1024 * 1024);
            assert_eq!(
                space.body["usable"].as_u64().unwrap(),
                free.saturating_sub(3 * 1024 * 1024)
            );
            assert!(space.body["maxFileSize"].as_u64().unwrap() > 0);

            // Another user's library does not exist for bob; a viewer may not upload.
            let bob = member(&srv, "bob").await;
            let annas = format!("library={}", anna.library);
            server_fn(&srv, "upload_space", &bob.who, &annas)
                .await
                .assert_error(StatusCode::NOT_FOUND, "library_not_found");
            join(&srv, &bob, anna.library, "viewer").await;
            server_fn(&srv, "upload_space", &bob.who, &annas)
                .await
                .assert_error(StatusCode::FORBIDDEN, "not_allowed");
            server_fn(&srv, "upload_space", &As::anonymous(), "library=1")
                .await
                .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_init_needs_the_upload_header_so_a_link_elsewhere_starts_nothing() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let query = format!(
            "/api/upload?type=init&filename=a.mp4&size=10&lastModified=1&library={}",
            anna.library
        );
        // What a link, an <img> or a top-level navigation from another site sends: the
        // cookie (SameSite=Lax lets it through on a GET navigation), no header of its own.
        srv.get(&query, &anna.who)
            .await
            .assert_error(StatusCode::FORBIDDEN, "missing_upload_header");
        let navigation = anna
            .who
            .clone()
            .with_header("sec-fetch-site", "cross-site")
            .with_header("sec-fetch-mode", "navigate");
        srv.get(&query, &navigation)
            .await
            .assert_error(StatusCode::FORBIDDEN, "missing_upload_header");
        // A form another site posts is refused too (Lax would not even send the cookie).
        let cross_site = anna.who.clone().with_header("sec-fetch-site", "cross-site");
        srv.call(Method::POST, &query, &cross_site, None)
            .await
            .assert_error(StatusCode::FORBIDDEN, "cross_origin_request");
        assert!(staged(&srv).is_empty(), "no upload was created");

        // The clients' ways: POST, or GET with the header; the same file is the same upload.
        let posted = srv.call(Method::POST, &query, &anna.who, None).await;
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
        let with_header = anna
            .who
            .clone()
            .with_header(UPLOAD_HEADER.0, UPLOAD_HEADER.1);
        let got = srv.get(&query, &with_header).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text);
        assert_eq!(got.body["uploadId"], posted.body["uploadId"]);
        assert_eq!(staged(&srv).len(), 1);
        // POST still takes chunk, end and cancel; anything else is named.
        srv.call(
            Method::POST,
            "/api/upload?type=start&uploadId=x",
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_type");
    })
    .await;
}

/// `m`'s credentials, acting in `owner`'s library.
fn in_library_of(owner: &Member, m: Member) -> Member {
    Member {
        who: m.who,
        library: owner.library,
        path: owner.path.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_needs_a_manager_and_an_uploaders_file_waits_to_be_a_version() {
    on_each_database(|srv| async move {
        let db = &srv.state.db;
        let anna = member(&srv, "anna").await;
        let hd = video(1280, 720);
        let first = upload(&srv, &anna, "matrix.mp4", &hd, MATRIX, "new").await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let old_id = first.body["movieFileId"].as_i64().unwrap() as i32;
        let old_path = anna.path.join(first.body["path"].as_str().unwrap());

        let ursula = member(&srv, "ursula").await;
        join(&srv, &ursula, anna.library, "uploader").await;
        let ursula = in_library_of(&anna, ursula);
        let other = video(1920, 1080);
        let id = started(&srv, &ursula, "matrix-1080.mp4", other.len(), 2).await;
        let r = chunk(&srv, &ursula, &id, 1, 0, &other).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let refused = end(&srv, &ursula, &id, MATRIX, "replace").await;
        refused.assert_error(StatusCode::FORBIDDEN, "not_allowed");
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains("version"),
            "{}",
            refused.text
        );
        // Nothing was deleted or moved: the old file, its rows, and the whole upload.
        assert_eq!(sha256(&std::fs::read(&old_path).unwrap()), sha256(&hd));
        assert!(
            movie_file::Entity::find_by_id(old_id)
                .one(db)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            uploaded_file::Entity::find()
                .filter(uploaded_file::Column::MovieFileId.eq(old_id))
                .one(db)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            std::fs::metadata(data_file(&srv, &id)).unwrap().len(),
            other.len() as u64
        );
        assert!(!anna.path.join(MATRIX).join("1080p").exists());
        // The same bytes go in as another version.
        let r = end(&srv, &ursula, &id, MATRIX, "version").await;
        assert_eq!(r.body["path"], "tt0133093/1080p/movie.mp4", "{}", r.text);
        assert!(old_path.exists());
        // Subtitles never delete anything: `replace` is just an addition for them.
        let srt = b"1\n00:00:01,000 --> 00:00:02,000\nHi\n";
        let r = upload(&srv, &ursula, "Matrix.en.srt", srt, MATRIX, "replace").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        // A manager may replace, as they may delete.
        let max = member(&srv, "max").await;
        join(&srv, &max, anna.library, "manager").await;
        let max = in_library_of(&anna, max);
        let fresh = [hd.clone(), vec![1u8; 20]].concat();
        let r = upload(&srv, &max, "matrix-final.mp4", &fresh, MATRIX, "replace").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let left: Vec<i32> = movie_file::Entity::find()
            .filter(movie_file::Column::LibraryId.eq(anna.library as i32))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(left, [r.body["movieFileId"].as_i64().unwrap() as i32]);
        assert!(!anna.path.join(MATRIX).join("1080p").exists());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitles_over_the_size_limit_are_refused_before_any_byte() {
    on_each_database_with(
        |c| c.subtitle_max_size = 1000,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let r = init(&srv, &anna, "Heat.en.srt", 1001, 1).await;
            r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "subtitle_too_large");
            assert_eq!(r.body["max"], 1000);
            assert!(staged(&srv).is_empty(), "no upload was created");
            // At the limit, and videos of any size (below upload_max_size), are fine.
            for (name, size) in [("Heat.en.srt", 1000), ("Heat.mkv", 5000)] {
                let r = init(&srv, &anna, name, size, 1).await;
                assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
            }
            let r = srv
                .post(
                    "/api/upload/check",
                    &anna.who,
                    json!({"files": [{"filename": "Heat.fr.vtt", "size": 1001, "lastModified": 1}]}),
                )
                .await;
            assert_eq!(r.body[0]["status"], "invalid", "{}", r.text);
            assert_eq!(r.body[0]["error"], "subtitle_too_large");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_may_have_only_so_many_uploads_receiving_bytes() {
    on_each_database_with(
        |c| c.uploads_open_per_user = 2,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let a = started(&srv, &anna, "a.mkv", 100, 1).await;
            let b = started(&srv, &anna, "b.mkv", 100, 1).await;
            let r = init(&srv, &anna, "c.mkv", 100, 1).await;
            r.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_open_uploads");
            assert_eq!(r.body["max"], 2);
            assert_eq!(staged(&srv).len(), 2, "c was not created");
            // Resuming is not a new upload.
            let again = init(&srv, &anna, "a.mkv", 100, 1).await;
            assert_eq!(again.body["uploadId"], a.as_str(), "{}", again.text);
            // A complete upload waiting for `end` is no longer receiving: c may start.
            let r = chunk(&srv, &anna, &b, 1, 0, &[5u8; 100]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            started(&srv, &anna, "c.mkv", 100, 1).await;
            init(&srv, &anna, "d.mkv", 100, 1)
                .await
                .assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_open_uploads");
            // Cancelling frees a place; other users have their own.
            srv.call(
                Method::DELETE,
                &format!("/api/upload?uploadId={a}"),
                &anna.who,
                None,
            )
            .await;
            started(&srv, &anna, "d.mkv", 100, 1).await;
            let bob = member(&srv, "bob").await;
            started(&srv, &bob, "a.mkv", 100, 1).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_counts_finished_and_unfinished_uploads() {
    on_each_database_with(
        |c| c.upload_quota_bytes = Some(10_000),
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let done = upload(&srv, &anna, "done.mp4", &[1u8; 4000], MATRIX, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            let big = started(&srv, &anna, "big.mkv", 5000, 1).await;
            let r = init(&srv, &anna, "more.mkv", 2000, 1).await;
            r.assert_error(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded");
            assert_eq!(
                (r.body["quota"].as_u64(), r.body["used"].as_u64()),
                (Some(10_000), Some(9000))
            );
            assert_eq!(staged(&srv).len(), 1, "more.mkv was not created");
            // Resuming an upload already counted is never refused.
            let again = init(&srv, &anna, "big.mkv", 5000, 1).await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.text);
            // A cancelled upload and a deleted file give their bytes back.
            srv.call(
                Method::DELETE,
                &format!("/api/upload?uploadId={big}"),
                &anna.who,
                None,
            )
            .await;
            started(&srv, &anna, "more.mkv", 2000, 1).await;
            init(&srv, &anna, "huge.mkv", 8000, 1)
                .await
                .assert_error(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded");
            let file = done.body["movieFileId"].as_i64().unwrap();
            let deleted = srv
                .call(
                    Method::DELETE,
                    &format!("/api/files/{file}"),
                    &anna.who,
                    None,
                )
                .await;
            assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
            started(&srv, &anna, "huge.mkv", 8000, 1).await;
            // The quota is each user's.
            let bob = member(&srv, "bob").await;
            started(&srv, &bob, "big.mkv", 10_000, 1).await;
        },
    )
    .await;
}
