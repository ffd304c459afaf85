//! The subtitle menu. The movie's `srt/` files and the text streams inside the file are
//! `<track>` elements of the `<video>` (so the browser's own captions menu and full screen
//! show them too); image streams (PGS, VobSub) are listed but cannot be chosen yet. The menu
//! and the browser's menu stay in step through the track list's `change` event.

use domain::api::{EmbeddedSubtitle, SubtitleTrack};
use leptos::html::Video;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlMediaElement, HtmlTrackElement, TextTrackMode};

/// The menu's value for no subtitles.
pub const OFF: &str = "off";

/// A subtitle file's key: its place in the watch view's list.
pub fn file_key(i: usize) -> String {
    format!("file-{i}")
}

/// A stream's key: its index in the movie file.
pub fn stream_key(index: u32) -> String {
    format!("stream-{index}")
}

/// The `id` of a key's `<track>` element.
pub fn element_id(key: &str) -> String {
    format!("subtitle-{key}")
}

/// The key of the subtitle shown when the player opens: the user's language, if a file has it.
pub fn initial(files: &[SubtitleTrack]) -> String {
    files
        .iter()
        .position(|s| s.default)
        .map_or_else(|| OFF.to_owned(), file_key)
}

fn tracks(video: &HtmlMediaElement) -> Vec<HtmlTrackElement> {
    let Ok(list) = video.query_selector_all("track") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<HtmlTrackElement>().ok())
        .collect()
}

/// Shows the track of `key` (none for [`OFF`]) and switches the others off.
pub fn apply(video: &HtmlMediaElement, key: &str) {
    let id = element_id(key);
    for element in tracks(video) {
        if let Some(track) = element.track() {
            let mode = if element.id() == id {
                TextTrackMode::Showing
            } else {
                TextTrackMode::Disabled
            };
            if track.mode() != mode {
                track.set_mode(mode);
            }
        }
    }
}

/// The key of the track showing now.
fn showing(video: &HtmlMediaElement) -> String {
    tracks(video)
        .into_iter()
        .find(|e| {
            e.track()
                .is_some_and(|t| t.mode() == TextTrackMode::Showing)
        })
        .and_then(|e| e.id().strip_prefix("subtitle-").map(str::to_owned))
        .unwrap_or_else(|| OFF.to_owned())
}

/// Keeps `choice` equal to what shows, whoever changed it (the browser's captions menu
/// included), and shows the chosen stream again when a new session brings its `<track>`
/// elements back.
pub fn follow(
    video: NodeRef<Video>,
    choice: RwSignal<String>,
    embedded: RwSignal<Vec<EmbeddedSubtitle>>,
) {
    // Set only in the browser (like `Source`'s hls.js player: no thread-local store on a
    // page the server renders and may drop on another thread).
    let handler = StoredValue::new(None::<SendWrapper<Closure<dyn FnMut()>>>);
    Effect::new(move |_| {
        let Some(v) = video.get_untracked() else {
            return;
        };
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if let Some(v) = video.get_untracked() {
                let now = showing(&v);
                if choice.get_untracked() != now {
                    choice.set(now);
                }
            }
        });
        if let Some(list) = v.text_tracks() {
            list.set_onchange(Some(on_change.as_ref().unchecked_ref()));
        }
        handler.set_value(Some(SendWrapper::new(on_change)));
    });
    Effect::new(move |_| {
        embedded.track();
        let key = choice.get_untracked();
        // After the `<track>` elements of the new list are in the page.
        set_timeout(
            move || {
                if let Some(v) = video.try_get_untracked().flatten() {
                    apply(&v, &key);
                }
            },
            std::time::Duration::ZERO,
        );
    });
    on_cleanup(move || {
        if let Some(list) = video
            .try_get_untracked()
            .flatten()
            .and_then(|v| v.text_tracks())
        {
            list.set_onchange(None);
        }
        handler.try_update_value(|h| *h = None);
    });
}

/// The menu: off, each file, each text stream, and image streams as not supported yet.
#[component]
pub fn SubtitleMenu(
    video: NodeRef<Video>,
    files: Vec<SubtitleTrack>,
    embedded: RwSignal<Vec<EmbeddedSubtitle>>,
    choice: RwSignal<String>,
) -> impl IntoView {
    let any = !files.is_empty();
    let files = StoredValue::new(files);
    let option = move |key: String, label: String, enabled: bool| {
        let value = key.clone();
        view! {
            <option value=value disabled=!enabled prop:selected=move || choice.get() == key>
                {label}
            </option>
        }
    };
    view! {
        <Show when=move || any || embedded.with(|e| !e.is_empty())>
            <div class="player-menu">
                <label for="player-subtitles">"Subtitles"</label>
                <select id="player-subtitles" on:change=move |e| {
                    let key = event_target_value(&e);
                    if let Some(v) = video.get_untracked() {
                        apply(&v, &key);
                    }
                    choice.set(key);
                }>
                    {option(OFF.to_owned(), "Off".to_owned(), true)}
                    {files.with_value(|files| {
                        files
                            .iter()
                            .enumerate()
                            .map(|(i, s)| option(file_key(i), s.label.clone(), true))
                            .collect_view()
                    })}
                    {move || {
                        embedded
                            .get()
                            .into_iter()
                            .map(|s| match s.url {
                                Some(_) => option(stream_key(s.index), s.label, true),
                                None => {
                                    option(
                                        stream_key(s.index),
                                        format!("{} (not supported yet)", s.label),
                                        false,
                                    )
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
        </Show>
    }
}
