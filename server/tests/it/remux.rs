//! MKV → MP4 remux jobs with the real ffmpeg: the MP4 appears as another version with the
//! same video, the MKV stays, progress and failures are reported, and bad requests are
//! refused with their reason.

use crate::support::{As, TestServer, on_each_database, on_each_database_with};
use crate::uploads::{MATRIX, Member, join, member, upload, video_as};
use http::{Method, StatusCode};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// A 3-second MKV with H.264 video and AC-3 audio (which browsers cannot decode).
pub(crate) fn h264_mkv() -> Vec<u8> {
    static VIDEO: OnceLock<Vec<u8>> = OnceLock::new();
    VIDEO
        .get_or_init(|| {
            let dir = tempfile::TempDir::new().unwrap();
            let out = dir.path().join("v.mkv");
            let status = std::process::Command::new("ffmpeg")
                .args(["-v", "error", "-f", "lavfi", "-i"])
                .arg("testsrc=size=320x240:rate=25:duration=3")
                .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=3"])
                .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "ac3"])
                .arg(&out)
                .status()
                .expect("ffmpeg is installed");
            assert!(status.success());
            std::fs::read(out).unwrap()
        })
        .clone()
}

pub(crate) async fn remux(srv: &TestServer, who: &As, file: i64) -> crate::support::Reply {
    srv.call(Method::POST, &format!("/api/files/{file}/remux"), who, None)
        .await
}

