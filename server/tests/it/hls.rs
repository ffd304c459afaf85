//! Playback in every browser (`backend::hls`): each kind of file gets the way to play that the
//! browser's report calls for, and its session's playlists, init section and segments are real
//! fMP4 that ffprobe reads with the right codecs, length and timestamps; a far seek starts
//! ffmpeg again where it was asked; sessions end (ffmpeg gone, folder removed) when the player
//! leaves or goes idle; nobody else reaches them; the conversion limit answers 503.

use crate::clips::{self, Clip};
use crate::media::probed;
use crate::support::{As, Reply, TestServer, on_each_database, on_each_database_with};
use crate::uploads::{Member, member, upload};
use http::{Method, StatusCode};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// A browser as the player describes it: which codec strings it accepts, whether it plays a
/// container as it is, and how it plays HLS.
#[derive(Clone, Copy)]
pub(crate) struct Browser {
    accepts: fn(&str) -> bool,
    plays_container: fn(&str) -> bool,
    hls: &'static str,
}

/// Chromium: H.264, VP9, AV1, AAC, Opus, MP3, FLAC; no HEVC, AC-3, E-AC-3 or DTS; MP4 and
/// WebM files as they are; HLS through hls.js.
pub(crate) const CHROMIUM: Browser = Browser {
    accepts: |c| {
        ["avc1.", "vp09.", "av01.", "mp4a.40."]
            .iter()
            .any(|p| c.starts_with(p))
            || ["opus", "mp3", "flac", "vp9"].contains(&c)
    },
    plays_container: |t| t.starts_with("video/mp4") || t.starts_with("video/webm"),
    hls: "mse",
};

/// Safari: H.264 and HEVC tagged `hvc1`, AAC, AC-3, E-AC-3, MP3; MP4 files as they are; HLS
/// natively.
const SAFARI: Browser = Browser {
    accepts: |c| {
        ["avc1.", "hvc1.", "mp4a.40."]
            .iter()
            .any(|p| c.starts_with(p))
            || ["ac-3", "ec-3", "mp3"].contains(&c)
    },
    plays_container: |t| t.starts_with("video/mp4"),
    hls: "native",
};

impl Browser {
    /// The query the player sends, from the watch view's `playback` part.
    fn query(self, probe: &Value) -> String {
        let supported: Vec<&str> = probe["codecs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .filter(|c| (self.accepts)(c))
            .collect();
        let direct = probe["directType"].as_str().is_some_and(|t| {
            (self.plays_container)(t)
                && t.split('"')
                    .nth(1)
                    .is_some_and(|codecs| codecs.split(", ").all(|c| (self.accepts)(c)))
        });
        format!(
            "supported={}&direct={}&hls={}",
            supported.join(","),
            u8::from(direct),
            self.hls
        )
    }
}

/// Uploads `bytes` as a new movie and waits for its probe; returns the file id.
async fn probed_upload(srv: &TestServer, m: &Member, name: &str, bytes: &[u8], imdb: &str) -> i64 {
    let done = upload(srv, m, name, bytes, imdb, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{name}: {}", done.text);
    let id = done.body["movieFileId"].as_i64().unwrap();
    probed(srv, id).await;
    id
}

/// `GET /api/files/{id}/playback` as `browser` asks it, with `extra` query parameters.
pub(crate) async fn playback(
    srv: &TestServer,
    who: &As,
    file: i64,
    browser: Browser,
    extra: &str,
) -> Reply {
    let watch = srv.get(&format!("/api/files/{file}/watch"), who).await;
    assert_eq!(watch.status, StatusCode::OK, "{}", watch.text);
    let probe = &watch.body["playback"];
    assert!(
        probe.is_object(),
        "the watch view has the probe: {}",
        watch.text
    );
    let query = browser.query(probe);
    srv.get(&format!("/api/files/{file}/playback?{query}{extra}"), who)
        .await
}

/// The session's media playlist: the segments' lengths in seconds.
pub(crate) async fn segment_lengths(srv: &TestServer, who: &As, session: &str) -> Vec<f64> {
    let playlist = srv
        .get(&format!("/api/playback/{session}/index.m3u8"), who)
        .await;
    assert_eq!(playlist.status, StatusCode::OK, "{}", playlist.text);
    assert_eq!(
        playlist.headers["content-type"],
        "application/vnd.apple.mpegurl"
    );
    assert!(playlist.text.contains("#EXT-X-PLAYLIST-TYPE:VOD"));
    assert!(playlist.text.trim_end().ends_with("#EXT-X-ENDLIST"));
    playlist
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("#EXTINF:"))
        .map(|l| l.trim_end_matches(',').parse().unwrap())
        .collect()
}

/// The bytes of one of the session's files, which must be there.
pub(crate) async fn fetch(srv: &TestServer, who: &As, session: &str, file: &str) -> Vec<u8> {
    let reply = srv
        .get(&format!("/api/playback/{session}/{file}"), who)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.text);
    assert_eq!(reply.headers["content-type"], "video/mp4", "{file}");
    reply.bytes
}

