//! ffmpeg's arguments for one playback session: one process writing one fragmented-MP4 file per
//! GOP into a folder (`init-<start>.mp4`, `g<N>.m4s`), started at any segment's first GOP.
//! The server runs it; what each option is for was checked with ffmpeg 5.1 (see the
//! playback module's documentation).

use super::decision::{AudioAction, Decision, VideoPlan};
use super::segments::SegmentPlan;

/// Bits per second of converted audio (AAC stereo).
pub const AAC_BITRATE: u64 = 160_000;

/// The encoder's peak rate for a frame height: enough for CRF 23 at that size, low enough for
/// a home upload link.
pub fn video_maxrate(height: u32) -> u64 {
    match height {
        0..=480 => 2_500_000,
        481..=720 => 5_000_000,
        _ => 8_000_000,
    }
}

/// The initialization section a session started at `start_gop` writes (in the session folder).
pub fn init_file(start_gop: usize) -> String {
    format!("init-{start_gop}.mp4")
}

/// The fragment of GOP `gop` (in the session folder).
pub fn gop_file(gop: usize) -> String {
    format!("g{gop}.m4s")
}

/// ffmpeg's arguments to write the GOPs of `plan` from `start_gop` on into `out_dir`.
///
/// - `-ss` before the input comes from [`SegmentPlan::seek`]; `-copyts` keeps the file's
///   timestamps in every fragment, so fragments of different sessions line up.
/// - Copied video: `-noaccurate_seek`, so converted audio is not cut at the seek target (which
///   lies a little inside the first GOP) but starts with the video.
/// - Converted video: keyframes only at the listed segment starts (no scene-cut or interval
///   keyframes), which the HLS muxer then cuts at.
/// - `-hls_time 0.001` cuts at every keyframe (for audio alone, every segment length).
/// - `temp_file`: a fragment appears under its name only once complete.
/// - `movflags=+frag_discont`: each fragment's decode time is the file's own, not counted from
///   where the run started (which the init section's edit list would then shift again), so
///   every run writes the same init section and fragments of different runs line up.
/// - `threads`: encoder threads, 0 for ffmpeg's choice.
pub fn session_args(
    input: &str,
    decision: &Decision,
    plan: &SegmentPlan,
    start_gop: usize,
    out_dir: &str,
    threads: u32,
) -> Vec<String> {
    let mut args = crate::media::ffmpeg_preamble();
    let trim = plan.trim(start_gop);
    if decision.copies_video() || trim.is_some() {
        args.push("-noaccurate_seek".into());
    }
    if let Some(seek) = plan.seek(start_gop) {
        args.extend(["-ss".into(), format!("{seek:.3}")]);
    }
    let (options, input) = crate::media::input(input);
    args.extend(options);
    args.extend(["-copyts".into(), "-i".into(), input]);
    if let Some(video) = &decision.video {
        args.extend(["-map".into(), format!("0:{}", video.stream())]);
    }
    if let Some(audio) = &decision.audio {
        args.extend(["-map".into(), format!("0:{}", audio.stream)]);
    }

    match decision.video {
        Some(VideoPlan::Copy { retag_hvc1, .. }) => {
            args.extend(strings(&["-c:v", "copy"]));
            if retag_hvc1 {
                args.extend(strings(&["-tag:v", "hvc1"]));
            }
        }
        Some(VideoPlan::Encode {
            width,
            height,
            tonemap,
            deinterlace,
            ..
        }) => {
            let maxrate = video_maxrate(height);
            args.extend(strings(&[
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-profile:v",
                "high",
                "-level:v",
                "4.1",
            ]));
            args.extend([
                "-maxrate".into(),
                maxrate.to_string(),
                "-bufsize".into(),
                (2 * maxrate).to_string(),
                "-vf".into(),
                video_filter(width, height, tonemap, deinterlace, trim),
                "-force_key_frames".into(),
                plan.forced_keyframes(start_gop).unwrap_or_default(),
            ]);
            args.extend(strings(&[
                "-g",
                "9999",
                "-keyint_min",
                "9999",
                "-sc_threshold",
                "0",
                "-x264-params",
                "scenecut=0",
            ]));
            if threads > 0 {
                args.extend(["-threads".into(), threads.to_string()]);
            }
        }
        None => {}
    }

    if let Some(audio) = &decision.audio {
        match audio.action {
            AudioAction::Copy => {
                args.extend(strings(&["-c:a", "copy"]));
                // Without copied video to start from, copied audio starts at the seek target
                // like converted video does, instead of at whatever the demuxer landed on.
                if !decision.copies_video() {
                    args.extend(strings(&["-copypriorss:a", "0"]));
                }
                // ffmpeg 5.1 writes FLAC into MP4 only when told it is experimental.
                if audio.codec == "flac" {
                    args.extend(strings(&["-strict", "-2"]));
                }
            }
            AudioAction::EncodeAacStereo => {
                if let Some(trim) = trim {
                    args.extend(["-af".into(), format!("atrim=start={trim:.3}")]);
                }
                args.extend(strings(&["-c:a", "aac", "-ac", "2", "-b:a"]));
                args.push(format!("{}k", AAC_BITRATE / 1000));
            }
        }
    }

    let hls_time = match (&decision.video, plan.fixed_length()) {
        (None, Some(length)) => format!("{length}"),
        _ => "0.001".into(),
    };
    let out_dir = out_dir.trim_end_matches('/');
    args.extend(strings(&[
        "-sn",
        "-dn",
        "-muxdelay",
        "0",
        "-avoid_negative_ts",
        "disabled",
        "-f",
        "hls",
        "-hls_segment_options",
        "movflags=+frag_discont",
        "-hls_time",
    ]));
    args.push(hls_time);
    args.extend(strings(&[
        "-hls_list_size",
        "0",
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "temp_file",
        "-hls_fmp4_init_filename",
    ]));
    args.extend([
        init_file(start_gop),
        "-start_number".into(),
        start_gop.to_string(),
        "-hls_segment_filename".into(),
        format!("file:{out_dir}/g%d.m4s"),
        format!("file:{out_dir}/ffmpeg-{start_gop}.m3u8"),
    ]);
    args
}

