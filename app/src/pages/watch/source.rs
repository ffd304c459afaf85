//! Where the `<video>` takes its picture from: the file as it is (`/stream/{id}`, what the
//! server renders, and all there is without JavaScript or before a file is analysed), or the
//! HLS playlist of a playback session, through hls.js or the element itself (Safari on
//! iPhones). [`Source`] tests the browser, asks the server (`GET /api/files/{id}/playback`),
//! attaches the answer, ends the sessions it leaves, and opens a new one where the video
//! stands when the server has ended one (after a long pause, for example).

use super::caps::{self, Caps};
use super::hls::{self, Fatal, HlsPlayer};
use super::net;
use domain::api::{AudioTrackInfo, EmbeddedSubtitle, PlaybackView, WatchView};
use domain::playback::HlsSupport;
use leptos::html::Video;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::rc::Rc;
use web_sys::HtmlMediaElement;

/// Sessions the server may end within [`REOPEN_WINDOW_MS`] before the player gives up.
const REOPENS: usize = 3;
const REOPEN_WINDOW_MS: f64 = 120_000.0;
/// First wait before asking again about a file still being analysed (then longer).
const PREPARING_WAIT_MS: u32 = 2_000;
const PREPARING_WAIT_MAX_MS: u32 = 10_000;

/// What the player says about its source.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Playing (or ready to): the file as rendered, or what the server chose.
    Ready,
    /// Asking the server how this browser plays the file.
    Asking,
    /// The server is still analysing the file; it is asked again every few seconds.
    Preparing,
    /// Every conversion the server allows is running (its message).
    Busy(String),
    /// Opening the playback of another audio track.
    Switching,
    /// Nothing more to try (why).
    Failed(String),
}

/// The player's source. Arena handles only, so it is `Copy` into every handler.
#[derive(Clone, Copy)]
pub struct Source {
    file_id: i32,
    video: NodeRef<Video>,
    watch: StoredValue<WatchView>,
    caps: StoredValue<Option<Caps>>,
    pub status: RwSignal<Status>,
    /// The server's answer for the playback on screen.
    pub view: RwSignal<Option<PlaybackView>>,
    /// Subtitle streams inside the file (kept apart so a new session does not rebuild the
    /// `<track>` elements, and the viewer's subtitles stay on).
    pub embedded: RwSignal<Vec<EmbeddedSubtitle>>,
    /// The browser failed to play the file as it is: the page's "cannot play" notice.
    pub unplayable: RwSignal<bool>,
    /// Why the server would not plan a playback, for that notice.
    pub refusal: RwSignal<Option<String>>,
    /// Thread-bound, so kept out of `LocalStorage`: the server renders this page too and may
    /// drop it on another thread, where a thread-local store panics. Only the browser (one
    /// thread) ever sets it; on the server it stays `None`, which drops anywhere.
    hls_js: StoredValue<Option<SendWrapper<HlsPlayer>>>,
    session: StoredValue<Option<String>>,
    /// A jump asked for before the video knew its duration.
    pending_seek: StoredValue<Option<f64>>,
    /// Bumped by every request for a playback: an answer to an older one is not used.
    generation: StoredValue<u32>,
    /// What the last request asked (audio, start, play), for "Try again".
    wanted: StoredValue<(Option<u32>, f64, bool)>,
    reopens: StoredValue<Vec<f64>>,
    direct_retried: StoredValue<bool>,
}

impl Source {
    pub fn new(watch: &WatchView, video: NodeRef<Video>) -> Source {
        Source {
            file_id: watch.file_id,
            video,
            watch: StoredValue::new(watch.clone()),
            caps: StoredValue::new(None),
            status: RwSignal::new(Status::Ready),
            view: RwSignal::new(None),
            embedded: RwSignal::new(Vec::new()),
            unplayable: RwSignal::new(false),
            refusal: RwSignal::new(None),
            hls_js: StoredValue::new(None),
            session: StoredValue::new(None),
            pending_seek: StoredValue::new(None),
            generation: StoredValue::new(0),
            wanted: StoredValue::new((None, 0.0, false)),
            reopens: StoredValue::new(Vec::new()),
            direct_retried: StoredValue::new(false),
        }
    }

