//! The keyframe index of a video: when each keyframe is shown, from an ffprobe packet scan.
//! Copied video can only be cut at keyframes, so the HLS segments of a remux follow this index,
//! and ffmpeg writes one fragment per keyframe (GOP) numbered like it.
//!
//! A two-hour film has some 170,000 video packets but only a few thousand keyframes: the scan's
//! output is read line by line ([`keyframe_time`]) and only keyframes are kept. For the
//! database the index is stored as whole milliseconds, delta-encoded ([`encode`]).

use std::fmt;

/// Entries [`decode`] accepts at most: ten hours with a keyframe every 36 ms.
pub const MAX_KEYFRAMES: usize = 1_000_000;

/// ffprobe's arguments for the scan of the video stream with this absolute index (an index,
/// not `v:0`, since cover art is a video stream too). Its output goes to [`parse_keyframes`].
pub fn ffprobe_args(input: &str, video_index: usize) -> Vec<String> {
    let mut args = [
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-select_streams",
        &video_index.to_string(),
        "-show_entries",
        "packet=pts_time,dts_time,flags",
        "-of",
        "csv=p=0",
    ]
    .map(str::to_owned)
    .to_vec();
    let (options, input) = crate::media::input(input);
    args.extend(options);
    args.push(input);
    args
}

/// The time of a keyframe from one line of the scan (`5.006000,N/A,K_`, or `5.006000,K_` when
/// only pts_time was asked for); None for other frames and unreadable lines. When the pts is
/// `N/A` (AVI) the dts is used.
pub fn keyframe_time(line: &str) -> Option<f64> {
    let mut fields = line.trim().split(',');
    let pts = fields.next()?;
    let rest: Vec<&str> = fields.collect();
    let (flags, dts) = match rest.as_slice() {
        [flags] => (*flags, None),
        [dts, flags, ..] => (*flags, Some(*dts)),
        [] => return None,
    };
    if !flags.starts_with('K') {
        return None;
    }
    let time = |s: &str| s.trim().parse::<f64>().ok().filter(|t| t.is_finite());
    time(pts).or_else(|| dts.and_then(time))
}

/// All keyframe times of a scan's output, sorted, without duplicates.
pub fn parse_keyframes(csv: &str) -> Vec<f64> {
    normalize(csv.lines().filter_map(keyframe_time).collect())
}

/// Sorts and deduplicates times collected with [`keyframe_time`]. Packets come in decoding
/// order, and B-frames make presentation times go back and forth.
pub fn normalize(mut times: Vec<f64>) -> Vec<f64> {
    times.retain(|t| t.is_finite());
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// The index as text for the database: whole milliseconds, the first one as it is and every
/// other as the gap since the previous one (`"21,5000,5000"`). A two-hour film with a keyframe
/// every 2 s takes about 18 kB.
pub fn encode(keyframes: &[f64]) -> String {
    let mut out = String::with_capacity(keyframes.len() * 5);
    let mut previous = 0i64;
    for (i, t) in keyframes.iter().enumerate() {
        let ms = (t * 1000.0).round() as i64;
        if i > 0 {
            out.push(',');
        }
        out.push_str(&(ms - previous).to_string());
        previous = ms;
    }
    out
}

/// Why a stored index could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyframeError {
    /// Something else than comma-separated whole numbers, or a gap that goes back in time.
    Malformed,
    /// More than [`MAX_KEYFRAMES`] entries.
    TooMany,
}

impl KeyframeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "keyframes_malformed",
            Self::TooMany => "too_many_keyframes",
        }
    }
}

impl fmt::Display for KeyframeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("The stored keyframe index is not readable."),
            Self::TooMany => write!(
                f,
                "The keyframe index has more than {MAX_KEYFRAMES} entries."
            ),
        }
    }
}

impl std::error::Error for KeyframeError {}

