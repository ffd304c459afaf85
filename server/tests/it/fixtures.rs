//! A local stand-in for IMDb's suggestion API, serving the recorded answers in
//! `server/tests/fixtures/imdb/`, so that no test ever reaches the internet.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often each query reached the fixture server.
pub static HITS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

pub fn hits(query: &str) -> usize {
    HITS.lock()
        .unwrap()
        .as_ref()
        .and_then(|h| h.get(query).copied())
        .unwrap_or(0)
}

/// Starts the fixture server on a loopback port; returns its base address.
pub async fn imdb() -> String {
    let app = Router::new().route("/suggestion/{letter}/{file}", get(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn answer(Path((_, file)): Path<(String, String)>) -> (StatusCode, String) {
    let query = file.trim_end_matches(".json");
    *HITS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .entry(query.to_owned())
        .or_default() += 1;
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
                std::fs::read_to_string(path).ok()
            };
            (StatusCode::OK, body.unwrap_or_else(|| "{\"d\":[]}".into()))
        }
    }
}