/// What ffprobe reads of fMP4 bytes (the init section followed by segments).
pub struct Read {
    /// (codec_type, codec_name) of each stream.
    pub streams: Vec<(String, String)>,
    pub duration: f64,
    /// The first video packet's presentation time and whether it is a keyframe.
    pub first_video: (f64, bool),
}

pub fn ffprobe(bytes: &[u8]) -> Read {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("joined.mp4");
    std::fs::write(&path, bytes).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error"])
            .args(args)
            .arg(&path)
            .output()
            .unwrap();
        if !out.status.success() {
            let _ = std::fs::copy(&path, std::env::temp_dir().join("ott-hls-unreadable.mp4"));
        }
        assert!(
            out.status.success(),
            "ffprobe reads the segments (kept in the temp dir as ott-hls-unreadable.mp4): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run(&[
        "-of",
        "json",
        "-show_entries",
        "stream=codec_type,codec_name:format=duration",
    ]))
    .unwrap();
    let streams = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["codec_type"].as_str().unwrap().to_owned(),
                s["codec_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let duration = json["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    let packet = run(&[
        "-select_streams",
        "v:0",
        "-read_intervals",
        "%+#1",
        "-show_entries",
        "packet=pts_time,flags",
        "-of",
        "csv=p=0",
    ]);
    let mut fields = packet.lines().next().unwrap_or_default().split(',');
    let pts = fields.next().unwrap_or("nan").parse().unwrap_or(f64::NAN);
    let key = fields.next().is_some_and(|f| f.starts_with('K'));
    Read {
        streams,
        duration,
        first_video: (pts, key),
    }
}

pub fn codec_of<'a>(read: &'a Read, kind: &str) -> Vec<&'a str> {
    read.streams
        .iter()
        .filter(|(t, _)| t == kind)
        .map(|(_, c)| c.as_str())
        .collect()
}

/// `DELETE /api/playback/{id}`, as the player sends it when it leaves.
async fn end(srv: &TestServer, who: &As, id: &str) -> Reply {
    srv.call(Method::DELETE, &format!("/api/playback/{id}"), who, None)
        .await
}

/// The session of `user` (it must exist).
async fn session(srv: &TestServer, user: i32, id: &str) -> std::sync::Arc<backend::hls::Session> {
    match srv.state.hls.get(&srv.state, user, id).await {
        Ok(session) => session,
        Err(e) => panic!("session {id}: {e}"),
    }
}

async fn user_id(srv: &TestServer, who: &As) -> i32 {
    srv.get("/api/me", who).await.body["user"]["id"]
        .as_i64()
        .unwrap() as i32
}