    fn element(self) -> Option<HtmlMediaElement> {
        self.video.get_untracked().map(|v| (*v).clone())
    }

    /// Whether the server can be asked (the file has been analysed).
    pub fn probed(self) -> bool {
        self.watch.with_value(|w| w.playback.is_some())
    }

    /// In the browser, once the page is live: with a probe, tests the browser and asks the
    /// server; without one, keeps the rendered `/stream` source.
    pub fn start(self, start: f64, play: bool) {
        let Some(video) = self.element() else {
            return;
        };
        let Some(probe) = self.watch.with_value(|w| w.playback.clone()) else {
            // A failure before the page was live went unheard.
            if video.error().is_some() {
                self.unplayable.set(true);
            }
            return;
        };
        self.caps.set_value(Some(caps::detect(&video, &probe)));
        self.open(None, start, play);
    }

    /// The audio tracks to offer: the server's list once it answered, else the probe's.
    pub fn audio_tracks(self) -> Vec<AudioTrackInfo> {
        self.view
            .with(|v| v.as_ref().map(|v| v.audio_tracks.clone()))
            .or_else(|| {
                self.watch
                    .with_value(|w| w.playback.as_ref().map(|p| p.audio_tracks.clone()))
            })
            .unwrap_or_default()
    }

    /// The audio track playing (the file's default one until the server says).
    pub fn audio(self) -> Option<u32> {
        self.view
            .with(|v| v.as_ref().and_then(|v| v.audio))
            .or_else(|| {
                let tracks = self.audio_tracks();
                tracks
                    .iter()
                    .find(|t| t.default)
                    .or(tracks.first())
                    .map(|t| t.index)
            })
    }

    fn stale(self, generation: u32) -> bool {
        self.generation.try_get_value() != Some(generation)
    }

    /// Asks the server for a playback and attaches it; `start` is where it begins.
    fn open(self, audio: Option<u32>, start: f64, play: bool) {
        let Some(caps) = self.caps.get_value() else {
            return;
        };
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        self.wanted.set_value((audio, start, play));
        if self.status.get_untracked() != Status::Switching {
            self.status.set(Status::Asking);
        }
        let mut query = caps.report.to_query();
        if let Some(audio) = audio {
            query.push_str(&format!("&audio={audio}"));
        }
        if start >= 1.0 {
            query.push_str(&format!("&start={start:.3}"));
        }
        leptos::task::spawn_local(async move {
            let mut wait = PREPARING_WAIT_MS;
            let view = loop {
                let answer = net::playback(self.file_id, &query).await;
                if self.stale(generation) {
                    if let Ok(PlaybackView {
                        session: Some(session),
                        ..
                    }) = answer
                    {
                        net::end(&session).await;
                    }
                    return;
                }
                match answer {
                    Ok(view) => break view,
                    Err(r) if r.status == 503 && r.code == "probe_pending" => {
                        self.status.set(Status::Preparing);
                        let ms = r.retry_after.map_or(wait, |s| s.clamp(1, 30) * 1000);
                        net::sleep(ms).await;
                        wait = (wait * 3 / 2).min(PREPARING_WAIT_MAX_MS);
                        if self.stale(generation) {
                            return;
                        }
                    }
                    Err(r) if r.status == 503 && r.code == "transcode_busy" => {
                        self.status.set(Status::Busy(r.message));
                        return;
                    }
                    Err(r) => return self.fall_back(r.message),
                }
            };
            // Where to begin: where the viewer jumped meanwhile ("Start over"), if they did.
            let start = self.wanted.with_value(|w| w.1);
            self.attach(view, generation, caps, start, play).await;
        });
    }

    /// The server would not plan a playback: the rendered `/stream` source stays, as before
    /// this player existed, and the server's reason goes with the notice if that fails too.
    fn fall_back(self, why: String) {
        let Some(video) = self.element() else {
            return;
        };
        self.refusal.set(Some(why.clone()));
        let stream = self.watch.with_value(|w| w.stream_url.clone());
        let rendered = self.hls_js.with_value(Option::is_none)
            && video.get_attribute("src").as_deref() == Some(stream.as_str());
        if rendered {
            self.status.set(Status::Ready);
            if video.error().is_some() {
                self.unplayable.set(true);
            }
        } else {
            self.give_up(why);
        }
    }

