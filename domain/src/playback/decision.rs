//! How a file is played in one browser, with named reasons:
//!
//! - **direct**: the file as it is (the browser plays its container and codecs);
//! - **remux**: the streams copied into fragmented MP4 over HLS (MKV H.264+AAC for Safari, or
//!   HEVC tagged `hev1` that Safari only takes as `hvc1`);
//! - **audio**: the video copied, the audio converted to AAC stereo, or another audio track
//!   than the one browsers play;
//! - **transcode**: the video converted to H.264 (at most 1080p, 720p on a slow server when
//!   the source is larger), the audio copied when the browser takes it, else AAC.
//!
//! Only codec strings the browser itself said yes to count ([`ClientCaps`]), so a new browser
//! needs no table here.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::caps::{ClientCaps, HlsSupport};
use crate::media::codecs::{self, Container, TRANSCODE_AUDIO, TRANSCODE_VIDEO};
use crate::media::probe::{AudioStream, MediaProbe, VideoStream};

/// What the viewer picked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// The audio track (absolute stream index); None for the file's default.
    pub audio: Option<usize>,
}

/// What the server can afford.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerCaps {
    /// A small machine: transcodes of sources larger than 720p are made at 720p.
    pub slow: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Direct,
    Remux,
    Audio,
    Transcode,
}

/// Why a file is not played as it is. `NoVideo` and `NoAudio` only inform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The codecs would play, but not in this container (MKV in Safari).
    ContainerNotPlayable {
        container: String,
    },
    /// Copied video is cut at keyframes, which is only done for MP4, MKV and MPEG-TS files.
    ContainerNotSegmentable {
        container: String,
    },
    VideoCodecNotSupported {
        codec: String,
    },
    AudioCodecNotSupported {
        codec: String,
    },
    /// The audio track to play is not the first one, which is the one browsers play.
    AudioTrackChosen {
        index: usize,
    },
    /// The browser takes this HEVC only tagged `hvc1` (Safari).
    Hev1NeedsHvc1Tag,
    /// The keyframe index is missing or too dense to cut copied video at.
    KeyframesUnusable,
    NoVideo,
    NoAudio,
    /// The browser plays no HLS, and the file not as it is.
    HlsNotSupported,
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ContainerNotPlayable { .. } => "container_not_playable",
            Self::ContainerNotSegmentable { .. } => "container_not_segmentable",
            Self::VideoCodecNotSupported { .. } => "video_codec_not_supported",
            Self::AudioCodecNotSupported { .. } => "audio_codec_not_supported",
            Self::AudioTrackChosen { .. } => "audio_track_chosen",
            Self::Hev1NeedsHvc1Tag => "hev1_needs_hvc1_tag",
            Self::KeyframesUnusable => "keyframes_unusable",
            Self::NoVideo => "no_video",
            Self::NoAudio => "no_audio",
            Self::HlsNotSupported => "hls_not_supported",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ContainerNotPlayable { container } => {
                write!(f, "This browser does not play {container} files.")
            }
            Self::ContainerNotSegmentable { container } => write!(
                f,
                "Video in {container} files is converted rather than cut into pieces."
            ),
            Self::VideoCodecNotSupported { codec } => write!(
                f,
                "This browser does not play {} video.",
                codecs::video_name(codec)
            ),
            Self::AudioCodecNotSupported { codec } => write!(
                f,
                "This browser does not play {} audio.",
                codecs::audio_name(codec, None)
            ),
            Self::AudioTrackChosen { index } => {
                write!(f, "Audio track {index} is not the one browsers play first.")
            }
            Self::Hev1NeedsHvc1Tag => {
                f.write_str("This browser plays this HEVC video only when it is tagged hvc1.")
            }
            Self::KeyframesUnusable => {
                f.write_str("The video's keyframes do not allow copying it in pieces.")
            }
            Self::NoVideo => f.write_str("The file has no video."),
            Self::NoAudio => f.write_str("The file has no audio."),
            Self::HlsNotSupported => f.write_str("This browser does not play HLS streams."),
        }
    }
}

/// The only codec the transcoder writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoCodec {
    H264,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum VideoPlan {
    Copy {
        stream: usize,
        /// Write the HEVC sample entry as `hvc1` (Safari plays no `hev1`; others take both).
        retag_hvc1: bool,
    },
    Encode {
        stream: usize,
        codec: VideoCodec,
        /// The largest frame that fits the cap and keeps the source's shape (even numbers).
        width: u32,
        height: u32,
        /// HDR source: tone-mapped to SDR, as H.264 here is 8-bit BT.709.
        tonemap: bool,
        deinterlace: bool,
    },
}