/// Reads what [`encode`] wrote, in seconds.
pub fn decode(text: &str) -> Result<Vec<f64>, KeyframeError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut at = 0i64;
    for (i, field) in text.split(',').enumerate() {
        if i == MAX_KEYFRAMES {
            return Err(KeyframeError::TooMany);
        }
        // The first time may be negative (an MP4 edit list); gaps never are.
        let digits = if i == 0 {
            field.strip_prefix('-').unwrap_or(field)
        } else {
            field
        };
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KeyframeError::Malformed);
        }
        let value: i64 = field.parse().map_err(|_| KeyframeError::Malformed)?;
        at = at.checked_add(value).ok_or(KeyframeError::Malformed)?;
        out.push(at as f64 / 1000.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of a real scan of a 40 s MKV (H.264 with B-frames, keyframes forced at 0, 2,
    /// 3.5, 10, …): `ffprobe -v error -select_streams 0 -show_entries
    /// packet=pts_time,dts_time,flags -of csv=p=0`. Packets come in decoding order.
    const MKV_SCAN: &str = "0.005000,N/A,K_
0.172000,N/A,__
0.088000,0.005000,__
0.047000,0.047000,__
0.130000,0.088000,__
0.338000,0.130000,__
1.963000,1.880000,__
2.005000,1.922000,K_
2.172000,1.963000,__
2.088000,2.005000,__
3.505000,3.422000,K_
3.672000,3.463000,__
39.963000,39.797000,__
39.880000,39.838000,__
";

    /// An AVI has no presentation times: the decoding time is used.
    const AVI_SCAN: &str = "N/A,0.000000,K_
N/A,0.041708,__
N/A,1.960292,__
N/A,2.002000,K_
N/A,2.043708,__
";

    #[test]
    fn keyframes_of_a_real_scan() {
        assert_eq!(parse_keyframes(MKV_SCAN), [0.005, 2.005, 3.505]);
        assert_eq!(parse_keyframes(AVI_SCAN), [0.0, 2.002]);
    }

    #[test]
    fn the_two_field_form_of_the_issue_reads_too() {
        let scan = "5.047000,__\n5.006000,K_\n0.000000,K_\nN/A,K_\n\n,K_\nK_\n7.1,KD\n7.1,K_C\n";
        assert_eq!(parse_keyframes(scan), [0.0, 5.006, 7.1]);
    }

    #[test]
    fn lines_that_are_not_keyframes_give_nothing() {
        for line in [
            "",
            "   ",
            "garbage",
            "1.0",
            "1.0,__",
            "1.0,N/A,__",
            "x,y,K_",
            "inf,K_",
            "NaN,K_",
        ] {
            assert_eq!(keyframe_time(line), None, "{line:?}");
        }
        assert_eq!(keyframe_time("  12.5,N/A,K_\r"), Some(12.5));
    }

    #[test]
    fn sorted_and_deduplicated() {
        assert_eq!(
            normalize(vec![4.0, 1.0, f64::NAN, 4.0, 2.0]),
            [1.0, 2.0, 4.0]
        );
    }

    #[test]
    fn storage_round_trips_to_the_millisecond() {
        let keyframes = [-0.021, 0.005, 2.005, 3.5035, 10.010_01, 7199.999];
        let text = encode(&keyframes);
        assert_eq!(text, "-21,26,2000,1499,6506,7189989");
        let back = decode(&text).unwrap();
        assert_eq!(back.len(), keyframes.len());
        for (a, b) in back.iter().zip(keyframes) {
            assert!((a - b).abs() <= 0.0005 + 1e-9, "{a} vs {b}");
        }
        assert_eq!(encode(&back), text);
        assert_eq!(decode("").unwrap(), Vec::<f64>::new());
        assert_eq!(encode(&[]), "");
    }

    #[test]
    fn keyframes_closer_than_a_millisecond_keep_their_place() {
        // GOP numbers must match ffmpeg's fragments: a zero gap is stored, not merged.
        let text = encode(&[1.0, 1.0004, 2.0]);
        assert_eq!(text, "1000,0,1000");
        assert_eq!(decode(&text).unwrap().len(), 3);
    }

    #[test]
    fn a_two_hour_index_is_small() {
        let keyframes: Vec<f64> = (0..3600).map(|i| f64::from(i) * 2.002).collect();
        let text = encode(&keyframes);
        assert!(text.len() < 20_000, "{}", text.len());
        assert_eq!(decode(&text).unwrap().len(), 3600);
    }

    #[test]
    fn damaged_storage_is_refused() {
        for bad in [
            "1,,2",
            "1,-2",
            "a",
            "1.5",
            "1, 2",
            ",",
            "-",
            "1,2,",
            "9999999999999",
        ] {
            assert_eq!(decode(bad), Err(KeyframeError::Malformed), "{bad:?}");
        }
        let too_many = vec!["1"; MAX_KEYFRAMES + 1].join(",");
        assert_eq!(decode(&too_many), Err(KeyframeError::TooMany));
        assert_eq!(KeyframeError::TooMany.code(), "too_many_keyframes");
    }

    #[test]
    fn the_scan_reads_one_stream_of_a_plain_file() {
        let args = ffprobe_args("/m/a.mkv", 3);
        assert!(args.windows(2).any(|w| w == ["-select_streams", "3"]));
        assert!(
            args.windows(2)
                .any(|w| w == ["-protocol_whitelist", "file"])
        );
        assert_eq!(args.last().unwrap(), "file:/m/a.mkv");
    }
}
