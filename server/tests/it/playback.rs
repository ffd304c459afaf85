//! Playback: `/stream/{id}` with HTTP Range and validators, subtitles as WebVTT, and resume
//! positions; members of the file's library only.

use crate::support::{As, on_each_database, on_each_database_with};
use crate::uploads::{MATRIX, Member, member, upload};
use http::{Method, Request, StatusCode, header};
use serde_json::json;

fn movie_bytes() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// Uploads the test movie; returns its file id and path on disk.
async fn uploaded(srv: &crate::support::TestServer, m: &Member) -> (i64, std::path::PathBuf) {
    let done = upload(srv, m, "The Matrix.mp4", &movie_bytes(), MATRIX, "new").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    (
        done.body["movieFileId"].as_i64().unwrap(),
        m.path.join(done.body["path"].as_str().unwrap()),
    )
}

async fn get(
    srv: &crate::support::TestServer,
    path: &str,
    who: &As,
    headers: &[(&str, &str)],
) -> crate::support::Reply {
    let mut req = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = &who.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    srv.send(req.body(axum::body::Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_answer_ranges_and_validators_to_members_only() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (id, path) = uploaded(&srv, &anna).await;
        let bytes = movie_bytes();
        let url = format!("/stream/{id}");

        let full = get(&srv, &url, &anna.who, &[]).await;
        assert_eq!(full.status, StatusCode::OK);
        assert_eq!(full.bytes, bytes);
        assert_eq!(full.headers[header::ACCEPT_RANGES], "bytes");
        assert_eq!(full.headers[header::CONTENT_TYPE], "video/mp4");
        assert_eq!(full.headers[header::CONTENT_LENGTH], "100000");
        let etag = full.headers[header::ETAG].to_str().unwrap().to_owned();
        let modified = full.headers[header::LAST_MODIFIED]
            .to_str()
            .unwrap()
            .to_owned();

        for (range, start, end) in [
            ("bytes=0-99", 0, 99),
            ("bytes=99990-", 99_990, 99_999),
            ("bytes=-10", 99_990, 99_999),
            ("bytes=50000-2000000", 50_000, 99_999),
        ] {
            let part = get(&srv, &url, &anna.who, &[("range", range)]).await;
            assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{range}");
            assert_eq!(
                part.headers[header::CONTENT_RANGE],
                format!("bytes {start}-{end}/100000").as_str()
            );
            assert_eq!(part.bytes, bytes[start..=end], "{range}");
        }
        let past = get(&srv, &url, &anna.who, &[("range", "bytes=100000-")]).await;
        assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(past.headers[header::CONTENT_RANGE], "bytes */100000");
        assert_eq!(past.headers.get_all(header::CONTENT_TYPE).iter().count(), 1);
        let many = get(&srv, &url, &anna.who, &[("range", "bytes=0-1,5-6")]).await;
        assert_eq!((many.status, many.bytes.len()), (StatusCode::OK, 100_000));

        // If-Range: the same file gets the range; a changed one gets all of it.
        for validator in [etag.as_str(), modified.as_str()] {
            let same = get(
                &srv,
                &url,
                &anna.who,
                &[("range", "bytes=0-9"), ("if-range", validator)],
            )
            .await;
            assert_eq!(same.status, StatusCode::PARTIAL_CONTENT, "{validator}");
        }
        let stale = get(
            &srv,
            &url,
            &anna.who,
            &[("range", "bytes=0-9"), ("if-range", "\"old\"")],
        )
        .await;
        assert_eq!((stale.status, stale.bytes.len()), (StatusCode::OK, 100_000));
        let cached = get(&srv, &url, &anna.who, &[("if-none-match", &etag)]).await;
        assert_eq!(
            (cached.status, cached.bytes.len()),
            (StatusCode::NOT_MODIFIED, 0)
        );

        let download = get(&srv, &format!("{url}?download=1"), &anna.who, &[]).await;
        let disposition = download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );

        // Nobody else: another user, a visitor, a file that does not exist, a bad id.
        let bob = member(&srv, "bob").await;
        get(&srv, &url, &bob.who, &[])
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        get(&srv, &url, &bob.who, &[("range", "bytes=0-9")])
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        get(&srv, &url, &As::anonymous(), &[])
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        get(&srv, "/stream/999999", &anna.who, &[])
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        get(&srv, "/stream/abc", &anna.who, &[])
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_path_parameter");

        // A file past 4 GiB (sparse): ranges near its end are read from the right place.
        let big: u64 = 5 * 1024 * 1024 * 1024;
        {
            use std::io::{Seek, SeekFrom, Write};
            let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(big).unwrap();
            f.seek(SeekFrom::Start(big - 16)).unwrap();
            f.write_all(b"end of a 5G file").unwrap();
        }
        let tail = get(&srv, &url, &anna.who, &[("range", "bytes=-16")]).await;
        assert_eq!(tail.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.bytes, b"end of a 5G file");
        assert_eq!(
            tail.headers[header::CONTENT_RANGE],
            format!("bytes {}-{}/{big}", big - 16, big - 1).as_str()
        );
        let at = format!("bytes={}-{}", big - 16, big - 13);
        assert_eq!(
            get(&srv, &url, &anna.who, &[("range", &at)]).await.bytes,
            b"end "
        );

        // An empty file: nothing to send, no range to satisfy.
        std::fs::File::create(&path).unwrap();
        let empty = get(&srv, &url, &anna.who, &[]).await;
        assert_eq!((empty.status, empty.bytes.len()), (StatusCode::OK, 0));
        let none = get(&srv, &url, &anna.who, &[("range", "bytes=0-")]).await;
        assert_eq!(none.status, StatusCode::RANGE_NOT_SATISFIABLE);
        // Gone from disk: a clear 404, not a 500.
        std::fs::remove_file(&path).unwrap();
        get(&srv, &url, &anna.who, &[])
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_missing");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitles_are_served_as_webvtt_and_positions_resume() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let (id, _) = uploaded(&srv, &anna).await;
        let srt_dir = anna.path.join(MATRIX).join("srt");
        std::fs::create_dir_all(&srt_dir).unwrap();
        // Windows-1252 with CRLF, as many old subtitle files are.
        std::fs::write(
            srt_dir.join("subtitle.fr.srt"),
            b"1\r\n00:00:01,000 --> 00:00:02,500\r\nCaf\xe9 cr\xe8me\r\n\r\n2\r\nnot a timing\r\nlost\r\n",
        )
        .unwrap();

        let watch = srv.get(&format!("/api/files/{id}/watch"), &anna.who).await;
        assert_eq!(watch.status, StatusCode::OK, "{}", watch.text);
        assert_eq!(watch.body["streamUrl"], format!("/stream/{id}"));
        assert_eq!(watch.body["resumeAt"], serde_json::Value::Null);
        let track = &watch.body["subtitles"][0];
        assert_eq!((track["lang"].as_str(), track["label"].as_str()), (Some("fr"), Some("French")));
        let vtt = get(&srv, track["url"].as_str().unwrap(), &anna.who, &[]).await;
        assert_eq!(vtt.status, StatusCode::OK);
        assert!(vtt.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/vtt"));
        assert_eq!(vtt.text, "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nCafé crème\n");

        let bob = member(&srv, "bob").await;
        get(&srv, track["url"].as_str().unwrap(), &bob.who, &[]).await.assert_error(StatusCode::NOT_FOUND, "file_not_found");
        srv.get(&format!("/api/files/{id}/watch"), &bob.who).await.assert_error(StatusCode::NOT_FOUND, "file_not_found");
        for name in ["subtitle.de.srt", "..%2F..%2Fetc%2Fpasswd", "%2E%2E"] {
            get(&srv, &format!("/subtitles/{id}/{name}"), &anna.who, &[])
                .await
                .assert_error(StatusCode::NOT_FOUND, "subtitle_not_found");
        }

        // Positions: saved, offered back, and cleared once the movie is watched.
        let progress = format!("/api/files/{id}/progress");
        let put = |body| srv.call(Method::PUT, &progress, &anna.who, Some(body));
        let saved = put(json!({"position": 3725.5, "duration": 8160.0})).await;
        assert_eq!((saved.status, saved.body["completed"].as_bool()), (StatusCode::OK, Some(false)));
        let watch = srv.get(&format!("/api/files/{id}/watch"), &anna.who).await;
        assert_eq!(watch.body["resumeAt"], 3725.5);
        let done = put(json!({"position": 7400.0, "duration": 8160.0})).await;
        assert_eq!(done.body["completed"], true);
        let watch = srv.get(&format!("/api/files/{id}/watch"), &anna.who).await;
        assert_eq!(watch.body["resumeAt"], serde_json::Value::Null);
        // POST, as navigator.sendBeacon sends it.
        let beacon = srv.post(&progress, &anna.who, json!({"position": 60.0})).await;
        assert_eq!(beacon.status, StatusCode::OK, "{}", beacon.text);
        for bad in [json!({"position": -1.0}), json!({"position": 5.0, "duration": 0.0}), json!({"position": "x"})] {
            let reply = put(bad).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        }
        srv.call(Method::PUT, &progress, &bob.who, Some(json!({"position": 1.0})))
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitle_files_over_the_limit_are_refused_without_being_read() {
    on_each_database_with(
        |c| c.subtitle_max_size = 4096,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let (id, _) = uploaded(&srv, &anna).await;
            let srt_dir = anna.path.join(MATRIX).join("srt");
            std::fs::create_dir_all(&srt_dir).unwrap();
            // Exactly at the limit: converted.
            let cue = b"1\n00:00:01,000 --> 00:00:02,000\nA\n\n";
            let mut at_limit = cue.repeat(4096 / cue.len());
            at_limit.resize(4096, b'\n');
            std::fs::write(srt_dir.join("subtitle.en.srt"), &at_limit).unwrap();
            // One byte over; and 64 GiB that take no room (reading them would take minutes
            // and more memory than the machine has).
            std::fs::write(srt_dir.join("subtitle.fr.srt"), [b'\n'; 4097]).unwrap();
            let huge = 64u64 << 30;
            std::fs::File::create(srt_dir.join("subtitle.de.vtt"))
                .unwrap()
                .set_len(huge)
                .unwrap();

            let ok = get(
                &srv,
                &format!("/subtitles/{id}/subtitle.en.srt"),
                &anna.who,
                &[],
            )
            .await;
            assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
            assert!(
                ok.text
                    .starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n")
            );
            for (name, size) in [("subtitle.fr.srt", 4097), ("subtitle.de.vtt", huge)] {
                let asked = std::time::Instant::now();
                let r = get(&srv, &format!("/subtitles/{id}/{name}"), &anna.who, &[]).await;
                r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "subtitle_too_large");
                assert_eq!(
                    (r.body["size"].as_u64(), r.body["max"].as_u64()),
                    (Some(size), Some(4096))
                );
                assert!(
                    asked.elapsed() < std::time::Duration::from_secs(5),
                    "{name} was not read"
                );
            }
        },
    )
    .await;
}
