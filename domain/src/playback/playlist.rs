//! HLS playlists (RFC 8216) for one playback: a VOD media playlist listing the whole duration
//! up front, so the player can seek anywhere before a segment exists, and a master playlist
//! announcing the codecs.

use std::fmt::Write;

use super::decision::{Decision, VideoPlan};
use super::ffmpeg::{AAC_BITRATE, video_maxrate};
use super::segments::SegmentPlan;
use crate::media::probe::MediaProbe;

/// The media playlist: fragmented MP4 segments after one initialization section.
///
/// Each EXTINF is the difference of the segment's end and start rounded to the millisecond, so
/// the listed durations add up to the file's duration (to the millisecond) instead of drifting
/// by a rounding per segment. The target duration is the longest EXTINF rounded up, which
/// satisfies RFC 8216's "rounded to the nearest integer, less than or equal" rule.
///
/// URIs are the server's own; characters that would break the playlist (quotes, line breaks)
/// are dropped from them.
pub fn media_playlist(
    plan: &SegmentPlan,
    init_uri: &str,
    segment_uri: impl Fn(usize) -> String,
) -> String {
    let ms = |t: f64| (t * 1000.0).round() as i64;
    let lengths: Vec<i64> = plan
        .segments()
        .iter()
        .map(|s| ms(s.start + s.duration) - ms(s.start))
        .collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let target = ((longest + 999) / 1000).max(1);
    let mut out = String::with_capacity(200 + plan.len() * 32);
    out.push_str("#EXTM3U\n#EXT-X-VERSION:7\n");
    let _ = writeln!(out, "#EXT-X-TARGETDURATION:{target}");
    out.push_str(
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n",
    );
    let _ = writeln!(out, "#EXT-X-MAP:URI=\"{}\"", clean(init_uri));
    for (i, length) in lengths.iter().enumerate() {
        let _ = writeln!(out, "#EXTINF:{}.{:03},", length / 1000, length % 1000);
        out.push_str(&clean(&segment_uri(i)));
        out.push('\n');
    }
    out.push_str("#EXT-X-ENDLIST\n");
    out
}

/// A master playlist with the one variant, so the player knows the codecs before loading
/// anything (Safari and hls.js then pick their decoders at once).
pub fn master_playlist(decision: &Decision, probe: &MediaProbe, media_uri: &str) -> String {
    let mut attributes = format!("BANDWIDTH={}", bandwidth(decision, probe));
    if !decision.codecs.is_empty() {
        let _ = write!(attributes, ",CODECS=\"{}\"", decision.codecs.join(","));
    }
    let size = match decision.video {
        Some(VideoPlan::Encode { width, height, .. }) => Some((width, height)),
        Some(VideoPlan::Copy { .. }) => probe.video.as_ref().and_then(|v| v.width.zip(v.height)),
        None => None,
    };
    if let Some((w, h)) = size {
        let _ = write!(attributes, ",RESOLUTION={w}x{h}");
    }
    format!(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:{attributes}\n{}\n",
        clean(media_uri)
    )
}

/// Peak bits per second: the encoder's cap when converting, the file's own rate (plus a
/// margin, it is an average) when copying.
fn bandwidth(decision: &Decision, probe: &MediaProbe) -> u64 {
    let audio = match &decision.audio {
        Some(a) if a.action == super::decision::AudioAction::EncodeAacStereo => AAC_BITRATE,
        Some(_) => 640_000,
        None => 0,
    };
    match decision.video {
        Some(VideoPlan::Encode { height, .. }) => video_maxrate(height) + audio,
        _ => probe
            .bit_rate
            .map_or(8_000_000, |b| b.saturating_mul(3) / 2),
    }
}

