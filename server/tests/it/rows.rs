//! The home page's rows on a seeded library: which rows, in which order, with which movies;
//! paging down and sideways; members only.

use crate::support::{TestServer, on_each_database};
use crate::uploads::{Member, member};
use backend::entities::{
    collection, collection_movie, genre, movie, movie_file, movie_genre, watch_progress,
};
use backend::write::{Cache, Write};
use chrono::{Duration, Utc};
use http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::Value;

/// A movie with one file in the member's library, added `minutes_ago`.
pub async fn seed(
    srv: &TestServer,
    m: &Member,
    imdb: &str,
    title: &str,
    year: i32,
    rating: Option<f64>,
    minutes_ago: i64,
) -> i32 {
    let db = &srv.state.db;
    let row = movie::ActiveModel {
        imdb_id: Set(imdb.into()),
        title: Set(title.into()),
        search_title: Set(domain::identify::ranking::normalize_title(title)),
        year: Set(Some(year)),
        rating: Set(rating),
        metadata_status: Set("fetched".into()),
        metadata_attempts: Set(0),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    movie_file::ActiveModel {
        library_id: Set(m.library as i32),
        movie_id: Set(row.id),
        relative_path: Set(format!("{imdb}/1080p/movie.mkv")),
        size_bytes: Set(1000),
        created_at: Set(Utc::now() - Duration::minutes(minutes_ago)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    row.id
}

async fn user_id(srv: &TestServer, m: &Member) -> i32 {
    srv.get("/api/me", &m.who).await.body["user"]["id"]
        .as_i64()
        .unwrap() as i32
}

fn ids(row: &Value) -> Vec<&str> {
    row["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["imdbId"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_rows_come_in_order_with_franchises_in_release_order() {
    on_each_database(|srv| async move {
        let db = &srv.state.db;
        let anna = member(&srv, "anna").await;
        // Added newest last, and the franchise out of its release order.
        let dh3 = seed(
            &srv,
            &anna,
            "tt0112864",
            "Die Hard with a Vengeance",
            1995,
            Some(7.6),
            50,
        )
        .await;
        let dh = seed(&srv, &anna, "tt0095016", "Die Hard", 1988, Some(8.2), 40).await;
        let dh2 = seed(&srv, &anna, "tt0099423", "Die Hard 2", 1990, Some(7.2), 30).await;
        let alien = seed(&srv, &anna, "tt0078748", "Alien", 1979, Some(8.5), 20).await;
        let _matrix = seed(&srv, &anna, "tt0133093", "The Matrix", 1999, Some(8.7), 10).await;

        let franchise = collection::ActiveModel {
            name: Set("Die Hard Collection".into()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        for (position, id) in [(2, dh3), (0, dh), (1, dh2)] {
            collection_movie::ActiveModel {
                collection_id: Set(franchise.id),
                movie_id: Set(id),
                position: Set(position),
            }
            .insert(db)
            .await
            .unwrap();
        }
        // A franchise with one film in the library gets no row.
        let lonely = collection::ActiveModel {
            name: Set("Alien Collection".into()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        collection_movie::ActiveModel {
            collection_id: Set(lonely.id),
            movie_id: Set(alien),
            position: Set(0),
        }
        .insert(db)
        .await
        .unwrap();
        let action = genre::ActiveModel {
            name: Set("Action".into()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let horror = genre::ActiveModel {
            name: Set("Horror".into()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        for (m, g) in [
            (dh, action.id),
            (dh2, action.id),
            (dh3, action.id),
            (alien, horror.id),
        ] {
            movie_genre::ActiveModel {
                movie_id: Set(m),
                genre_id: Set(g),
            }
            .insert(db)
            .await
            .unwrap();
        }
        let anna_id = user_id(&srv, &anna).await;
        // Written behind the backend's services, through the handle that tells the caches.
        let write = Write::begin(&srv.state).await.unwrap();
        for (m, position, completed) in [(dh2, 600.0, false), (alien, 7000.0, true)] {
            watch_progress::ActiveModel {
                user_id: Set(anna_id),
                movie_id: Set(m),
                movie_file_id: Set(None),
                position_seconds: Set(position),
                duration_seconds: Set(Some(7200.0)),
                completed: Set(completed),
                updated_at: Set(Utc::now()),
            }
            .insert(write.db())
            .await
            .unwrap();
        }
        write.touch(Cache::Watched);
        write.commit().await.unwrap();

        let lib = anna.library;
        let first = srv
            .get(&format!("/api/rows?library={lib}"), &anna.who)
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let rows = first.body["rows"].as_array().unwrap();
        let row_ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let collection_row = format!("collection:{}", franchise.id);
        assert_eq!(
            row_ids,
            [
                "continue",
                "recent",
                collection_row.as_str(),
                "top",
                &format!("genre:{}", action.id),
                &format!("genre:{}", horror.id)
            ]
        );
        let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
        assert_eq!(
            titles,
            [
                "Continue watching",
                "Recently added",
                "Die Hard Collection",
                "Top rated",
                "Action",
                "Horror"
            ]
        );
        assert_eq!(ids(&rows[0]), ["tt0099423"]);
        assert_eq!(
            ids(&rows[1]),
            [
                "tt0133093",
                "tt0078748",
                "tt0099423",
                "tt0095016",
                "tt0112864"
            ]
        );
        assert_eq!(
            ids(&rows[2]),
            ["tt0095016", "tt0099423", "tt0112864"],
            "release order"
        );
        assert_eq!(
            ids(&rows[3]),
            [
                "tt0133093",
                "tt0078748",
                "tt0095016",
                "tt0112864",
                "tt0099423"
            ]
        );
        assert_eq!(
            ids(&rows[4]),
            ["tt0095016", "tt0099423", "tt0112864"],
            "by title"
        );
        assert!(rows.iter().all(|r| r["more"] == false));

        let next = first.body["next"].as_u64().expect("a second page");
        let second = srv
            .get(&format!("/api/rows?library={lib}&offset={next}"), &anna.who)
            .await;
        let rows = second.body["rows"].as_array().unwrap();
        let row_ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            row_ids,
            ["decade:1990", "decade:1980", "decade:1970", "unwatched"]
        );
        assert_eq!(rows[0]["title"], "The 1990s");
        assert_eq!(
            ids(&rows[0]),
            ["tt0099423", "tt0112864", "tt0133093"],
            "by year"
        );
        assert!(!ids(&rows[3]).contains(&"tt0078748"), "Alien was watched");
        assert_eq!(second.body["next"], Value::Null);

        // Sideways: the rest of a row from an offset.
        let more = srv
            .get(
                &format!("/api/rows/{collection_row}?library={lib}&offset=1"),
                &anna.who,
            )
            .await;
        assert_eq!(more.status, StatusCode::OK, "{}", more.text);
        let rest: Vec<&str> = more
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["imdbId"].as_str().unwrap())
            .collect();
        assert_eq!(rest, ["tt0099423", "tt0112864"]);

        // The rows are kept in memory: a finished upload shows at once.
        let done =
            crate::uploads::upload(&srv, &anna, "Heat.1995.mkv", b"heat", "tt0113277", "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let after = srv
            .get(&format!("/api/rows?library={lib}"), &anna.who)
            .await;
        assert_eq!(
            ids(&after.body["rows"][1])[0],
            "tt0113277",
            "{}",
            after.body["rows"][1]
        );

        // Watch positions are kept in memory too: a saved one shows at once.
        let file = done.body["movieFileId"].as_i64().unwrap();
        let saved = srv
            .call(
                Method::PUT,
                &format!("/api/files/{file}/progress"),
                &anna.who,
                Some(serde_json::json!({"position": 600.0, "duration": 6000.0})),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let resumed = srv
            .get(&format!("/api/rows?library={lib}"), &anna.who)
            .await;
        assert_eq!(resumed.body["rows"][0]["id"], "continue");
        assert_eq!(
            ids(&resumed.body["rows"][0]),
            ["tt0113277", "tt0099423"],
            "last watched first"
        );

        // Bad input, and nobody else's rows.
        srv.get(&format!("/api/rows/films?library={lib}"), &anna.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "row_not_found");
        let bad = srv
            .get(&format!("/api/rows?library={lib}&offset=-1"), &anna.who)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        let bob = member(&srv, "bob").await;
        srv.get(&format!("/api/rows?library={lib}"), &bob.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.get(&format!("/api/rows/recent?library={lib}"), &bob.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        // Bob's own (empty) library has no rows at all.
        let empty = srv
            .get(&format!("/api/rows?library={}", bob.library), &bob.who)
            .await;
        assert_eq!(empty.body["rows"], serde_json::json!([]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_library_pages_its_rows_down_and_sideways() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let plan = backend::seed::Plan {
            movies: 45,
            collections: 5,
            genres: 4,
        };
        backend::seed::seed(&srv.state.db, anna.library as i32, plan)
            .await
            .unwrap();
        let lib = anna.library;

        let mut all_rows = Vec::new();
        let mut offset = Some(0);
        while let Some(o) = offset {
            let page = srv
                .get(&format!("/api/rows?library={lib}&offset={o}"), &anna.who)
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            all_rows.extend(page.body["rows"].as_array().unwrap().iter().cloned());
            offset = page.body["next"].as_u64();
        }
        let kinds = |prefix: &str| {
            all_rows
                .iter()
                .filter(|r| r["id"].as_str().unwrap().starts_with(prefix))
                .count()
        };
        assert_eq!(kinds("collection:"), 5);
        assert_eq!(kinds("genre:"), 4);
        assert_eq!(kinds("continue"), 0, "nothing started yet");
        let saga = all_rows
            .iter()
            .find(|r| r["id"].as_str().unwrap().starts_with("collection:"))
            .unwrap();
        assert_eq!(saga["items"].as_array().unwrap().len(), 4);

        // 45 movies: the first answer has 20 and says there is more; then 20, then 5.
        let recent = all_rows.iter().find(|r| r["id"] == "recent").unwrap();
        assert_eq!(
            (
                recent["items"].as_array().unwrap().len(),
                recent["more"].as_bool()
            ),
            (20, Some(true))
        );
        let mut seen: Vec<String> = ids(recent).into_iter().map(str::to_owned).collect();
        for (offset, expected) in [(20, 20), (40, 5)] {
            let more = srv
                .get(
                    &format!("/api/rows/recent?library={lib}&offset={offset}"),
                    &anna.who,
                )
                .await;
            let items = more.body.as_array().unwrap();
            assert_eq!(items.len(), expected);
            seen.extend(
                items
                    .iter()
                    .map(|m| m["imdbId"].as_str().unwrap().to_owned()),
            );
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 45, "every movie once");
    })
    .await;
}
