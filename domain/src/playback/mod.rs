//! Every movie plays in every browser: as it is when the browser can, otherwise as HLS made on
//! the fly by one ffmpeg per playback, with the streams copied where the browser takes them.
//!
//! The server's steps, all decided here:
//! 1. at upload, [`crate::media::probe`] and [`crate::media::keyframes`] read the file (ffprobe);
//! 2. the player tests [`crate::media::codecs::strings_to_test`] and reports a [`ClientCaps`];
//! 3. [`decide`] picks direct play, remux, audio conversion or transcode, with reasons;
//! 4. [`segments`] plans the HLS segments and [`playlist`] lists them all up front;
//! 5. [`ffmpeg::session_args`] starts ffmpeg at the GOP of the segment asked for; a segment is
//!    the GOP files `g<first>.m4s … g<last>.m4s` served one after the other.
//!
//! Checked with ffmpeg 5.1 on clips made for it (MKV, MP4 and MPEG-TS; H.264 with B-frames and
//! irregular GOPs, HEVC, 23.976 fps): one fragment per keyframe from any start; restarts at
//! every segment boundary give a first video timestamp equal to that keyframe's (within 2 ms)
//! and then the same fragments as an uninterrupted run; transcode restarts give the same 4 s
//! boundaries as an uninterrupted run. See `docs/playback.md`.

pub mod caps;
pub mod decision;
pub mod ffmpeg;
pub mod playlist;
pub mod segments;

pub use caps::{ClientCaps, HlsSupport};
pub use decision::{
    AudioAction, AudioPlan, Choice, Decision, DecisionError, Mode, Reason, ServerCaps, VideoCodec,
    VideoPlan, decide,
};
pub use segments::{PlanError, SegmentPlan, Timeline, plan_copy, plan_transcode};
