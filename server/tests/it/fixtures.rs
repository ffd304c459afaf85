//! A local stand-in for every metadata provider, serving recorded answers, so that no test
//! ever reaches the internet:
//! - IMDb's suggestion API (`/suggestion/…`, from `server/tests/fixtures/imdb/`);
//! - IMDb's title pages (`/title/tt…/`, from `domain/tests/fixtures/metadata/`), with a bot
//!   challenge for [`CHALLENGED`] and a slow page for [`SLOW_TITLE`];
//! - TMDB (`/3/…`, API key [`TMDB_KEY`]) and OMDb (`/omdb/`, key [`OMDB_KEY`]);
//! - images (`/images/…`): a small JPEG, or not an image at all for `broken.jpg`;
//! - trailer videos (`/videos/…`): the bytes of [`trailer_bytes`].
//!
//! Recorded image addresses (`https://m.media-amazon.com/images/M/…`) are rewritten to point
//! here.

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, StatusCode, header};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How often each path reached the fixture server (suggestion queries by their query).
pub static HITS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// An IMDb id whose title page is IMDb's bot challenge (HTTP 202, AWS WAF).
pub const CHALLENGED: &str = "tt0113277";
/// An IMDb id whose title page takes [`SLOW_FOR`] to arrive.
pub const SLOW_TITLE: &str = "tt0137523";
pub const SLOW_FOR: Duration = Duration::from_secs(3);
/// An IMDb id with a title page that only one test asks for.
pub const SEVEN: &str = "tt0114369";
/// An IMDb id whose title page gives a trailer as a direct video address.
pub const WITH_TRAILER: &str = "tt0103064";
/// IMDb ids that only the instances test asks for, whose title pages take [`SHARED_FOR`]: long
/// enough that two metadata jobs started together would both be fetching them.
pub const SHARED_TITLES: [&str; 4] = ["tt0990001", "tt0990002", "tt0990003", "tt0990004"];
pub const SHARED_FOR: Duration = Duration::from_secs(1);
pub const TMDB_KEY: &str = "tmdb-test-key";
pub const OMDB_KEY: &str = "omdb-test-key";
/// Shaped like TMDB's API Read Access Token (a JWT), which goes in the Authorization header.
pub const TMDB_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJvdHQiOiJ0ZXN0In0.c2lnbmF0dXJl";

pub fn hits(key: &str) -> usize {
    HITS.lock()
        .unwrap()
        .as_ref()
        .and_then(|h| h.get(key).copied())
        .unwrap_or(0)
}

fn hit(key: String) {
    *HITS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_default() += 1;
}

static BASE: OnceLock<String> = OnceLock::new();

/// The fixture server's address, started once for the whole test run on a runtime of its own
/// (it must outlive each test's runtime).
pub fn url() -> String {
    BASE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let app = Router::new()
                    .route("/suggestion/{letter}/{file}", get(suggestion))
                    .route("/title/{id}/", get(title_page))
                    .route("/3/find/{id}", get(tmdb_find))
                    .route("/3/movie/{id}", get(tmdb_movie))
                    .route("/3/collection/{id}", get(tmdb_collection))
                    .route("/omdb/", get(omdb))
                    .route("/images/{name}", get(image))
                    .route("/videos/{name}", get(video));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tx.send(format!("http://{addr}")).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
    .clone()
}

/// Points every provider of `config` at the fixture server, with keys for TMDB and OMDb.
pub fn use_fixtures(config: &mut backend::Config) {
    let base = url();
    config.imdb_suggest_url = base.clone();
    config.imdb_url = base.clone();
    config.tmdb_url = base.clone();
    config.tmdb_image_url = format!("{base}/images");
    config.tmdb_api_key = Some(TMDB_KEY.into());
    config.omdb_url = format!("{base}/omdb");
    config.omdb_api_key = Some(OMDB_KEY.into());
}

/// The same, as lines of an `ott.toml` for a real server.
pub fn config_file() -> String {
    let base = url();
    format!(
        "imdb_suggest_url = {base:?}\nimdb_url = {base:?}\ntmdb_url = {base:?}\n\
         tmdb_image_url = \"{base}/images\"\ntmdb_api_key = {TMDB_KEY:?}\n\
         omdb_url = \"{base}/omdb\"\nomdb_api_key = {OMDB_KEY:?}\n"
    )
}

fn recorded(name: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../domain/tests/fixtures/metadata")
        .join(name);
    Some(local_images(&std::fs::read_to_string(path).ok()?))
}

/// Recorded image addresses, pointed at the fixture server.
fn local_images(text: &str) -> String {
    text.replace(
        "https://m.media-amazon.com/images/M/",
        &format!("{}/images/", url()),
    )
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn suggestion(Path((_, file)): Path<(String, String)>) -> (StatusCode, String) {
    let query = file.trim_end_matches(".json");
    hit(query.to_owned());
    match query {
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            (StatusCode::OK, "{\"d\":[]}".into())
        }
        q if q.starts_with("error") => (StatusCode::INTERNAL_SERVER_ERROR, "oops".into()),
        _ => {
            let name = query.replace(' ', "_");
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/imdb")
                .join(format!("{name}.json"));
            let body = if name.contains(['/', '\\']) || name.starts_with('.') {
                None
            } else {
                std::fs::read_to_string(path).ok().map(|t| local_images(&t))
            };
            (StatusCode::OK, body.unwrap_or_else(|| "{\"d\":[]}".into()))
        }
    }
}