    async fn attach(self, view: PlaybackView, generation: u32, caps: Caps, start: f64, play: bool) {
        let Some(video) = self.element() else {
            return;
        };
        let url = view.url.clone();
        let direct = view.mode == "direct";
        if let Some(old) = self.session.get_value()
            && view.session.as_ref() != Some(&old)
        {
            leptos::task::spawn_local(async move { net::end(&old).await });
        }
        self.session.set_value(view.session.clone());
        if self
            .embedded
            .with_untracked(|e| *e != view.embedded_subtitles)
        {
            self.embedded.set(view.embedded_subtitles.clone());
        }
        self.view.set(Some(view));
        let use_hls_js = !direct && caps.report.hls == HlsSupport::Mse;
        if direct {
            let same = self.hls_js.with_value(Option::is_none)
                && video.get_attribute("src").as_deref() == Some(url.as_str());
            if !same {
                self.set_src(&video, &url, start);
            } else if video.error().is_some() {
                // The rendered source already failed before the page was live.
                self.status.set(Status::Ready);
                return self.direct_failed(&video);
            }
        } else if use_hls_js {
            match hls::load().await {
                Ok(class) => {
                    if self.stale(generation) {
                        return;
                    }
                    self.detach(&video);
                    // hls.js begins at `start` itself.
                    self.pending_seek.set_value(None);
                    let on_fatal: Rc<dyn Fn(Fatal)> = Rc::new(move |fatal| self.fatal(fatal));
                    match HlsPlayer::start(&class, &video, &url, start, on_fatal) {
                        Ok(player) => self.hls_js.set_value(Some(SendWrapper::new(player))),
                        Err(why) => return self.give_up(why),
                    }
                }
                Err(_) if caps.native_hls => {
                    if self.stale(generation) {
                        return;
                    }
                    self.set_src(&video, &url, start);
                }
                Err(why) => {
                    if !self.stale(generation) {
                        self.give_up(why);
                    }
                    return;
                }
            }
        } else {
            self.set_src(&video, &url, start);
        }
        self.status.set(Status::Ready);
        if play {
            net::play(&video);
        }
    }

    /// Plays `url` in the element itself (the file, or HLS where the browser plays it).
    fn set_src(self, video: &HtmlMediaElement, url: &str, start: f64) {
        self.detach(video);
        video.set_src(url);
        self.pending_seek.set_value((start > 0.0).then_some(start));
    }

    /// Stops what the element plays: hls.js is destroyed, a source attribute removed.
    fn detach(self, video: &HtmlMediaElement) {
        self.hls_js.update_value(|p| *p = None);
        if video.has_attribute("src") {
            let _ = video.remove_attribute("src");
            video.load();
        }
    }

    fn give_up(self, why: String) {
        if let Some(video) = self.element() {
            self.detach(&video);
        }
        self.end_session();
        self.status.set(Status::Failed(why));
    }

    fn fatal(self, fatal: Fatal) {
        if self.generation.try_get_value().is_none() {
            return; // the player is gone
        }
        let opening = matches!(
            self.status.get_untracked(),
            Status::Asking | Status::Preparing | Status::Switching
        );
        match fatal {
            // A new playback is on its way already (the old session was ended for it).
            Fatal::Gone if opening => {}
            Fatal::Gone => self.reopen(),
            Fatal::Failed(why) => self.give_up(why),
        }
    }

    /// The server ended the session (idle too long): a new one continues where the video is.
    fn reopen(self) {
        let Some(video) = self.element() else {
            return;
        };
        let now = js_sys::Date::now();
        self.reopens.update_value(|r| {
            r.retain(|t| now - t < REOPEN_WINDOW_MS);
            r.push(now);
        });
        if self.reopens.with_value(Vec::len) > REOPENS {
            return self.give_up(
                "The server keeps ending this playback. Reload the page to try again.".into(),
            );
        }
        self.session.set_value(None);
        let audio = self.wanted.with_value(|w| w.0);
        self.open(audio, video.current_time(), !video.paused());
    }

