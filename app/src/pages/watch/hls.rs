//! hls.js, for browsers that play HLS only through Media Source Extensions (all but Safari on
//! iPhones). It is not bundled: `scripts/setup.sh` copies hls.js's light build to
//! `public/vendor/`, and the first player that needs it adds a `<script>` for it, so other
//! pages and direct play never load it. There is no JavaScript bundler in this project, so
//! calls go through `js_sys::Reflect` on the `window.Hls` the script defines.

use js_sys::{Array, Function, Promise, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const SCRIPT_ID: &str = "hls-js";
const SCRIPT_SRC: &str = "/vendor/hls.min.js";
/// How long the script may take to arrive.
const LOAD_TIMEOUT_MS: i32 = 20_000;
/// Fatal network errors hls.js may retry in a minute (it has already retried each request).
const NETWORK_RETRIES: u32 = 3;

/// What stopped playback for good.
#[derive(Clone, Debug)]
pub enum Fatal {
    /// The session's playlist or segments are gone (404): the server ended the session, for
    /// example after a long pause. A new one continues where the video stands.
    Gone,
    Failed(String),
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(target, method).dyn_into()?;
    f.apply(target, &args.iter().copied().collect::<Array>())
}

fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

fn constructor() -> Option<JsValue> {
    web_sys::window()
        .map(|w| get(&w, "Hls"))
        .filter(JsValue::is_function)
}

fn usable(hls: JsValue) -> Result<JsValue, String> {
    if call(&hls, "isSupported", &[])
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
    {
        Ok(hls)
    } else {
        Err("This browser cannot play the converted stream (hls.js finds no Media Source Extensions).".into())
    }
}

/// Loads hls.js (once per page) and returns its constructor, if this browser can use it.
pub async fn load() -> Result<JsValue, String> {
    if let Some(hls) = constructor() {
        return usable(hls);
    }
    let unavailable =
        || "The player's HLS module (/vendor/hls.min.js) could not be loaded.".to_owned();
    let window = web_sys::window().ok_or_else(unavailable)?;
    let document = window.document().ok_or_else(unavailable)?;
    let script = match document.get_element_by_id(SCRIPT_ID) {
        Some(script) => script,
        None => {
            let script = document
                .create_element("script")
                .map_err(|_| unavailable())?;
            let _ = script.set_attribute("id", SCRIPT_ID);
            let _ = script.set_attribute("src", SCRIPT_SRC);
            let head = document.head().ok_or_else(unavailable)?;
            head.append_child(&script).map_err(|_| unavailable())?;
            script
        }
    };
    let arrived = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, LOAD_TIMEOUT_MS);
    });
    // Another player on the page may have finished loading it meanwhile.
    if constructor().is_none() && JsFuture::from(arrived).await.is_err() {
        // Gone, so that the next try adds the script again.
        script.remove();
        return Err(unavailable());
    }
    usable(constructor().ok_or_else(unavailable)?)
}

/// Buffering and retries for segments made on the fly: ffmpeg may need several seconds for
/// a converted segment (more after a jump), and the server answers 503 `segment_timeout`
/// when it took too long, which hls.js retries (it does not retry 4xx).
fn config(start: f64) -> String {
    let start = if start > 0.0 { start } else { -1.0 };
    serde_json::json!({
        "startPosition": start,
        "maxBufferLength": 30,
        "maxMaxBufferLength": 60,
        "backBufferLength": 60,
        "fragLoadPolicy": { "default": {
            "maxTimeToFirstByteMs": 30_000,
            "maxLoadTimeMs": 120_000,
            "timeoutRetry": { "maxNumRetry": 4, "retryDelayMs": 0, "maxRetryDelayMs": 0 },
            "errorRetry": { "maxNumRetry": 6, "retryDelayMs": 1_000, "maxRetryDelayMs": 8_000 },
        } },
    })
    .to_string()
}

