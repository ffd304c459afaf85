//! Movies named by hand (`POST /api/movies`): the upload goes ahead under a provisional id
//! while the movie database cannot be reached, and the metadata job moves the files to the
//! real movie once the title is found.

use crate::fixtures;
use crate::support::on_each_database_with;
use crate::uploads::{join, member, sha256 as sha, upload};
use backend::entities::movie;
use backend::metadata::ingest;
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

const HEAT: &str = "tt0113277";

async fn row(db: &sea_orm::DatabaseConnection, imdb: &str) -> Option<movie::Model> {
    movie::Entity::find()
        .filter(movie::Column::ImdbId.eq(imdb))
        .one(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_movie_named_by_hand_moves_to_the_real_one_once_found() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = member(&srv, "anna").await;
        let name = |library: i64| format!("/api/movies?library={library}");

        // Bad input, and who may: members who upload, in their own library.
        for (body, code) in [
            (json!({"title": "  "}), "invalid_title"),
            (json!({"title": "x".repeat(201)}), "invalid_title"),
            (json!({"title": "Heat\u{7}"}), "invalid_title"),
            (json!({"title": "Heat", "year": 1700}), "invalid_year"),
        ] {
            srv.post(&name(anna.library), &anna.who, body)
                .await
                .assert_error(StatusCode::BAD_REQUEST, code);
        }
        srv.post(&name(anna.library), &anna.who, json!({"year": 1995}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
        let bob = member(&srv, "bob").await;
        srv.post(&name(anna.library), &bob.who, json!({"title": "Heat"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        join(&srv, &bob, anna.library, "viewer").await;
        srv.post(&name(anna.library), &bob.who, json!({"title": "Heat"}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");

        let named = srv
            .post(
                &name(anna.library),
                &anna.who,
                json!({"title": " Heat ", "year": 1995}),
            )
            .await;
        assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
        let provisional = named.body["imdbId"].as_str().unwrap().to_owned();
        assert!(domain::imdb::is_provisional(&provisional), "{provisional}");
        assert_eq!(named.body["title"], "Heat");
        assert_eq!(named.body["year"], 1995);
        // The same title and year again (a second part, the subtitles): the same movie.
        let again = srv
            .post(
                &name(anna.library),
                &anna.who,
                json!({"title": "heat", "year": 1995}),
            )
            .await;
        assert_eq!(again.body["imdbId"], provisional.as_str());
        // No file yet: the job leaves it alone (its upload may take hours).
        assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 0);

        let data = b"a movie typed by hand".to_vec();
        let done = upload(&srv, &anna, "IMG_0001.mkv", &data, &provisional, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let stored = format!("{provisional}/unknown/movie.mkv");
        assert_eq!(
            sha(&std::fs::read(anna.path.join(&stored)).unwrap()),
            sha(&data)
        );
        // Until it is looked up, it is a movie of the library under the typed title.
        let page = srv
            .get(
                &format!("/api/movies/{provisional}?library={}", anna.library),
                &anna.who,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_eq!(page.body["title"], "Heat");
        assert_eq!(page.body["metadataStatus"], "pending");

        ingest::run_due(&srv.state).await.unwrap();
        assert_eq!(
            sha(&std::fs::read(anna.path.join("tt0113277/unknown/movie.mkv")).unwrap()),
            sha(&data),
            "the file moved to the movie found"
        );
        assert!(!anna.path.join(&provisional).exists());
        assert!(
            row(&srv.state.db, &provisional).await.is_none(),
            "the provisional movie is gone"
        );
        let files = srv
            .get(
                &format!("/api/movies/{HEAT}/files?library={}", anna.library),
                &anna.who,
            )
            .await;
        assert_eq!(files.body.as_array().unwrap().len(), 1, "{}", files.text);
        // The old page's address leads to the movie found, for members of the library...
        for who in [&anna.who, &bob.who] {
            let old = srv
                .get(
                    &format!("/api/movies/{provisional}?library={}", anna.library),
                    who,
                )
                .await;
            old.assert_error(StatusCode::NOT_FOUND, "movie_moved");
            assert_eq!(old.body["movedTo"], HEAT, "{}", old.text);
        }
        // ...and to nothing in a library without that movie.
        let carl = member(&srv, "carl").await;
        srv.get(
            &format!("/api/movies/{provisional}?library={}", carl.library),
            &carl.who,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "movie_not_found");

        // Named by hand again while the library has the movie: the files stay, and the
        // movie says why and what to do.
        let twice = srv
            .post(
                &name(anna.library),
                &anna.who,
                json!({"title": "Heat", "year": 1995}),
            )
            .await;
        let provisional = twice.body["imdbId"].as_str().unwrap().to_owned();
        let done = upload(&srv, &anna, "IMG_0002.mkv", b"again", &provisional, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        ingest::run_due(&srv.state).await.unwrap();
        let left = row(&srv.state.db, &provisional).await.unwrap();
        assert_eq!(left.metadata_status, "failed");
        let why = left.metadata_error.unwrap_or_default();
        assert!(
            why.contains("already has") && why.contains("Fix match"),
            "{why}"
        );
        assert!(
            anna.path
                .join(&provisional)
                .join("unknown/movie.mkv")
                .is_file()
        );

        // "Refresh metadata" looks a movie named by hand up at once and says where it went.
        let alien = srv
            .post(
                &name(anna.library),
                &anna.who,
                json!({"title": "Alien", "year": 1979}),
            )
            .await;
        let provisional = alien.body["imdbId"].as_str().unwrap().to_owned();
        let data = b"in space no one can hear you".to_vec();
        let done = upload(&srv, &anna, "IMG_0003.mkv", &data, &provisional, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let refresh = format!("/api/movies/{provisional}/refresh?library={}", anna.library);
        srv.post(&refresh, &bob.who, json!({}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        let found = srv.post(&refresh, &anna.who, json!({})).await;
        assert_eq!(found.status, StatusCode::ACCEPTED, "{}", found.text);
        assert_eq!(found.body["metadataStatus"], "moved");
        assert_eq!(found.body["movedTo"], "tt0078748");
        assert_eq!(
            sha(&std::fs::read(anna.path.join("tt0078748/unknown/movie.mkv")).unwrap()),
            sha(&data)
        );
        assert!(row(&srv.state.db, &provisional).await.is_none());
        let old = srv
            .get(
                &format!("/api/movies/{provisional}?library={}", anna.library),
                &anna.who,
            )
            .await;
        old.assert_error(StatusCode::NOT_FOUND, "movie_moved");
        assert_eq!(old.body["movedTo"], "tt0078748", "{}", old.text);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_movie_database_off_a_movie_named_by_hand_uploads_and_waits() {
    let nowhere = format!("http://127.0.0.1:{}", crate::support::free_port());
    on_each_database_with(
        |c| {
            c.tmdb_url = nowhere.clone();
            c.imdb_url = nowhere.clone();
            c.imdb_suggest_url = nowhere.clone();
            c.omdb_url = nowhere.clone();
        },
        |srv| async move {
            let anna = member(&srv, "anna").await;
            // The search is what fails for the uploader: a sentence, no address.
            let search = srv
                .get("/api/search/movies?q=Heat&year=1995", &anna.who)
                .await;
            search.assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
            assert!(!search.text.contains("http"), "{}", search.text);

            let named = srv
                .post(
                    &format!("/api/movies?library={}", anna.library),
                    &anna.who,
                    json!({"title": "Heat", "year": 1995}),
                )
                .await;
            assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
            let provisional = named.body["imdbId"].as_str().unwrap().to_owned();
            let data = b"uploaded while offline".to_vec();
            let done = upload(&srv, &anna, "Heat.mkv", &data, &provisional, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);

            assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
            // Tried, and waiting to try again: the file plays meanwhile.
            let waiting = row(&srv.state.db, &provisional).await.unwrap();
            assert_eq!(waiting.metadata_status, "pending");
            assert_eq!(waiting.metadata_attempts, 1);
            assert!(waiting.metadata_next_at.is_some());
            let why = waiting.metadata_error.unwrap_or_default();
            assert!(why.contains("cannot be reached"), "{why}");
            assert!(!why.contains("http"), "{why}");
            assert_eq!(
                sha(
                    &std::fs::read(anna.path.join(&provisional).join("unknown/movie.mkv")).unwrap()
                ),
                sha(&data)
            );
            let listed = srv
                .get(&format!("/api/movies?library={}", anna.library), &anna.who)
                .await;
            assert_eq!(listed.body[0]["title"], "Heat", "{}", listed.text);
            assert_eq!(listed.body[0]["imdbId"], provisional.as_str());
        },
    )
    .await;
}
