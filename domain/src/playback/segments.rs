//! Which HLS segments a file is cut into, and where ffmpeg must start to make any of them.
//!
//! One ffmpeg per playback writes one fragmented-MP4 file per GOP (`g<N>.m4s`, cut at every
//! keyframe, numbered from `-start_number`); an HTTP segment is a run of consecutive GOP files
//! served one after the other. When the viewer jumps ahead, ffmpeg is restarted at the first
//! GOP of the wanted segment, with `-copyts` so the fragments keep the file's timestamps.
//!
//! - Copied video ([`plan_copy`]): segments follow the keyframe index, about 6 s each.
//! - Converted video ([`plan_transcode`]): fixed 4 s segments, one GOP each, with keyframes
//!   forced on that grid ([`SegmentPlan::forced_keyframes`]) so a restart lands on it too.
//!
//! Times in a plan are on the playlist's timeline, which starts at 0 at the file's start time
//! (ffprobe's format `start_time`: 0 for most MKV and MP4 files, often 1.4 s for MPEG-TS).

use std::fmt;
use std::ops::Range;

use crate::media::codecs::Container;
use crate::media::probe::MediaProbe;

/// Length a segment of copied video reaches before it ends at the next keyframe.
pub const COPY_TARGET: f64 = 6.0;
/// Length of a segment of converted video.
pub const TRANSCODE_SEGMENT: f64 = 4.0;
/// A segment boundary needs GOPs at least this long on both sides, so that ffmpeg can be
/// pointed inside the GOP whatever way its demuxer seeks (see [`SegmentPlan::seek`]).
pub const MIN_RESTART_GOP: f64 = 0.3;
/// How far before a converted segment's start ffmpeg seeks in a file searched by timestamp, so
/// that decoding starts at a keyframe before it (Blu-ray and broadcast GOPs are 0.5 to 2 s).
pub const SEARCH_PREROLL: f64 = 5.0;
/// The shortest last segment of a fixed plan.
pub const MIN_TAIL: f64 = 1.0;
/// Keyframes per second past which copied video is not cut (all-intra video would write one
/// file per frame).
const MAX_KEYFRAME_RATE: f64 = 4.0;
/// Forced keyframes listed at most on one command line (about 6.7 hours of 4 s segments, some
/// 60 kB, well under Linux's 128 kB limit for one argument).
const MAX_FORCED_KEYFRAMES: usize = 6000;

/// How ffmpeg's demuxer finds a time in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekStyle {
    /// Through an index of keyframes (MP4, Matroska): it lands on the last keyframe at or
    /// before the target, but for Matroska with B-frames ffmpeg first moves the target 3/23 s
    /// earlier (its "DTS heuristic").
    Index,
    /// By searching timestamps in the stream (MPEG-TS, MPEG-PS): it lands near the target and
    /// output begins at the first keyframe after it.
    Search,
}

/// What a plan needs to know about the file's timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeline {
    /// The file's start time (ffprobe's format `start_time`).
    pub origin: f64,
    pub duration: f64,
    pub seek: SeekStyle,
}

impl Timeline {
    /// None when ffprobe found no duration.
    pub fn of(probe: &MediaProbe) -> Option<Timeline> {
        let duration = probe.duration.filter(|d| *d > 0.0 && d.is_finite())?;
        let seek = match Container::of(&probe.container) {
            Container::MpegTs | Container::MpegPs => SeekStyle::Search,
            _ => SeekStyle::Index,
        };
        Some(Timeline {
            origin: probe.start_time.filter(|s| s.is_finite()).unwrap_or(0.0),
            duration,
            seek,
        })
    }
}

/// One HTTP segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Seconds on the playlist's timeline.
    pub start: f64,
    pub duration: f64,
    /// The GOP files it is made of.
    pub gops: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentPlan {
    segments: Vec<Segment>,
    timeline: Timeline,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// Keyframe times on the playlist's timeline, not clamped.
    Copy { keyframes: Vec<f64> },
    Fixed {
        length: f64,
        /// The source's keyframes on the playlist's timeline, for seeks by timestamp search.
        source: Vec<f64>,
    },
}

