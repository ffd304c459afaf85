//! The playback API as the player speaks it, over `fetch`: open a playback, end it.

use domain::api::PlaybackView;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A refusal from the server, or (status 0) a request that did not get an answer.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Seconds from `Retry-After`, when the server sent one.
    pub retry_after: Option<u32>,
}

impl Refusal {
    fn transport(e: JsValue) -> Refusal {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the request failed".into());
        Refusal {
            status: 0,
            code: "network_error".into(),
            message: format!("The server could not be reached ({why})."),
            retry_after: None,
        }
    }
}

async fn send(method: &str, url: &str) -> Result<web_sys::Response, Refusal> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(Refusal::transport)?;
    headers
        .set("Accept", "application/json")
        .map_err(Refusal::transport)?;
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| Refusal::transport("no window".into()))?;
    Ok(JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(Refusal::transport)?
        .unchecked_into())
}

/// Asks how the file plays here; `query` is the browser's report and the choices.
pub async fn playback(file_id: i32, query: &str) -> Result<PlaybackView, Refusal> {
    let response = send("GET", &format!("/api/files/{file_id}/playback?{query}")).await?;
    let text = JsFuture::from(response.text().map_err(Refusal::transport)?)
        .await
        .map_err(Refusal::transport)?
        .as_string()
        .unwrap_or_default();
    let status = response.status();
    if response.ok() {
        return serde_json::from_str(&text).map_err(|e| Refusal {
            status,
            code: "bad_answer".into(),
            message: format!("The server's answer could not be read: {e}"),
            retry_after: None,
        });
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Err(Refusal {
        status,
        code: json["error"].as_str().unwrap_or("http_error").to_owned(),
        message: json["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("The server answered {status}.")),
        retry_after: response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|s| s.trim().parse().ok()),
    })
}

/// Ends a playback session and waits for the answer, so its ffmpeg is stopped (and its slot
/// free) before the next one is asked for. A failure is of no consequence: the server ends
/// idle sessions by itself.
pub async fn end(session: &str) {
    let _ = send("DELETE", &format!("/api/playback/{}", encode(session))).await;
}

/// Ends a session from a page being left, which cannot wait for an answer.
pub fn end_beacon(session: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window
            .navigator()
            .send_beacon(&format!("/api/playback/{}/end", encode(session)));
    }
}

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    crate::upload::http::sleep(ms).await;
}

/// Starts playing, without an "Uncaught (in promise)" in the console when the browser
/// refuses (autoplay rules) or a new source interrupts it.
pub fn play(video: &web_sys::HtmlMediaElement) {
    if let Ok(promise) = video.play() {
        leptos::task::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}