/// Polls the job until it ends.
pub(crate) async fn finished(srv: &TestServer, who: &As, file: i64) -> Value {
    for _ in 0..600 {
        let job = srv.get(&format!("/api/files/{file}/remux"), who).await;
        assert_eq!(job.status, StatusCode::OK, "{}", job.text);
        if matches!(job.body["state"].as_str(), Some("done" | "failed")) {
            return job.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the remux did not end in 60 s");
}

fn ffprobe(path: &Path, entries: &str) -> String {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", entries, "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn uploaded(
    srv: &TestServer,
    m: &Member,
    name: &str,
    bytes: &[u8],
    mode: &str,
) -> (i64, String) {
    let done = upload(srv, m, name, bytes, MATRIX, mode).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    (
        done.body["movieFileId"].as_i64().unwrap(),
        done.body["path"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mkv_becomes_an_mp4_version_that_plays_everywhere() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (mkv_id, mkv_path) = uploaded(&srv, &anna, "The Matrix.mkv", &h264_mkv(), "new").await;
        let none = srv
            .get(&format!("/api/files/{mkv_id}/remux"), &anna.who)
            .await;
        assert_eq!(none.body["state"], "none", "{}", none.text);

        let queued = remux(&srv, &anna.who, mkv_id).await;
        assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
        assert_eq!(queued.body["state"], "waiting");
        let job = finished(&srv, &anna.who, mkv_id).await;
        assert_eq!(job["state"], "done", "{job}");
        assert_eq!(job["percent"], 100.0);
        let mp4_id = job["fileId"].as_i64().unwrap();

        // Both versions are listed; the MP4 is a real MP4 with the same H.264 video and AAC audio.
        let files = srv
            .get(
                &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
                &anna.who,
            )
            .await;
        let list = files.body.as_array().unwrap();
        assert_eq!(list.len(), 2, "{}", files.text);
        let mp4 = list.iter().find(|f| f["id"] == mp4_id).unwrap();
        let mp4_path = mp4["path"].as_str().unwrap();
        assert_eq!(mp4_path, mkv_path.replace(".mkv", ".mp4"));
        assert_eq!(mp4["versionLabel"], "MP4");
        assert_eq!(mp4["container"], "mp4");
        assert_eq!(mp4["videoCodec"], "h264");
        assert_eq!(mp4["audioCodec"], "aac");
        let on_disk = anna.path.join(mp4_path);
        assert_eq!(ffprobe(&on_disk, "stream=codec_name"), "h264\naac");
        let mkv_on_disk = anna.path.join(&mkv_path);
        assert!(mkv_on_disk.is_file(), "the MKV stays");
        let video_bytes = |p: &Path| {
            // The video stream itself, copied bit for bit: equal packet checksums.
            let out = std::process::Command::new("ffmpeg")
                .args(["-v", "error", "-i"])
                .arg(p)
                .args(["-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.rsplit(',').next().unwrap().trim().to_owned())
                .collect::<Vec<_>>()
        };
        let (a, b) = (video_bytes(&mkv_on_disk), video_bytes(&on_disk));
        assert_eq!(a.len(), 75, "3 s at 25 fps");
        assert_eq!(a, b, "the video was copied, not re-encoded");
        let folder: Vec<String> = std::fs::read_dir(on_disk.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !folder.iter().any(|n| n.ends_with(".partial")),
            "{folder:?}"
        );
        // It streams as MP4.
        let stream = srv
            .send(
                http::Request::get(format!("/stream/{mp4_id}"))
                    .header(http::header::COOKIE, anna.who.cookie.clone().unwrap())
                    .header(http::header::RANGE, "bytes=0-99")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(stream.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(stream.headers[http::header::CONTENT_TYPE], "video/mp4");

        // Once is enough; an MP4 needs nothing.
        remux(&srv, &anna.who, mkv_id)
            .await
            .assert_error(StatusCode::CONFLICT, "already_converted");
        remux(&srv, &anna.who, mp4_id)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "already_playable");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remuxing_is_for_managers_and_for_h264_mkv_only() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (mkv_id, _) = uploaded(&srv, &anna, "The Matrix.mkv", &h264_mkv(), "new").await;
        let vic = member(&srv, "vic").await;
        join(&srv, &vic, anna.library, "uploader").await;
        let eve = member(&srv, "eve").await;
        remux(&srv, &vic.who, mkv_id)
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        remux(&srv, &eve.who, mkv_id)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        srv.get(&format!("/api/files/{mkv_id}/remux"), &eve.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        remux(&srv, &anna.who, 999_999)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        // MPEG-4 Part 2 video in MKV would need re-encoding.
        let (divx, _) = uploaded(
            &srv,
            &anna,
            "Old rip.mkv",
            &video_as(64, 48, "mkv"),
            "version",
        )
        .await;
        let refused = remux(&srv, &anna.who, divx).await;
        refused.assert_error(StatusCode::BAD_REQUEST, "not_remuxable");
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains("MPEG-4 Part 2"),
            "{}",
            refused.text
        );
        assert_eq!(
            srv.get(&format!("/api/files/{mkv_id}/remux"), &vic.who)
                .await
                .body["state"],
            "none",
            "the refused calls started nothing"
        );
    })
    .await;
}

/// An ffmpeg that runs (`-version`) but fails every job, like a disk error halfway.
fn failing_ffmpeg() -> String {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT
        .get_or_init(|| {
            let dir = tempfile::TempDir::new().unwrap().keep();
            let path = dir.join("ffmpeg");
            std::fs::write(
                &path,
                "#!/bin/sh\n[ \"$1\" = -version ] && exit 0\nfor a; do last=\"$a\"; done\necho partial > \"$last\"\necho 'Error writing trailer: No space left on device' >&2\nexit 1\n",
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path.to_string_lossy().into_owned()
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_remux_says_why_and_leaves_nothing_behind() {
    on_each_database_with(
        |config| config.ffmpeg = failing_ffmpeg(),
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let (mkv_id, mkv_path) =
                uploaded(&srv, &anna, "The Matrix.mkv", &h264_mkv(), "new").await;
            let queued = remux(&srv, &anna.who, mkv_id).await;
            assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
            let job = finished(&srv, &anna.who, mkv_id).await;
            assert_eq!(job["state"], "failed", "{job}");
            assert!(
                job["message"]
                    .as_str()
                    .unwrap()
                    .contains("No space left on device"),
                "{job}"
            );
            let folder = anna.path.join(&mkv_path);
            let names: Vec<String> = std::fs::read_dir(folder.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names.len(), 1, "only the MKV: {names:?}");
            let files = srv
                .get(
                    &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
                    &anna.who,
                )
                .await;
            assert_eq!(files.body.as_array().unwrap().len(), 1);
            // A failed job can be tried again.
            let again = remux(&srv, &anna.who, mkv_id).await;
            assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
            finished(&srv, &anna.who, mkv_id).await;
        },
    )
    .await;
    on_each_database_with(
        |config| config.ffmpeg = "/nonexistent/ffmpeg".into(),
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let (mkv_id, _) = uploaded(&srv, &anna, "The Matrix.mkv", &h264_mkv(), "new").await;
            remux(&srv, &anna.who, mkv_id)
                .await
                .assert_error(StatusCode::NOT_IMPLEMENTED, "ffmpeg_missing");
        },
    )
    .await;
}
