//! RFC 6381 codec strings: what the player asks the browser
//! (`MediaSource.isTypeSupported('video/mp4; codecs="avc1.640028"')`) and what a master
//! playlist's CODECS says. They are built from ffprobe's names, profiles and levels; where a
//! field is unknown the most common value is used, because browsers answer from the codec and
//! profile and mostly ignore the rest. Strings are matched without regard to case.

use super::probe::{AudioStream, MediaProbe, VideoStream};

/// What the transcoder writes: H.264 High, level 4.1 (forced with `-profile:v high -level:v 4.1`).
pub const TRANSCODE_VIDEO: &str = "avc1.640029";
/// What audio is converted to: AAC-LC.
pub const TRANSCODE_AUDIO: &str = "mp4a.40.2";

/// The codec string of a video stream as it would be written into MP4, or None for codecs no
/// browser plays in MP4 and that have no string (VC-1, WMV, …).
///
/// HEVC without a tag (Matroska) is given `hvc1`, since that is how the remuxer writes it.
pub fn video_string(v: &VideoStream) -> Option<String> {
    let level = v.level.filter(|l| *l > 0);
    let eight_bit = v.bit_depth.is_none_or(|d| d <= 8);
    Some(match v.codec.as_str() {
        "h264" => {
            let (profile, constraints) = match v.profile.as_deref() {
                Some("Baseline") => (0x42, 0x00),
                // What x264 writes for these (constraint_set1, and set0 for baseline).
                Some("Constrained Baseline") => (0x42, 0xC0),
                Some("Main") => (0x4D, 0x40),
                Some("Extended") => (0x58, 0x00),
                Some("High") => (0x64, 0x00),
                Some("High 10") => (0x6E, 0x00),
                Some("High 10 Intra") => (0x6E, 0x10),
                Some("High 4:2:2") => (0x7A, 0x00),
                Some("High 4:2:2 Intra") => (0x7A, 0x10),
                Some("High 4:4:4 Predictive") => (0xF4, 0x00),
                Some("High 4:4:4 Intra") => (0xF4, 0x10),
                _ if eight_bit => (0x64, 0x00),
                _ => (0x6E, 0x00),
            };
            let level = level.and_then(|l| u8::try_from(l).ok()).unwrap_or(0x28);
            format!("avc1.{profile:02x}{constraints:02x}{level:02x}")
        }
        "hevc" => {
            // general_profile_idc and its compatibility flags, bit-reversed as RFC 6381 and
            // ISO/IEC 14496-15 write them (Main sets flags 1 and 2, Main 10 flag 2).
            let (profile, compat) = match v.profile.as_deref() {
                Some("Main") => (1, "6"),
                Some("Main 10") => (2, "4"),
                Some("Main Still Picture") => (3, "8"),
                Some("Rext" | "Format Range Extensions") => (4, "10"),
                _ if eight_bit => (1, "6"),
                _ => (2, "4"),
            };
            let level = level.unwrap_or(if v.height.unwrap_or(0) > 1080 {
                150
            } else {
                120
            });
            // ffprobe does not print the tier; Main tier is by far the most common. `90` are the
            // constraint flags x265 writes (progressive source, frame only).
            let tag = if v.codec_tag.as_deref() == Some("hev1") {
                "hev1"
            } else {
                "hvc1"
            };
            format!("{tag}.{profile}.{compat}.L{level}.90")
        }
        "av1" => {
            let profile = match v.profile.as_deref() {
                Some("High") => 1,
                Some("Professional") => 2,
                _ => 0,
            };
            let level = level.filter(|l| *l <= 31).unwrap_or(8);
            format!("av01.{profile}.{level:02}M.{:02}", v.bit_depth.unwrap_or(8))
        }
        "vp9" => {
            let profile = v
                .profile
                .as_deref()
                .and_then(|p| p.strip_prefix("Profile "))
                .and_then(|p| p.parse::<u8>().ok())
                .filter(|p| *p <= 3)
                .unwrap_or(0);
            // ffprobe prints no VP9 level; 1.0 is what players and packagers use when unknown.
            let level = level.filter(|l| *l <= 62).unwrap_or(10);
            format!(
                "vp09.{profile:02}.{level:02}.{:02}",
                v.bit_depth.unwrap_or(8)
            )
        }
        "vp8" => "vp8".into(),
        // MPEG-4 Part 2 (DivX, XviD): Simple Profile; no browser plays it anyway.
        "mpeg4" => "mp4v.20.9".into(),
        "mpeg2video" => "mp4v.61".into(),
        "mpeg1video" => "mp4v.6a".into(),
        "theora" => "theora".into(),
        _ => return None,
    })
}