impl VideoPlan {
    pub fn stream(&self) -> usize {
        match self {
            Self::Copy { stream, .. } | Self::Encode { stream, .. } => *stream,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioAction {
    Copy,
    EncodeAacStereo,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioPlan {
    /// Absolute stream index.
    pub stream: usize,
    /// The source codec, as ffprobe names it.
    pub codec: String,
    pub action: AudioAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub mode: Mode,
    pub reasons: Vec<Reason>,
    pub video: Option<VideoPlan>,
    pub audio: Option<AudioPlan>,
    /// The codec strings of what the browser receives, for a playlist's CODECS.
    pub codecs: Vec<String>,
    /// What the player shows: "Direct play", "Converting audio (AC-3 → AAC)", ….
    pub note: String,
}

/// Why nothing can be played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionError {
    /// The browser plays no HLS and not the file as it is.
    Unplayable { reasons: Vec<Reason> },
    /// The chosen audio track is not an audio stream of the file.
    UnknownAudioTrack { index: usize },
    /// The file has neither video nor audio.
    NothingToPlay,
}

impl DecisionError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unplayable { .. } => "unplayable",
            Self::UnknownAudioTrack { .. } => "unknown_audio_track",
            Self::NothingToPlay => "nothing_to_play",
        }
    }
}

impl fmt::Display for DecisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unplayable { reasons } => {
                f.write_str("This browser cannot play this file.")?;
                for r in reasons
                    .iter()
                    .filter(|r| !matches!(r, Reason::NoVideo | Reason::NoAudio))
                {
                    write!(f, " {r}")?;
                }
                Ok(())
            }
            Self::UnknownAudioTrack { index } => write!(f, "The file has no audio track {index}."),
            Self::NothingToPlay => f.write_str("The file has neither video nor audio."),
        }
    }
}

impl std::error::Error for DecisionError {}

/// Largest frames the transcoder writes.
const FULL_HD: (u32, u32) = (1920, 1080);
const HD: (u32, u32) = (1280, 720);

/// Decides how `probe` plays in the browser that reported `caps`.
pub fn decide(
    probe: &MediaProbe,
    caps: &ClientCaps,
    choice: &Choice,
    server: &ServerCaps,
) -> Result<Decision, DecisionError> {
    let audio = match choice.audio {
        Some(index) => Some(
            probe
                .audio_stream(index)
                .ok_or(DecisionError::UnknownAudioTrack { index })?,
        ),
        None => probe.default_audio(),
    };
    let video = probe.video.as_ref();
    if video.is_none() && audio.is_none() {
        return Err(DecisionError::NothingToPlay);
    }
    let mut reasons = Vec::new();
    if video.is_none() {
        reasons.push(Reason::NoVideo);
    }
    if audio.is_none() {
        reasons.push(Reason::NoAudio);
    }

    let video_fit = video.map(|v| fit_video(v, caps, &mut reasons));
    let audio_fit = audio.map(|a| fit_audio(a, caps));
    let audio_ok = audio_fit.as_ref().is_none_or(|f| f.playable);
    let audio_first = audio.is_none_or(|a| probe.audio.first().map(|f| f.index) == Some(a.index));
    if let Some(a) = audio {
        if !audio_ok {
            reasons.push(Reason::AudioCodecNotSupported {
                codec: a.codec.clone(),
            });
        }
        if !audio_first {
            reasons.push(Reason::AudioTrackChosen { index: a.index });
        }
    }

    let container = Container::of(&probe.container);
    let mut video_plan = match (video, &video_fit) {
        (Some(v), Some(VideoFit::Unsupported)) => Some(encode_plan(v, server)),
        (Some(v), Some(fit)) => Some(VideoPlan::Copy {
            stream: v.index,
            retag_hvc1: v.codec == "hevc" && v.codec_tag.as_deref() != Some("hvc1"),
        })
        .filter(|_| matches!(fit, VideoFit::Exact | VideoFit::Retag)),
        _ => None,
    };
    let exact_video = video_fit.as_ref().is_none_or(|f| *f == VideoFit::Exact);
    let direct = caps.direct && exact_video && audio_ok && audio_first;

    let mode = if direct {
        // As it is: the plans describe the file's own streams.
        if let Some(VideoPlan::Copy { retag_hvc1, .. }) = &mut video_plan {
            *retag_hvc1 = false;
        }
        Mode::Direct
    } else if matches!(video_plan, Some(VideoPlan::Encode { .. })) {
        Mode::Transcode
    } else if video.is_some() && !segmentable(container) {
        reasons.push(Reason::ContainerNotSegmentable {
            container: container.label(&probe.container),
        });
        video_plan = video.map(|v| encode_plan(v, server));
        Mode::Transcode
    } else if !audio_ok || !audio_first {
        Mode::Audio
    } else {
        // Only when the codecs are what kept the file from playing as it is.
        if !caps.direct && exact_video {
            reasons.push(Reason::ContainerNotPlayable {
                container: container.label(&probe.container),
            });
        }
        Mode::Remux
    };

    if mode != Mode::Direct && caps.hls == HlsSupport::None {
        reasons.push(Reason::HlsNotSupported);
        return Err(DecisionError::Unplayable { reasons });
    }

    // Transcode restarts in searched files trim decoded audio; copied audio cannot be.
    let copy_audio = |fit: &AudioFit| {
        mode == Mode::Direct || (fit.playable && !(mode == Mode::Transcode && searched(container)))
    };
    let audio_plan = audio.zip(audio_fit).map(|(a, fit)| AudioPlan {
        stream: a.index,
        codec: a.codec.clone(),
        action: if copy_audio(&fit) {
            AudioAction::Copy
        } else {
            AudioAction::EncodeAacStereo
        },
    });
    let mut decision = Decision {
        mode,
        reasons,
        video: video_plan,
        audio: audio_plan,
        codecs: Vec::new(),
        note: String::new(),
    };
    decision.codecs = output_codecs(&decision, probe, caps);
    decision.note = note(&decision, probe);
    Ok(decision)
}

