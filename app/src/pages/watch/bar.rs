//! Under the video: what the server does with the file (the note, and why), and the audio
//! and subtitle menus. All of it appears once the page is live: without JavaScript there is
//! only the file and the browser's own controls.

use super::source::{Source, Status};
use super::subtitles::SubtitleMenu;
use domain::api::SubtitleTrack;
use leptos::html::Video;
use leptos::prelude::*;

#[component]
pub fn PlayerBar(
    source: Source,
    video: NodeRef<Video>,
    files: Vec<SubtitleTrack>,
    choice: RwSignal<String>,
    live: ReadSignal<bool>,
) -> impl IntoView {
    let files = StoredValue::new(files);
    // None renders nothing (the paragraph stays, empty, for screen readers to follow).
    let note = move || match source.status.get() {
        Status::Switching => Some("Switching the audio track…".to_owned()),
        _ => source
            .view
            .with(|v| v.as_ref().map(|v| v.note.clone()))
            .filter(|n| !n.is_empty()),
    };
    let reasons = move || {
        source
            .view
            .with(|v| v.as_ref().map(|v| v.reasons.clone()))
            .filter(|r| !r.is_empty())
            .map(|reasons| {
                view! {
                    <details class="player-reasons">
                        <summary>"Why"</summary>
                        <ul>
                            {reasons
                                .into_iter()
                                .map(|r| view! { <li>{r.message}</li> })
                                .collect_view()}
                        </ul>
                    </details>
                }
            })
    };
    view! {
        <div class="player-bar">
            <div class="player-info">
                <p class="player-note" role="status">{note}</p>
                {reasons}
            </div>
            {move || {
                live.get()
                    .then(|| {
                        view! {
                            <div class="player-menus">
                                <AudioMenu source />
                                <SubtitleMenu
                                    video
                                    files=files.get_value()
                                    embedded=source.embedded
                                    choice
                                />
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// The audio tracks, when the file has two or more (choosing one opens a new playback).
#[component]
fn AudioMenu(source: Source) -> impl IntoView {
    let busy = move || {
        matches!(
            source.status.get(),
            Status::Asking | Status::Preparing | Status::Switching
        )
    };
    let several = move || source.probed() && source.audio_tracks().len() > 1;
    view! {
        <Show when=several>
            <div class="player-menu">
                <label for="player-audio">"Audio"</label>
                <select
                    id="player-audio"
                    disabled=busy
                    on:change=move |e| {
                        if let Ok(index) = event_target_value(&e).parse::<u32>() {
                            source.switch_audio(index);
                        }
                    }
                >
                    {move || {
                        let playing = source.audio();
                        source
                            .audio_tracks()
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <option
                                        value=t.index.to_string()
                                        prop:selected=playing == Some(t.index)
                                    >
                                        {t.label}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
        </Show>
    }
}