/// The `hvc1` form of a `hev1` string: the same stream with its parameter sets announced in the
/// sample entry, which is what Safari requires.
pub fn hvc1_form(codec: &str) -> Option<String> {
    codec
        .strip_prefix("hev1.")
        .map(|rest| format!("hvc1.{rest}"))
}

/// The codec strings of an audio stream, the usual one first. MP3 has two: `mp4a.40.34`
/// (what most browsers answer to) and `mp3`.
pub fn audio_strings(a: &AudioStream) -> Vec<String> {
    let one = |s: &str| vec![s.to_owned()];
    match a.codec.as_str() {
        "aac" => one(match a.profile.as_deref() {
            Some("HE-AAC") => "mp4a.40.5",
            Some("HE-AACv2") => "mp4a.40.29",
            Some("Main") => "mp4a.40.1",
            Some("LTP") => "mp4a.40.4",
            Some("xHE-AAC" | "USAC") => "mp4a.40.42",
            _ => "mp4a.40.2",
        }),
        "mp3" => vec!["mp4a.40.34".into(), "mp3".into()],
        "mp2" => one("mp4a.40.33"),
        "ac3" => one("ac-3"),
        "eac3" => one("ec-3"),
        "opus" => one("opus"),
        "flac" => one("flac"),
        "vorbis" => one("vorbis"),
        "alac" => one("alac"),
        "dts" => one(match a.profile.as_deref() {
            Some("DTS-HD MA") => "dtsl",
            Some("DTS-HD HRA") => "dtsh",
            Some("DTS Express") => "dtse",
            _ => "dtsc",
        }),
        "truehd" => one("mlpa"),
        _ => Vec::new(),
    }
}

/// The usual codec string of an audio stream.
pub fn audio_string(a: &AudioStream) -> Option<String> {
    audio_strings(a).into_iter().next()
}

/// Video codecs ffmpeg copies into fragmented MP4 and browsers may play from it.
pub fn video_copyable(codec: &str) -> bool {
    matches!(codec, "h264" | "hevc" | "av1" | "vp9")
}

/// Audio codecs ffmpeg 5.1 copies into fragmented MP4 (FLAC needs `-strict -2`; TrueHD is
/// refused as experimental, so it is converted).
pub fn audio_copyable(codec: &str) -> bool {
    matches!(
        codec,
        "aac" | "mp3" | "ac3" | "eac3" | "opus" | "flac" | "alac" | "dts"
    )
}

/// The kinds of container a file can be in, as far as playback cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Mp4,
    /// Matroska and WebM (ffprobe does not tell them apart).
    Matroska,
    Avi,
    MpegTs,
    /// MPEG program stream (VOB).
    MpegPs,
    Other,
}

impl Container {
    /// From ffprobe's `format_name`.
    pub fn of(format_name: &str) -> Container {
        let first = format_name.split(',').next().unwrap_or("");
        match first {
            "mov" | "mp4" => Container::Mp4,
            "matroska" | "webm" => Container::Matroska,
            "avi" => Container::Avi,
            "mpegts" => Container::MpegTs,
            "mpeg" | "vob" => Container::MpegPs,
            _ => Container::Other,
        }
    }

    /// A short name for people: `MKV → MP4`.
    pub fn label(self, format_name: &str) -> String {
        match self {
            Container::Mp4 => "MP4".into(),
            Container::Matroska => "MKV".into(),
            Container::Avi => "AVI".into(),
            Container::MpegTs => "MPEG-TS".into(),
            Container::MpegPs => "MPEG-PS".into(),
            Container::Other => format_name
                .split(',')
                .next()
                .unwrap_or("")
                .to_ascii_uppercase(),
        }
    }
}

