//! Remuxing a Matroska (MKV) file with H.264 video into MP4, which every browser plays
//! (Safari plays no MKV at all): the video is copied as it is (`-c copy`, minutes for a whole
//! film, no quality loss) and the index moved to the front (`+faststart`) so playback starts
//! at once. Audio that browsers cannot decode (AC-3, DTS, …) is converted to AAC, which is
//! cheap next to the video. This module decides and writes the ffmpeg command; the server
//! runs it.

use std::fmt;

/// How a file is remuxed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemuxPlan {
    /// The audio is copied (AAC, MP3); otherwise it is converted to AAC.
    pub copy_audio: bool,
}

/// Why a file is not remuxed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRemuxable {
    /// Already MP4 (or WebM): browsers play it as it is.
    AlreadyPlayable,
    /// Another container than Matroska.
    Container(String),
    /// Video other than H.264 (HEVC, MPEG-4 Part 2, …) would need re-encoding.
    VideoCodec(String),
    /// The video codec is not known (no ffprobe when the file was uploaded).
    UnknownVideo,
}

impl NotRemuxable {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyPlayable => "already_playable",
            Self::Container(_) | Self::VideoCodec(_) | Self::UnknownVideo => "not_remuxable",
        }
    }
}

impl fmt::Display for NotRemuxable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyPlayable => f.write_str("This file is already in a format browsers play."),
            Self::Container(c) => write!(
                f,
                "Only MKV files are converted to MP4; this one is {c}."
            ),
            Self::VideoCodec(c) => write!(
                f,
                "The video is {}; only H.264 video can be put into MP4 without re-encoding it, which this server does not do.",
                codec_name(c)
            ),
            Self::UnknownVideo => f.write_str(
                "The video format of this file is not known (ffprobe was missing when it was uploaded).",
            ),
        }
    }
}

/// A readable name for a codec as ffprobe names it.
pub fn codec_name(codec: &str) -> String {
    match codec {
        "hevc" | "h265" => "HEVC (H.265)".into(),
        "h264" => "H.264".into(),
        "mpeg4" => "MPEG-4 Part 2 (DivX/Xvid)".into(),
        "av1" => "AV1".into(),
        "vp9" => "VP9".into(),
        other => other.to_uppercase(),
    }
}

/// Whether (and how) a file with this container and codecs is remuxed. `path` decides when
/// the container is not known.
pub fn plan(
    path: &str,
    container: Option<&str>,
    video_codec: Option<&str>,
    audio_codec: Option<&str>,
) -> Result<RemuxPlan, NotRemuxable> {
    let extension = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let container = match container {
        Some(c) => c.to_ascii_lowercase(),
        None if extension == "mkv" => "matroska".into(),
        None if matches!(extension.as_str(), "mp4" | "m4v" | "webm") => {
            return Err(NotRemuxable::AlreadyPlayable);
        }
        None => extension.clone(),
    };
    match container.as_str() {
        // ffprobe says "matroska" for WebM too; the extension tells them apart.
        "matroska" if extension != "webm" => {}
        "matroska" | "mp4" | "webm" | "mov" => return Err(NotRemuxable::AlreadyPlayable),
        other => return Err(NotRemuxable::Container(other.to_owned())),
    }
    match video_codec {
        Some("h264") => {}
        Some(other) => return Err(NotRemuxable::VideoCodec(other.to_owned())),
        None => return Err(NotRemuxable::UnknownVideo),
    }
    Ok(RemuxPlan {
        copy_audio: audio_codec.is_none_or(|a| matches!(a, "aac" | "mp3")),
    })
}

/// ffmpeg's arguments: the first video and the first audio stream (if any) of `input` (a path,
/// or a bucket's signed link) into an MP4 at `output`, with progress as `key=value` lines on
/// stdout.
pub fn ffmpeg_args(input: &str, output: &str, plan: RemuxPlan) -> Vec<String> {
    // Plain files only, named as files (see ffmpeg_preamble); a link only as a movie.
    let (options, input) = crate::media::input(input);
    let output = format!("file:{output}");
    let mut args = crate::media::ffmpeg_preamble();
    args.extend(options);
    args.extend(
        [
            "-i", &input, "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "copy",
        ]
        .map(str::to_owned),
    );
    if plan.copy_audio {
        args.extend(["-c:a", "copy"].map(str::to_owned));
    } else {
        args.extend(["-c:a", "aac", "-b:a", "192k", "-ac", "2"].map(str::to_owned));
    }
    args.extend(
        [
            "-sn",
            "-dn",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-progress",
            "pipe:1",
            "-nostats",
            &output,
        ]
        .map(str::to_owned),
    );
    args
}

