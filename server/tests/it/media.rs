//! Knowing every file (`backend::media::info`): each upload is probed in the background with
//! the real ffprobe, its streams and keyframe index stored and shown on the movie page; files
//! without a row are found at start-up; files ffprobe cannot read fail without harm; two
//! askers never start two probes of one file.

use crate::clips::{self, Clip};
use crate::support::{TestServer, on_each_database, on_each_database_with};
use crate::uploads::{Member, member, upload};
use backend::entities::{media_probe, movie, movie_file};
use backend::media::info::{self, ProbeFailure, Probed};
use domain::media::probe::SubtitleKind;
use http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The stored probe of a file, once the background queue got to it.
pub async fn probed(srv: &TestServer, file_id: i64) -> Probed {
    let row = settled(srv, file_id).await;
    assert_eq!(row.status, "probed", "file {file_id}: {:?}", row.error);
    info::load(&srv.state, file_id as i32)
        .await
        .unwrap()
        .expect("a probed row loads")
}

/// The file's row, waiting up to a minute for it.
pub async fn settled(srv: &TestServer, file_id: i64) -> media_probe::Model {
    let started = Instant::now();
    loop {
        if let Some(row) = row(srv, file_id).await {
            return row;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "file {file_id} was not probed within a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn row(srv: &TestServer, file_id: i64) -> Option<media_probe::Model> {
    media_probe::Entity::find_by_id(file_id as i32)
        .one(&srv.state.db)
        .await
        .unwrap()
}

/// Waits until the background queue is empty.
async fn queue_drained(srv: &TestServer) {
    let started = Instant::now();
    while srv.state.probes.queued() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the queue never emptied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Uploads a file as a new movie; returns its id and where it is on disk.
async fn uploaded(
    srv: &TestServer,
    m: &Member,
    name: &str,
    bytes: &[u8],
    imdb: &str,
) -> (i64, PathBuf) {
    let done = upload(srv, m, name, bytes, imdb, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{name}: {}", done.text);
    (
        done.body["movieFileId"].as_i64().unwrap(),
        m.path.join(done.body["path"].as_str().unwrap()),
    )
}

/// A file put in the library behind the server's back (as files from before this feature):
/// copied into the folder, with its movie and file rows, and no probe row.
async fn inserted(srv: &TestServer, m: &Member, source: &Path, imdb: &str) -> (i64, PathBuf) {
    let ext = source.extension().unwrap().to_str().unwrap();
    let relative = format!("{imdb}/unknown/movie.{ext}");
    let path = m.path.join(&relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if source.exists() {
        std::fs::copy(source, &path).unwrap();
    }
    let now = chrono::Utc::now();
    let film = movie::ActiveModel {
        imdb_id: Set(imdb.to_owned()),
        title: Set(format!("Old {imdb}")),
        search_title: Set(format!("old {imdb}")),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&srv.state.db)
    .await
    .unwrap();
    let file = movie_file::ActiveModel {
        library_id: Set(m.library as i32),
        movie_id: Set(film.id),
        relative_path: Set(relative),
        size_bytes: Set(std::fs::metadata(&path).map_or(0, |m| m.len() as i64)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&srv.state.db)
    .await
    .unwrap();
    (file.id as i64, path)
}

async fn movie_json(srv: &TestServer, m: &Member, imdb: &str) -> serde_json::Value {
    let page = srv
        .get(&format!("/api/movies/{imdb}?library={}", m.library), &m.who)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.body
}

/// The movie page's HTML, server-rendered.
async fn movie_page(srv: &TestServer, m: &Member, imdb: &str) -> String {
    let page = srv
        .get(&format!("/movie/{imdb}?library={}", m.library), &m.who)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.text
}

/// Keyframe times by a direct ffprobe run (pts, or dts where there is none), to the ms.
fn keyframes_by_ffprobe(path: &Path, stream: usize) -> Vec<i64> {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", &stream.to_string()])
        .args([
            "-show_entries",
            "packet=pts_time,dts_time,flags",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut times: Vec<i64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let [pts, dts, flags] = fields[..] else {
                return None;
            };
            let time: f64 = pts.parse().or_else(|_| dts.parse()).ok()?;
            flags
                .contains('K')
                .then_some((time * 1000.0).round() as i64)
        })
        .collect();
    times.sort();
    times.dedup();
    times
}

fn millis(times: &[f64]) -> Vec<i64> {
    times.iter().map(|t| (t * 1000.0).round() as i64).collect()
}

/// What each clip must be read as.
struct Expected {
    container: &'static str,
    codec: &'static str,
    profile: &'static str,
    depth: u8,
    tag: Option<&'static str>,
    /// codec, channels, language, default
    audio: &'static [(&'static str, u32, Option<&'static str>)],
    subtitles: &'static [(SubtitleKind, &'static str)],
    summary: &'static str,
}

fn expected(clip: Clip) -> Expected {
    const MP4: &str = "mov,mp4,m4a,3gp,3g2,mj2";
    const MKV: &str = "matroska,webm";
    let base = Expected {
        container: MKV,
        codec: "h264",
        profile: "High",
        depth: 8,
        tag: None,
        audio: &[("aac", 2, None)],
        subtitles: &[],
        summary: "H.264 · AAC 2.0",
    };
    match clip {
        Clip::Mp4H264Aac | Clip::Mp4CoverArt => Expected {
            container: MP4,
            tag: Some("avc1"),
            ..base
        },
        Clip::MkvH264Ac3 => Expected {
            audio: &[("ac3", 6, None)],
            summary: "H.264 · AC-3 5.1",
            ..base
        },
        Clip::MkvH264Dts => Expected {
            audio: &[("dts", 6, None)],
            summary: "H.264 · DTS 5.1",
            ..base
        },
        Clip::MkvHevc10Aac => Expected {
            codec: "hevc",
            profile: "Main 10",
            depth: 10,
            summary: "HEVC 10-bit · AAC 2.0",
            ..base
        },
        Clip::Mp4HevcHev1 | Clip::Mp4HevcHvc1 => Expected {
            container: MP4,
            codec: "hevc",
            profile: "Main",
            tag: Some(if clip == Clip::Mp4HevcHev1 {
                "hev1"
            } else {
                "hvc1"
            }),
            summary: "HEVC · AAC 2.0",
            ..base
        },
        Clip::AviXvidMp3 => Expected {
            container: "avi",
            codec: "mpeg4",
            profile: "Simple Profile",
            tag: Some("xvid"),
            audio: &[("mp3", 2, None)],
            summary: "MPEG-4 Part 2 · MP3 2.0",
            ..base
        },
        Clip::WebmVp9Opus => Expected {
            codec: "vp9",
            profile: "Profile 0",
            audio: &[("opus", 2, None)],
            summary: "VP9 · Opus 2.0",
            ..base
        },
        Clip::MkvTwoAudioSrt => Expected {
            audio: &[("eac3", 6, Some("eng")), ("aac", 2, Some("fra"))],
            subtitles: &[(SubtitleKind::Text, "eng")],
            summary: "H.264 · E-AC-3 5.1 (eng), AAC 2.0 (fra) · 1 subtitle",
            ..base
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_upload_is_probed_with_its_keyframes() {
    // Made before the servers start, so the timing below is the probe's own.
    for clip in Clip::ALL {
        clips::make(clip);
    }
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let mut files = Vec::new();
        for (n, clip) in Clip::ALL.into_iter().enumerate() {
            let imdb = format!("tt{:07}", 1_000_001 + n);
            let (id, path) =
                uploaded(&srv, &anna, &clip.file_name(), &clips::bytes(clip), &imdb).await;
            files.push((clip, imdb, id, path));
        }
        for (clip, imdb, id, path) in &files {
            let want = expected(*clip);
            let Probed { probe, keyframes } = probed(&srv, *id).await;
            assert_eq!(probe.container, want.container, "{clip:?}");
            let v = probe
                .video
                .as_ref()
                .unwrap_or_else(|| panic!("{clip:?} has video"));
            assert_eq!(v.index, 0, "{clip:?}: the movie, not the cover");
            assert_eq!(
                (
                    v.codec.as_str(),
                    v.profile.as_deref(),
                    v.bit_depth,
                    v.codec_tag.as_deref()
                ),
                (want.codec, Some(want.profile), Some(want.depth), want.tag),
                "{clip:?}"
            );
            assert_eq!((v.width, v.height), (Some(320), Some(240)), "{clip:?}");
            assert_eq!(v.frame_rate.map(f64::round), Some(24.0), "{clip:?}");
            let d = probe.duration.unwrap();
            assert!((d - Clip::SECONDS).abs() < 0.2, "{clip:?}: {d}");
            let audio: Vec<_> = probe
                .audio
                .iter()
                .map(|a| {
                    (
                        a.codec.as_str(),
                        a.channels.unwrap_or(0),
                        a.language.as_deref(),
                    )
                })
                .collect();
            assert_eq!(audio, want.audio, "{clip:?}");
            let subtitles: Vec<_> = probe
                .subtitles
                .iter()
                .map(|s| (s.kind, s.language.as_deref().unwrap_or("")))
                .collect();
            assert_eq!(subtitles, want.subtitles, "{clip:?}");
            assert_eq!(probe.summary(), want.summary, "{clip:?}");

            // The index: the video stream's keyframes as ffprobe lists them, one per second.
            let keyframes = keyframes.unwrap_or_else(|| panic!("{clip:?} was scanned"));
            assert_eq!(keyframes.len(), Clip::KEYFRAMES, "{clip:?}: {keyframes:?}");
            assert_eq!(
                millis(&keyframes),
                keyframes_by_ffprobe(path, v.index),
                "{clip:?}"
            );

            // The movie page says what is inside.
            let page = movie_json(&srv, &anna, imdb).await;
            assert_eq!(page["files"][0]["streams"], want.summary, "{clip:?}");
            assert_eq!(page["files"][0]["analysis"], "done", "{clip:?}");
        }
        // The second audio track of the MKV is not the default; the first is.
        let two = &files.iter().find(|f| f.0 == Clip::MkvTwoAudioSrt).unwrap();
        let p = probed(&srv, two.2).await.probe;
        assert_eq!(
            p.audio
                .iter()
                .map(|a| (a.index, a.default))
                .collect::<Vec<_>>(),
            [(1, true), (2, false)]
        );
        assert_eq!(p.subtitles[0].index, 3);
        // Stored compactly: the index as text of whole milliseconds.
        let stored = row(&srv, two.2).await.unwrap();
        let text = stored.keyframes.unwrap();
        assert!(text.ends_with(",1000,1000,1000,1000,1000"), "{text}");
        assert_eq!(stored.version, info::VERSION);
        assert_eq!(srv.state.probes.queued(), 0);
    })
    .await;
}

/// What an upgraded server does: files already in a library, without a probe, are found by
/// the start-up backfill and probed; the page says "pending" until then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_probes_files_from_before() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (old, path) = inserted(&srv, &anna, &clips::make(Clip::MkvTwoAudioSrt), "tt0000011").await;
        // Listed, but its disk is away: not stored, so the next start tries again.
        let (away, _) = inserted(&srv, &anna, Path::new("/nonexistent/movie.mkv"), "tt0000012").await;
        let page = movie_json(&srv, &anna, "tt0000011").await;
        assert_eq!(page["files"][0]["analysis"], "pending");
        assert_eq!(page["files"][0]["streams"], serde_json::Value::Null);
        assert!(row(&srv, old).await.is_none());
        let html = movie_page(&srv, &anna, "tt0000011").await;
        assert!(html.contains(r#"<span class="file-streams">Analysing…</span>"#), "{html}");

        assert_eq!(info::backfill(&srv.state).await.unwrap(), 2);
        let p = probed(&srv, old).await;
        assert_eq!(p.probe.audio.len(), 2);
        assert_eq!(millis(&p.keyframes.unwrap()), keyframes_by_ffprobe(&path, 0));
        queue_drained(&srv).await;
        assert!(row(&srv, away).await.is_none(), "a missing file is not marked failed");
        let page = movie_json(&srv, &anna, "tt0000011").await;
        assert_eq!(
            page["files"][0]["streams"],
            "H.264 · E-AC-3 5.1 (eng), AAC 2.0 (fra) · 1 subtitle"
        );
        // The versions table shows it under the file's name.
        let html = movie_page(&srv, &anna, "tt0000011").await;
        assert!(
            html.contains(r#"<span class="file-streams">H.264 · E-AC-3 5.1 (eng), AAC 2.0 (fra) · 1 subtitle</span>"#),
            "{html}"
        );
        // Only the unreachable file is left for the next start.
        assert_eq!(info::backfill(&srv.state).await.unwrap(), 1);
        queue_drained(&srv).await;
        assert!(row(&srv, away).await.is_none());
        let e = info::ensure(&srv.state, away as i32, Path::new("/nonexistent"), Duration::from_secs(10))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "file_missing", "{e}");

        // A row written by an older reading of ffprobe's output is probed again.
        media_probe::Entity::update(media_probe::ActiveModel {
            file_id: Set(old as i32),
            version: Set(info::VERSION - 1),
            ..Default::default()
        })
        .exec(&srv.state.db)
        .await
        .unwrap();
        assert_eq!(info::backfill(&srv.state).await.unwrap(), 2);
        queue_drained(&srv).await;
        assert_eq!(row(&srv, old).await.unwrap().version, info::VERSION);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_are_not_videos_fail_without_harm() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let text = b"These are not the frames you are looking for.\n".repeat(2000);
        let (junk, _) = uploaded(&srv, &anna, "Not a movie.mkv", &text, "tt0000021").await;
        let audio_only = {
            let dir = tempfile::TempDir::new().unwrap();
            let out = dir.path().join("a.mkv");
            let status = std::process::Command::new("ffmpeg")
                .args(["-v", "error", "-nostdin", "-f", "lavfi", "-i"])
                .arg("sine=frequency=440:duration=2")
                .args(["-c:a", "aac"])
                .arg(&out)
                .status()
                .unwrap();
            assert!(status.success());
            std::fs::read(out).unwrap()
        };
        let (sound, _) = uploaded(&srv, &anna, "Only sound.mkv", &audio_only, "tt0000022").await;

        let row = settled(&srv, junk).await;
        assert_eq!(row.status, "failed");
        assert_eq!((row.streams, row.keyframes), (None, None));
        let error = row.error.unwrap();
        assert!(error.starts_with("ffprobe cannot read it: "), "{error}");
        let library = anna.path.to_string_lossy().into_owned();
        assert!(
            !error.contains(&library),
            "the stored error names no folder: {error}"
        );
        let row = settled(&srv, sound).await;
        assert_eq!(row.status, "failed");
        assert_eq!(
            row.error.as_deref(),
            Some("ffprobe found no video stream in it")
        );

        // Failed files load as nothing, are not probed again, and the server goes on.
        assert_eq!(info::load(&srv.state, junk as i32).await.unwrap(), None);
        let e = info::ensure(
            &srv.state,
            sound as i32,
            Path::new("/x"),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, ProbeFailure::NotAVideo(_)) && !e.pending(),
            "{e:?}"
        );
        assert_eq!(info::backfill(&srv.state).await.unwrap(), 0);
        let page = movie_json(&srv, &anna, "tt0000021").await;
        assert_eq!(page["files"][0]["analysis"], "failed");
        assert_eq!(page["files"][0]["streams"], serde_json::Value::Null);
        // A real video afterwards is probed as usual.
        let (good, _) = uploaded(
            &srv,
            &anna,
            "Good.mp4",
            &clips::bytes(Clip::Mp4H264Aac),
            "tt0000023",
        )
        .await;
        assert_eq!(probed(&srv, good).await.probe.summary(), "H.264 · AAC 2.0");
    })
    .await;
}

/// Replacing a file or deleting it takes its probe along (ON DELETE CASCADE).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_goes_with_its_file() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let imdb = "tt0000031";
        let (first, _) =
            uploaded(&srv, &anna, "A.mkv", &clips::bytes(Clip::MkvH264Ac3), imdb).await;
        probed(&srv, first).await;
        let done = upload(
            &srv,
            &anna,
            "B.mp4",
            &clips::bytes(Clip::Mp4H264Aac),
            imdb,
            "replace",
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let second = done.body["movieFileId"].as_i64().unwrap();
        assert_eq!(
            row(&srv, first).await,
            None,
            "the replaced file's probe is gone"
        );
        // The new file was moved into the plain folder after its upload: probed there.
        assert_eq!(
            probed(&srv, second).await.probe.summary(),
            "H.264 · AAC 2.0"
        );

        let deleted = srv
            .call(
                Method::DELETE,
                &format!("/api/files/{second}"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        assert_eq!(row(&srv, second).await, None);
        assert_eq!(
            media_probe::Entity::find()
                .all(&srv.state.db)
                .await
                .unwrap(),
            []
        );
    })
    .await;
}

/// The MP4 made by "Optimise for playback" is another version: it is analysed like an upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_converted_mp4_is_analysed_too() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (mkv, _) = uploaded(
            &srv,
            &anna,
            "A.mkv",
            &clips::bytes(Clip::MkvH264Ac3),
            "tt0000061",
        )
        .await;
        let start = srv
            .call(
                Method::POST,
                &format!("/api/files/{mkv}/remux"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(start.status, StatusCode::ACCEPTED, "{}", start.text);
        let started = Instant::now();
        let mp4 = loop {
            let job = srv.get(&format!("/api/files/{mkv}/remux"), &anna.who).await;
            match job.body["state"].as_str() {
                Some("done") => break job.body["fileId"].as_i64().unwrap(),
                Some("failed") => panic!("{}", job.text),
                _ => {}
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{}", job.text);
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let p = probed(&srv, mp4).await;
        assert_eq!(p.probe.summary(), "H.264 · AAC 2.0");
        assert_eq!(p.keyframes.map(|k| k.len()), Some(Clip::KEYFRAMES));
    })
    .await;
}

/// A stand-in ffprobe beside a stand-in ffmpeg: it logs its arguments, waits `delay` seconds
/// (from a file beside it), then runs the real one.
fn wrapped_ffprobe(dir: &Path) {
    let script = "#!/bin/sh\nd=$(dirname \"$0\")\necho \"$*\" >> \"$d/calls.log\"\nsleep \"$(cat \"$d/delay\" 2>/dev/null || echo 0)\"\nexec ffprobe \"$@\"\n";
    let path = dir.join("ffprobe");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("calls.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_probe_per_file_however_many_ask() {
    let tools = tempfile::TempDir::new().unwrap();
    wrapped_ffprobe(tools.path());
    let ffmpeg = tools.path().join("ffmpeg").display().to_string();
    let tools = tools.path().to_owned();
    on_each_database_with(
        |c| c.ffmpeg = ffmpeg.clone(),
        |srv| {
            let tools = tools.clone();
            async move {
                let _ = std::fs::remove_file(tools.join("calls.log"));
                std::fs::write(tools.join("delay"), "0.5").unwrap();
                let anna = member(&srv, "anna").await;
                let (id, path) =
                    inserted(&srv, &anna, &clips::make(Clip::Mp4HevcHvc1), "tt0000041").await;
                let started = Instant::now();
                let (a, b, ()) = tokio::join!(
                    info::ensure(&srv.state, id as i32, &path, Duration::from_secs(30)),
                    info::ensure(&srv.state, id as i32, &path, Duration::from_secs(30)),
                    async { info::queue(&srv.state, id as i32) },
                );
                let took = started.elapsed();
                let (a, b) = (a.unwrap(), b.unwrap());
                assert_eq!(a, b);
                assert_eq!(a.keyframes.as_ref().map(Vec::len), Some(Clip::KEYFRAMES));
                queue_drained(&srv).await;
                let log = calls(&tools);
                assert_eq!(log.len(), 2, "one stream probe and one scan: {log:#?}");
                assert!(log[0].contains("-show_streams") && log[1].contains("-select_streams 0"));
                for call in &log {
                    assert!(call.contains("-protocol_whitelist file"), "{call}");
                    assert!(
                        call.ends_with(&format!("file:{}", path.display())),
                        "the library's file, by the database's path: {call}"
                    );
                }
                eprintln!("ensure with two 0.5 s stand-in runs took {took:?}");

                // An asker who cannot wait: pending, and the probe goes on to be stored.
                std::fs::write(tools.join("delay"), "1").unwrap();
                let (slow, slow_path) =
                    inserted(&srv, &anna, &clips::make(Clip::WebmVp9Opus), "tt0000042").await;
                let e = info::ensure(
                    &srv.state,
                    slow as i32,
                    &slow_path,
                    Duration::from_millis(300),
                )
                .await
                .unwrap_err();
                assert!(e.pending(), "{e:?}");
                assert_eq!(e.code(), "probe_pending");
                let again =
                    info::ensure(&srv.state, slow as i32, &slow_path, Duration::from_secs(30))
                        .await
                        .unwrap();
                assert_eq!(again.probe.video.unwrap().codec, "vp9");
                assert_eq!(
                    calls(&tools).len(),
                    4,
                    "the second asker joined the first run"
                );
                std::fs::write(tools.join("delay"), "0").unwrap();
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ffmpeg_nothing_is_probed() {
    on_each_database_with(
        |c| c.ffmpeg = String::new(),
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let (id, path) = uploaded(
                &srv,
                &anna,
                "A.mp4",
                &clips::bytes(Clip::Mp4H264Aac),
                "tt0000051",
            )
            .await;
            assert_eq!(srv.state.probes.queued(), 0);
            assert_eq!(info::backfill(&srv.state).await.unwrap(), 0);
            let e = info::ensure(&srv.state, id as i32, &path, Duration::from_secs(5))
                .await
                .unwrap_err();
            assert_eq!(e, ProbeFailure::Off);
            assert_eq!(row(&srv, id).await, None);
            let page = movie_json(&srv, &anna, "tt0000051").await;
            assert_eq!(page["files"][0]["analysis"], "off");
        },
    )
    .await;
    // An ffmpeg that is not there has no ffprobe beside it either: said, and nothing stored.
    on_each_database_with(
        |c| c.ffmpeg = "/nonexistent/bin/ffmpeg".into(),
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let (id, path) =
                inserted(&srv, &anna, &clips::make(Clip::Mp4H264Aac), "tt0000052").await;
            let e = info::ensure(&srv.state, id as i32, &path, Duration::from_secs(5))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "ffprobe_missing", "{e}");
            assert!(e.to_string().contains("/nonexistent/bin/ffprobe"), "{e}");
            assert_eq!(row(&srv, id).await, None);
        },
    )
    .await;
}