async fn title_page(Path(id): Path<String>) -> Response {
    hit(format!("/title/{id}/"));
    let html = |body: String| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    };
    match id.as_str() {
        CHALLENGED => (
            StatusCode::ACCEPTED,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::HeaderName::from_static("x-amzn-waf-action"),
                    "challenge",
                ),
            ],
            recorded("imdb_waf_challenge.html").unwrap_or_default(),
        )
            .into_response(),
        SLOW_TITLE => {
            tokio::time::sleep(SLOW_FOR).await;
            html(made_up_page(SLOW_TITLE, "Fight Club", 1999))
        }
        SEVEN => html(made_up_page(SEVEN, "Se7en", 1995)),
        shared if SHARED_TITLES.contains(&shared) => {
            tokio::time::sleep(SHARED_FOR).await;
            html(made_up_page(shared, "Shared", 2001))
        }
        WITH_TRAILER => html(made_up_page(WITH_TRAILER, "Terminator 2", 1991).replace(
            r#""genre""#,
            &format!(
                r#""trailer":{{"@type":"VideoObject","contentUrl":"{}/videos/{WITH_TRAILER}.mp4"}},"genre""#,
                url()
            ),
        )),
        _ => match recorded(&format!("imdb_title_{id}.html")) {
            Some(body) if !id.contains(['/', '.']) => html(body),
            _ => (StatusCode::NOT_FOUND, "no such title").into_response(),
        },
    }
}

/// A minimal title page with JSON-LD, for ids without a recorded one.
fn made_up_page(id: &str, title: &str, year: u16) -> String {
    format!(
        r#"<html><head><script type="application/ld+json">{{"@context":"https://schema.org","@type":"Movie","url":"https://www.imdb.com/title/{id}/","name":"{title}","datePublished":"{year}-10-15","genre":["Drama","Thriller"],"image":"{}/images/{id}.jpg"}}</script></head><body></body></html>"#,
        url()
    )
}

/// TMDB takes a v3 key in the query or a Read Access Token as a bearer (never both here).
fn tmdb_key_ok(query: &HashMap<String, String>, headers: &HeaderMap) -> Option<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = match (query.get("api_key").map(String::as_str), bearer) {
        (Some(key), None) => key == TMDB_KEY,
        (None, Some(token)) => {
            hit("tmdb bearer".into());
            token == TMDB_TOKEN
        }
        _ => false,
    };
    (!ok).then(|| {
        json(
            StatusCode::UNAUTHORIZED,
            recorded("tmdb_error_401.json").unwrap_or_default(),
        )
    })
}

async fn tmdb_find(
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    hit(format!("/3/find/{id}"));
    if let Some(refused) = tmdb_key_ok(&query, &headers) {
        return refused;
    }
    match recorded(&format!("tmdb_find_{id}.json")) {
        Some(body) if !id.contains(['/', '.']) => json(StatusCode::OK, body),
        _ => json(
            StatusCode::OK,
            r#"{"movie_results":[],"person_results":[],"tv_results":[]}"#.into(),
        ),
    }
}

async fn tmdb_movie(
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    hit(format!("/3/movie/{id}"));
    if let Some(refused) = tmdb_key_ok(&query, &headers) {
        return refused;
    }
    match recorded(&format!("tmdb_movie_{id}.json")) {
        Some(body) if !id.contains(['/', '.']) => json(StatusCode::OK, body),
        _ => json(
            StatusCode::NOT_FOUND,
            r#"{"status_code":34,"status_message":"The resource you requested could not be found.","success":false}"#.into(),
        ),
    }
}

async fn tmdb_collection(
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    hit(format!("/3/collection/{id}"));
    if let Some(refused) = tmdb_key_ok(&query, &headers) {
        return refused;
    }
    match recorded(&format!("tmdb_collection_{id}.json")) {
        Some(body) if !id.contains(['/', '.']) => json(StatusCode::OK, body),
        _ => json(StatusCode::NOT_FOUND, "{}".into()),
    }
}

async fn omdb(Query(query): Query<HashMap<String, String>>) -> Response {
    let id = query.get("i").cloned().unwrap_or_default();
    hit(format!("/omdb/{id}"));
    if query.get("apikey").map(String::as_str) != Some(OMDB_KEY) {
        return json(
            StatusCode::UNAUTHORIZED,
            r#"{"Response":"False","Error":"Invalid API key!"}"#.into(),
        );
    }
    match recorded(&format!("omdb_{id}.json")) {
        Some(body) if !id.contains(['/', '.']) => json(StatusCode::OK, body),
        _ => json(
            StatusCode::OK,
            recorded("omdb_not_found.json").unwrap_or_default(),
        ),
    }
}

/// A trailer "video": an MP4's first box, then a known pattern.
pub fn trailer_bytes() -> Vec<u8> {
    let mut bytes = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    bytes.extend((0..300_000u32).map(|i| (i % 251) as u8));
    bytes
}

async fn video(Path(name): Path<String>) -> Response {
    hit(format!("/videos/{name}"));
    ([(header::CONTENT_TYPE, "video/mp4")], trailer_bytes()).into_response()
}

async fn image(Path(name): Path<String>) -> Response {
    hit(format!("/images/{name}"));
    if name == "broken.jpg" {
        return (StatusCode::OK, "<html>not an image</html>").into_response();
    }
    let poster = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images/poster.jpg"),
    )
    .unwrap();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/jpeg")],
        poster,
    )
        .into_response()
}
