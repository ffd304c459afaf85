//! A local stand-in for IMDb's suggestion API, serving the recorded answers in
//! `server/tests/fixtures/imdb/`, so that no test ever reaches the internet.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use std::time::Duration;

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
    match query {
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            (StatusCode::OK, "{\"d\":[]}".into())
        }
        "error" => (StatusCode::INTERNAL_SERVER_ERROR, "oops".into()),
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
