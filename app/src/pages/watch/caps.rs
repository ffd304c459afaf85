//! What this browser plays, asked the way the server wants it reported (docs/playback.md):
//! each of the file's exact codec strings through Media Source Extensions (or `canPlayType`
//! where HLS is native only), and the file as it is through `canPlayType`.

use domain::api::PlaybackProbe;
use domain::playback::{ClientCaps, HlsSupport};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlMediaElement;

const HLS_TYPE: &str = "application/vnd.apple.mpegurl";

/// The report for the server, and whether the `<video>` element plays HLS itself (the way
/// out when hls.js cannot be loaded).
#[derive(Clone, Debug)]
pub struct Caps {
    pub report: ClientCaps,
    pub native_hls: bool,
}

/// Whether a codec string names video (tested as `video/mp4`) rather than audio.
pub fn is_video(codec: &str) -> bool {
    const VIDEO: [&str; 10] = [
        "avc1", "avc3", "hvc1", "hev1", "dvh1", "dvhe", "av01", "vp09", "vp8", "mp4v",
    ];
    let codec = codec.to_ascii_lowercase();
    VIDEO.iter().any(|p| codec.starts_with(p)) || codec == "theora"
}

fn mp4_type(codec: &str) -> String {
    let kind = if is_video(codec) { "video" } else { "audio" };
    format!("{kind}/mp4; codecs=\"{codec}\"")
}

fn global(name: &str) -> Option<JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str(name))
        .ok()
        .filter(JsValue::is_function)
}

fn is_type_supported(media_source: &JsValue, mime: &str) -> bool {
    js_sys::Reflect::get(media_source, &JsValue::from_str("isTypeSupported"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(media_source, &JsValue::from_str(mime)).ok())
        .and_then(|answer| answer.as_bool())
        .unwrap_or(false)
}

/// Tests the probe's strings in this browser.
pub fn detect(video: &HtmlMediaElement, probe: &PlaybackProbe) -> Caps {
    let native_hls = !video.can_play_type(HLS_TYPE).is_empty();
    let classic = global("MediaSource");
    let managed = global("ManagedMediaSource");
    // hls.js wherever Media Source Extensions exist (every desktop browser, Safari included,
    // and Android); the element's own HLS on iPhones, which only have the managed kind and
    // play HLS better themselves (AirPlay, the system's full screen).
    let hls = if classic.is_some() {
        HlsSupport::Mse
    } else if native_hls {
        HlsSupport::Native
    } else if managed.is_some() {
        HlsSupport::Mse
    } else {
        HlsSupport::None
    };
    // hls.js takes the managed MediaSource when there is one; ask the one it will use.
    let media_source = managed.or(classic).filter(|_| hls == HlsSupport::Mse);
    let supported = probe
        .codecs
        .iter()
        .filter(|codec| {
            let mime = mp4_type(codec);
            match &media_source {
                Some(ms) => is_type_supported(ms, &mime),
                None => !video.can_play_type(&mime).is_empty(),
            }
        })
        .map(|codec| codec.to_ascii_lowercase())
        .collect();
    let direct = probe
        .direct_type
        .as_deref()
        .is_some_and(|t| matches!(video.can_play_type(t).as_str(), "probably" | "maybe"));
    Caps {
        report: ClientCaps {
            supported,
            direct,
            hls,
        },
        native_hls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_and_audio_strings_are_told_apart() {
        for video in [
            "avc1.640028",
            "hvc1.2.4.L150.90",
            "hev1.1.6.L120.90",
            "av01.0.08M.10",
            "vp09.00.10.08",
            "mp4v.20.9",
            "vp8",
        ] {
            assert!(is_video(video), "{video}");
            assert!(mp4_type(video).starts_with("video/mp4; codecs=\""));
        }
        for audio in [
            "mp4a.40.2",
            "ac-3",
            "ec-3",
            "opus",
            "flac",
            "dtsc",
            "mlpa",
            "mp3",
        ] {
            assert!(!is_video(audio), "{audio}");
        }
        assert_eq!(mp4_type("ac-3"), "audio/mp4; codecs=\"ac-3\"");
    }
}
