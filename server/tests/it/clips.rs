//! Short test videos of the kinds people upload, made by ffmpeg when a test first asks for one
//! (no binary fixtures in the repository). Each is 6 seconds of `testsrc2` at 320x240 and 24
//! frames per second with a 440 Hz tone, a keyframe every second (GOP of 24 frames, no scene
//! cuts: keyframes at 0, 1, … 5 s, six in all) and, for H.264, B-frames (preset veryfast).
//!
//! Clips are kept in cargo's temporary folder for integration tests (`target/tmp/clips`), named
//! after a hash of their ffmpeg arguments: later runs reuse them, and a changed recipe makes a
//! new file. Each is written under a temporary name and renamed, so test processes running at
//! the same time never see half a clip.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The clips; see each variant for what is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Clip {
    /// MP4: H.264 High (`avc1`, 8-bit, B-frames), AAC LC stereo. Plays in every browser.
    Mp4H264Aac,
    /// Matroska: H.264 High, AC-3 5.1 (6 channels). The audio plays in Safari only.
    MkvH264Ac3,
    /// Matroska: H.264 High, DTS 5.1 (ffmpeg's experimental `dca` encoder). No browser plays DTS.
    MkvH264Dts,
    /// Matroska: HEVC Main 10 (`yuv420p10le`, 10-bit), AAC LC stereo.
    MkvHevc10Aac,
    /// MP4: HEVC Main (8-bit) tagged `hev1`, AAC LC stereo. Safari needs `hvc1`.
    Mp4HevcHev1,
    /// MP4: HEVC Main (8-bit) tagged `hvc1`, AAC LC stereo.
    Mp4HevcHvc1,
    /// AVI: MPEG-4 Part 2 (libxvid, FourCC `xvid`, no B-frames), MP3 stereo. No presentation
    /// times in the packets (the keyframe scan uses the decoding times).
    AviXvidMp3,
    /// WebM: VP9 Profile 0, Opus stereo.
    WebmVp9Opus,
    /// Matroska: H.264 High; audio 1 E-AC-3 5.1 `eng` (default), audio 2 AAC LC stereo `fra`;
    /// one SubRip subtitle `eng` (two cues). Streams 0 video, 1 and 2 audio, 3 subtitle.
    MkvTwoAudioSrt,
    /// MP4: H.264 High and AAC stereo with a PNG cover (a video stream with the `attached_pic`
    /// disposition; the MP4 muxer puts it last, stream 2).
    Mp4CoverArt,
}

impl Clip {
    pub const ALL: [Clip; 10] = [
        Clip::Mp4H264Aac,
        Clip::MkvH264Ac3,
        Clip::MkvH264Dts,
        Clip::MkvHevc10Aac,
        Clip::Mp4HevcHev1,
        Clip::Mp4HevcHvc1,
        Clip::AviXvidMp3,
        Clip::WebmVp9Opus,
        Clip::MkvTwoAudioSrt,
        Clip::Mp4CoverArt,
    ];

    /// Seconds of video.
    pub const SECONDS: f64 = 6.0;
    /// Keyframes in every clip (one per second).
    pub const KEYFRAMES: usize = 6;

    /// A file name for uploads, with the clip's extension.
    pub fn file_name(self) -> String {
        format!("{self:?}.{}", self.extension())
    }

    pub fn extension(self) -> &'static str {
        match self {
            Clip::Mp4H264Aac | Clip::Mp4HevcHev1 | Clip::Mp4HevcHvc1 | Clip::Mp4CoverArt => "mp4",
            Clip::MkvH264Ac3 | Clip::MkvH264Dts | Clip::MkvHevc10Aac | Clip::MkvTwoAudioSrt => {
                "mkv"
            }
            Clip::AviXvidMp3 => "avi",
            Clip::WebmVp9Opus => "webm",
        }
    }

    /// ffmpeg's arguments after the inputs of [`INPUTS`] (and, for some clips, extra inputs
    /// given here first).
    fn recipe(self) -> Vec<String> {
        const H264: &str = "-c:v libx264 -preset veryfast -pix_fmt yuv420p -x264-params keyint=24:min-keyint=24:scenecut=0";
        const HEVC: &str = "-c:v libx265 -preset ultrafast -x265-params keyint=24:min-keyint=24:scenecut=0:log-level=error";
        let text = match self {
            Clip::Mp4H264Aac => format!("-map 0:v -map 1:a {H264} -c:a aac -ac 2"),
            Clip::MkvH264Ac3 => format!("-map 0:v -map 1:a {H264} -c:a ac3 -ac 6"),
            Clip::MkvH264Dts => format!("-map 0:v -map 1:a {H264} -c:a dca -strict -2 -ac 6"),
            Clip::MkvHevc10Aac => {
                format!("-map 0:v -map 1:a {HEVC} -pix_fmt yuv420p10le -c:a aac -ac 2")
            }
            Clip::Mp4HevcHev1 => {
                format!("-map 0:v -map 1:a {HEVC} -pix_fmt yuv420p -tag:v hev1 -c:a aac -ac 2")
            }
            Clip::Mp4HevcHvc1 => {
                format!("-map 0:v -map 1:a {HEVC} -pix_fmt yuv420p -tag:v hvc1 -c:a aac -ac 2")
            }
            Clip::AviXvidMp3 => {
                "-map 0:v -map 1:a -c:v libxvid -g 24 -q:v 5 -c:a libmp3lame -ac 2".to_owned()
            }
            Clip::WebmVp9Opus => "-map 0:v -map 1:a -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 24 -keyint_min 24 -b:v 300k -c:a libopus -ac 2".to_owned(),
            Clip::MkvTwoAudioSrt => format!(
                "-i SUBTITLES -map 0:v -map 1:a -map 1:a -map 2:s {H264} \
                 -c:a:0 eac3 -ac:a:0 6 -c:a:1 aac -ac:a:1 2 -c:s srt \
                 -metadata:s:a:0 language=eng -metadata:s:a:1 language=fra \
                 -metadata:s:s:0 language=eng -disposition:a:0 default -disposition:a:1 0"
            ),
            Clip::Mp4CoverArt => format!(
                "-i COVER -map 0:v -map 1:a -map 2:v {H264} -c:a aac -ac 2 \
                 -c:v:1 png -disposition:v:1 attached_pic"
            ),
        };
        text.split_whitespace().map(str::to_owned).collect()
    }
}

