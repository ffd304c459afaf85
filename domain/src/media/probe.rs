//! What ffprobe says about a movie file, read once at the end of an upload and stored as JSON:
//! the container, the video (codec, profile, level, bit depth, tag, HDR, size, frame rate),
//! every audio track and every subtitle track. The playback decision and the movie page's
//! versions table read this instead of running ffprobe again.
//!
//! The parser is lenient, since ffprobe prints numbers sometimes as JSON numbers and sometimes
//! as strings, and omits what it does not know: a missing field becomes `None`. It is also
//! bounded, so a hostile file with thousands of streams or megabyte-long titles stores little.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

use super::codecs;

/// Tracks of one kind kept at most; a real film has a few dozen at the very most.
const MAX_TRACKS: usize = 64;
/// Characters of a track title kept at most.
const MAX_TITLE_CHARS: usize = 200;

/// ffprobe's arguments for [`parse_probe`]; the file is read as a plain file only.
pub fn ffprobe_args(input: &str) -> Vec<String> {
    let mut args = [
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ]
    .map(str::to_owned)
    .to_vec();
    let (options, input) = crate::media::input(input);
    args.extend(options);
    args.push(input);
    args
}

/// Everything playback needs to know about a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaProbe {
    /// ffprobe's `format_name`: `"matroska,webm"`, `"mov,mp4,m4a,3gp,3g2,mj2"`, `"avi"`, ….
    pub container: String,
    /// When the file's timeline starts (seconds); MPEG-TS files often start at 1.4 s or later.
    pub start_time: Option<f64>,
    pub duration: Option<f64>,
    pub size: Option<u64>,
    pub bit_rate: Option<u64>,
    /// The first video stream that is not cover art.
    pub video: Option<VideoStream>,
    pub audio: Vec<AudioStream>,
    pub subtitles: Vec<SubtitleStream>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoStream {
    /// Absolute stream index in the file (`-map 0:<index>`).
    pub index: usize,
    /// ffprobe's `codec_name`: `h264`, `hevc`, `av1`, `vp9`, `mpeg4`, ….
    pub codec: String,
    /// ffprobe's profile name: `High`, `Main 10`, `Profile 0`, ….
    pub profile: Option<String>,
    /// ffprobe's level: `40` for H.264 4.0, `120` for HEVC 4.0 (level_idc), the AV1 seq_level_idx.
    pub level: Option<i32>,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<u8>,
    /// The sample entry or FourCC (`avc1`, `hvc1`, `hev1`, `xvid`); None when the container has
    /// none (Matroska prints `[0][0][0][0]`).
    pub codec_tag: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub frame_rate: Option<f64>,
    /// When the first frame is shown (seconds, the file's own timeline).
    pub start_time: Option<f64>,
    /// Whether frames are reordered (B-frames); ffmpeg seeks differently then.
    pub b_frames: bool,
    pub interlaced: bool,
    pub hdr: Option<Hdr>,
    pub dolby_vision: Option<DolbyVision>,
}

/// The transfer function of HDR video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hdr {
    /// SMPTE ST 2084 (HDR10, HDR10+, and the base layer of most Dolby Vision).
    Pq,
    /// ARIB STD-B67 (broadcast HDR).
    Hlg,
}

/// A Dolby Vision configuration record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DolbyVision {
    pub profile: u8,
    pub level: u8,
    /// What the base layer is without Dolby Vision: 0 none (profile 5), 1 HDR10, 2 SDR, 4 HLG.
    pub compatibility: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioStream {
    /// Absolute stream index in the file.
    pub index: usize,
    pub codec: String,
    pub profile: Option<String>,
    pub channels: Option<u32>,
    pub channel_layout: Option<String>,
    /// The language tag (`eng`, `fra`, `pt-BR`); `und` is None.
    pub language: Option<String>,
    pub title: Option<String>,
    pub default: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubtitleStream {
    pub index: usize,
    pub codec: String,
    pub kind: SubtitleKind,
    pub language: Option<String>,
    pub title: Option<String>,
    pub forced: bool,
    pub default: bool,
}

/// Whether a subtitle track can become WebVTT (text) or would have to be burnt into the
/// picture (images: Blu-ray PGS, DVD VobSub, DVB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleKind {
    Text,
    Image,
    /// A codec this code does not know (e.g. `eia_608`, teletext).
    Other,
}