    /// The browser said it plays the file but does not: ask once more, as a browser that
    /// cannot ("maybe" is only a guess); then it is the "cannot play" notice.
    fn direct_failed(self, video: &HtmlMediaElement) {
        let retry = self.probed() && !self.direct_retried.get_value();
        if !retry {
            self.unplayable.set(true);
            return;
        }
        self.direct_retried.set_value(true);
        self.caps
            .update_value(|c| c.iter_mut().for_each(|c| c.report.direct = false));
        let audio = self.wanted.with_value(|w| w.0);
        self.open(audio, video.current_time(), !video.paused());
    }

    /// The `<video>` element's `error` event.
    pub fn on_error(self) {
        let Some(video) = self.element() else {
            return;
        };
        if self.hls_js.with_value(Option::is_some) {
            return; // hls.js reports through its own events
        }
        match self.status.get_untracked() {
            // The rendered source may fail while the server is asked; the answer decides.
            Status::Asking | Status::Preparing | Status::Busy(_) | Status::Switching => return,
            Status::Ready | Status::Failed(_) => {}
        }
        let mode = self
            .view
            .with_untracked(|v| v.as_ref().map(|v| v.mode.clone()));
        match mode.as_deref() {
            None => self.unplayable.set(true),
            Some("direct") => self.direct_failed(&video),
            // The element's own HLS: a network error is most likely an ended session.
            Some(_) if video.error().is_some_and(|e| e.code() == 2) => self.reopen(),
            Some(_) => self.give_up("This browser could not play the converted stream.".into()),
        }
    }

    /// The `loadedmetadata` event: a jump asked for earlier can happen now.
    pub fn on_loaded_metadata(self) {
        if let (Some(at), Some(video)) = (self.pending_seek.get_value(), self.element()) {
            self.pending_seek.set_value(None);
            video.set_current_time(at);
        }
    }

    /// Jumps to `at` seconds, now or as soon as the video knows its duration. While a
    /// playback is being opened it also becomes where that one begins.
    pub fn seek(self, at: f64) {
        let Some(video) = self.element() else {
            return;
        };
        if video.ready_state() >= 1 {
            video.set_current_time(at);
            self.pending_seek.set_value(None);
        } else {
            self.pending_seek.set_value(Some(at));
        }
        if !matches!(
            self.status.get_untracked(),
            Status::Ready | Status::Failed(_)
        ) {
            self.wanted.update_value(|w| w.1 = at);
        }
    }

    /// Plays another audio track: the session ends, and a new one starts where the video is.
    pub fn switch_audio(self, index: u32) {
        let Some(video) = self.element() else {
            return;
        };
        if self.audio() == Some(index) || self.caps.with_value(Option::is_none) {
            return;
        }
        let (at, playing) = (video.current_time(), !video.paused());
        self.status.set(Status::Switching);
        let old = self.session.get_value();
        self.session.set_value(None);
        leptos::task::spawn_local(async move {
            // Ended first: the server's conversion slot must be free for the new one.
            if let Some(old) = old {
                net::end(&old).await;
            }
            if self.generation.try_get_value().is_some() {
                self.open(Some(index), at, playing);
            }
        });
    }

    /// "Try again" after the server was busy.
    pub fn retry(self) {
        let (audio, start, play) = self.wanted.get_value();
        let at = self
            .element()
            .map(|v| v.current_time())
            .filter(|t| *t > 0.0)
            .unwrap_or(start);
        self.open(audio, at, play);
    }

    fn end_session(self) {
        if let Some(session) = self.session.get_value() {
            self.session.set_value(None);
            leptos::task::spawn_local(async move { net::end(&session).await });
        }
    }

    /// The page is being unloaded (`pagehide`), which cannot wait for an answer: the session
    /// ends by beacon. Should the page come back from the browser's back/forward cache, the
    /// ended session is reopened like any other the server ended.
    pub fn end_by_beacon(self) {
        if let Some(Some(session)) = self.session.try_get_value() {
            net::end_beacon(&session);
            self.session.try_set_value(None);
        }
    }

    /// The player goes away (another page of the app): answers still on their way are
    /// dropped, the session ends, hls.js stops.
    pub fn leave(self) {
        self.generation.try_update_value(|g| *g += 1);
        self.end_by_beacon();
        self.hls_js.try_update_value(|p| *p = None);
    }
}