/// Why copied video cannot be cut: the caller converts it instead
/// ([`super::decision::Decision::transcode_instead`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    NoKeyframes,
    /// More than four keyframes a second on average.
    KeyframesTooDense,
}

impl PlanError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoKeyframes => "no_keyframes",
            Self::KeyframesTooDense => "keyframes_too_dense",
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKeyframes => f.write_str("The video has no keyframe index."),
            Self::KeyframesTooDense => {
                f.write_str("The video has too many keyframes to be cut at.")
            }
        }
    }
}

impl std::error::Error for PlanError {}

/// Segments for copied video: each ends at the first keyframe at least `target` seconds after
/// its start (a GOP longer than that is a segment alone), at a keyframe with GOPs of at least
/// [`MIN_RESTART_GOP`] on both sides; the last ends at the duration.
///
/// `keyframes` are as ffprobe printed them (the file's own timestamps, [`crate::media::keyframes`]);
/// GOP `i` is the one starting at `keyframes[i]`, as ffmpeg numbers its fragments.
///
/// The first segment starts at 0 even when the first keyframe comes later (video starting
/// after the audio, or an MKV whose first frame is at 0.021 s): it covers that lead-in, which
/// ffmpeg writes into the first fragment with whatever audio precedes the first keyframe.
/// Durations add up exactly to the duration.
pub fn plan_copy(
    keyframes: &[f64],
    timeline: &Timeline,
    target: f64,
) -> Result<SegmentPlan, PlanError> {
    let mut keyframes: Vec<f64> = keyframes
        .iter()
        .filter(|k| k.is_finite())
        .map(|k| k - timeline.origin)
        .collect();
    keyframes.sort_by(f64::total_cmp);
    if keyframes.is_empty() {
        return Err(PlanError::NoKeyframes);
    }
    let duration = timeline.duration;
    if keyframes.len() as f64 > duration.max(1.0) * MAX_KEYFRAME_RATE {
        return Err(PlanError::KeyframesTooDense);
    }
    let starts: Vec<f64> = std::iter::once(0.0)
        .chain(keyframes[1..].iter().map(|k| k.clamp(0.0, duration)))
        .collect();
    let n = starts.len();
    let gop_len = |i: usize| starts.get(i + 1).copied().unwrap_or(duration) - starts[i];
    let mut segments = Vec::new();
    let mut first = 0;
    for j in 1..n {
        let long_enough = starts[j] - starts[first] >= target - 1e-6;
        let restartable = gop_len(j - 1) >= MIN_RESTART_GOP && gop_len(j) >= MIN_RESTART_GOP;
        if long_enough && restartable {
            segments.push(Segment {
                start: starts[first],
                duration: starts[j] - starts[first],
                gops: first..j,
            });
            first = j;
        }
    }
    segments.push(Segment {
        start: starts[first],
        duration: duration - starts[first],
        gops: first..n,
    });
    Ok(SegmentPlan {
        segments,
        timeline: *timeline,
        kind: Kind::Copy { keyframes },
    })
}

/// Fixed segments for converted video (or audio alone): GOP `i` is segment `i`, `length`
/// seconds long. The last one takes the rest; a rest under [`MIN_TAIL`] joins the segment
/// before, since the video may well end before the file does and a GOP forced there would
/// then never be written.
pub fn plan_transcode(timeline: &Timeline, length: f64) -> SegmentPlan {
    let length = if length.is_finite() && length > 0.0 {
        length
    } else {
        TRANSCODE_SEGMENT
    };
    let duration = timeline.duration.max(0.0);
    let mut count = ((duration / length) - 1e-9).ceil().max(1.0) as usize;
    if count > 1 && duration - (count - 1) as f64 * length < MIN_TAIL {
        count -= 1;
    }
    let segments = (0..count)
        .map(|i| {
            let start = i as f64 * length;
            Segment {
                start,
                duration: if i + 1 == count {
                    duration
                } else {
                    (i + 1) as f64 * length
                } - start,
                gops: i..i + 1,
            }
        })
        .collect();
    SegmentPlan {
        segments,
        timeline: *timeline,
        kind: Kind::Fixed {
            length,
            source: Vec::new(),
        },
    }
}

