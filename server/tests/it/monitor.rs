//! The server monitor: traffic counted as bytes flow, streams in progress, storage against
//! statvfs, the low-space warning, and who may see it.

use crate::support::{As, TestServer, on_each_database_with};
use crate::uploads::{MATRIX, join, member, upload};
use axum::body::Body;
use futures::StreamExt;
use http::{Request, StatusCode, header};
use sea_orm::EntityTrait;
use serde_json::Value;
use tower::ServiceExt;

const MIB: u64 = 1024 * 1024;

async fn traffic(srv: &TestServer, who: &As) -> (u64, u64) {
    let r = srv.get("/api/monitor?parts=traffic", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body.get("storage").is_none(), "only the part asked for");
    let t = &r.body["traffic"];
    (
        t["receivedSinceStart"].as_u64().unwrap(),
        t["sentSinceStart"].as_u64().unwrap(),
    )
}

async fn activity(srv: &TestServer, who: &As) -> Value {
    srv.get("/api/monitor?parts=activity", who).await.body["activity"].clone()
}

fn quiet_disk(config: &mut backend::Config) {
    // No warning and no reserve, whatever this machine's disk holds.
    config.storage_warning_percent = 0;
    config.storage_reserve = 0;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_are_counted_as_they_flow_and_storage_matches_the_filesystem() {
    on_each_database_with(quiet_disk, |srv| async move {
        let anna = member(&srv, "anna").await; // the first account: the admin
        let (received0, _) = traffic(&srv, &anna.who).await;
        let data: Vec<u8> = (0..10 * MIB).map(|i| (i % 251) as u8).collect();
        let done = upload(&srv, &anna, "The Matrix.mp4", &data, MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let (received1, sent1) = traffic(&srv, &anna.who).await;
        let received = received1 - received0;
        assert!(
            (10 * MIB..10 * MIB + 10 * MIB / 100).contains(&received),
            "received {received} for a 10 MiB upload"
        );

        // A stream the client abandons after about 1 MiB counts what was sent, not the file.
        let file = done.body["movieFileId"].as_i64().unwrap();
        let req = Request::get(format!("/stream/{file}"))
            .header(header::COOKIE, anna.who.cookie.clone().unwrap())
            .body(Body::empty())
            .unwrap();
        let res = srv.router().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let mut body = res.into_body().into_data_stream();
        let mut read = 0u64;
        while read < MIB {
            read += body.next().await.unwrap().unwrap().len() as u64;
        }
        assert_eq!(activity(&srv, &anna.who).await["streams"], 1);
        drop(body);
        assert_eq!(activity(&srv, &anna.who).await["streams"], 0);
        let (_, sent2) = traffic(&srv, &anna.who).await;
        let sent = sent2 - sent1;
        // Within one read buffer of what the client took (plus the monitor's own answers).
        assert!(
            (MIB..2 * MIB).contains(&sent),
            "sent {sent} for a stream cut after {read}"
        );

        // Storage: the library's figures, and its filesystem as statvfs sees it.
        let report = srv.get("/api/monitor?parts=storage", &anna.who).await;
        let storage = &report.body["storage"];
        let lib = &storage["libraries"][0];
        assert_eq!(
            (lib["movies"].as_u64(), lib["files"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(lib["bytes"].as_u64(), Some(10 * MIB));
        let fs = storage["filesystems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|fs| fs["libraries"].as_array().unwrap().contains(&lib["id"]))
            .expect("the library's filesystem is listed");
        let stat = rustix::fs::statvfs(&anna.path).unwrap();
        assert_eq!(fs["total"].as_u64(), Some(stat.f_blocks * stat.f_frsize));
        let free = fs["free"].as_u64().unwrap() as i64;
        let now_free = (stat.f_bavail * stat.f_frsize) as i64;
        assert!(
            (free - now_free).abs() < 64 * MIB as i64,
            "free {free} vs {now_free}"
        );
        assert!(
            storage["filesystems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|fs| fs["dataDir"] == true),
            "the admin sees the data dir's filesystem"
        );
        assert_eq!(storage["warning"], Value::Null);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_space_is_flagged_at_the_configured_threshold() {
    on_each_database_with(
        |config| config.storage_warning_percent = 100,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let report = srv.get("/api/monitor?parts=storage", &anna.who).await;
            let storage = &report.body["storage"];
            let warning = storage["warning"].as_str().expect("a warning");
            assert!(warning.contains("nearly full"), "{warning}");
            assert!(storage["filesystems"][0]["low"].as_bool().unwrap());
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_is_for_the_admin_and_for_owners_and_managers() {
    on_each_database_with(quiet_disk, |srv| async move {
        let anna = member(&srv, "anna").await;
        let bob = member(&srv, "bob").await;
        let viewer = As::cookie(&srv.register("vera").await);
        let vera = crate::uploads::Member {
            who: viewer.clone(),
            library: 0,
            path: Default::default(),
        };
        join(&srv, &vera, anna.library, "viewer").await;

        // Bob owns one library: he sees it, and not Anna's, nor the data dir.
        let his = srv.get("/api/monitor", &bob.who).await;
        assert_eq!(his.status, StatusCode::OK, "{}", his.text);
        let libs: Vec<i64> = his.body["storage"]["libraries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        assert_eq!(libs, vec![bob.library]);
        assert!(
            his.body["storage"]["filesystems"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["dataDir"] == false)
        );
        assert!(his.body["traffic"]["lastHour"].as_array().unwrap().len() == 60);
        assert!(his.body["activity"].is_object());

        srv.get("/api/monitor", &viewer)
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        srv.get("/api/monitor", &As::anonymous())
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        srv.get("/api/monitor?parts=storage,disks", &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_parts");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_minutes_are_saved_and_added_up_across_flushes() {
    on_each_database_with(quiet_disk, |srv| async move {
        let anna = member(&srv, "anna").await;
        let two_minutes_ago = chrono::Utc::now() - chrono::Duration::minutes(2);
        let minute = two_minutes_ago.timestamp() - two_minutes_ago.timestamp().rem_euclid(60);
        for _ in 0..2 {
            srv.state.traffic.add_at(two_minutes_ago, 1000, 300);
            backend::monitor::flush(&srv.state).await.unwrap();
        }
        let row = backend::entities::traffic_minute::Entity::find_by_id(minute)
            .one(&srv.state.db)
            .await
            .unwrap()
            .expect("the minute is in the database");
        assert_eq!((row.received, row.sent), (2000, 600));
        // Older than 30 days is forgotten at the next flush.
        let old = chrono::Utc::now() - chrono::Duration::days(31);
        srv.state.traffic.add_at(old, 5, 5);
        backend::monitor::flush(&srv.state).await.unwrap();
        let all = backend::entities::traffic_minute::Entity::find()
            .all(&srv.state.db)
            .await
            .unwrap();
        assert!(all.iter().all(|r| r.minute > old.timestamp()), "{all:?}");
        // The chart of the last hour shows the saved minute.
        let hour =
            srv.get("/api/monitor?parts=traffic", &anna.who).await.body["traffic"]["lastHour"]
                .clone();
        let point = hour
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["start"] == minute)
            .expect("a point");
        assert_eq!(
            (point["received"].as_u64(), point["sent"].as_u64()),
            (Some(2000), Some(600))
        );
    })
    .await;
}