/// The MIME type for the file played as it is: `video/webm` for Matroska holding only WebM
/// codecs (VP8, VP9, AV1, Vorbis, Opus), `audio/…` for audio-only files.
pub fn container_mime(probe: &MediaProbe) -> Option<&'static str> {
    let audio_only = probe.video.is_none();
    Some(match Container::of(&probe.container) {
        Container::Mp4 if audio_only => "audio/mp4",
        Container::Mp4 => "video/mp4",
        Container::Matroska if is_webm(probe) && audio_only => "audio/webm",
        Container::Matroska if is_webm(probe) => "video/webm",
        Container::Matroska => "video/x-matroska",
        Container::Avi => "video/x-msvideo",
        Container::MpegTs => "video/mp2t",
        Container::MpegPs => "video/mpeg",
        Container::Other => match probe.container.as_str() {
            "mp3" => "audio/mpeg",
            "flac" => "audio/flac",
            "ogg" if audio_only => "audio/ogg",
            "ogg" => "video/ogg",
            "wav" => "audio/wav",
            _ => return None,
        },
    })
}

fn is_webm(probe: &MediaProbe) -> bool {
    probe
        .video
        .as_ref()
        .is_none_or(|v| matches!(v.codec.as_str(), "vp8" | "vp9" | "av1"))
        && probe
            .audio
            .iter()
            .all(|a| matches!(a.codec.as_str(), "vorbis" | "opus"))
}

/// The type the player gives `canPlayType` to learn whether the file plays as it is, with the
/// video and the given audio track: `video/mp4; codecs="avc1.4d401e, mp4a.40.2"`.
pub fn direct_type(probe: &MediaProbe, audio: Option<&AudioStream>) -> Option<String> {
    let mime = container_mime(probe)?;
    // Single-codec audio formats are asked about by their type alone.
    if matches!(mime, "audio/mpeg" | "audio/flac" | "audio/wav") {
        return Some(mime.to_owned());
    }
    let mut codecs = Vec::new();
    if let Some(v) = &probe.video {
        codecs.push(video_string(v)?);
    }
    if let Some(a) = audio {
        codecs.push(audio_string(a)?);
    }
    if codecs.is_empty() {
        return Some(mime.to_owned());
    }
    Some(format!("{mime}; codecs=\"{}\"", codecs.join(", ")))
}

/// Every codec string the player should test with `MediaSource.isTypeSupported` (or
/// `canPlayType` for native HLS) and report back: the video (and its `hvc1` form), every audio
/// track, and what the transcoder writes.
pub fn strings_to_test(probe: &MediaProbe) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
            out.push(s);
        }
    };
    if let Some(v) = probe.video.as_ref().and_then(video_string) {
        if let Some(hvc1) = hvc1_form(&v) {
            add(hvc1);
        }
        add(v);
    }
    for a in &probe.audio {
        audio_strings(a).into_iter().for_each(&mut add);
    }
    add(TRANSCODE_VIDEO.into());
    add(TRANSCODE_AUDIO.into());
    out
}

/// A video codec's name for people.
pub fn video_name(codec: &str) -> &str {
    match codec {
        "h264" => "H.264",
        "hevc" => "HEVC",
        "av1" => "AV1",
        "vp9" => "VP9",
        "vp8" => "VP8",
        "mpeg4" => "MPEG-4 Part 2",
        "mpeg2video" => "MPEG-2",
        "mpeg1video" => "MPEG-1",
        "vc1" => "VC-1",
        "wmv3" => "WMV 9",
        "theora" => "Theora",
        other => other,
    }
}