impl Decision {
    /// The same playback with the video converted: for copied video whose keyframe index turns
    /// out to be unusable ([`super::segments::PlanError`]). The audio plan is kept.
    pub fn transcode_instead(
        &self,
        probe: &MediaProbe,
        server: &ServerCaps,
        reason: Reason,
    ) -> Decision {
        let Some(v) = probe.video.as_ref() else {
            return self.clone();
        };
        let mut d = self.clone();
        d.mode = Mode::Transcode;
        d.reasons.push(reason);
        d.video = Some(encode_plan(v, server));
        if let Some(first) = d.codecs.first_mut() {
            *first = TRANSCODE_VIDEO.to_owned();
        }
        if searched(Container::of(&probe.container))
            && let Some(audio) = &mut d.audio
        {
            audio.action = AudioAction::EncodeAacStereo;
            if let Some(last) = d.codecs.last_mut() {
                *last = TRANSCODE_AUDIO.to_owned();
            }
        }
        d.note = note(&d, probe);
        d
    }

    /// Whether the video is copied, so segments follow the keyframe index.
    pub fn copies_video(&self) -> bool {
        matches!(self.video, Some(VideoPlan::Copy { .. }))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum VideoFit {
    /// The browser takes the video as it is.
    Exact,
    /// The browser takes it once tagged `hvc1`.
    Retag,
    Unsupported,
}

fn fit_video(v: &VideoStream, caps: &ClientCaps, reasons: &mut Vec<Reason>) -> VideoFit {
    let copyable = codecs::video_copyable(&v.codec);
    match codecs::video_string(v) {
        Some(s) if copyable && caps.supports(&s) => VideoFit::Exact,
        Some(s) if copyable && codecs::hvc1_form(&s).is_some_and(|h| caps.supports(&h)) => {
            reasons.push(Reason::Hev1NeedsHvc1Tag);
            VideoFit::Retag
        }
        _ => {
            reasons.push(Reason::VideoCodecNotSupported {
                codec: v.codec.clone(),
            });
            VideoFit::Unsupported
        }
    }
}

struct AudioFit {
    /// The browser takes it and ffmpeg can copy it into fragmented MP4.
    playable: bool,
}

fn fit_audio(a: &AudioStream, caps: &ClientCaps) -> AudioFit {
    AudioFit {
        playable: codecs::audio_copyable(&a.codec)
            && codecs::audio_strings(a).iter().any(|s| caps.supports(s)),
    }
}

/// Copied video is cut at keyframes by restarting ffmpeg there; that was checked for these.
fn segmentable(container: Container) -> bool {
    matches!(
        container,
        Container::Mp4 | Container::Matroska | Container::MpegTs
    )
}

/// Files ffmpeg seeks in by searching timestamps: a transcode restart there seeks early and
/// trims what it decodes, which copied audio cannot be ([`super::segments::SegmentPlan::trim`]).
fn searched(container: Container) -> bool {
    matches!(container, Container::MpegTs | Container::MpegPs)
}

fn encode_plan(v: &VideoStream, server: &ServerCaps) -> VideoPlan {
    let (width, height) = encode_size(v.width, v.height, server);
    VideoPlan::Encode {
        stream: v.index,
        codec: VideoCodec::H264,
        width,
        height,
        tonemap: v.hdr.is_some(),
        deinterlace: v.interlaced,
    }
}

/// The source's frame scaled down (never up) to fit 1920×1080, or 1280×720 when the server is
/// slow and the source is larger; even sizes, as H.264 in 4:2:0 needs.
fn encode_size(width: Option<u32>, height: Option<u32>, server: &ServerCaps) -> (u32, u32) {
    let (Some(w), Some(h)) = (width, height) else {
        // Unknown: a box the scaler fits the picture into, keeping its shape.
        return if server.slow { HD } else { FULL_HD };
    };
    let larger_than_hd = w > HD.0 || h > HD.1;
    let (bw, bh) = if server.slow && larger_than_hd {
        HD
    } else {
        FULL_HD
    };
    let scale = (f64::from(bw) / f64::from(w))
        .min(f64::from(bh) / f64::from(h))
        .min(1.0);
    let even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
    (even(f64::from(w) * scale), even(f64::from(h) * scale))
}

fn output_codecs(d: &Decision, probe: &MediaProbe, caps: &ClientCaps) -> Vec<String> {
    let mut out = Vec::new();
    match (&d.video, probe.video.as_ref()) {
        (Some(VideoPlan::Copy { retag_hvc1, .. }), Some(v)) => {
            if let Some(s) = codecs::video_string(v) {
                let hvc1 = codecs::hvc1_form(&s).filter(|_| *retag_hvc1);
                out.push(hvc1.unwrap_or(s));
            }
        }
        (Some(VideoPlan::Encode { .. }), _) => out.push(TRANSCODE_VIDEO.to_owned()),
        _ => {}
    }
    if let Some(plan) = &d.audio {
        match plan.action {
            AudioAction::EncodeAacStereo => out.push(TRANSCODE_AUDIO.to_owned()),
            AudioAction::Copy => {
                if let Some(a) = probe.audio_stream(plan.stream) {
                    let strings = codecs::audio_strings(a);
                    let accepted = strings.iter().find(|s| caps.supports(s));
                    if let Some(s) = accepted.or(strings.first()) {
                        out.push(s.clone());
                    }
                }
            }
        }
    }
    out
}

fn note(d: &Decision, probe: &MediaProbe) -> String {
    let container = Container::of(&probe.container);
    let audio = d.audio.as_ref().and_then(|p| probe.audio_stream(p.stream));
    match d.mode {
        Mode::Direct => "Direct play".into(),
        Mode::Remux
            if d.reasons.contains(&Reason::Hev1NeedsHvc1Tag) && container == Container::Mp4 =>
        {
            "Repackaging HEVC for this browser (hev1 → hvc1)".into()
        }
        Mode::Remux if container == Container::Mp4 => "Repackaging the MP4 for streaming".into(),
        Mode::Remux => format!(
            "Changing the container ({} → MP4)",
            container.label(&probe.container)
        ),
        Mode::Audio => match (&d.audio, audio) {
            (Some(p), Some(a)) if p.action == AudioAction::EncodeAacStereo => format!(
                "Converting audio ({} → AAC)",
                codecs::audio_name(&a.codec, a.profile.as_deref())
            ),
            (_, Some(a)) => format!("Playing the chosen audio track: {}", a.summary()),
            _ => "Converting audio".into(),
        },
        Mode::Transcode => {
            let from = probe.video.as_ref().map_or("video".to_owned(), |v| {
                match v.bit_depth.filter(|d| *d > 8) {
                    Some(depth) => format!("{} {depth}-bit", codecs::video_name(&v.codec)),
                    None => codecs::video_name(&v.codec).to_owned(),
                }
            });
            match d.video {
                Some(VideoPlan::Encode { height, .. }) => {
                    format!("Transcoding ({from} → H.264 {height}p)")
                }
                _ => format!("Transcoding ({from} → H.264)"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::codecs::{direct_type, strings_to_test};
    use crate::media::probe::parse_probe;
    use crate::media::samples::*;

    fn probe(json: &str) -> MediaProbe {
        parse_probe(json.as_bytes()).unwrap()
    }

    /// A browser as modelled after what it answers to `isTypeSupported` / `canPlayType`.
    struct Browser {
        /// Codec strings it takes in fragmented MP4: whole strings, or prefixes ending in `*`.
        takes: &'static [&'static str],
        /// Containers it plays as they are.
        direct_containers: &'static [Container],
        hls: HlsSupport,
    }

    impl Browser {
        fn accepts(&self, codec: &str) -> bool {
            let codec = codec.to_ascii_lowercase();
            self.takes.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => codec.starts_with(prefix),
                None => codec == *t,
            })
        }

        /// The report its player would send for this file: every tested string it took, and
        /// `canPlayType` of the file with its default audio.
        fn caps(&self, p: &MediaProbe) -> ClientCaps {
            let direct_codecs_ok = direct_type(p, p.default_audio()).is_some()
                && p.video
                    .as_ref()
                    .is_none_or(|v| codecs::video_string(v).is_some_and(|s| self.accepts(&s)))
                && p.default_audio()
                    .is_none_or(|a| codecs::audio_strings(a).iter().any(|s| self.accepts(s)));
            let container = Container::of(&p.container);
            // A container other than these (MP3, FLAC) plays when its one codec does.
            let container_ok = self.direct_containers.contains(&container)
                || (container == Container::Other && p.video.is_none());
            ClientCaps {
                supported: strings_to_test(p)
                    .into_iter()
                    .filter(|s| self.accepts(s))
                    .map(|s| s.to_ascii_lowercase())
                    .collect(),
                direct: container_ok && direct_codecs_ok,
                hls: self.hls,
            }
        }
    }

    /// Chrome: H.264 (8-bit profiles), AAC, MP3, Opus, FLAC, VP9, AV1; no HEVC, AC-3, E-AC-3,
    /// DTS; hls.js over MSE; plays MP4, WebM and MKV files with those codecs as they are.
    const CHROME: Browser = Browser {
        takes: &[
            "avc1.42*",
            "avc1.4d*",
            "avc1.64*",
            "mp4a.40.*",
            "opus",
            "flac",
            "vp09.*",
            "av01.*",
            "vp8",
        ],
        direct_containers: &[Container::Mp4, Container::Matroska],
        hls: HlsSupport::Mse,
    };
    /// Safari: H.264, HEVC only as hvc1, AAC, MP3, AC-3, E-AC-3, FLAC, Opus; no AV1 (no
    /// hardware decoder); native HLS; plays only MP4/MOV files as they are.
    const SAFARI: Browser = Browser {
        takes: &[
            "avc1.42*",
            "avc1.4d*",
            "avc1.64*",
            "hvc1.*",
            "mp4a.40.*",
            "ac-3",
            "ec-3",
            "flac",
            "opus",
        ],
        direct_containers: &[Container::Mp4],
        hls: HlsSupport::Native,
    };
    /// Firefox: H.264, AAC, MP3, Opus, FLAC, VP9, AV1; no HEVC; MSE; plays MP4 and WebM.
    const FIREFOX: Browser = Browser {
        takes: &[
            "avc1.42*",
            "avc1.4d*",
            "avc1.64*",
            "mp4a.40.*",
            "opus",
            "flac",
            "vp09.*",
            "av01.*",
            "vp8",
        ],
        direct_containers: &[Container::Mp4],
        hls: HlsSupport::Mse,
    };

    struct Case {
        name: &'static str,
        browser: &'static Browser,
        probe: MediaProbe,
        choice: Choice,
        slow: bool,
        mode: Mode,
        reasons: &'static [&'static str],
        video: Option<VideoPlan>,
        audio: Option<(usize, AudioAction)>,
        codecs: &'static [&'static str],
        note: &'static str,
    }

    fn case(name: &'static str, browser: &'static Browser, json: &str) -> Case {
        Case {
            name,
            browser,
            probe: probe(json),
            choice: Choice::default(),
            slow: false,
            mode: Mode::Direct,
            reasons: &[],
            video: None,
            audio: None,
            codecs: &[],
            note: "",
        }
    }

    fn copy(stream: usize, retag_hvc1: bool) -> Option<VideoPlan> {
        Some(VideoPlan::Copy { stream, retag_hvc1 })
    }

    fn encode(width: u32, height: u32) -> Option<VideoPlan> {
        Some(VideoPlan::Encode {
            stream: 0,
            codec: VideoCodec::H264,
            width,
            height,
            tonemap: false,
            deinterlace: false,
        })
    }

    /// The table, modelled on Jellyfin's StreamBuilder tests, with real ffprobe output.
    fn table() -> Vec<Case> {
        use AudioAction::*;
        vec![
            Case {
                mode: Mode::Audio,
                reasons: &["audio_codec_not_supported"],
                video: copy(0, false),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.64001e", "mp4a.40.2"],
                note: "Converting audio (AC-3 → AAC)",
                ..case("Chrome + MKV H.264/AC-3", &CHROME, MKV_H264_AC3_AAC_SUBS)
            },
            Case {
                mode: Mode::Remux,
                reasons: &["hev1_needs_hvc1_tag"],
                video: copy(0, true),
                audio: Some((1, Copy)),
                codecs: &["hvc1.2.4.L63.90", "mp4a.40.2"],
                note: "Repackaging HEVC for this browser (hev1 → hvc1)",
                ..case("Safari + MP4 HEVC tagged hev1", &SAFARI, MP4_HEVC_HEV1_AAC)
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported", "audio_codec_not_supported"],
                video: Some(VideoPlan::Encode {
                    stream: 0,
                    codec: VideoCodec::H264,
                    width: 640,
                    height: 360,
                    tonemap: true,
                    deinterlace: false,
                }),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.640029", "mp4a.40.2"],
                note: "Transcoding (HEVC 10-bit → H.264 360p)",
                ..case(
                    "Firefox + HEVC HDR10 with E-AC-3",
                    &FIREFOX,
                    MP4_HEVC_HDR_EAC3,
                )
            },
            Case {
                mode: Mode::Direct,
                video: copy(0, false),
                audio: Some((1, Copy)),
                codecs: &["avc1.4d401e", "mp4a.40.2"],
                note: "Direct play",
                ..case(
                    "Chrome + MP4 H.264/AAC (with cover art)",
                    &CHROME,
                    MP4_H264_AAC_COVER,
                )
            },
            Case {
                choice: Choice { audio: Some(2) },
                mode: Mode::Audio,
                reasons: &["audio_track_chosen"],
                video: copy(0, false),
                audio: Some((2, Copy)),
                codecs: &["avc1.64001e", "mp4a.40.2"],
                note: "Playing the chosen audio track: AAC 2.0 (fra)",
                ..case(
                    "Chrome + MKV, second audio track chosen",
                    &CHROME,
                    MKV_H264_AC3_AAC_SUBS,
                )
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported"],
                video: encode(640, 360),
                audio: Some((1, Copy)),
                codecs: &["avc1.640029", "mp4a.40.34"],
                note: "Transcoding (MPEG-4 Part 2 → H.264 360p)",
                ..case("Chrome + XviD AVI", &CHROME, AVI_XVID_MP3)
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported"],
                video: encode(640, 360),
                audio: Some((1, Copy)),
                codecs: &["avc1.640029", "opus"],
                note: "Transcoding (AV1 → H.264 360p)",
                ..case("Safari (no AV1) + AV1/Opus", &SAFARI, MKV_AV1_OPUS)
            },
            // Beyond the list.
            Case {
                mode: Mode::Remux,
                reasons: &["container_not_playable"],
                video: copy(0, false),
                audio: Some((1, Copy)),
                codecs: &["avc1.64001e", "ac-3"],
                note: "Changing the container (MKV → MP4)",
                ..case("Safari + MKV H.264/AC-3", &SAFARI, MKV_H264_AC3_AAC_SUBS)
            },
            Case {
                mode: Mode::Direct,
                video: copy(0, false),
                audio: Some((1, Copy)),
                codecs: &["av01.0.01M.08", "opus"],
                note: "Direct play",
                ..case("Chrome + AV1/Opus", &CHROME, MKV_AV1_OPUS)
            },
            Case {
                mode: Mode::Direct,
                video: copy(0, false),
                audio: Some((1, Copy)),
                codecs: &["hvc1.2.4.L63.90", "ec-3"],
                note: "Direct play",
                ..case(
                    "Safari + MP4 HEVC hvc1 HDR10/E-AC-3",
                    &SAFARI,
                    MP4_HEVC_HDR_EAC3,
                )
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported"],
                video: encode(640, 360),
                audio: Some((1, Copy)),
                codecs: &["avc1.640029", "flac"],
                note: "Transcoding (H.264 10-bit → H.264 360p)",
                ..case("Firefox + 10-bit H.264", &FIREFOX, MKV_H264_10BIT_FLAC)
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported", "audio_codec_not_supported"],
                video: encode(640, 360),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.640029", "mp4a.40.2"],
                note: "Transcoding (HEVC → H.264 360p)",
                ..case("Chrome + MKV HEVC/DTS", &CHROME, MKV_HEVC_DTS)
            },
            Case {
                mode: Mode::Remux,
                reasons: &["container_not_playable"],
                video: copy(0, false),
                audio: Some((1, Copy)),
                codecs: &["avc1.64001e", "ac-3"],
                note: "Changing the container (MPEG-TS → MP4)",
                ..case("Safari + MPEG-TS H.264/AC-3", &SAFARI, TS_H264_AC3)
            },
            Case {
                mode: Mode::Audio,
                reasons: &["audio_codec_not_supported"],
                video: copy(0, false),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.42c01e", "mp4a.40.2"],
                note: "Converting audio (TrueHD → AAC)",
                ..case("Safari + MKV H.264/TrueHD", &SAFARI, MKV_H264_TRUEHD)
            },
            Case {
                mode: Mode::Direct,
                reasons: &["no_video"],
                audio: Some((0, Copy)),
                codecs: &["mp4a.40.34"],
                note: "Direct play",
                ..case("Firefox + MP3 audio only", &FIREFOX, MP3_AUDIO_ONLY)
            },
            Case {
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported", "audio_codec_not_supported"],
                video: Some(VideoPlan::Encode {
                    stream: 0,
                    codec: VideoCodec::H264,
                    width: 1920,
                    height: 804,
                    tonemap: true,
                    deinterlace: false,
                }),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.640029", "mp4a.40.2"],
                note: "Transcoding (HEVC 10-bit → H.264 804p)",
                ..case(
                    "Firefox + 4K scope Dolby Vision",
                    &FIREFOX,
                    MKV_HEVC_DOVI_PGS,
                )
            },
            Case {
                slow: true,
                mode: Mode::Transcode,
                reasons: &["video_codec_not_supported", "audio_codec_not_supported"],
                video: Some(VideoPlan::Encode {
                    stream: 0,
                    codec: VideoCodec::H264,
                    width: 1280,
                    height: 536,
                    tonemap: true,
                    deinterlace: false,
                }),
                audio: Some((1, EncodeAacStereo)),
                codecs: &["avc1.640029", "mp4a.40.2"],
                note: "Transcoding (HEVC 10-bit → H.264 536p)",
                ..case(
                    "Firefox + 4K scope on a slow server",
                    &FIREFOX,
                    MKV_HEVC_DOVI_PGS,
                )
            },
            Case {
                choice: Choice { audio: Some(2) },
                mode: Mode::Audio,
                reasons: &["audio_track_chosen"],
                video: copy(0, true),
                audio: Some((2, Copy)),
                codecs: &["hvc1.2.4.L153.90", "ac-3"],
                note: "Playing the chosen audio track: AC-3 5.1 (ger)",
                ..case(
                    "Safari + MKV Dolby Vision, German AC-3 chosen",
                    &SAFARI,
                    MKV_HEVC_DOVI_PGS,
                )
            },
        ]
    }

    #[test]
    fn decision_table() {
        for c in table() {
            let caps = c.browser.caps(&c.probe);
            let server = ServerCaps { slow: c.slow };
            let d = decide(&c.probe, &caps, &c.choice, &server)
                .unwrap_or_else(|e| panic!("{}: {e}", c.name));
            let codes: Vec<&str> = d.reasons.iter().map(Reason::code).collect();
            assert_eq!(d.mode, c.mode, "{}: {d:?}", c.name);
            assert_eq!(codes, c.reasons, "{}", c.name);
            assert_eq!(d.video, c.video, "{}", c.name);
            let audio = d.audio.as_ref().map(|a| (a.stream, a.action));
            assert_eq!(audio, c.audio, "{}", c.name);
            assert_eq!(d.codecs, c.codecs, "{}", c.name);
            assert_eq!(d.note, c.note, "{}", c.name);
        }
    }

    #[test]
    fn the_default_truehd_track_is_converted_for_safari() {
        // The table's last row chose track 2; with the default TrueHD (which Safari does not
        // play) the audio is converted instead, and the Dolby Vision video is still copied.
        let p = probe(MKV_HEVC_DOVI_PGS);
        let d = decide(
            &p,
            &SAFARI.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.mode, Mode::Audio);
        assert_eq!(d.note, "Converting audio (TrueHD → AAC)");
    }

    #[test]
    fn a_default_track_that_is_not_the_first_is_not_played_directly() {
        let mut p = probe(MKV_H264_AC3_AAC_SUBS);
        p.audio[0].default = false;
        p.audio[1].default = true;
        let caps = CHROME.caps(&p);
        let d = decide(
            &p,
            &ClientCaps {
                direct: true,
                ..caps
            },
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.mode, Mode::Audio);
        assert_eq!(d.reasons, [Reason::AudioTrackChosen { index: 2 }]);
        assert_eq!(d.audio.unwrap().action, AudioAction::Copy);
    }

    #[test]
    fn files_without_audio_play() {
        let mut p = probe(MP4_HEVC_HDR_EAC3);
        p.audio.clear();
        let d = decide(
            &p,
            &SAFARI.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!((d.mode, d.audio), (Mode::Direct, None));
        assert_eq!(d.reasons, [Reason::NoAudio]);
        assert_eq!(d.codecs, ["hvc1.2.4.L63.90"]);
        let d = decide(
            &p,
            &CHROME.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.mode, Mode::Transcode);
        assert_eq!(d.codecs, ["avc1.640029"]);
    }

    #[test]
    fn audio_only_files_that_need_converting() {
        let mut p = probe(MKV_HEVC_DTS);
        p.video = None;
        let d = decide(
            &p,
            &CHROME.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.mode, Mode::Audio);
        assert_eq!(d.video, None);
        assert_eq!(d.note, "Converting audio (DTS → AAC)");
        assert_eq!(d.codecs, ["mp4a.40.2"]);
    }

    #[test]
    fn avi_video_is_never_cut_by_copy() {
        // H.264 in AVI: the browser takes the codecs, but not the container, and AVI packets
        // carry no presentation times for the segmenter.
        let mut p = probe(AVI_XVID_MP3);
        let v = p.video.as_mut().unwrap();
        (v.codec, v.profile, v.level) = ("h264".into(), Some("High".into()), Some(40));
        let d = decide(
            &p,
            &CHROME.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.mode, Mode::Transcode);
        assert_eq!(d.reasons[0].code(), "container_not_segmentable");
        assert!(!d.copies_video());
    }

    #[test]
    fn converted_mpeg_ts_converts_its_audio_too() {
        // Safari takes the AC-3, but restarts in an MPEG-TS trim what they decode.
        let p = probe(TS_H264_AC3);
        let caps = ClientCaps {
            supported: ["ac-3".to_owned()].into(),
            direct: false,
            hls: HlsSupport::Native,
        };
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap();
        assert_eq!(d.mode, Mode::Transcode);
        assert_eq!(d.audio.unwrap().action, AudioAction::EncodeAacStereo);
        assert_eq!(d.reasons.len(), 1);
        // Copied into MP4 it stays AC-3; converted instead, it becomes AAC.
        let d = decide(
            &p,
            &SAFARI.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert_eq!(d.codecs, ["avc1.64001e", "ac-3"]);
        let t = d.transcode_instead(&p, &ServerCaps::default(), Reason::KeyframesUnusable);
        assert_eq!(t.codecs, ["avc1.640029", "mp4a.40.2"]);
        assert_eq!(t.audio.unwrap().action, AudioAction::EncodeAacStereo);
    }

    #[test]
    fn an_mp4_that_does_not_play_as_it_is_is_repackaged() {
        let p = probe(MP4_H264_1080P);
        let caps = ClientCaps {
            direct: false,
            ..CHROME.caps(&p)
        };
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap();
        assert_eq!(
            (d.mode, d.note.as_str()),
            (Mode::Remux, "Repackaging the MP4 for streaming")
        );
    }

    #[test]
    fn without_hls_only_direct_play_works() {
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        let caps = ClientCaps {
            hls: HlsSupport::None,
            ..CHROME.caps(&p)
        };
        let err = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap_err();
        assert_eq!(err.code(), "unplayable");
        let DecisionError::Unplayable { reasons } = &err else {
            unreachable!()
        };
        assert_eq!(
            reasons.iter().map(Reason::code).collect::<Vec<_>>(),
            ["audio_codec_not_supported", "hls_not_supported"]
        );
        assert_eq!(
            err.to_string(),
            "This browser cannot play this file. This browser does not play AC-3 audio. This browser does not play HLS streams."
        );
        let p = probe(MP4_H264_AAC_COVER);
        let caps = ClientCaps {
            hls: HlsSupport::None,
            ..CHROME.caps(&p)
        };
        assert_eq!(
            decide(&p, &caps, &Choice::default(), &ServerCaps::default())
                .unwrap()
                .mode,
            Mode::Direct
        );
    }

    #[test]
    fn unknown_tracks_and_empty_files_are_errors() {
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        let caps = CHROME.caps(&p);
        // Stream 3 is a subtitle track, not audio.
        let err = decide(
            &p,
            &caps,
            &Choice { audio: Some(3) },
            &ServerCaps::default(),
        )
        .unwrap_err();
        assert_eq!(err, DecisionError::UnknownAudioTrack { index: 3 });
        assert_eq!(err.code(), "unknown_audio_track");
        let empty = parse_probe(b"{}").unwrap();
        let err = decide(&empty, &caps, &Choice::default(), &ServerCaps::default()).unwrap_err();
        assert_eq!(err.code(), "nothing_to_play");
    }

    #[test]
    fn a_browser_that_said_nothing_gets_a_transcode() {
        let p = probe(MP4_H264_1080P);
        let caps = ClientCaps {
            hls: HlsSupport::Mse,
            ..ClientCaps::default()
        };
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap();
        assert_eq!(d.mode, Mode::Transcode);
        assert_eq!(d.video, encode(1920, 1080));
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps { slow: true }).unwrap();
        assert_eq!(d.video, encode(1280, 720));
        assert_eq!(d.note, "Transcoding (H.264 → H.264 720p)");
    }

    #[test]
    fn sizes_fit_the_cap_and_keep_the_shape() {
        let fast = ServerCaps { slow: false };
        let slow = ServerCaps { slow: true };
        let size = |w, h, s: &ServerCaps| encode_size(Some(w), Some(h), s);
        assert_eq!(size(3840, 2160, &fast), (1920, 1080));
        assert_eq!(size(3840, 2160, &slow), (1280, 720));
        assert_eq!(size(1920, 1080, &slow), (1280, 720));
        assert_eq!(size(1280, 720, &slow), (1280, 720));
        assert_eq!(size(720, 576, &slow), (720, 576));
        assert_eq!(size(640, 360, &fast), (640, 360));
        assert_eq!(size(1440, 1080, &fast), (1440, 1080));
        assert_eq!(size(3840, 1600, &fast), (1920, 800));
        assert_eq!(size(1080, 1920, &fast), (608, 1080));
        assert_eq!(size(1, 1, &fast), (2, 2));
        assert_eq!(encode_size(None, Some(1080), &slow), HD);
    }

    #[test]
    fn copied_video_can_be_switched_to_a_transcode() {
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        let d = decide(
            &p,
            &CHROME.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        assert!(d.copies_video());
        let t = d.transcode_instead(&p, &ServerCaps::default(), Reason::KeyframesUnusable);
        assert_eq!(t.mode, Mode::Transcode);
        assert!(!t.copies_video());
        assert_eq!(t.reasons.last(), Some(&Reason::KeyframesUnusable));
        assert_eq!(t.codecs, ["avc1.640029", "mp4a.40.2"]);
        assert_eq!(t.audio, d.audio);
        assert_eq!(t.note, "Transcoding (H.264 → H.264 360p)");
    }

    #[test]
    fn reasons_and_decisions_serialize_with_their_codes() {
        for r in [
            Reason::ContainerNotPlayable {
                container: "MKV".into(),
            },
            Reason::ContainerNotSegmentable {
                container: "AVI".into(),
            },
            Reason::VideoCodecNotSupported {
                codec: "hevc".into(),
            },
            Reason::AudioCodecNotSupported {
                codec: "ac3".into(),
            },
            Reason::AudioTrackChosen { index: 2 },
            Reason::Hev1NeedsHvc1Tag,
            Reason::KeyframesUnusable,
            Reason::NoVideo,
            Reason::NoAudio,
            Reason::HlsNotSupported,
        ] {
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["code"], r.code());
            assert!(r.to_string().ends_with('.'), "{r}");
            assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), r);
        }
        let p = probe(MP4_HEVC_HEV1_AAC);
        let d = decide(
            &p,
            &SAFARI.caps(&p),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["mode"], "remux");
        assert_eq!(json["video"]["action"], "copy");
        assert_eq!(json["video"]["retag_hvc1"], true);
        assert_eq!(json["reasons"][0]["code"], "hev1_needs_hvc1_tag");
    }
}
