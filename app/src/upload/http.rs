//! The upload protocol and its neighbours over `fetch`, as the browser speaks them: answers
//! become values or a [`Failure`] the protocol driver understands. Chunk bodies are `Blob`
//! slices, which the browser streams from disk: a file is never read into memory.

use domain::api::{
    ChunkAccepted, FileDescription, FileStatus, MovieFileInfo, MovieLink, NamedMovie,
    PendingUpload, UploadFinished, UploadState,
};
use domain::upload::EndMode;
use domain::upload::client::{ChunkPlan, Failure};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn transport(e: JsValue) -> Failure {
    let why = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the request failed".into());
    Failure::Transport(why)
}

/// Sends a request and reads a JSON answer; a refusal keeps the server's error.
async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<(&JsValue, &str)>,
    abort: Option<&web_sys::AbortSignal>,
) -> Result<T, Failure> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(transport)?;
    headers
        .set("Accept", "application/json")
        .map_err(transport)?;
    if let Some((body, content_type)) = body {
        headers
            .set("Content-Type", content_type)
            .map_err(transport)?;
        init.set_body(body);
    }
    init.set_headers(&headers);
    if let Some(signal) = abort {
        init.set_signal(Some(signal));
    }
    let window = web_sys::window().ok_or_else(|| Failure::Transport("no window".into()))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(transport)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(transport)?)
        .await
        .map_err(transport)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text)
            .map_err(|e| Failure::Transport(format!("the answer could not be read: {e}")))
    } else {
        Err(Failure::refused(response.status(), &text))
    }
}

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

pub async fn check(library: i32, files: &[FileDescription]) -> Result<Vec<FileStatus>, Failure> {
    let body = serde_json::json!({ "library": library, "files": files }).to_string();
    call(
        "POST",
        "/api/upload/check",
        Some((&JsValue::from_str(&body), "application/json")),
        None,
    )
    .await
}

/// `imdb_id`: the movie the user confirmed (an upload into a bucket library then goes
/// straight to its place instead of being copied there at the end).
pub async fn init(
    library: i32,
    file: &FileDescription,
    imdb_id: &str,
) -> Result<UploadState, Failure> {
    let url = format!(
        "/api/upload?type=init&library={library}&filename={}&size={}&lastModified={}&imdbId={}",
        encode(&file.filename),
        file.size,
        file.last_modified,
        encode(imdb_id)
    );
    // POST: a request that changes state (GET init is kept for old clients, behind a header).
    call("POST", &url, None, None).await
}

/// Sends the bytes `plan` names, sliced from the file (the browser reads them as it sends).
pub async fn chunk(
    upload_id: &str,
    plan: ChunkPlan,
    file: &web_sys::File,
    abort: &web_sys::AbortSignal,
) -> Result<ChunkAccepted, Failure> {
    let end = plan.offset + plan.len;
    let blob = file
        .slice_with_f64_and_f64(plan.offset as f64, end as f64)
        .map_err(transport)?;
    let url = format!(
        "/api/upload?type=chunk&uploadId={upload_id}&chunkNr={}&offset={}",
        plan.chunk_nr, plan.offset
    );
    call(
        "POST",
        &url,
        Some((&blob.into(), "application/octet-stream")),
        Some(abort),
    )
    .await
}

pub async fn end(upload_id: &str, imdb_id: &str, mode: EndMode) -> Result<UploadFinished, Failure> {
    let url = format!(
        "/api/upload?type=end&uploadId={upload_id}&imdbId={}&mode={}",
        encode(imdb_id),
        mode.as_str()
    );
    call("POST", &url, None, None).await
}

pub async fn cancel(upload_id: &str) -> Result<serde_json::Value, Failure> {
    call(
        "POST",
        &format!("/api/upload?type=cancel&uploadId={upload_id}"),
        None,
        None,
    )
    .await
}

pub async fn pending() -> Result<Vec<PendingUpload>, Failure> {
    call("GET", "/api/uploads", None, None).await
}

pub async fn movie_files(library: i32, imdb_id: &str) -> Result<Vec<MovieFileInfo>, Failure> {
    let url = format!("/api/movies/{}/files?library={library}", encode(imdb_id));
    call("GET", &url, None, None).await
}

/// The movie named by hand (`POST /api/movies`), its details to be looked up later.
pub async fn name_movie(library: i32, named: &NamedMovie) -> Result<MovieLink, Failure> {
    let body = serde_json::to_string(named).unwrap_or_default();
    call(
        "POST",
        &format!("/api/movies?library={library}"),
        Some((&JsValue::from_str(&body), "application/json")),
        None,
    )
    .await
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds on a clock that only moves forward.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}