/// One hls.js instance playing one session's playlist into the `<video>`; destroyed when
/// dropped (which stops its requests and detaches it from the element).
pub struct HlsPlayer {
    hls: JsValue,
    _on_error: Closure<dyn FnMut(JsValue, JsValue)>,
}

impl HlsPlayer {
    /// `start` is where loading begins (seconds); `on_fatal` hears about what hls.js could
    /// not recover from, after the current event (so it may drop this player).
    pub fn start(
        hls_class: &JsValue,
        video: &web_sys::HtmlMediaElement,
        url: &str,
        start: f64,
        on_fatal: Rc<dyn Fn(Fatal)>,
    ) -> Result<HlsPlayer, String> {
        let config = js_sys::JSON::parse(&config(start)).map_err(|e| message(&e))?;
        let hls = Reflect::construct(hls_class.unchecked_ref::<Function>(), &Array::of1(&config))
            .map_err(|e| message(&e))?;
        let error_event = get(&get(hls_class, "Events"), "ERROR");
        let this = hls.clone();
        let network_retries = Cell::new((0_u32, 0.0_f64));
        let media_recoveries = Cell::new(0_u32);
        let gone = Cell::new(false);
        let on_error =
            Closure::<dyn FnMut(JsValue, JsValue)>::new(move |_event: JsValue, data: JsValue| {
                let kind = get(&data, "type").as_string().unwrap_or_default();
                let details = get(&data, "details").as_string().unwrap_or_default();
                let status = get(&get(&data, "response"), "code").as_f64();
                let report = |fatal: Fatal| {
                    let on_fatal = on_fatal.clone();
                    leptos::task::spawn_local(async move { on_fatal(fatal) });
                };
                // hls.js retries a segment's 404 for half a minute before it gives up, but the
                // server answers 404 only for a session it no longer has: no use waiting.
                if kind == "networkError" && matches!(status, Some(s) if s == 404.0 || s == 410.0) {
                    if !gone.replace(true) {
                        report(Fatal::Gone);
                    }
                    return;
                }
                if get(&data, "fatal").as_bool() != Some(true) {
                    return;
                }
                match kind.as_str() {
                    "networkError" => {
                        // Counted per minute, so a long film survives a few separate outages.
                        let now = js_sys::Date::now();
                        let (count, since) = network_retries.get();
                        let (count, since) = if now - since > 60_000.0 {
                            (0, now)
                        } else {
                            (count, since)
                        };
                        if count < NETWORK_RETRIES {
                            network_retries.set((count + 1, since));
                            let _ = call(&this, "startLoad", &[]);
                        } else {
                            report(Fatal::Failed(format!(
                                "The video stopped loading from the server ({details})."
                            )));
                        }
                    }
                    "mediaError" => {
                        let n = media_recoveries.get() + 1;
                        media_recoveries.set(n);
                        match n {
                            1 => {
                                let _ = call(&this, "recoverMediaError", &[]);
                            }
                            2 => {
                                let _ = call(&this, "swapAudioCodec", &[]);
                                let _ = call(&this, "recoverMediaError", &[]);
                            }
                            _ => report(Fatal::Failed(format!(
                                "This browser could not decode the video ({details})."
                            ))),
                        }
                    }
                    _ => report(Fatal::Failed(format!(
                        "The video could not be played ({details})."
                    ))),
                }
            });
        let player = HlsPlayer {
            hls,
            _on_error: on_error,
        };
        call(
            &player.hls,
            "on",
            &[&error_event, player._on_error.as_ref()],
        )
        .map_err(|e| message(&e))?;
        call(&player.hls, "loadSource", &[&JsValue::from_str(url)]).map_err(|e| message(&e))?;
        call(&player.hls, "attachMedia", &[video.as_ref()]).map_err(|e| message(&e))?;
        Ok(player)
    }
}

impl Drop for HlsPlayer {
    fn drop(&mut self) {
        // Before the listener is freed: destroy removes it, so it is never called dropped.
        let _ = call(&self.hls, "destroy", &[]);
    }
}