/// `-vf`: drop frames before a restart's segment (when the seek lands earlier), deinterlace,
/// scale into the planned frame (never distorting it), tone-map HDR to BT.709 SDR (zscale,
/// i.e. an ffmpeg built with libzimg), 8-bit 4:2:0.
fn video_filter(
    width: u32,
    height: u32,
    tonemap: bool,
    deinterlace: bool,
    trim: Option<f64>,
) -> String {
    let mut filters = Vec::new();
    if let Some(trim) = trim {
        filters.push(format!("trim=start={trim:.3}"));
    }
    if deinterlace {
        filters.push("yadif=mode=send_frame:parity=auto:deint=interlaced".to_owned());
    }
    filters.push(format!(
        "scale=w={width}:h={height}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bicubic"
    ));
    if tonemap {
        filters.push(
            "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"
                .to_owned(),
        );
    }
    filters.push("format=yuv420p".to_owned());
    filters.join(",")
}

/// ffmpeg's arguments to write the text subtitle stream `stream_index` of `input` as WebVTT
/// at `out`. Image subtitles (PGS, VobSub) cannot become WebVTT: check
/// [`crate::media::probe::SubtitleKind::Text`] first.
pub fn extract_subtitle_args(input: &str, stream_index: usize, out: &str) -> Vec<String> {
    let mut args = crate::media::ffmpeg_preamble();
    let (options, input) = crate::media::input(input);
    args.extend(options);
    // The file's own times: cues line up with the video however the audio starts.
    args.extend([
        "-copyts".into(),
        "-i".into(),
        input,
        "-map".into(),
        format!("0:{stream_index}"),
    ]);
    args.extend(strings(&["-c:s", "webvtt", "-f", "webvtt"]));
    args.push(format!("file:{out}"));
    args
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::probe::{MediaProbe, parse_probe};
    use crate::media::samples::*;
    use crate::playback::caps::{ClientCaps, HlsSupport};
    use crate::playback::decision::{Choice, ServerCaps, decide};
    use crate::playback::segments::{
        COPY_TARGET, TRANSCODE_SEGMENT, Timeline, plan_copy, plan_transcode,
    };

    fn probe(json: &str) -> MediaProbe {
        parse_probe(json.as_bytes()).unwrap()
    }

    fn caps(supported: &[&str]) -> ClientCaps {
        ClientCaps {
            supported: supported.iter().map(|s| s.to_string()).collect(),
            direct: false,
            hls: HlsSupport::Mse,
        }
    }

    fn line(args: &[String]) -> String {
        args.join(" ")
    }

    const KEYFRAMES: [f64; 9] = [
        0.005, 2.005, 3.505, 10.005, 11.005, 19.005, 25.505, 26.005, 33.005,
    ];

    #[test]
    fn copy_from_the_start_and_from_a_segment() {
        let p = probe(MKV_H264_AC3_AAC_SUBS);
        let d = decide(
            &p,
            &caps(&["avc1.64001e"]),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        let plan = plan_copy(&KEYFRAMES, &Timeline::of(&p).unwrap(), COPY_TARGET).unwrap();
        assert_eq!(
            line(&session_args(
                "/lib/tt1/a b.mkv",
                &d,
                &plan,
                0,
                "/tmp/s/1/",
                0
            )),
            "-hide_banner -nostdin -loglevel error -y -protocol_whitelist file -noaccurate_seek \
             -copyts -i file:/lib/tt1/a b.mkv -map 0:0 -map 0:1 -c:v copy -c:a aac -ac 2 -b:a 160k \
             -sn -dn -muxdelay 0 -avoid_negative_ts disabled -f hls -hls_segment_options movflags=+frag_discont -hls_time 0.001 -hls_list_size 0 \
             -hls_segment_type fmp4 -hls_flags temp_file -hls_fmp4_init_filename init-0.mp4 \
             -start_number 0 -hls_segment_filename file:/tmp/s/1/g%d.m4s file:/tmp/s/1/ffmpeg-0.m3u8"
        );
        let from_3 = session_args("/m.mkv", &d, &plan, 3, "/s", 2);
        let text = line(&from_3);
        assert!(
            text.contains(" -noaccurate_seek -ss 10.140 -copyts -i file:/m.mkv "),
            "{text}"
        );
        assert!(text.contains(" -hls_fmp4_init_filename init-3.mp4 -start_number 3 "));
        assert!(text.ends_with(" file:/s/g%d.m4s file:/s/ffmpeg-3.m3u8"));
        // Threads only matter to the encoder.
        assert!(!text.contains("-threads"));
    }

    #[test]
    fn hev1_is_retagged_and_the_chosen_track_mapped() {
        let p = probe(MP4_HEVC_HEV1_AAC);
        let d = decide(
            &p,
            &caps(&["hvc1.2.4.l63.90", "mp4a.40.2"]),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        let plan = plan_copy(&[0.0, 5.0], &Timeline::of(&p).unwrap(), COPY_TARGET).unwrap();
        let text = line(&session_args("/m.mp4", &d, &plan, 0, "/s", 0));
        assert!(
            text.contains(" -map 0:0 -map 0:1 -c:v copy -tag:v hvc1 -c:a copy -sn "),
            "{text}"
        );

        let p = probe(MKV_H264_AC3_AAC_SUBS);
        let d = decide(
            &p,
            &caps(&["avc1.64001e", "mp4a.40.2"]),
            &Choice { audio: Some(2) },
            &ServerCaps::default(),
        )
        .unwrap();
        let plan = plan_copy(&KEYFRAMES, &Timeline::of(&p).unwrap(), COPY_TARGET).unwrap();
        let text = line(&session_args("/m.mkv", &d, &plan, 0, "/s", 0));
        assert!(
            text.contains(" -map 0:0 -map 0:2 -c:v copy -c:a copy -sn "),
            "{text}"
        );
    }

    #[test]
    fn transcode_restarts_keep_the_four_second_grid() {
        let p = probe(MP4_HEVC_HDR_EAC3);
        let d = decide(
            &p,
            &caps(&["ec-3"]),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        let plan = plan_transcode(&Timeline::of(&p).unwrap(), TRANSCODE_SEGMENT);
        let args = session_args("/m.mp4", &d, &plan, 1, "/s", 2);
        assert_eq!(
            line(&args),
            "-hide_banner -nostdin -loglevel error -y -protocol_whitelist file -ss 4.000 -copyts \
             -i file:/m.mp4 -map 0:0 -map 0:1 -c:v libx264 -preset veryfast -crf 23 -profile:v high \
             -level:v 4.1 -maxrate 2500000 -bufsize 5000000 -vf scale=w=640:h=360:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bicubic,\
zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p \
             -force_key_frames 4.000,8.000 -g 9999 -keyint_min 9999 -sc_threshold 0 -x264-params scenecut=0 \
             -threads 2 -c:a copy -copypriorss:a 0 -sn -dn -muxdelay 0 -avoid_negative_ts disabled -f hls \
             -hls_segment_options movflags=+frag_discont -hls_time 0.001 -hls_list_size 0 -hls_segment_type fmp4 -hls_flags temp_file \
             -hls_fmp4_init_filename init-1.mp4 -start_number 1 -hls_segment_filename file:/s/g%d.m4s \
             file:/s/ffmpeg-1.m3u8"
        );
        // From the start: no seek, the grid from 0.
        let text = line(&session_args("/m.mp4", &d, &plan, 0, "/s", 0));
        assert!(
            text.contains("-protocol_whitelist file -copyts -i"),
            "{text}"
        );
        assert!(text.contains(" -force_key_frames 0.000,4.000,8.000 "));
    }

    #[test]
    fn mpeg_ts_restarts_seek_early_and_trim() {
        // The browser takes the AC-3 but not the video: the audio is converted all the same,
        // since a searched seek lands seconds early and copied audio cannot be trimmed.
        let p = probe(TS_H264_AC3);
        let d = decide(
            &p,
            &caps(&["ac-3"]),
            &Choice::default(),
            &ServerCaps { slow: true },
        )
        .unwrap();
        let plan = plan_transcode(&Timeline::of(&p).unwrap(), TRANSCODE_SEGMENT);
        let text = line(&session_args("/m.ts", &d, &plan, 5, "/s", 0));
        // -ss counts from the file's start; trim, atrim and forced keyframes use the file's
        // own timestamps (its timeline starts at 1.478 s).
        assert!(
            text.contains(" -noaccurate_seek -ss 15.000 -copyts "),
            "{text}"
        );
        assert!(
            text.contains(" -vf trim=start=21.478,scale=w=640:h=360:"),
            "{text}"
        );
        assert!(
            text.contains(" -force_key_frames 21.478,25.478,29.478,33.478,37.478 "),
            "{text}"
        );
        assert!(
            text.contains(" -af atrim=start=21.478 -c:a aac -ac 2 -b:a 160k "),
            "{text}"
        );
        // From the start nothing is trimmed.
        let text = line(&session_args("/m.ts", &d, &plan, 0, "/s", 0));
        assert!(!text.contains("trim") && !text.contains("-ss ") && !text.contains("-noaccurate"));
    }

    #[test]
    fn deinterlacing_and_flac() {
        let mut p = probe(MKV_H264_10BIT_FLAC);
        p.video.as_mut().unwrap().interlaced = true;
        let d = decide(
            &p,
            &caps(&["flac"]),
            &Choice::default(),
            &ServerCaps::default(),
        )
        .unwrap();
        let plan = plan_transcode(&Timeline::of(&p).unwrap(), TRANSCODE_SEGMENT);
        let text = line(&session_args("/m.mkv", &d, &plan, 0, "/s", 0));
        assert!(
            text.contains(
                " -vf yadif=mode=send_frame:parity=auto:deint=interlaced,scale=w=640:h=360:"
            ),
            "{text}"
        );
        assert!(text.contains(",format=yuv420p -force_key_frames"));
        assert!(!text.contains("zscale"));
        assert!(
            text.contains(" -c:a copy -copypriorss:a 0 -strict -2 -sn "),
            "{text}"
        );
    }

    #[test]
    fn audio_alone_is_cut_every_segment() {
        let p = probe(MP3_AUDIO_ONLY);
        let d = decide(&p, &caps(&[]), &Choice::default(), &ServerCaps::default()).unwrap();
        let plan = plan_transcode(&Timeline::of(&p).unwrap(), TRANSCODE_SEGMENT);
        let text = line(&session_args("/a.mp3", &d, &plan, 1, "/s", 0));
        assert!(
            text.contains(" -ss 4.000 -copyts -i file:/a.mp3 -map 0:0 -c:a aac "),
            "{text}"
        );
        assert!(text.contains(" -hls_time 4 "), "{text}");
        assert!(!text.contains("-c:v"));
    }

    #[test]
    fn subtitles_become_webvtt_from_a_plain_file() {
        assert_eq!(
            line(&extract_subtitle_args("/m/a.mkv", 3, "/tmp/s/3.vtt")),
            "-hide_banner -nostdin -loglevel error -y -protocol_whitelist file -copyts -i file:/m/a.mkv \
             -map 0:3 -c:s webvtt -f webvtt file:/tmp/s/3.vtt"
        );
    }

    #[test]
    fn names_and_rates() {
        assert_eq!(
            (init_file(7), gop_file(12)),
            ("init-7.mp4".to_owned(), "g12.m4s".to_owned())
        );
        assert_eq!(video_maxrate(360), 2_500_000);
        assert_eq!(video_maxrate(720), 5_000_000);
        assert_eq!(video_maxrate(1080), 8_000_000);
    }
}