/// An audio codec's name for people; the profile tells HE-AAC and DTS-HD apart.
pub fn audio_name(codec: &str, profile: Option<&str>) -> String {
    match (codec, profile) {
        ("aac", Some(p @ ("HE-AAC" | "HE-AACv2"))) => p.into(),
        ("aac", _) => "AAC".into(),
        ("ac3", _) => "AC-3".into(),
        ("eac3", _) => "E-AC-3".into(),
        ("dts", Some(p)) if p.starts_with("DTS") => p.into(),
        ("dts", _) => "DTS".into(),
        ("truehd", _) => "TrueHD".into(),
        ("mp3", _) => "MP3".into(),
        ("mp2", _) => "MP2".into(),
        ("opus", _) => "Opus".into(),
        ("flac", _) => "FLAC".into(),
        ("vorbis", _) => "Vorbis".into(),
        ("alac", _) => "ALAC".into(),
        (pcm, _) if pcm.starts_with("pcm_") => "PCM".into(),
        (other, _) => other.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::probe::parse_probe;
    use crate::media::samples::*;

    fn probe(json: &str) -> MediaProbe {
        parse_probe(json.as_bytes()).unwrap()
    }

    fn video(json: &str) -> Option<String> {
        video_string(probe(json).video.as_ref().unwrap())
    }

    fn audio(json: &str) -> Vec<String> {
        probe(json).audio.iter().filter_map(audio_string).collect()
    }

    #[test]
    fn h264_strings_match_the_bytes_x264_writes() {
        // The avcC boxes of these clips start 64 00 1e, 4d 40 1e, 6e 00 1e, 42 c0 1e, 64 00 28.
        assert_eq!(video(MKV_H264_AC3_AAC_SUBS).unwrap(), "avc1.64001e");
        assert_eq!(video(MP4_H264_AAC_COVER).unwrap(), "avc1.4d401e");
        assert_eq!(video(MKV_H264_10BIT_FLAC).unwrap(), "avc1.6e001e");
        assert_eq!(video(MKV_H264_TRUEHD).unwrap(), "avc1.42c01e");
        assert_eq!(video(MP4_H264_1080P).unwrap(), "avc1.640028");
        // Unknown profile and level: High 4.0.
        let mut v = probe(MP4_H264_1080P).video.unwrap();
        (v.profile, v.level) = (None, None);
        assert_eq!(video_string(&v).unwrap(), "avc1.640028");
    }

    #[test]
    fn hevc_strings_keep_the_tag() {
        // hvcC of the hev1 clip: profile 2, compatibility 0x20000000, constraints 90, level 63.
        assert_eq!(video(MP4_HEVC_HEV1_AAC).unwrap(), "hev1.2.4.L63.90");
        assert_eq!(video(MP4_HEVC_HDR_EAC3).unwrap(), "hvc1.2.4.L63.90");
        // Matroska has no tag: the remuxer writes hvc1. Main has compatibility flags 1 and 2.
        assert_eq!(video(MKV_HEVC_DTS).unwrap(), "hvc1.1.6.L63.90");
        assert_eq!(video(MKV_HEVC_DOVI_PGS).unwrap(), "hvc1.2.4.L153.90");
        assert_eq!(hvc1_form("hev1.2.4.L63.90").unwrap(), "hvc1.2.4.L63.90");
        assert_eq!(hvc1_form("hvc1.2.4.L63.90"), None);
        let mut v = probe(MKV_HEVC_DOVI_PGS).video.unwrap();
        v.level = None;
        assert_eq!(video_string(&v).unwrap(), "hvc1.2.4.L150.90");
    }

    #[test]
    fn av1_vp9_and_old_codecs() {
        // av1C of the SVT-AV1 clip: 81 01 0c, seq_profile 0, seq_level_idx 1, 8-bit.
        assert_eq!(video(MKV_AV1_OPUS).unwrap(), "av01.0.01M.08");
        assert_eq!(video(WEBM_VP9_OPUS).unwrap(), "vp09.00.10.08");
        assert_eq!(video(AVI_XVID_MP3).unwrap(), "mp4v.20.9");
        let mut v = probe(MKV_AV1_OPUS).video.unwrap();
        (v.level, v.bit_depth) = (None, Some(10));
        assert_eq!(video_string(&v).unwrap(), "av01.0.08M.10");
        v.codec = "wmv3".into();
        assert_eq!(video_string(&v), None);
    }

    #[test]
    fn audio_strings_from_real_probes() {
        assert_eq!(audio(MKV_H264_AC3_AAC_SUBS), ["ac-3", "mp4a.40.2"]);
        assert_eq!(audio(MP4_HEVC_HDR_EAC3), ["ec-3"]);
        assert_eq!(audio(MKV_AV1_OPUS), ["opus"]);
        assert_eq!(audio(MKV_H264_10BIT_FLAC), ["flac"]);
        assert_eq!(audio(MKV_HEVC_DTS), ["dtsc"]);
        assert_eq!(audio(MKV_H264_TRUEHD), ["mlpa"]);
        let mp3 = &probe(AVI_XVID_MP3).audio[0];
        assert_eq!(audio_strings(mp3), ["mp4a.40.34", "mp3"]);
        let mut he = probe(MP4_H264_1080P).audio[0].clone();
        he.profile = Some("HE-AAC".into());
        assert_eq!(audio_string(&he).unwrap(), "mp4a.40.5");
        he.codec = "pcm_s16le".into();
        assert_eq!(audio_string(&he), None);
    }

    #[test]
    fn container_mimes() {
        assert_eq!(container_mime(&probe(MP4_H264_1080P)), Some("video/mp4"));
        assert_eq!(
            container_mime(&probe(MKV_H264_AC3_AAC_SUBS)),
            Some("video/x-matroska")
        );
        assert_eq!(container_mime(&probe(WEBM_VP9_OPUS)), Some("video/webm"));
        assert_eq!(container_mime(&probe(MKV_AV1_OPUS)), Some("video/webm"));
        assert_eq!(
            container_mime(&probe(AVI_XVID_MP3)),
            Some("video/x-msvideo")
        );
        assert_eq!(container_mime(&probe(TS_H264_AC3)), Some("video/mp2t"));
        assert_eq!(container_mime(&probe(MP3_AUDIO_ONLY)), Some("audio/mpeg"));
        assert_eq!(Container::of("matroska,webm"), Container::Matroska);
        assert_eq!(Container::of("mov,mp4,m4a,3gp,3g2,mj2"), Container::Mp4);
        assert_eq!(Container::Other.label("flv"), "FLV");
    }

    #[test]
    fn direct_types_for_can_play_type() {
        let p = probe(MP4_H264_AAC_COVER);
        assert_eq!(
            direct_type(&p, p.default_audio()).unwrap(),
            "video/mp4; codecs=\"avc1.4d401e, mp4a.40.2\""
        );
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        assert_eq!(
            direct_type(&p, p.default_audio()).unwrap(),
            "video/x-matroska; codecs=\"avc1.64001e, ac-3\""
        );
        let p = probe(MP3_AUDIO_ONLY);
        assert_eq!(direct_type(&p, p.default_audio()).unwrap(), "audio/mpeg");
        // No string for the video: nothing to ask.
        let mut p = probe(MP4_H264_1080P);
        p.video.as_mut().unwrap().codec = "vc1".into();
        assert_eq!(direct_type(&p, p.default_audio()), None);
    }

    #[test]
    fn the_player_tests_every_track_and_the_transcoder_output() {
        assert_eq!(
            strings_to_test(&probe(MP4_HEVC_HEV1_AAC)),
            [
                "hvc1.2.4.L63.90",
                "hev1.2.4.L63.90",
                "mp4a.40.2",
                "avc1.640029"
            ]
        );
        assert_eq!(
            strings_to_test(&probe(MKV_H264_AC3_AAC_SUBS)),
            ["avc1.64001e", "ac-3", "mp4a.40.2", "avc1.640029"]
        );
        assert_eq!(
            strings_to_test(&probe(MP3_AUDIO_ONLY)),
            ["mp4a.40.34", "mp3", "avc1.640029", "mp4a.40.2"]
        );
    }

    #[test]
    fn names_for_people() {
        assert_eq!(video_name("hevc"), "HEVC");
        assert_eq!(video_name("prores"), "prores");
        assert_eq!(audio_name("dts", Some("DTS-HD MA")), "DTS-HD MA");
        assert_eq!(audio_name("aac", Some("LC")), "AAC");
        assert_eq!(audio_name("aac", Some("HE-AACv2")), "HE-AACv2");
        assert_eq!(audio_name("pcm_s24le", None), "PCM");
        assert_eq!(audio_name("wmav2", None), "WMAV2");
    }
}