/// Every clip's first inputs: the picture (0) and the tone (1).
const INPUTS: &str = "-f lavfi -i testsrc2=size=320x240:rate=24:duration=6 \
                      -f lavfi -i sine=frequency=440:sample_rate=48000:duration=6";

/// The subtitle muxed into [`Clip::MkvTwoAudioSrt`].
pub const SUBTITLES: &str =
    "1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:05,000\nWorld\n";

/// The clip's file, made on first use.
pub fn make(clip: Clip) -> PathBuf {
    static MADE: [OnceLock<PathBuf>; Clip::ALL.len()] =
        [const { OnceLock::new() }; Clip::ALL.len()];
    let slot = Clip::ALL.iter().position(|c| *c == clip).unwrap();
    MADE[slot].get_or_init(|| generate(clip)).clone()
}

/// The clip's bytes, for uploads.
pub fn bytes(clip: Clip) -> Vec<u8> {
    std::fs::read(make(clip)).unwrap()
}

fn folder() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("clips");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn generate(clip: Clip) -> PathBuf {
    let dir = folder();
    let mut args: Vec<String> = ["-v", "error", "-nostdin", "-y"]
        .map(str::to_owned)
        .to_vec();
    args.extend(INPUTS.split_whitespace().map(str::to_owned));
    args.extend(clip.recipe());
    let recipe = format!("{}\n{SUBTITLES}", args.join(" "));
    let key = hex::encode(&Sha256::digest(recipe.as_bytes())[..6]);
    let target = dir.join(format!("{clip:?}-{key}.{}", clip.extension()));
    if target.is_file() {
        return target;
    }
    let work = tempfile::TempDir::new_in(&dir).unwrap();
    let subtitles = work.path().join("subtitles.srt");
    std::fs::write(&subtitles, SUBTITLES).unwrap();
    let cover = work.path().join("cover.png");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i"])
        .arg("color=c=red:size=200x300:duration=1")
        .args(["-frames:v", "1"])
        .arg(&cover)
        .status()
        .expect("ffmpeg is installed (scripts/setup.sh installs it for the tests)");
    assert!(status.success(), "ffmpeg made the cover");
    let args: Vec<String> = args
        .into_iter()
        .map(|a| match a.as_str() {
            "SUBTITLES" => subtitles.display().to_string(),
            "COVER" => cover.display().to_string(),
            _ => a,
        })
        .collect();
    let partial = work.path().join(format!("clip.{}", clip.extension()));
    let out = std::process::Command::new("ffmpeg")
        .args(&args)
        .arg(&partial)
        .output()
        .expect("ffmpeg is installed (scripts/setup.sh installs it for the tests)");
    assert!(
        out.status.success(),
        "ffmpeg made {clip:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&partial, &target).unwrap();
    target
}

/// A longer film for playback sessions: one minute of Matroska, H.264 High with a keyframe
/// every 2 seconds (30 GOPs, copied video makes ten 6-second segments) and AC-3 stereo (which
/// Chromium does not play, so sessions convert the audio).
pub fn minute_mkv() -> PathBuf {
    static MADE: OnceLock<PathBuf> = OnceLock::new();
    MADE.get_or_init(|| {
        let args = "-v error -nostdin -y \
            -f lavfi -i testsrc2=size=320x240:rate=24:duration=60 \
            -f lavfi -i sine=frequency=440:sample_rate=48000:duration=60 \
            -map 0:v -map 1:a -c:v libx264 -preset veryfast -pix_fmt yuv420p \
            -x264-params keyint=48:min-keyint=48:scenecut=0 -c:a ac3 -ac 2";
        let key = hex::encode(&Sha256::digest(args.as_bytes())[..6]);
        let target = folder().join(format!("minute-{key}.mkv"));
        if !target.is_file() {
            let work = tempfile::TempDir::new_in(folder()).unwrap();
            let partial = work.path().join("clip.mkv");
            let out = std::process::Command::new("ffmpeg")
                .args(args.split_whitespace())
                .arg(&partial)
                .output()
                .expect("ffmpeg is installed (scripts/setup.sh installs it for the tests)");
            assert!(
                out.status.success(),
                "ffmpeg made the minute: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::rename(&partial, &target).unwrap();
        }
        target
    })
    .clone()
}