fn clean(uri: &str) -> String {
    uri.chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::probe::parse_probe;
    use crate::media::samples::{MKV_H264_AC3_AAC_SUBS, MP4_HEVC_HDR_EAC3};
    use crate::playback::caps::{ClientCaps, HlsSupport};
    use crate::playback::decision::{Choice, ServerCaps, decide};
    use crate::playback::segments::{COPY_TARGET, SeekStyle, Timeline, plan_copy, plan_transcode};

    fn timeline(duration: f64) -> Timeline {
        Timeline {
            origin: 0.0,
            duration,
            seek: SeekStyle::Index,
        }
    }

    fn extinf_sum_ms(playlist: &str) -> i64 {
        playlist
            .lines()
            .filter_map(|l| l.strip_prefix("#EXTINF:"))
            .map(|l| {
                let (s, ms) = l.trim_end_matches(',').split_once('.').unwrap();
                s.parse::<i64>().unwrap() * 1000 + ms.parse::<i64>().unwrap()
            })
            .sum()
    }

    #[test]
    fn a_copy_playlist() {
        let keyframes = [
            0.005, 2.005, 3.505, 10.005, 11.005, 19.005, 25.505, 26.005, 33.005,
        ];
        let plan = plan_copy(&keyframes, &timeline(40.005), COPY_TARGET).unwrap();
        let playlist = media_playlist(&plan, "init.mp4", |i| format!("s{i}.m4s?session=ab"));
        assert_eq!(
            playlist,
            "#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:11
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI=\"init.mp4\"
#EXTINF:10.005,
s0.m4s?session=ab
#EXTINF:9.000,
s1.m4s?session=ab
#EXTINF:6.500,
s2.m4s?session=ab
#EXTINF:7.500,
s3.m4s?session=ab
#EXTINF:7.000,
s4.m4s?session=ab
#EXT-X-ENDLIST
"
        );
        assert_eq!(extinf_sum_ms(&playlist), 40_005);
    }

    #[test]
    fn durations_add_up_to_the_file_for_awkward_lengths() {
        // 23.976 fps keyframes every 2.002 s in a 2-hour film, and 4 s segments of a film whose
        // length is no multiple of 4: the listed durations add up to the millisecond.
        let keyframes: Vec<f64> = (0..3600).map(|i| f64::from(i) * 2.002_002).collect();
        let plan = plan_copy(&keyframes, &timeline(7207.6243), COPY_TARGET).unwrap();
        let playlist = media_playlist(&plan, "i", |i| i.to_string());
        assert_eq!(extinf_sum_ms(&playlist), 7_207_624);
        assert!(playlist.contains("#EXT-X-TARGETDURATION:7\n"));

        let plan = plan_transcode(&timeline(5_000.0 / 3.0), 4.0);
        let playlist = media_playlist(&plan, "i", |i| i.to_string());
        assert_eq!(extinf_sum_ms(&playlist), 1_666_667);
        assert!(playlist.contains("#EXT-X-TARGETDURATION:4\n"));
        assert_eq!(playlist.matches("#EXTINF:").count(), 417);
        assert!(playlist.ends_with("#EXTINF:2.667,\n416\n#EXT-X-ENDLIST\n"));
    }

    #[test]
    fn target_duration_rounds_up_and_is_at_least_one() {
        let plan = plan_transcode(&timeline(0.2), 4.0);
        let playlist = media_playlist(&plan, "i", |i| i.to_string());
        assert!(playlist.contains("#EXT-X-TARGETDURATION:1\n#"));
        assert!(playlist.contains("#EXTINF:0.200,\n"));
        let plan = plan_copy(&[0.0, 6.002], &timeline(8.0), COPY_TARGET).unwrap();
        let playlist = media_playlist(&plan, "i", |i| i.to_string());
        assert!(playlist.contains("#EXT-X-TARGETDURATION:7\n"), "{playlist}");
    }

    #[test]
    fn uris_cannot_break_the_playlist() {
        let plan = plan_transcode(&timeline(4.0), 4.0);
        let playlist = media_playlist(&plan, "a\"b\nc", |_| "x\r\n#EXT-X-ENDLIST".into());
        assert!(playlist.contains("#EXT-X-MAP:URI=\"abc\"\n"));
        assert!(playlist.contains("\nx#EXT-X-ENDLIST\n"));
        assert_eq!(
            playlist.lines().filter(|l| *l == "#EXT-X-ENDLIST").count(),
            1
        );
    }

    #[test]
    fn master_playlists_announce_codecs_and_size() {
        let p = parse_probe(MKV_H264_AC3_AAC_SUBS.as_bytes()).unwrap();
        let caps = ClientCaps {
            supported: ["avc1.64001e", "mp4a.40.2"].map(String::from).into(),
            direct: false,
            hls: HlsSupport::Mse,
        };
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap();
        assert_eq!(
            master_playlist(&d, &p, "media.m3u8"),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
             #EXT-X-STREAM-INF:BANDWIDTH=947742,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360\n\
             media.m3u8\n"
        );
        let p = parse_probe(MP4_HEVC_HDR_EAC3.as_bytes()).unwrap();
        let caps = ClientCaps {
            hls: HlsSupport::Mse,
            ..ClientCaps::default()
        };
        let d = decide(&p, &caps, &Choice::default(), &ServerCaps::default()).unwrap();
        let master = master_playlist(&d, &p, "m");
        assert!(
            master.contains(
                "BANDWIDTH=2660000,CODECS=\"avc1.640029,mp4a.40.2\",RESOLUTION=640x360\n"
            ),
            "{master}"
        );
    }
}
