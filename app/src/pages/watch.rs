//! The player page. The server renders the `<video>` with the file itself (`/stream/{id}`),
//! which is all there is without JavaScript; once the page is live, [`source::Source`] asks
//! the server how this browser plays the file and switches to HLS made on the fly when it
//! cannot play it as it is (docs/playback.md).

mod bar;
mod caps;
mod hls;
mod net;
mod source;
mod subtitles;

use crate::api::playback::{get_watch, save_position};
use crate::components::session::RequireUser;
use bar::PlayerBar;
use domain::api::WatchView;
use domain::format;
use leptos::either::Either;
use leptos::ev;
use leptos::html::Video;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use source::{Source, Status};

/// Seconds of playing between two saves of the position.
const SAVE_EVERY: f64 = 10.0;
/// Seconds the arrow keys skip.
const SKIP: f64 = 10.0;
/// Seconds "Up next" waits before playing the next part.
const UP_NEXT_SECONDS: u32 = 8;

/// The player: the movie file streamed into `<video>` with its subtitles, the position saved
/// as it plays, and "resume or start over" when the user stopped part-way last time.
#[component]
pub fn WatchPage() -> impl IntoView {
    let params = use_params_map();
    let watch = Resource::new_blocking(
        move || {
            params
                .read()
                .get("id")
                .and_then(|id| id.parse::<i32>().ok())
        },
        |id| async move {
            match id {
                Some(id) => get_watch(id).await,
                None => Err(crate::error::AppError {
                    error: "file_not_found".into(),
                    message: "There is no such movie file.".into(),
                }),
            }
        },
    );
    view! {
        <RequireUser render=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match watch.await {
                            Ok(w) => Either::Left(view! { <Player watch=w /> }),
                            Err(e) => Either::Right(view! {
                                <Title text="Not found" />
                                <section class="card narrow">
                                    <h1>"This movie cannot be played"</h1>
                                    <p role="alert">{e.message}</p>
                                    <p><a href="/">"Back to the library"</a></p>
                                </section>
                            }),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// Sends the position with `navigator.sendBeacon`, which outlives the page.
fn beacon(url: &str, position: f64, duration: Option<f64>) {
    let body = format!(
        r#"{{"position":{position},"duration":{}}}"#,
        duration.map_or_else(|| "null".to_owned(), |d| d.to_string())
    );
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type("application/json");
    if let Ok(blob) =
        web_sys::Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&body.into()), &bag)
    {
        let _ = window()
            .navigator()
            .send_beacon_with_opt_blob(url, Some(&blob));
    }
}

#[component]
fn Player(watch: WatchView) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let file_id = watch.file_id;
    let source = Source::new(&watch, video);
    let probed = source.probed();
    // Menus need the page to be live; the server renders none.
    let (live, set_live) = signal(false);
    let subtitle = RwSignal::new(subtitles::initial(&watch.subtitles));
    subtitles::follow(video, subtitle, source.embedded);
    let title = domain::format::title_year(&watch.title, watch.year);
    // Ask "resume or start over" only when there is somewhere to resume.
    let (asking, set_asking) = signal(watch.resume_at.is_some());
    let last_saved = StoredValue::new(0.0_f64);

    let save = move |position: f64, duration: Option<f64>| {
        last_saved.set_value(position);
        leptos::task::spawn_local(async move {
            let _ = save_position(file_id, position, duration).await;
        });
    };
    // Nothing to tell before the video knows its duration: a source being replaced (another
    // audio track, a new session) is at 0 for a moment, which is not where the viewer is.
    let now = move || {
        video
            .get_untracked()
            .filter(|v| v.ready_state() >= 1)
            .map(|v| {
                let d = v.duration();
                (v.current_time(), (d.is_finite() && d > 0.0).then_some(d))
            })
    };
    let on_time = move |_| {
        if let Some((t, d)) = now()
            && (t - last_saved.get_value()).abs() >= SAVE_EVERY
        {
            save(t, d);
        }
    };
    let on_pause = move |_| {
        if let Some((t, d)) = now() {
            save(t, d);
        }
    };
    let start_at = move |at: f64| {
        set_asking.set(false);
        source.seek(at);
        if let Some(v) = video.get_untracked() {
            net::play(&v);
        }
    };
    let resume_at = watch.resume_at.unwrap_or(0.0);

    // At the end: the collection's next part, after a countdown the user can cancel.
    let navigate = leptos_router::hooks::use_navigate();
    let next_url = watch
        .next
        .as_ref()
        .map(|n| format!("/watch/{}?autoplay=1", n.file_id));
    let (countdown, set_countdown) = signal(None::<u32>);
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop_countdown = move || {
        if let Some(handle) = ticker.get_value() {
            handle.clear();
        }
        ticker.set_value(None);
        set_countdown.set(None);
    };
    let on_ended = {
        let next_url = next_url.clone();
        let navigate = navigate.clone();
        move |_| {
            if let Some((t, d)) = now() {
                save(t, d);
            }
            let Some(url) = next_url.clone().filter(|_| watch.autoplay_next) else {
                return;
            };
            let navigate = navigate.clone();
            set_countdown.set(Some(UP_NEXT_SECONDS));
            let handle = set_interval_with_handle(
                move || match countdown.get_untracked() {
                    Some(0 | 1) => {
                        stop_countdown();
                        navigate(&url, Default::default());
                    }
                    Some(n) => set_countdown.set(Some(n - 1)),
                    None => {}
                },
                std::time::Duration::from_secs(1),
            );
            ticker.set_value(handle.ok());
        }
    };
    let autoplay = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("autoplay")
        .is_some();
    // In the browser: test it and ask the server (a playback of a movie stopped part-way
    // starts where it stopped, which "Start over" changes). With a probe, playing starts once
    // the source is chosen, not by the rendered `autoplay`.
    let first_start = if watch.resume_at.is_some() {
        resume_at
    } else {
        0.0
    };
    Effect::new(move |_| {
        set_live.set(true);
        untrack(|| source.start(first_start, autoplay));
    });

    // Keyboard: space plays or pauses, arrows skip, f fullscreen, m mute (not while typing).
    let keys = window_event_listener(ev::keydown, move |e| {
        let typing = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| {
                matches!(
                    el.tag_name().as_str(),
                    "INPUT" | "TEXTAREA" | "BUTTON" | "SELECT"
                )
            });
        let Some(v) = video.get_untracked() else {
            return;
        };
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        match e.key().as_str() {
            " " | "k" => {
                e.prevent_default();
                if v.paused() {
                    let _ = v.play();
                } else {
                    let _ = v.pause();
                }
            }
            "ArrowLeft" => {
                e.prevent_default();
                v.set_current_time((v.current_time() - SKIP).max(0.0));
            }
            "ArrowRight" => {
                e.prevent_default();
                v.set_current_time(v.current_time() + SKIP);
            }
            "f" => {
                if document().fullscreen_element().is_some() {
                    document().exit_fullscreen();
                } else {
                    let _ = v.request_fullscreen();
                }
            }
            "m" => v.set_muted(!v.muted()),
            _ => {}
        }
    });
    // Leaving: a page being unloaded cannot wait for a request, so the position goes as a
    // beacon, and so does the end of the playback session; moving to another page of the app
    // saves it the usual way.
    let progress_url = format!("/api/files/{file_id}/progress");
    let leave = window_event_listener(ev::pagehide, move |_| {
        if let Some((t, d)) = now() {
            beacon(&progress_url, t, d);
        }
        source.end_by_beacon();
    });
    on_cleanup(move || {
        stop_countdown();
        keys.remove();
        leave.remove();
        if let Some((t, d)) = now() {
            save(t, d);
        }
        source.leave();
    });

    let next_title = watch
        .next
        .as_ref()
        .map(|n| domain::format::title_year(&n.title, n.year));
    let next_link = watch
        .next
        .as_ref()
        .map(|n| format!("/watch/{}", n.file_id))
        .zip(next_title.clone());
    let download = format!("{}?download=1", watch.stream_url);
    let download_too = download.clone();
    // An MKV with H.264 video can become an MP4 without re-encoding (the movie page's
    // "Optimise for playback", for the library's owner and managers).
    let convertible =
        watch.content_type == "video/x-matroska" && watch.video_codec.as_deref() == Some("h264");
    let movie_page = format!("/movie/{}?library={}", watch.imdb_id, watch.library_id);
    view! {
        <Title text=title.clone() />
        <section class="player" aria-label=format!("Playing {title}")>
            // The page's heading, for screen readers: the back link already shows the title.
            <h1 class="visually-hidden">{title.clone()}</h1>
            <p class="player-back"><a href=movie_page>{format!("← {title}")}</a></p>
            <div class="player-frame">
                <video
                    node_ref=video
                    controls
                    playsinline
                    preload="metadata"
                    autoplay=autoplay && !probed
                    src=watch.stream_url.clone()
                    aria-label=title.clone()
                    on:timeupdate=on_time
                    on:pause=on_pause
                    on:ended=on_ended
                    on:error=move |_| source.on_error()
                    on:loadedmetadata=move |_| source.on_loaded_metadata()
                >
                    {watch.subtitles.iter().enumerate().map(|(i, s)| view! {
                        <track
                            id=subtitles::element_id(&subtitles::file_key(i))
                            kind="subtitles"
                            src=s.url.clone()
                            srclang=s.lang.clone()
                            label=s.label.clone()
                            default=s.default
                        />
                    }).collect_view()}
                    {move || source.embedded.get().into_iter().filter_map(|s| {
                        let url = s.url?;
                        Some(view! {
                            <track
                                id=subtitles::element_id(&subtitles::stream_key(s.index))
                                kind="subtitles"
                                src=url
                                srclang=s.lang
                                label=s.label
                            />
                        })
                    }).collect_view()}
                </video>
                {move || match source.status.get() {
                    Status::Preparing => Some(view! {
                        <div class="player-overlay" role="status">
                            <span class="spinner" aria-hidden="true"></span>
                            <p>"Preparing… The server is still analysing this file."</p>
                        </div>
                    }.into_any()),
                    Status::Busy(message) => Some(view! {
                        <div class="player-overlay" role="alert">
                            <p>{message}</p>
                            <button class="button-primary" on:click=move |_| source.retry()>"Try again"</button>
                        </div>
                    }.into_any()),
                    _ => None,
                }}
                {move || asking.get().then(|| view! {
                    <div class="resume" role="dialog" aria-label="Resume playback">
                        <button class="button-primary" on:click=move |_| start_at(resume_at)>
                            {format!("Resume from {}", format::clock(resume_at))}
                        </button>
                        <button class="button-quiet" on:click=move |_| start_at(0.0)>"Start over"</button>
                    </div>
                })}
            </div>
            <PlayerBar source video files=watch.subtitles.clone() choice=subtitle live />
            {move || match source.status.get() {
                Status::Failed(why) => Some(view! {
                    <p class="notice error" role="alert">
                        {why}
                        " "
                        <a href=download_too.clone()>"Download it"</a>
                        " to play it in another player, such as VLC."
                    </p>
                }),
                _ => None,
            }}
            {move || source.unplayable.get().then(|| view! {
                <p class="notice" role="alert">
                    "This browser cannot play this file (its format or codec is not supported here). "
                    {move || source.refusal.get().map(|why| format!("{why} "))}
                    <a href=download.clone()>"Download it"</a>
                    " to play it in another player, such as VLC."
                    {convertible.then_some(" Its library's owner or a manager can also make a version that plays here: \"Optimise for playback\" on the movie page.")}
                </p>
            })}
            {move || countdown.get().zip(next_title.clone()).map(|(left, title)| {
                let url = next_url.clone().unwrap_or_default();
                let navigate = navigate.clone();
                view! {
                    <div class="up-next" role="status" aria-live="polite">
                        <p>{format!("Up next: {title} in {left} s")}</p>
                        <button class="button-primary" on:click=move |_| {
                            stop_countdown();
                            navigate(&url, Default::default());
                        }>"Play now"</button>
                        " "
                        <button class="button-quiet" on:click=move |_| stop_countdown()>"Cancel"</button>
                    </div>
                }
            })}
            {next_link.map(|(href, title)| view! {
                <p class="next-part"><a href=href>{format!("Next in the collection: {title} →")}</a></p>
            })}
            <p class="hint">"Keys: space play/pause · ← → 10 s · f full screen · m mute"</p>
        </section>
    }
}