/// Why ffprobe's output could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// Not JSON, or not the object ffprobe prints.
    Unreadable(String),
}

impl ProbeError {
    pub fn code(&self) -> &'static str {
        "probe_unreadable"
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "ffprobe's output could not be read: {why}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// Reads the output of `ffprobe -print_format json -show_format -show_streams` ([`ffprobe_args`]).
pub fn parse_probe(json: &[u8]) -> Result<MediaProbe, ProbeError> {
    let root: Value =
        serde_json::from_slice(json).map_err(|e| ProbeError::Unreadable(e.to_string()))?;
    if !root.is_object() {
        return Err(ProbeError::Unreadable("not a JSON object".into()));
    }
    let format = root.get("format").unwrap_or(&Value::Null);
    let mut probe = MediaProbe {
        container: text(format, "format_name").unwrap_or_default(),
        start_time: number(format, "start_time"),
        duration: number(format, "duration").filter(|d| *d >= 0.0),
        size: number(format, "size").and_then(whole),
        bit_rate: number(format, "bit_rate").and_then(whole),
        video: None,
        audio: Vec::new(),
        subtitles: Vec::new(),
    };
    let streams = root.get("streams").and_then(Value::as_array);
    for (position, stream) in streams.into_iter().flatten().enumerate() {
        let index = number(stream, "index")
            .and_then(whole)
            .map_or(position, |i| i as usize);
        let Some(codec) = text(stream, "codec_name") else {
            continue;
        };
        match text(stream, "codec_type").as_deref() {
            Some("video") if probe.video.is_none() && !is_picture(stream) => {
                probe.video = Some(video(stream, index, codec));
            }
            Some("audio") if probe.audio.len() < MAX_TRACKS => {
                probe.audio.push(AudioStream {
                    index,
                    codec,
                    profile: text(stream, "profile"),
                    channels: number(stream, "channels")
                        .and_then(whole)
                        .and_then(|c| u32::try_from(c).ok()),
                    channel_layout: text(stream, "channel_layout"),
                    language: language(stream),
                    title: title(stream),
                    default: flag(stream, "default"),
                });
            }
            Some("subtitle") if probe.subtitles.len() < MAX_TRACKS => {
                probe.subtitles.push(SubtitleStream {
                    index,
                    kind: subtitle_kind(&codec),
                    codec,
                    language: language(stream),
                    title: title(stream),
                    forced: flag(stream, "forced"),
                    default: flag(stream, "default"),
                });
            }
            _ => {}
        }
    }
    Ok(probe)
}

fn video(stream: &Value, index: usize, codec: String) -> VideoStream {
    let pix_fmt = text(stream, "pix_fmt");
    let bit_depth = number(stream, "bits_per_raw_sample")
        .and_then(whole)
        .and_then(|b| u8::try_from(b).ok())
        .filter(|b| (1..=16).contains(b))
        .or_else(|| pix_fmt.as_deref().and_then(depth_of_pix_fmt));
    let hdr = match text(stream, "color_transfer").as_deref() {
        Some("smpte2084") => Some(Hdr::Pq),
        Some("arib-std-b67") => Some(Hdr::Hlg),
        _ => None,
    };
    VideoStream {
        index,
        profile: text(stream, "profile"),
        level: number(stream, "level")
            .filter(|l| *l >= 0.0 && l.fract() == 0.0 && *l <= 1000.0)
            .map(|l| l as i32),
        bit_depth,
        // Matroska and AVI print `[0][0][0][0]` or a number in brackets when there is no
        // printable FourCC.
        codec_tag: text(stream, "codec_tag_string")
            .filter(|t| !t.contains('[') && !t.is_empty() && t.len() <= 8),
        width: dimension(stream, "width"),
        height: dimension(stream, "height"),
        frame_rate: rate(stream, "avg_frame_rate").or_else(|| rate(stream, "r_frame_rate")),
        start_time: number(stream, "start_time"),
        b_frames: number(stream, "has_b_frames").is_some_and(|b| b > 0.0),
        interlaced: matches!(
            text(stream, "field_order").as_deref(),
            Some("tt" | "bb" | "tb" | "bt")
        ),
        hdr,
        dolby_vision: dolby_vision(stream),
        pix_fmt,
        codec,
    }
}

/// Cover art and thumbnails are stored as video streams; they are not the movie.
fn is_picture(stream: &Value) -> bool {
    flag(stream, "attached_pic") || flag(stream, "timed_thumbnails")
}

fn dolby_vision(stream: &Value) -> Option<DolbyVision> {
    let record = stream
        .get("side_data_list")?
        .as_array()?
        .iter()
        .find(|s| text(s, "side_data_type").as_deref() == Some("DOVI configuration record"))?;
    let byte = |key| {
        number(record, key)
            .and_then(whole)
            .and_then(|v| u8::try_from(v).ok())
    };
    Some(DolbyVision {
        profile: byte("dv_profile")?,
        level: byte("dv_level").unwrap_or(0),
        compatibility: byte("dv_bl_signal_compatibility_id").unwrap_or(0),
    })
}

/// Bits per sample from a pixel format name: `yuv420p10le` → 10, `p010le` → 10, `yuv420p` → 8.
fn depth_of_pix_fmt(pix_fmt: &str) -> Option<u8> {
    // Deep formats end in their depth and byte order: yuv420p10le, p010le, gray12be.
    if let Some(stem) = pix_fmt
        .strip_suffix("le")
        .or_else(|| pix_fmt.strip_suffix("be"))
    {
        let digits = stem.trim_end_matches(|c: char| c.is_ascii_digit());
        return stem[digits.len()..]
            .parse::<u8>()
            .ok()
            .filter(|d| (9..=16).contains(d));
    }
    let eight_bit = ["yuv", "yuvj", "nv12", "nv21", "gray", "rgb", "bgr", "gbrp"];
    eight_bit
        .iter()
        .any(|p| pix_fmt.starts_with(p))
        .then_some(8)
}

fn subtitle_kind(codec: &str) -> SubtitleKind {
    match codec {
        "subrip" | "srt" | "ass" | "ssa" | "mov_text" | "webvtt" | "text" | "microdvd"
        | "subviewer" | "subviewer1" | "sami" | "realtext" | "jacosub" | "mpl2" | "pjs" | "stl"
        | "vplayer" => SubtitleKind::Text,
        "hdmv_pgs_subtitle" | "dvd_subtitle" | "dvb_subtitle" | "xsub" => SubtitleKind::Image,
        _ => SubtitleKind::Other,
    }
}

/// A string field, trimmed; empty is None.
fn text(v: &Value, key: &str) -> Option<String> {
    let s = v.get(key)?.as_str()?.trim();
    (!s.is_empty() && s != "N/A" && s != "unknown").then(|| s.to_owned())
}

/// A number printed as a JSON number or as a string (`"60.021000"`).
fn number(v: &Value, key: &str) -> Option<f64> {
    let n = match v.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

fn whole(n: f64) -> Option<u64> {
    (n >= 0.0 && n.fract() == 0.0 && n < u64::MAX as f64).then_some(n as u64)
}

fn dimension(v: &Value, key: &str) -> Option<u32> {
    number(v, key)
        .and_then(whole)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// A frame rate printed as a fraction (`24000/1001`); `0/0` is unknown.
fn rate(v: &Value, key: &str) -> Option<f64> {
    let s = v.get(key)?.as_str()?;
    let (num, den) = s.split_once('/')?;
    let (num, den): (f64, f64) = (num.trim().parse().ok()?, den.trim().parse().ok()?);
    let r = num / den;
    (r.is_finite() && r > 0.0 && r < 1000.0).then_some(r)
}

/// A disposition flag (`"disposition": {"default": 1}`).
fn flag(stream: &Value, key: &str) -> bool {
    stream
        .get("disposition")
        .and_then(|d| number(d, key))
        .is_some_and(|n| n != 0.0)
}

/// A tag, looked up without regard to case (Matroska files may carry `LANGUAGE`).
fn tag(stream: &Value, key: &str) -> Option<String> {
    let tags = stream.get("tags")?.as_object()?;
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The track's language; `und` (undetermined) and anything that is not a language tag are None.
fn language(stream: &Value) -> Option<String> {
    let lang = tag(stream, "language")?;
    let plausible = lang.len() <= 16
        && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && lang.as_bytes()[0].is_ascii_alphabetic();
    (plausible && !lang.eq_ignore_ascii_case("und")).then_some(lang)
}

fn title(stream: &Value) -> Option<String> {
    let title = tag(stream, "title")?;
    let clean: String = title
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TITLE_CHARS)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

impl MediaProbe {
    /// The audio track played when the viewer chose none: the first one flagged default, else
    /// the first one.
    pub fn default_audio(&self) -> Option<&AudioStream> {
        self.audio
            .iter()
            .find(|a| a.default)
            .or_else(|| self.audio.first())
    }

    /// The audio tracks, for the player's menu.
    pub fn audio_tracks(&self) -> Vec<crate::api::AudioTrackInfo> {
        let default = self.default_audio().map(|a| a.index);
        self.audio
            .iter()
            .map(|a| crate::api::AudioTrackInfo {
                index: a.index as u32,
                label: a.summary(),
                language: a.language.clone(),
                default: Some(a.index) == default,
            })
            .collect()
    }

    /// The audio track with this absolute stream index.
    pub fn audio_stream(&self, index: usize) -> Option<&AudioStream> {
        self.audio.iter().find(|a| a.index == index)
    }

    /// One line for the movie page's versions table:
    /// `HEVC 10-bit HDR10 · E-AC-3 5.1 (eng), AAC 2.0 (fra) · 2 subtitles`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.video {
            parts.push(v.summary());
        }
        if !self.audio.is_empty() {
            let tracks: Vec<String> = self.audio.iter().map(AudioStream::summary).collect();
            parts.push(tracks.join(", "));
        }
        match self.subtitles.len() {
            0 => {}
            1 => parts.push("1 subtitle".into()),
            n => parts.push(format!("{n} subtitles")),
        }
        parts.join(" · ")
    }
}

impl VideoStream {
    /// `HEVC 10-bit HDR10`, `H.264`, `HEVC 10-bit Dolby Vision 8.1`.
    pub fn summary(&self) -> String {
        let mut s = codecs::video_name(&self.codec).to_owned();
        if let Some(depth) = self.bit_depth.filter(|d| *d > 8) {
            s.push_str(&format!(" {depth}-bit"));
        }
        match (self.dolby_vision, self.hdr) {
            (Some(dv), _) if dv.compatibility > 0 => {
                s.push_str(&format!(
                    " Dolby Vision {}.{}",
                    dv.profile, dv.compatibility
                ));
            }
            (Some(dv), _) => s.push_str(&format!(" Dolby Vision {}", dv.profile)),
            (None, Some(Hdr::Pq)) => s.push_str(" HDR10"),
            (None, Some(Hdr::Hlg)) => s.push_str(" HLG"),
            (None, None) => {}
        }
        s
    }
}

impl AudioStream {
    /// `E-AC-3 5.1 (eng)`, `AAC 2.0`.
    pub fn summary(&self) -> String {
        let mut s = codecs::audio_name(&self.codec, self.profile.as_deref());
        if let Some(layout) = self.channels.map(channel_layout) {
            s.push(' ');
            s.push_str(&layout);
        }
        if let Some(lang) = &self.language {
            s.push_str(&format!(" ({lang})"));
        }
        s
    }
}

/// `5.1` for 6 channels, as people name speaker layouts.
pub fn channel_layout(channels: u32) -> String {
    match channels {
        1 => "1.0".into(),
        2 => "2.0".into(),
        3 => "2.1".into(),
        6 => "5.1".into(),
        7 => "6.1".into(),
        8 => "7.1".into(),
        n => format!("{n}ch"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::samples::*;

    fn probe(json: &str) -> MediaProbe {
        parse_probe(json.as_bytes()).unwrap()
    }

    #[test]
    fn mkv_with_two_audio_tracks_and_text_subtitles() {
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        assert_eq!(p.container, "matroska,webm");
        assert_eq!(p.duration, Some(60.021));
        assert_eq!(p.start_time, Some(0.0));
        assert_eq!(p.size, Some(4_740_372));
        let v = p.video.as_ref().unwrap();
        assert_eq!(
            (v.index, v.codec.as_str(), v.profile.as_deref()),
            (0, "h264", Some("High"))
        );
        assert_eq!(
            (v.level, v.bit_depth, v.codec_tag.as_deref()),
            (Some(30), Some(8), None)
        );
        assert_eq!(
            (v.width, v.height, v.frame_rate),
            (Some(640), Some(360), Some(24.0))
        );
        assert_eq!(
            (v.start_time, v.b_frames, v.interlaced),
            (Some(0.021), true, false)
        );
        assert_eq!((v.hdr, v.dolby_vision), (None, None));
        assert_eq!(
            p.audio,
            vec![
                AudioStream {
                    index: 1,
                    codec: "ac3".into(),
                    profile: None,
                    channels: Some(6),
                    channel_layout: Some("5.1(side)".into()),
                    language: Some("eng".into()),
                    title: Some("Surround 5.1".into()),
                    default: true,
                },
                AudioStream {
                    index: 2,
                    codec: "aac".into(),
                    profile: Some("LC".into()),
                    channels: Some(2),
                    channel_layout: Some("stereo".into()),
                    language: Some("fra".into()),
                    title: None,
                    default: false,
                },
            ]
        );
        let subs: Vec<_> = p
            .subtitles
            .iter()
            .map(|s| {
                (
                    s.index,
                    s.codec.as_str(),
                    s.kind,
                    s.language.as_deref(),
                    s.forced,
                )
            })
            .collect();
        assert_eq!(
            subs,
            [
                (3, "subrip", SubtitleKind::Text, Some("eng"), false),
                (4, "ass", SubtitleKind::Text, Some("fre"), true),
            ]
        );
        assert_eq!(p.default_audio().map(|a| a.index), Some(1));
    }

    #[test]
    fn cover_art_is_not_the_video_and_und_is_no_language() {
        let p = probe(MP4_H264_AAC_COVER);
        assert_eq!(p.container, "mov,mp4,m4a,3gp,3g2,mj2");
        let v = p.video.unwrap();
        assert_eq!((v.index, v.codec.as_str()), (0, "h264"));
        assert_eq!(v.codec_tag.as_deref(), Some("avc1"));
        assert_eq!(p.audio[0].language, None);
        assert_eq!(p.subtitles[0].codec, "mov_text");
        assert_eq!(p.subtitles[0].kind, SubtitleKind::Text);
        assert!(p.subtitles[0].default);

        // Cover art first in the file: still not the video.
        let p = probe(MKV_HEVC_DOVI_PGS);
        assert_eq!(p.video.unwrap().index, 0);
        let cover_first =
            MKV_HEVC_DOVI_PGS.replacen("\"attached_pic\": 0}}", "\"attached_pic\": 1}}", 1);
        assert_eq!(probe(&cover_first).video, None);
    }

    #[test]
    fn the_whole_untrimmed_output_reads_too() {
        let p = probe(MP4_HEVC_HEV1_AAC);
        let v = p.video.unwrap();
        assert_eq!(v.codec, "hevc");
        assert_eq!(v.profile.as_deref(), Some("Main 10"));
        assert_eq!(v.codec_tag.as_deref(), Some("hev1"));
        // ffprobe prints no bits_per_raw_sample for HEVC: the depth comes from the pixel format.
        assert_eq!(v.bit_depth, Some(10));
        assert_eq!(v.level, Some(63));
        assert_eq!(p.bit_rate, Some(108_940));
        assert_eq!(p.audio.len(), 1);
    }

    #[test]
    fn hdr_and_dolby_vision_flags() {
        let v = probe(MP4_HEVC_HDR_EAC3).video.unwrap();
        assert_eq!((v.hdr, v.dolby_vision), (Some(Hdr::Pq), None));
        assert_eq!(v.codec_tag.as_deref(), Some("hvc1"));

        let p = probe(MKV_HEVC_DOVI_PGS);
        let v = p.video.as_ref().unwrap();
        assert_eq!(v.hdr, Some(Hdr::Pq));
        assert_eq!(
            v.dolby_vision,
            Some(DolbyVision {
                profile: 8,
                level: 6,
                compatibility: 1
            })
        );
        assert_eq!(v.frame_rate.map(|r| (r * 1000.0).round()), Some(23976.0));
        let hlg = MP4_HEVC_HDR_EAC3.replace("smpte2084", "arib-std-b67");
        assert_eq!(probe(&hlg).video.unwrap().hdr, Some(Hdr::Hlg));
    }

    #[test]
    fn image_subtitles_are_told_apart_from_text() {
        let p = probe(MKV_HEVC_DOVI_PGS);
        let kinds: Vec<_> = p
            .subtitles
            .iter()
            .map(|s| (s.index, s.kind, s.forced))
            .collect();
        assert_eq!(
            kinds,
            [
                (3, SubtitleKind::Image, true),
                (4, SubtitleKind::Image, false)
            ]
        );
        assert_eq!(p.subtitles[1].language, None);
        assert_eq!(subtitle_kind("eia_608"), SubtitleKind::Other);
        assert_eq!(subtitle_kind("webvtt"), SubtitleKind::Text);
        assert_eq!(subtitle_kind("xsub"), SubtitleKind::Image);
    }

    #[test]
    fn other_containers_and_audio_only() {
        let p = probe(AVI_XVID_MP3);
        assert_eq!(p.container, "avi");
        let v = p.video.unwrap();
        assert_eq!(
            (v.codec.as_str(), v.codec_tag.as_deref()),
            ("mpeg4", Some("xvid"))
        );
        assert_eq!(v.bit_depth, Some(8));
        // An AVI audio tag is a number, not a name.
        assert_eq!(p.audio[0].codec, "mp3");

        let p = probe(MP3_AUDIO_ONLY);
        assert_eq!(p.video, None);
        assert_eq!(p.audio.len(), 1);
        assert_eq!(p.default_audio().unwrap().index, 0);

        let p = probe(TS_H264_AC3);
        assert_eq!(p.container, "mpegts");
        assert_eq!(p.start_time, Some(1.478089));
        assert_eq!(p.video.unwrap().codec_tag, None);

        let p = probe(MKV_AV1_OPUS);
        assert_eq!(p.start_time, Some(-0.007));
        assert_eq!(p.video.unwrap().level, Some(1));
        let v = probe(WEBM_VP9_OPUS).video.unwrap();
        // VP9 has no level in ffprobe's output (-99).
        assert_eq!((v.profile.as_deref(), v.level), (Some("Profile 0"), None));
    }

    #[test]
    fn bit_depth_from_pixel_formats() {
        assert_eq!(depth_of_pix_fmt("yuv420p10le"), Some(10));
        assert_eq!(depth_of_pix_fmt("yuv422p10be"), Some(10));
        assert_eq!(depth_of_pix_fmt("yuv420p12le"), Some(12));
        assert_eq!(depth_of_pix_fmt("p010le"), Some(10));
        assert_eq!(depth_of_pix_fmt("yuv420p"), Some(8));
        assert_eq!(depth_of_pix_fmt("yuvj420p"), Some(8));
        assert_eq!(depth_of_pix_fmt("nv12"), Some(8));
        assert_eq!(depth_of_pix_fmt("gbrp10le"), Some(10));
        assert_eq!(depth_of_pix_fmt("gray10le"), Some(10));
        assert_eq!(depth_of_pix_fmt("rgb48le"), None);
        assert_eq!(depth_of_pix_fmt("something"), None);
        let v = probe(MKV_H264_10BIT_FLAC).video.unwrap();
        assert_eq!(
            (v.profile.as_deref(), v.bit_depth),
            (Some("High 10"), Some(10))
        );
    }

    #[test]
    fn summaries_for_the_versions_table() {
        assert_eq!(
            probe(MKV_H264_AC3_AAC_SUBS).summary(),
            "H.264 · AC-3 5.1 (eng), AAC 2.0 (fra) · 2 subtitles"
        );
        assert_eq!(
            probe(MP4_HEVC_HDR_EAC3).summary(),
            "HEVC 10-bit HDR10 · E-AC-3 5.1"
        );
        assert_eq!(
            probe(MKV_HEVC_DOVI_PGS).summary(),
            "HEVC 10-bit Dolby Vision 8.1 · TrueHD 7.1 (eng), AC-3 5.1 (ger) · 2 subtitles"
        );
        assert_eq!(probe(MP3_AUDIO_ONLY).summary(), "MP3 1.0");
        assert_eq!(probe(AVI_XVID_MP3).summary(), "MPEG-4 Part 2 · MP3 1.0");
        assert_eq!(
            probe(MP4_H264_AAC_COVER).summary(),
            "H.264 · AAC 2.0 · 1 subtitle"
        );
        assert_eq!(probe(MKV_HEVC_DTS).summary(), "HEVC · DTS 5.1");
    }

    #[test]
    fn stored_json_round_trips() {
        let p = probe(MKV_HEVC_DOVI_PGS);
        let stored = serde_json::to_string(&p).unwrap();
        assert!(
            stored.contains("\"dolbyVision\":{\"profile\":8"),
            "{stored}"
        );
        assert_eq!(serde_json::from_str::<MediaProbe>(&stored).unwrap(), p);
    }

    #[test]
    fn odd_and_hostile_output_is_read_or_refused_without_panicking() {
        for bad in [&b""[..], b"null", b"[]", b"{\"streams\": 5", b"\xff\xfe"] {
            assert!(parse_probe(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_probe(b"[]").unwrap_err().code(), "probe_unreadable");
        // An empty object: a file with nothing in it.
        let p = parse_probe(b"{}").unwrap();
        assert_eq!(
            (p.container.as_str(), p.video, p.audio.len()),
            ("", None, 0)
        );

        // Wrong types, absurd values, a title of control characters, a language that is not one.
        let odd = r#"{"format": {"duration": "N/A", "size": -5, "bit_rate": "1e400"},
            "streams": [
              {"index": "x", "codec_type": "video", "codec_name": "h264", "width": -1, "height": 1e12,
               "level": 3.5, "avg_frame_rate": "24/0", "r_frame_rate": "25/1", "has_b_frames": "2"},
              {"index": 1, "codec_type": "audio"},
              {"index": 2, "codec_type": "audio", "codec_name": "aac", "channels": "2",
               "tags": {"LANGUAGE": "en; rm -rf", "TITLE": "\u0007\u0008"}}]}"#;
        let p = probe(odd);
        assert_eq!((p.duration, p.size, p.bit_rate), (None, None, None));
        let v = p.video.unwrap();
        assert_eq!((v.index, v.width, v.height, v.level), (0, None, None, None));
        assert_eq!((v.frame_rate, v.b_frames), (Some(25.0), true));
        // The audio stream without a codec name is skipped.
        assert_eq!(p.audio.len(), 1);
        assert_eq!(p.audio[0].channels, Some(2));
        assert_eq!(
            (p.audio[0].language.as_deref(), p.audio[0].title.as_deref()),
            (None, None)
        );

        // Thousands of tracks and a huge title are cut down.
        let track = r#"{"index": 1, "codec_type": "audio", "codec_name": "aac", "tags": {"title": "TITLE"}}"#;
        let many = format!(
            r#"{{"streams": [{}]}}"#,
            vec![track.replace("TITLE", &"x".repeat(10_000)); 1000].join(",")
        );
        let p = probe(&many);
        assert_eq!(p.audio.len(), MAX_TRACKS);
        assert_eq!(
            p.audio[0].title.as_ref().unwrap().chars().count(),
            MAX_TITLE_CHARS
        );
    }

    #[test]
    fn ffprobe_reads_only_plain_files() {
        let args = ffprobe_args("concat:a|b");
        assert_eq!(args.last().unwrap(), "file:concat:a|b");
        // A bucket's signed link: only what it needs, and only movie containers.
        let args = ffprobe_args("https://store.example/b/k.mkv?X-Amz-Signature=1");
        assert_eq!(
            args.last().unwrap(),
            "https://store.example/b/k.mkv?X-Amz-Signature=1"
        );
        let last = |name: &str| {
            args.windows(2)
                .rfind(|w| w[0] == name)
                .map(|w| w[1].clone())
                .unwrap()
        };
        assert_eq!(last("-protocol_whitelist"), "https,tls,tcp");
        assert!(!last("-format_whitelist").contains("hls"));
        assert!(!last("-format_whitelist").contains("concat"));
        assert!(
            args.windows(2)
                .any(|w| w == ["-protocol_whitelist", "file"])
        );
    }
}