impl SegmentPlan {
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Never 0.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    pub fn duration(&self) -> f64 {
        self.timeline.duration
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Whether segments follow the keyframe index (copied video).
    pub fn is_copy(&self) -> bool {
        matches!(self.kind, Kind::Copy { .. })
    }

    /// The segment length of a fixed plan.
    pub fn fixed_length(&self) -> Option<f64> {
        match self.kind {
            Kind::Fixed { length, .. } => Some(length),
            Kind::Copy { .. } => None,
        }
    }

    /// The segment playing at `time` (playlist timeline); times outside give the first or the
    /// last segment.
    pub fn segment_at(&self, time: f64) -> usize {
        if time.is_nan() {
            return 0;
        }
        self.segments
            .partition_point(|s| s.start <= time)
            .saturating_sub(1)
    }

    /// The GOP files segment `segment` is made of; empty for a segment that does not exist.
    pub fn gops(&self, segment: usize) -> Range<usize> {
        self.segments.get(segment).map_or(0..0, |s| s.gops.clone())
    }

    pub fn start(&self, segment: usize) -> Option<f64> {
        self.segments.get(segment).map(|s| s.start)
    }

    /// The segment GOP `gop` belongs to.
    pub fn segment_of_gop(&self, gop: usize) -> Option<usize> {
        let i = self.segments.partition_point(|s| s.gops.end <= gop);
        (i < self.segments.len()).then_some(i)
    }

    pub fn gop_count(&self) -> usize {
        self.segments.last().map_or(0, |s| s.gops.end)
    }

    /// The `-ss` (seconds from the file's start, as ffmpeg counts input seeks) that makes ffmpeg
    /// begin with GOP `gop`; None for GOP 0, which needs no seek. Exact at the first GOP of a
    /// segment, which is where sessions are started.
    ///
    /// Copied video: ffmpeg outputs from the keyframe its demuxer lands on, so the target is
    /// put inside the wanted GOP. For an index, 0.135 s after the keyframe: past ffmpeg's 3/23 s
    /// pull-back for Matroska with B-frames, short of the next keyframe. For a timestamp search,
    /// a little before the keyframe (at most 0.25 s, at most half the previous GOP), since
    /// output starts at the first keyframe after where the search lands.
    ///
    /// Fixed segments: the segment's start; with an index ffmpeg decodes from the keyframe before
    /// it and drops what comes earlier. A timestamp search would start decoding at the first
    /// keyframe *after* where it lands, losing the frames up to it: there the seek goes a little
    /// before the source's keyframe at or before the segment (given with
    /// [`SegmentPlan::with_source_keyframes`]; without them [`SEARCH_PREROLL`] earlier), and
    /// frames are dropped by [`SegmentPlan::trim`] instead.
    pub fn seek(&self, gop: usize) -> Option<f64> {
        if gop == 0 || gop >= self.gop_count() {
            return None;
        }
        match &self.kind {
            Kind::Fixed { length, source } => {
                let start = gop as f64 * length;
                Some(match self.timeline.seek {
                    SeekStyle::Index => start,
                    SeekStyle::Search => match source.partition_point(|k| *k <= start + 1e-6) {
                        0 => (start - SEARCH_PREROLL).max(0.0),
                        i => before_keyframe(source, i - 1),
                    },
                })
            }
            Kind::Copy { keyframes } => Some(match self.timeline.seek {
                SeekStyle::Index => keyframes[gop] + 0.135,
                SeekStyle::Search => before_keyframe(keyframes, gop),
            }),
        }
    }

    /// The source's keyframes (as ffprobe printed them), which make seeks in a file searched by
    /// timestamp exact for converted segments too. Copy plans already have them.
    pub fn with_source_keyframes(mut self, keyframes: &[f64]) -> SegmentPlan {
        let origin = self.timeline.origin;
        if let Kind::Fixed { source, .. } = &mut self.kind {
            *source = keyframes
                .iter()
                .filter(|k| k.is_finite())
                .map(|k| k - origin)
                .collect();
            source.sort_by(f64::total_cmp);
        }
        self
    }

    /// For converted segments of a file searched by timestamp, the time (the file's own, as
    /// `-copyts` keeps it) before which decoded frames and audio are dropped with `trim` and
    /// `atrim`, since the seek itself lands earlier. None otherwise, and for GOP 0.
    pub fn trim(&self, gop: usize) -> Option<f64> {
        match self.kind {
            Kind::Fixed { length, .. } if self.timeline.seek == SeekStyle::Search => {
                self.seek(gop)?;
                Some(self.timeline.origin + gop as f64 * length)
            }
            _ => None,
        }
    }

    /// For converted video, ffmpeg's `-force_key_frames` list from GOP `from` on: the absolute
    /// times (the file's timestamps, as `-copyts` keeps them) of every segment start. A list
    /// rather than an expression because ffmpeg counts an expression's `t` from the first frame
    /// it encodes, which differs from one restart to the next. None for copied video.
    pub fn forced_keyframes(&self, from: usize) -> Option<String> {
        let Kind::Fixed { length, .. } = self.kind else {
            return None;
        };
        let times: Vec<String> = (from..self.gop_count())
            .take(MAX_FORCED_KEYFRAMES)
            .map(|i| format!("{:.3}", self.timeline.origin + i as f64 * length))
            .collect();
        Some(times.join(","))
    }
}

/// A seek target a timestamp search lands on just before keyframe `i` (and after keyframe
/// `i - 1`): at most 0.25 s before it, at most half the GOP before it.
fn before_keyframe(keyframes: &[f64], i: usize) -> f64 {
    let at = keyframes[i];
    let gap = if i > 0 { at - keyframes[i - 1] } else { 0.5 };
    (at - (0.5 * gap).clamp(0.0, 0.25)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::keyframes::parse_keyframes;
    use crate::media::probe::parse_probe;
    use crate::media::samples::{MKV_H264_AC3_AAC_SUBS, TS_H264_AC3};

    fn timeline(origin: f64, duration: f64) -> Timeline {
        Timeline {
            origin,
            duration,
            seek: SeekStyle::Index,
        }
    }

    fn shape(plan: &SegmentPlan) -> Vec<(f64, f64, Range<usize>)> {
        plan.segments()
            .iter()
            .map(|s| {
                (
                    (s.start * 1000.0).round() / 1000.0,
                    (s.duration * 1000.0).round() / 1000.0,
                    s.gops.clone(),
                )
            })
            .collect()
    }

    fn total(plan: &SegmentPlan) -> f64 {
        plan.segments().iter().map(|s| s.duration).sum()
    }

    /// Keyframes of a real 40 s MKV (forced at 0, 2, 3.5, 10, 11, 19, 25.5, 26, 33 s; the
    /// first frame is at 0.005 s), as `ffprobe … packet=pts_time,dts_time,flags` printed them.
    const IRREGULAR: [f64; 9] = [
        0.005, 2.005, 3.505, 10.005, 11.005, 19.005, 25.505, 26.005, 33.005,
    ];

    #[test]
    fn copy_segments_follow_the_keyframes() {
        let plan = plan_copy(&IRREGULAR, &timeline(0.0, 40.005), COPY_TARGET).unwrap();
        assert_eq!(
            shape(&plan),
            [
                // 0 → 10.005: 2.005 and 3.505 come less than 6 s after the start.
                (0.0, 10.005, 0..3),
                // 11.005 is only 1 s in; 19.005 ends the segment after an 8 s GOP.
                (10.005, 9.0, 3..5),
                // A GOP longer than the target is a segment alone.
                (19.005, 6.5, 5..6),
                (25.505, 7.5, 6..8),
                (33.005, 7.0, 8..9),
            ]
        );
        assert!((total(&plan) - 40.005).abs() < 1e-9);
        assert_eq!(plan.gop_count(), 9);
        assert!(plan.is_copy());
    }

    #[test]
    fn segments_are_about_six_seconds_with_regular_keyframes() {
        // A real 60 s MKV with a keyframe every 5 s from 0.021 s.
        let keyframes: Vec<f64> = (0..12).map(|i| 0.021 + 5.0 * f64::from(i)).collect();
        let plan = plan_copy(&keyframes, &timeline(0.0, 60.021), COPY_TARGET).unwrap();
        let lengths: Vec<f64> = plan
            .segments()
            .iter()
            .map(|s| (s.duration * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(lengths, [10.021, 10.0, 10.0, 10.0, 10.0, 10.0]);
        // Keyframes every 2 s: 6 s segments of three GOPs.
        let keyframes: Vec<f64> = (0..30).map(|i| 2.0 * f64::from(i)).collect();
        let plan = plan_copy(&keyframes, &timeline(0.0, 59.5), COPY_TARGET).unwrap();
        assert_eq!(plan.len(), 10);
        assert!(
            plan.segments()[..9]
                .iter()
                .all(|s| (s.duration - 6.0).abs() < 1e-9 && s.gops.len() == 3)
        );
        assert!((plan.segments()[9].duration - 5.5).abs() < 1e-9);
    }

    #[test]
    fn short_gops_are_never_a_boundary() {
        // 19.9 s is 6 s after 13.9 but only 0.1 s before the next keyframe: ffmpeg could not be
        // restarted there reliably, so the segment runs on to 20.
        let keyframes = [0.0, 6.0, 13.9, 19.9, 20.0, 26.5];
        let plan = plan_copy(&keyframes, &timeline(0.0, 30.0), COPY_TARGET).unwrap();
        assert_eq!(
            shape(&plan),
            [
                (0.0, 6.0, 0..1),
                (6.0, 7.9, 1..2),
                (13.9, 12.6, 2..5),
                (26.5, 3.5, 5..6)
            ]
        );
    }

    #[test]
    fn a_late_first_keyframe_and_an_offset_timeline() {
        // Video starting 1.5 s after the audio: the first segment covers the lead-in.
        let plan = plan_copy(&[1.5, 8.0], &timeline(0.0, 12.0), COPY_TARGET).unwrap();
        assert_eq!(shape(&plan), [(0.0, 8.0, 0..1), (8.0, 4.0, 1..2)]);

        // The real MPEG-TS: its timeline starts at 1.478089 s.
        let p = parse_probe(TS_H264_AC3.as_bytes()).unwrap();
        let t = Timeline::of(&p).unwrap();
        assert_eq!(t.seek, SeekStyle::Search);
        let keyframes = [
            1.483422, 3.485422, 4.986922, 11.493422, 12.494422, 20.502422, 26.967211, 27.467711,
            34.474711,
        ];
        let plan = plan_copy(&keyframes, &t, COPY_TARGET).unwrap();
        assert_eq!(
            plan.start(1).map(|s| (s * 1e6).round() / 1e6),
            Some(10.015333)
        );
        assert!((total(&plan) - 40.003622).abs() < 1e-9);
    }

    #[test]
    fn a_single_keyframe_and_keyframes_past_the_end() {
        let plan = plan_copy(&[0.0], &timeline(0.0, 2.002), COPY_TARGET).unwrap();
        assert_eq!(shape(&plan), [(0.0, 2.002, 0..1)]);
        // Keyframe times a little past the format's duration stay in the last segment (their
        // GOP files exist, empty of playlist time).
        let plan = plan_copy(&[0.0, 6.0, 12.0, 12.01], &timeline(0.0, 12.0), COPY_TARGET).unwrap();
        assert_eq!(shape(&plan), [(0.0, 6.0, 0..1), (6.0, 6.0, 1..4)]);
        // Unsorted input and negative times (an MP4 edit list) are handled.
        let plan = plan_copy(&[7.0, -0.042, 0.0], &timeline(0.0, 9.0), COPY_TARGET).unwrap();
        assert_eq!(shape(&plan), [(0.0, 7.0, 0..2), (7.0, 2.0, 2..3)]);
    }

    #[test]
    fn unusable_keyframe_indexes() {
        assert_eq!(
            plan_copy(&[], &timeline(0.0, 10.0), COPY_TARGET),
            Err(PlanError::NoKeyframes)
        );
        // All-intra: a keyframe every frame.
        let every_frame: Vec<f64> = (0..240).map(|i| f64::from(i) / 24.0).collect();
        let err = plan_copy(&every_frame, &timeline(0.0, 10.0), COPY_TARGET).unwrap_err();
        assert_eq!(err.code(), "keyframes_too_dense");
    }

    #[test]
    fn transcode_segments_are_fixed() {
        let plan = plan_transcode(&timeline(0.0, 10.041667), TRANSCODE_SEGMENT);
        assert_eq!(
            shape(&plan),
            [(0.0, 4.0, 0..1), (4.0, 4.0, 1..2), (8.0, 2.042, 2..3)]
        );
        assert_eq!(plan_transcode(&timeline(0.0, 8.0), 4.0).len(), 2);
        assert_eq!(plan_transcode(&timeline(0.0, 0.5), 4.0).len(), 1);
        // A rest of 3.6 ms joins the last segment.
        let plan = plan_transcode(&timeline(0.0, 40.003622), 4.0);
        assert_eq!(plan.len(), 10);
        assert!((plan.segments()[9].duration - 4.003622).abs() < 1e-9);
        assert_eq!(plan_transcode(&timeline(0.0, 9.0), 4.0).len(), 3);
        assert_eq!(
            plan_transcode(&timeline(0.0, 8.0), -1.0).fixed_length(),
            Some(TRANSCODE_SEGMENT)
        );
        assert!(!plan_transcode(&timeline(0.0, 8.0), 4.0).is_copy());
        // A two-hour film.
        let plan = plan_transcode(&timeline(0.0, 7260.512), 4.0);
        assert_eq!(plan.len(), 1815);
        assert!((total(&plan) - 7260.512).abs() < 1e-6);
    }

    #[test]
    fn finding_segments_and_gops() {
        let plan = plan_copy(&IRREGULAR, &timeline(0.0, 40.005), COPY_TARGET).unwrap();
        assert_eq!(plan.segment_at(0.0), 0);
        assert_eq!(plan.segment_at(10.004), 0);
        assert_eq!(plan.segment_at(10.005), 1);
        assert_eq!(plan.segment_at(39.0), 4);
        assert_eq!(plan.segment_at(1e9), 4);
        assert_eq!(plan.segment_at(-3.0), 0);
        assert_eq!(plan.segment_at(f64::NAN), 0);
        assert_eq!(plan.gops(1), 3..5);
        assert_eq!(plan.gops(9), 0..0);
        assert_eq!(plan.start(2), Some(19.005));
        assert_eq!(plan.start(5), None);
        assert_eq!(plan.segment_of_gop(0), Some(0));
        assert_eq!(plan.segment_of_gop(4), Some(1));
        assert_eq!(plan.segment_of_gop(8), Some(4));
        assert_eq!(plan.segment_of_gop(9), None);
        let fixed = plan_transcode(&timeline(0.0, 10.0), 4.0);
        assert_eq!(
            (
                fixed.segment_at(7.9),
                fixed.gops(2),
                fixed.segment_of_gop(2)
            ),
            (1, 2..3, Some(2))
        );
    }

    #[test]
    fn seeks_that_land_on_the_wanted_gop() {
        // Values checked with ffmpeg 5.1 (see the module's report): an MKV with B-frames lands
        // on keyframe k for -ss k+0.135; an MPEG-TS for k minus up to 0.25 s.
        let plan = plan_copy(&IRREGULAR, &timeline(0.0, 40.005), COPY_TARGET).unwrap();
        let ss = |gop| plan.seek(gop).map(|s| (s * 1000.0).round() / 1000.0);
        assert_eq!(ss(0), None);
        assert_eq!(ss(3), Some(10.14));
        assert_eq!(ss(5), Some(19.14));
        assert_eq!(ss(9), None);

        let p = parse_probe(TS_H264_AC3.as_bytes()).unwrap();
        let keyframes = [1.483422, 3.485422, 4.986922, 11.493422];
        let plan = plan_copy(&keyframes, &Timeline::of(&p).unwrap(), 1.0).unwrap();
        let ss = |gop| plan.seek(gop).map(|s| (s * 1e6).round() / 1e6);
        assert_eq!(ss(1), Some(1.757333));
        // Half the previous 1.5 s GOP is more than 0.25 s: 0.25 s before.
        assert_eq!(ss(2), Some(3.258833));
        assert_eq!(ss(3), Some(9.765333));

        let fixed = plan_transcode(&timeline(0.0, 60.0), 4.0);
        assert_eq!(
            (fixed.seek(0), fixed.seek(5), fixed.seek(15)),
            (None, Some(20.0), None)
        );
        assert_eq!(fixed.trim(5), None);
        // Converted MPEG-TS: seek 5 s early, drop up to the segment's start (file timestamps).
        let ts = plan_transcode(&Timeline::of(&p).unwrap(), 4.0);
        assert_eq!((ts.seek(1), ts.seek(3)), (Some(0.0), Some(7.0)));
        let trim = ts.trim(3).map(|t| (t * 1e6).round() / 1e6);
        assert_eq!((ts.trim(0), trim), (None, Some(13.478089)));
        // With the source's keyframes: just before the one at or before the segment's start
        // (here 10.015 s on the playlist's timeline for segment 3 at 12 s).
        let ts = ts.with_source_keyframes(&keyframes);
        let ss = |gop| ts.seek(gop).map(|s| (s * 1e6).round() / 1e6);
        assert_eq!((ss(1), ss(3)), (Some(3.258833), Some(9.765333)));
        assert_eq!(ts.trim(3).map(|t| (t * 1e6).round() / 1e6), Some(13.478089));
        assert_eq!(plan.trim(1), None);
    }

    #[test]
    fn forced_keyframes_stay_on_the_absolute_grid() {
        let fixed = plan_transcode(&timeline(0.0, 18.0), 4.0);
        assert_eq!(
            fixed.forced_keyframes(0).unwrap(),
            "0.000,4.000,8.000,12.000,16.000"
        );
        assert_eq!(fixed.forced_keyframes(3).unwrap(), "12.000,16.000");
        let ts = plan_transcode(&timeline(1.478089, 10.0), 4.0);
        assert_eq!(ts.forced_keyframes(1).unwrap(), "5.478,9.478");
        let copy = plan_copy(&IRREGULAR, &timeline(0.0, 40.005), COPY_TARGET).unwrap();
        assert_eq!(copy.forced_keyframes(0), None);
        let long = plan_transcode(&timeline(0.0, 100_000.0), 4.0);
        let list = long.forced_keyframes(0).unwrap();
        assert_eq!(list.split(',').count(), MAX_FORCED_KEYFRAMES);
        assert!(list.len() < 128 * 1024);
    }

    #[test]
    fn a_real_scan_and_probe_together() {
        let p = parse_probe(MKV_H264_AC3_AAC_SUBS.as_bytes()).unwrap();
        let scan =
            "0.021000,N/A,K_\n0.188000,N/A,__\n5.021000,4.938000,K_\n10.021000,9.938000,K_\n";
        let plan = plan_copy(
            &parse_keyframes(scan),
            &Timeline::of(&p).unwrap(),
            COPY_TARGET,
        )
        .unwrap();
        assert_eq!(shape(&plan), [(0.0, 10.021, 0..2), (10.021, 50.0, 2..3)]);
    }
}