/// Whether a process is alive (or an unreaped zombie).
fn running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_file_plays_in_chromium_and_safari() {
    for clip in Clip::ALL {
        clips::make(clip);
    }
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        // (clip, browser, extra query, the mode, the video codec and the audio codec played)
        let cases: &[(Clip, Browser, &str, &str, &str, &str)] = &[
            (Clip::Mp4H264Aac, CHROMIUM, "", "direct", "", ""),
            (Clip::WebmVp9Opus, CHROMIUM, "", "direct", "", ""),
            (Clip::Mp4CoverArt, CHROMIUM, "", "direct", "", ""),
            (Clip::MkvH264Ac3, CHROMIUM, "", "audio", "h264", "aac"),
            (Clip::MkvH264Dts, CHROMIUM, "", "audio", "h264", "aac"),
            (Clip::MkvHevc10Aac, CHROMIUM, "", "transcode", "h264", "aac"),
            (Clip::Mp4HevcHev1, CHROMIUM, "", "transcode", "h264", "aac"),
            (Clip::AviXvidMp3, CHROMIUM, "", "transcode", "h264", "mp3"),
            (Clip::MkvTwoAudioSrt, CHROMIUM, "", "audio", "h264", "aac"),
            // The second track (AAC, French), chosen in the player's menu.
            (
                Clip::MkvTwoAudioSrt,
                CHROMIUM,
                "&audio=2",
                "audio",
                "h264",
                "aac",
            ),
            (Clip::Mp4HevcHev1, SAFARI, "", "remux", "hevc", "aac"),
            (Clip::MkvH264Ac3, SAFARI, "", "remux", "h264", "ac3"),
            (Clip::MkvHevc10Aac, SAFARI, "", "remux", "hevc", "aac"),
        ];
        let mut files = std::collections::HashMap::new();
        for (n, clip) in Clip::ALL.into_iter().enumerate() {
            let imdb = format!("tt{:07}", 2_000_001 + n);
            let id =
                probed_upload(&srv, &anna, &clip.file_name(), &clips::bytes(clip), &imdb).await;
            files.insert(clip, id);
        }
        for &(clip, browser, extra, mode, video, audio) in cases {
            let file = files[&clip];
            let what = format!("{clip:?} in {} {extra}", browser.hls);
            let reply = playback(&srv, &anna.who, file, browser, extra).await;
            assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
            let view = &reply.body;
            assert_eq!(view["mode"], mode, "{what}: {}", reply.text);
            let duration = view["durationSeconds"].as_f64().unwrap();
            assert!((duration - Clip::SECONDS).abs() < 0.2, "{what}: {duration}");
            if mode == "direct" {
                assert_eq!(view["url"], format!("/stream/{file}"), "{what}");
                assert!(view["session"].is_null(), "{what}");
                assert!(view["reasons"].as_array().unwrap().is_empty(), "{what}");
                continue;
            }
            assert!(!view["reasons"].as_array().unwrap().is_empty(), "{what}");
            let id = view["session"].as_str().unwrap().to_owned();
            assert_eq!(id.len(), 32, "128 random bits in hex");
            assert_eq!(view["url"], format!("/api/playback/{id}/master.m3u8"));

            let master = srv
                .get(&format!("/api/playback/{id}/master.m3u8"), &anna.who)
                .await;
            assert_eq!(master.status, StatusCode::OK, "{what}: {}", master.text);
            assert!(master.text.contains("CODECS=\""), "{what}: {}", master.text);
            assert!(master.text.contains("index.m3u8"), "{what}");

            // The whole length is listed up front, and every segment plays back to back.
            let lengths = segment_lengths(&srv, &anna.who, &id).await;
            let listed: f64 = lengths.iter().sum();
            assert!((listed - duration).abs() < 0.1, "{what}: {lengths:?}");
            let mut joined = fetch(&srv, &anna.who, &id, "init.mp4").await;
            for n in 0..lengths.len() {
                joined.extend(fetch(&srv, &anna.who, &id, &format!("{n}.m4s")).await);
            }
            let read = ffprobe(&joined);
            assert_eq!(codec_of(&read, "video"), [video], "{what}");
            assert_eq!(codec_of(&read, "audio"), [audio], "{what}");
            assert!(
                (read.duration - duration).abs() < 0.35,
                "{what}: {} s of {duration}",
                read.duration
            );
            assert!(read.first_video.1, "{what}: starts on a keyframe");
            assert!(
                read.first_video.0.abs() < 0.1,
                "{what}: {:?}",
                read.first_video
            );

            let ended = end(&srv, &anna.who, &id).await;
            assert_eq!(ended.status, StatusCode::NO_CONTENT);
        }
        assert_eq!(srv.state.hls.count(), (0, 0), "every session ended");

        // The subtitle inside the MKV, as WebVTT; the other streams are no subtitles.
        let two = files[&Clip::MkvTwoAudioSrt];
        let view = playback(&srv, &anna.who, two, CHROMIUM, "").await;
        let subs = &view.body["embeddedSubtitles"];
        assert_eq!(subs[0]["index"], 3, "{}", view.text);
        assert_eq!(subs[0]["lang"], "eng");
        let url = subs[0]["url"].as_str().unwrap();
        let vtt = srv.get(url, &anna.who).await;
        assert_eq!(vtt.status, StatusCode::OK, "{}", vtt.text);
        assert!(
            vtt.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/vtt")
        );
        assert!(vtt.text.starts_with("WEBVTT"), "{}", vtt.text);
        // The cues keep the file's own times (ffmpeg wrote the clip's streams 21 ms in).
        let cues = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "3", "-show_entries"])
            .args(["packet=pts_time", "-of", "csv=p=0"])
            .arg(clips::make(Clip::MkvTwoAudioSrt))
            .output()
            .unwrap();
        let first: f64 = String::from_utf8_lossy(&cues.stdout)
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let start = format!("00:{:06.3} --> 00:{:06.3}", first, first + 1.5);
        assert!(vtt.text.contains(&start), "{start} in {}", vtt.text);
        assert!(vtt.text.contains("Hello") && vtt.text.contains("World"));
        for stream in ["0.vtt", "1.vtt", "9.vtt", "x.vtt", "3.srt"] {
            let reply = srv
                .get(&format!("/api/files/{two}/subtitles/{stream}"), &anna.who)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{stream}: {}",
                reply.text
            );
            assert_eq!(reply.body["error"], "subtitle_not_found");
        }
        let session = view.body["session"].as_str().unwrap();
        end(&srv, &anna.who, session).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_seek_starts_ffmpeg_where_it_was_asked() {
    let minute = std::fs::read(clips::minute_mkv()).unwrap();
    on_each_database(|srv| {
        let minute = minute.clone();
        async move {
            let anna = member(&srv, "anna").await;
            let user = user_id(&srv, &anna.who).await;
            let file = probed_upload(&srv, &anna, "minute.mkv", &minute, "tt3000001").await;

            // Resuming at 50 s: ffmpeg starts at the segment of 50 s, not at the beginning.
            let reply = playback(&srv, &anna.who, file, CHROMIUM, "&start=50").await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.body["mode"], "audio", "{}", reply.text);
            let id = reply.body["session"].as_str().unwrap().to_owned();
            let lengths = segment_lengths(&srv, &anna.who, &id).await;
            // Copied video follows the keyframes (every 2 s): ten segments of 6 s.
            assert_eq!(lengths.len(), 10, "{lengths:?}");
            assert!(
                lengths.iter().all(|l| (l - 6.0).abs() < 0.01),
                "{lengths:?}"
            );
            let starts: Vec<f64> = lengths
                .iter()
                .scan(0.0, |t, l| {
                    let s = *t;
                    *t += l;
                    Some(s)
                })
                .collect();
            let s = session(&srv, user, &id).await;
            // Segment 8 (48-54 s) is GOP 24.
            assert_eq!(s.starts(), [24]);

            let init = fetch(&srv, &anna.who, &id, "init.mp4").await;
            let check = |n: usize, bytes: Vec<u8>| {
                let mut joined = init.clone();
                joined.extend(bytes);
                let read = ffprobe(&joined);
                let (pts, key) = read.first_video;
                assert!(key, "segment {n} starts on a keyframe");
                assert!(
                    (pts - starts[n]).abs() < 0.1,
                    "segment {n} starts at {pts}, the playlist says {}",
                    starts[n]
                );
                // ffprobe's duration is where the last packet ends.
                let length = read.duration - starts[n];
                assert!((length - 6.0).abs() < 0.3, "segment {n}: {length} s");
                assert_eq!(codec_of(&read, "audio"), ["aac"]);
            };
            check(8, fetch(&srv, &anna.who, &id, "8.m4s").await);

            // The player goes back to the start: behind where ffmpeg began, so it starts again
            // at GOP 0, and the segment has its own timestamps.
            check(0, fetch(&srv, &anna.who, &id, "0.m4s").await);
            assert_eq!(s.starts()[..2], [24, 0]);
            // Out of order: the last segment, then one in the middle.
            check(9, fetch(&srv, &anna.who, &id, "9.m4s").await);
            check(4, fetch(&srv, &anna.who, &id, "4.m4s").await);
            // Fragments deleted behind the player (as pacing does 5 minutes back) are made
            // again when the player returns to them, not waited for. (The run from GOP 0 may
            // have been stopped before it wrote them: on a busy machine they are not there.)
            for gop in 6..9 {
                match std::fs::remove_file(s.dir().join(format!("g{gop}.m4s"))) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("g{gop}: {e}"),
                    _ => {}
                }
            }
            let before = s.starts().len();
            check(2, fetch(&srv, &anna.who, &id, "2.m4s").await);
            assert_eq!(s.starts()[before..], [6], "{:?}", s.starts());
            // Beyond the end: no such segment.
            for name in [
                "10.m4s",
                "99999999999.m4s",
                "-1.m4s",
                "a.m4s",
                "..%2Fx",
                "index.txt",
            ] {
                let reply = srv
                    .get(&format!("/api/playback/{id}/{name}"), &anna.who)
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{name}: {}",
                    reply.text
                );
            }
            end(&srv, &anna.who, &id).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_and_leave_nothing_and_nobody_else_reaches_them() {
    let minute = std::fs::read(clips::minute_mkv()).unwrap();
    on_each_database(|srv| {
        let minute = minute.clone();
        async move {
            let anna = member(&srv, "anna").await;
            let eve = member(&srv, "eve").await;
            let user = user_id(&srv, &anna.who).await;
            let file = probed_upload(&srv, &anna, "minute.mkv", &minute, "tt3000002").await;
            let open = || async {
                let reply = playback(&srv, &anna.who, file, CHROMIUM, "").await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                reply.body["session"].as_str().unwrap().to_owned()
            };

            // Someone else: not the file, not the session, not its segments; and eve's DELETE
            // ends nothing.
            let id = open().await;
            let refused = srv
                .get(&format!("/api/files/{file}/playback?hls=mse"), &eve.who)
                .await;
            assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
            for name in ["master.m3u8", "index.m3u8", "init.mp4", "0.m4s"] {
                let reply = srv
                    .get(&format!("/api/playback/{id}/{name}"), &eve.who)
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{name}: {}",
                    reply.text
                );
                assert_eq!(reply.body["error"], "session_not_found");
            }
            let theirs = end(&srv, &eve.who, &id).await;
            assert_eq!(theirs.status, StatusCode::NO_CONTENT);
            let s = session(&srv, user, &id).await;
            fetch(&srv, &anna.who, &id, "0.m4s").await;

            // The player leaves: ffmpeg is gone and so is the folder; the session answers 404.
            let pid = s.ffmpeg_pid().await;
            let dir = s.dir().to_owned();
            assert!(dir.is_dir());
            let ended = end(&srv, &anna.who, &id).await;
            assert_eq!(ended.status, StatusCode::NO_CONTENT);
            assert!(!dir.exists(), "the session's folder is removed");
            if let Some(pid) = pid {
                assert!(!running(pid), "ffmpeg {pid} is gone (not even a zombie)");
            }
            let gone = srv
                .get(&format!("/api/playback/{id}/index.m3u8"), &anna.who)
                .await;
            assert_eq!(gone.status, StatusCode::NOT_FOUND);
            assert_eq!(gone.body["error"], "session_not_found");

            // The beacon sent when the tab closes does the same.
            let id = open().await;
            let dir = session(&srv, user, &id).await.dir().to_owned();
            let beacon = srv
                .call(
                    Method::POST,
                    &format!("/api/playback/{id}/end"),
                    &anna.who,
                    None,
                )
                .await;
            assert_eq!(beacon.status, StatusCode::NO_CONTENT);
            assert!(!dir.exists());

            // Idle sessions end by themselves; busy ones do not.
            let idle = open().await;
            let idle_dir = session(&srv, user, &idle).await.dir().to_owned();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let busy = open().await;
            assert_eq!(
                srv.state
                    .hls
                    .sweep(&srv.state, Duration::from_millis(200))
                    .await,
                1
            );
            assert!(!idle_dir.exists());
            let gone = srv
                .get(&format!("/api/playback/{idle}/master.m3u8"), &anna.who)
                .await;
            assert_eq!(gone.status, StatusCode::NOT_FOUND);
            fetch(&srv, &anna.who, &busy, "init.mp4").await;

            // A member who is removed from the library loses an open session at once.
            crate::uploads::join(&srv, &eve, anna.library, "viewer").await;
            let theirs = playback(&srv, &eve.who, file, CHROMIUM, "").await;
            assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.text);
            let theirs = theirs.body["session"].as_str().unwrap().to_owned();
            fetch(&srv, &eve.who, &theirs, "init.mp4").await;
            let eve_id = user_id(&srv, &eve.who).await;
            let removed = srv
                .call(
                    Method::DELETE,
                    &format!("/api/libraries/{}/members/{eve_id}", anna.library),
                    &anna.who,
                    None,
                )
                .await;
            assert!(removed.status.is_success(), "{}", removed.text);
            let gone = srv
                .get(&format!("/api/playback/{theirs}/0.m4s"), &eve.who)
                .await;
            assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);

            // At shutdown every session ends; at start-up the folder is emptied.
            let playback_dir = backend::hls::sessions_dir(&srv.state);
            srv.state.hls.end_all().await;
            assert_eq!(srv.state.hls.count(), (0, 0));
            std::fs::create_dir_all(playback_dir.join("left-by-a-crash")).unwrap();
            backend::hls::clear(&srv.state);
            assert!(!playback_dir.exists());
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversions_beyond_the_limit_are_refused_politely() {
    clips::make(Clip::AviXvidMp3);
    on_each_database_with(
        |config| config.transcode_limit = 1,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let bytes = clips::bytes(Clip::AviXvidMp3);
            let file = probed_upload(&srv, &anna, "old.avi", &bytes, "tt3000003").await;
            let first = playback(&srv, &anna.who, file, CHROMIUM, "").await;
            assert_eq!(first.body["mode"], "transcode", "{}", first.text);
            let second = playback(&srv, &anna.who, file, CHROMIUM, "").await;
            assert_eq!(
                second.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{}",
                second.text
            );
            assert_eq!(second.body["error"], "transcode_busy");
            assert!(
                second.body["message"]
                    .as_str()
                    .unwrap()
                    .contains("1 at once")
            );
            let id = first.body["session"].as_str().unwrap();
            end(&srv, &anna.who, id).await;
            let third = playback(&srv, &anna.who, file, CHROMIUM, "").await;
            assert_eq!(third.status, StatusCode::OK, "{}", third.text);
            srv.state.hls.end_all().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reports_get_clear_errors() {
    clips::make(Clip::MkvH264Ac3);
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let bytes = clips::bytes(Clip::MkvH264Ac3);
        let file = probed_upload(&srv, &anna, "film.mkv", &bytes, "tt3000004").await;
        let long = "a".repeat(65);
        let many = (0..33)
            .map(|n| format!("avc1.6400{n:02x}"))
            .collect::<Vec<_>>()
            .join(",");
        let cases = [
            ("supported=%3Cscript%3E", "invalid_codec"),
            (&*format!("supported={long}"), "invalid_codec"),
            (&*format!("supported={many}"), "too_many_codecs"),
            ("hls=flash", "invalid_hls"),
            ("direct=yes", "invalid_direct"),
            ("hls=mse&start=-5", "invalid_parameter"),
            ("hls=mse&start=NaN", "invalid_parameter"),
            ("hls=mse&start=soon", "invalid_parameter"),
            ("hls=mse&audio=x", "invalid_parameter"),
        ];
        for (query, code) in cases {
            let reply = srv
                .get(&format!("/api/files/{file}/playback?{query}"), &anna.who)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{query}: {}",
                reply.text
            );
            assert_eq!(reply.body["error"], code, "{query}: {}", reply.text);
        }
        // A track that is not an audio track of the file.
        for audio in ["0", "3", "99"] {
            let reply = srv
                .get(
                    &format!("/api/files/{file}/playback?hls=mse&audio={audio}"),
                    &anna.who,
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{audio}: {}",
                reply.text
            );
        }
        let missing = srv
            .get("/api/files/999999/playback?hls=mse", &anna.who)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // A browser without HLS and without the codecs still gets an answer it can act on.
        let none = srv
            .get(&format!("/api/files/{file}/playback?hls=none"), &anna.who)
            .await;
        assert_eq!(
            none.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            none.text
        );
        assert_eq!(none.body["error"], "unplayable");
        assert!(none.body["message"].as_str().unwrap().contains("AC-3"));
        srv.state.hls.end_all().await;
        // An unknown session, however it is written.
        for id in ["0", "00000000000000000000000000000000", "%2E%2E"] {
            let reply = srv
                .get(&format!("/api/playback/{id}/master.m3u8"), &anna.who)
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}: {}", reply.text);
        }
    })
    .await;
}