/// The media time ffmpeg has reached, in seconds, from one line of `-progress` output
/// (`out_time_us=12345678`; `out_time_ms` is also microseconds, an old ffmpeg quirk).
pub fn progress_seconds(line: &str) -> Option<f64> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        "out_time_us" | "out_time_ms" => value
            .parse::<i64>()
            .ok()
            .filter(|us| *us >= 0)
            .map(|us| us as f64 / 1_000_000.0),
        _ => None,
    }
}

/// The MP4's path next to the MKV: `tt1/1080p/movie.mkv` → `tt1/1080p/movie.mp4`.
pub fn output_path(relative: &str) -> String {
    let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    if folder.is_empty() {
        format!("{stem}.mp4")
    } else {
        format!("{folder}/{stem}.mp4")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mkv_with_h264_is_remuxed_and_audio_is_copied_when_browsers_play_it() {
        let p = |path, c, v, a| plan(path, c, v, a);
        assert_eq!(
            p("a/b.mkv", Some("matroska"), Some("h264"), Some("aac")),
            Ok(RemuxPlan { copy_audio: true })
        );
        assert_eq!(
            p("a/b.mkv", Some("matroska"), Some("h264"), Some("ac3")),
            Ok(RemuxPlan { copy_audio: false })
        );
        assert_eq!(
            p("a/b.mkv", Some("matroska"), Some("h264"), None),
            Ok(RemuxPlan { copy_audio: true }),
            "no audio"
        );
        assert_eq!(
            p("a/b.MKV", None, Some("h264"), Some("dts")),
            Ok(RemuxPlan { copy_audio: false }),
            "container by extension"
        );
    }

    #[test]
    fn other_files_say_why_not() {
        let p = |path, c, v| plan(path, c, v, Some("aac")).unwrap_err();
        assert_eq!(
            p("a.mp4", Some("mp4"), Some("h264")),
            NotRemuxable::AlreadyPlayable
        );
        assert_eq!(
            p("a.webm", Some("matroska"), Some("vp9")),
            NotRemuxable::AlreadyPlayable
        );
        assert_eq!(p("a.m4v", None, None), NotRemuxable::AlreadyPlayable);
        let hevc = p("a.mkv", Some("matroska"), Some("hevc"));
        assert_eq!(hevc.code(), "not_remuxable");
        assert!(hevc.to_string().contains("HEVC (H.265)"), "{hevc}");
        assert_eq!(
            p("a.avi", Some("avi"), Some("h264")),
            NotRemuxable::Container("avi".into())
        );
        assert_eq!(
            p("a.mkv", Some("matroska"), None),
            NotRemuxable::UnknownVideo
        );
    }

    #[test]
    fn the_command_copies_video_and_reports_progress() {
        let args = ffmpeg_args("in.mkv", "out.part", RemuxPlan { copy_audio: false });
        let joined = args.join(" ");
        assert!(joined.contains("-protocol_whitelist file -i file:in.mkv"));
        assert!(joined.contains("-c:v copy"));
        assert!(joined.contains("-c:a aac"));
        assert!(joined.contains("-movflags +faststart -f mp4"));
        assert!(joined.ends_with("-progress pipe:1 -nostats file:out.part"));
        let copy = ffmpeg_args("in.mkv", "out.mp4", RemuxPlan { copy_audio: true }).join(" ");
        assert!(copy.contains("-c:a copy") && !copy.contains("aac"));
        // An object's signed link: read over HTTP as a movie container only.
        let link = "http://store:8333/b/tt1/sd/movie.mkv?X-Amz-Signature=0";
        let read = ffmpeg_args(link, "out.mp4", RemuxPlan { copy_audio: true }).join(" ");
        assert!(read.contains("-protocol_whitelist http,tcp -format_whitelist"));
        assert!(read.contains(&format!("-i {link} ")), "{read}");
        assert!(read.ends_with("file:out.mp4"));
    }

    #[test]
    fn progress_lines_and_output_names() {
        assert_eq!(progress_seconds("out_time_us=2500000"), Some(2.5));
        assert_eq!(progress_seconds("out_time_ms=1000000\n"), Some(1.0));
        assert_eq!(progress_seconds("out_time_us=N/A"), None);
        assert_eq!(progress_seconds("frame=12"), None);
        assert_eq!(progress_seconds("garbage"), None);
        assert_eq!(output_path("tt1/1080p/movie.mkv"), "tt1/1080p/movie.mp4");
        assert_eq!(
            output_path("tt1/1080p/The.Film.2001.mkv"),
            "tt1/1080p/The.Film.2001.mp4"
        );
        assert_eq!(output_path("tt1/1080p/noext"), "tt1/1080p/noext.mp4");
        assert_eq!(output_path("v1.0/noext"), "v1.0/noext.mp4");
        assert_eq!(output_path("movie.mkv"), "movie.mp4");
        assert_eq!(codec_name("mpeg4"), "MPEG-4 Part 2 (DivX/Xvid)");
    }
}
