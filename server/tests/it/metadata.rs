//! The metadata job against the local fixture providers: a finished upload's movie gets its
//! details, cover, genres and collection; IMDb's bot challenge is waited out, not retried; a
//! failing fetch backs off and finally gives up.

use crate::fixtures::{self, CHALLENGED, SEVEN, WITH_TRAILER};
use crate::support::on_each_database_with;
use crate::uploads::{MATRIX, member, upload};
use backend::entities::{collection, collection_movie, genre, movie, movie_genre};
use backend::metadata::ingest;
use chrono::Utc;
use http::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::Value;

const ALIEN: &str = "tt0078748";

async fn movie_row(db: &sea_orm::DatabaseConnection, imdb: &str) -> movie::Model {
    movie::Entity::find()
        .filter(movie::Column::ImdbId.eq(imdb))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{imdb} has a row"))
}

async fn genres_of(db: &sea_orm::DatabaseConnection, movie_id: i32) -> Vec<String> {
    let mut names: Vec<String> = movie_genre::Entity::find()
        .filter(movie_genre::Column::MovieId.eq(movie_id))
        .find_also_related(genre::Entity)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, g)| g.map(|g| g.name))
        .collect();
    names.sort();
    names
}

pub(crate) fn poster_bytes() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images/poster.jpg"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_upload_gets_details_cover_genres_and_collection() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = member(&srv, "anna").await;
        for (name, imdb) in [("The Matrix.mkv", MATRIX), ("Alien.mkv", ALIEN)] {
            let done = upload(&srv, &anna, name, b"not really a movie", imdb, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            let row = movie_row(&srv.state.db, imdb).await;
            assert_eq!(row.metadata_status, "pending", "queued by the upload");
        }

        assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 2);
        assert_eq!(
            ingest::run_due(&srv.state).await.unwrap(),
            0,
            "nothing left due"
        );

        // The Matrix: IMDb's title page (TMDB does not know it here), OMDb's ratings.
        let matrix = movie_row(&srv.state.db, MATRIX).await;
        assert_eq!(
            matrix.metadata_status, "fetched",
            "{:?}",
            matrix.metadata_error
        );
        assert_eq!(matrix.title, "The Matrix");
        assert_eq!(matrix.year, Some(1999));
        assert_eq!(matrix.runtime_minutes, Some(136));
        assert!(matrix.plot.as_deref().is_some_and(|p| !p.is_empty()));
        let cast: Vec<String> =
            serde_json::from_str(matrix.cast_names.as_deref().unwrap()).unwrap();
        assert!(cast.iter().any(|c| c == "Keanu Reeves"), "{cast:?}");
        let ratings: Value = serde_json::from_str(matrix.ratings.as_deref().unwrap()).unwrap();
        let sources: Vec<&str> = ratings
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["source"].as_str())
            .collect();
        assert!(
            sources.contains(&"rottenTomatoes") && sources.contains(&"metacritic"),
            "{ratings}"
        );
        assert_eq!(
            genres_of(&srv.state.db, matrix.id).await,
            ["Action", "Sci-Fi"]
        );
        assert_eq!(
            matrix.poster_path.as_deref(),
            Some("tt0133093/cover/cover.jpg")
        );
        assert_eq!(
            std::fs::read(anna.path.join("tt0133093/cover/cover.jpg")).unwrap(),
            poster_bytes()
        );
        assert_eq!(matrix.metadata_attempts, 0);

        // Alien: TMDB, with its collection in release order (Alien first, though TMDB lists
        // Aliens first), and a backdrop.
        let alien = movie_row(&srv.state.db, ALIEN).await;
        assert_eq!(
            alien.metadata_status, "fetched",
            "{:?}",
            alien.metadata_error
        );
        assert_eq!(alien.title, "Alien");
        assert_eq!(alien.year, Some(1979));
        assert_eq!(alien.tmdb_id, Some(348));
        assert!(
            alien
                .trailer_ref
                .as_deref()
                .is_some_and(|t| t.starts_with("youtube:"))
        );
        assert_eq!(
            genres_of(&srv.state.db, alien.id).await,
            ["Horror", "Science Fiction"]
        );
        assert!(anna.path.join("tt0078748/cover/cover.jpg").is_file());
        assert!(anna.path.join("tt0078748/cover/backdrop.jpg").is_file());
        let franchise = collection::Entity::find()
            .filter(collection::Column::TmdbId.eq(8091))
            .one(&srv.state.db)
            .await
            .unwrap()
            .expect("the collection exists");
        assert_eq!(franchise.name, "Alien Collection");
        let link = collection_movie::Entity::find()
            .filter(collection_movie::Column::MovieId.eq(alien.id))
            .one(&srv.state.db)
            .await
            .unwrap()
            .expect("Alien is in its collection");
        assert_eq!((link.collection_id, link.position), (franchise.id, 0));

        // Another library receives The Matrix: fetched again, so its cover lands there too.
        let bob = member(&srv, "bob").await;
        let done = upload(&srv, &bob, "Matrix.mkv", b"bob's copy", MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
        assert!(bob.path.join("tt0133093/cover/cover.jpg").is_file());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_trailer_is_downloaded_and_answers_are_asked_for_once() {
    on_each_database_with(
        |c| {
            fixtures::use_fixtures(c);
            c.metadata_providers = vec!["imdb".into()];
        },
        |srv| async move {
            let page = format!("/title/{WITH_TRAILER}/");
            let pages_before = fixtures::hits(&page);
            let anna = member(&srv, "anna").await;
            let bob = member(&srv, "bob").await;
            for who in [&anna, &bob] {
                let done = upload(&srv, who, "T2.mkv", b"t2", WITH_TRAILER, "new").await;
                assert_eq!(done.status, StatusCode::OK, "{}", done.text);
                assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
                let row = movie_row(&srv.state.db, WITH_TRAILER).await;
                assert_eq!(row.metadata_status, "fetched", "{:?}", row.metadata_error);
                assert_eq!(
                    row.trailer_ref.as_deref(),
                    Some("file:tt0103064/trailer/trailer.mp4")
                );
                let trailer = who.path.join("tt0103064/trailer/trailer.mp4");
                assert_eq!(std::fs::read(&trailer).unwrap(), fixtures::trailer_bytes());
                assert!(!who.path.join("tt0103064/trailer/.trailer.partial").exists());
            }
            // The second library's fetch read the cached title page.
            assert_eq!(fixtures::hits(&page) - pages_before, 1);

            // A refresh asks again.
            let refresh = format!(
                "/api/movies/{WITH_TRAILER}/refresh?library={}",
                anna.library
            );
            let queued = srv.post(&refresh, &anna.who, serde_json::json!({})).await;
            assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
            assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
            assert_eq!(fixtures::hits(&page) - pages_before, 2);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_challenge_falls_back_and_puts_imdb_aside_and_failures_back_off() {
    on_each_database_with(
        |c| {
            fixtures::use_fixtures(c);
            c.metadata_providers = vec!["imdb".into()];
        },
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let done = upload(&srv, &anna, "Heat.mkv", b"heat", CHALLENGED, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            ingest::run_due(&srv.state).await.unwrap();
            // The title page was a challenge: the suggestion API gave the title and poster.
            let heat = movie_row(&srv.state.db, CHALLENGED).await;
            assert_eq!(heat.metadata_status, "fetched", "{:?}", heat.metadata_error);
            assert_eq!((heat.title.as_str(), heat.year), ("Heat", Some(1995)));
            assert!(anna.path.join("tt0113277/cover/cover.jpg").is_file());

            // IMDb's pages are now left alone: the next movie does not ask for its page, fails
            // (no suggestion for it either), and waits before the next try.
            let done = upload(&srv, &anna, "Se7en.mkv", b"seven", SEVEN, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            ingest::run_due(&srv.state).await.unwrap();
            assert_eq!(fixtures::hits(&format!("/title/{SEVEN}/")), 0);
            let seven = movie_row(&srv.state.db, SEVEN).await;
            assert_eq!(seven.metadata_status, "pending");
            assert_eq!(seven.metadata_attempts, 1);
            assert!(
                seven
                    .metadata_error
                    .as_deref()
                    .unwrap()
                    .contains("bot challenge")
            );
            let wait = seven.metadata_next_at.unwrap() - Utc::now();
            assert!(
                (50..=60).contains(&wait.num_seconds()),
                "a minute's wait: {wait}"
            );
            assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 0, "not due yet");

            // Due again, and failing for the last time: given up, the movie still listed.
            let mut last = seven.into_active_model();
            last.metadata_next_at = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
            last.metadata_attempts = Set(ingest::MAX_ATTEMPTS - 1);
            last.update(&srv.state.db).await.unwrap();
            assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1);
            let seven = movie_row(&srv.state.db, SEVEN).await;
            assert_eq!(seven.metadata_status, "failed");
            assert_eq!(seven.metadata_attempts, ingest::MAX_ATTEMPTS);
            assert_eq!(seven.title, "Se7en", "the title from the file name stays");

            // Refresh queues it again (uploaders of a library with the movie only).
            let refresh = format!("/api/movies/{SEVEN}/refresh?library={}", anna.library);
            let bob = member(&srv, "bob").await;
            srv.post(&refresh, &bob.who, serde_json::json!({}))
                .await
                .assert_error(StatusCode::NOT_FOUND, "library_not_found");
            srv.post(
                &format!("/api/movies/tt0000001/refresh?library={}", anna.library),
                &anna.who,
                serde_json::json!({}),
            )
            .await
            .assert_error(StatusCode::NOT_FOUND, "movie_not_found");
            let queued = srv.post(&refresh, &anna.who, serde_json::json!({})).await;
            assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
            let seven = movie_row(&srv.state.db, SEVEN).await;
            assert_eq!(
                (seven.metadata_status.as_str(), seven.metadata_attempts),
                ("pending", 0)
            );
            assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 1, "due at once");
        },
    )
    .await;
}

#[test]
fn retries_wait_twice_as_long_each_time() {
    let minutes: Vec<u64> = (1..=ingest::MAX_ATTEMPTS)
        .map(|a| ingest::retry_after(a).as_secs() / 60)
        .collect();
    assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_match_moves_the_files_to_the_right_movie() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = member(&srv, "anna").await;
        let data = b"actually the matrix".to_vec();
        // Uploaded under Alien by mistake, and Alien's cover fetched.
        let done = upload(&srv, &anna, "The Matrix.mkv", &data, ALIEN, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        ingest::run_due(&srv.state).await.unwrap();
        assert!(anna.path.join("tt0078748/cover/cover.jpg").is_file());

        let url = |from: &str, to: &str, library: i64| {
            format!("/api/movies/{from}/match?library={library}&to={to}")
        };
        let bob = member(&srv, "bob").await;
        srv.post(
            &url(ALIEN, MATRIX, anna.library),
            &bob.who,
            serde_json::json!({}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.post(
            &url(ALIEN, "tt12", anna.library),
            &anna.who,
            serde_json::json!({}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_imdb_id");
        srv.post(
            &url(SEVEN, MATRIX, anna.library),
            &anna.who,
            serde_json::json!({}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "movie_not_found");

        // The Matrix's cover, left from a version deleted before: no reason to refuse.
        let left = anna.path.join("tt0133093/cover");
        std::fs::create_dir_all(&left).unwrap();
        std::fs::write(left.join("cover.jpg"), b"an old cover").unwrap();
        let moved = srv
            .post(
                &url(ALIEN, MATRIX, anna.library),
                &anna.who,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
        assert_eq!(moved.body[0]["path"], "tt0133093/unknown/movie.mkv");
        assert_eq!(
            std::fs::read(anna.path.join("tt0133093/unknown/movie.mkv")).unwrap(),
            data
        );
        assert!(!anna.path.join(ALIEN).exists(), "the wrong folder is gone");
        assert!(
            !anna.path.join("tt0133093/cover").exists(),
            "Alien's cover did not come along"
        );
        let files = srv
            .get(
                &format!("/api/movies/{MATRIX}/files?library={}", anna.library),
                &anna.who,
            )
            .await;
        assert_eq!(files.body.as_array().unwrap().len(), 1, "{}", files.text);
        let matrix = movie_row(&srv.state.db, MATRIX).await;
        assert_eq!(matrix.metadata_status, "pending");
        ingest::run_due(&srv.state).await.unwrap();
        assert_eq!(movie_row(&srv.state.db, MATRIX).await.title, "The Matrix");
        assert!(anna.path.join("tt0133093/cover/cover.jpg").is_file());

        // Onto a movie that already has files here: the user decides, nothing moves.
        let other = upload(&srv, &anna, "Alien.mkv", b"alien", ALIEN, "new").await;
        assert_eq!(other.status, StatusCode::OK, "{}", other.text);
        srv.post(
            &url(ALIEN, MATRIX, anna.library),
            &anna.who,
            serde_json::json!({}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "movie_has_files");
        assert!(anna.path.join("tt0078748/unknown/movie.mkv").is_file());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_outage_never_shows_or_logs_the_api_key() {
    // Every provider points at a port where nothing listens: reqwest's message for that
    // quotes the whole address, `api_key=` and all.
    const SECRET: &str = "SECRET0123456789abcdef";
    let nowhere = format!("http://127.0.0.1:{}", crate::support::free_port());
    on_each_database_with(
        |c| {
            c.tmdb_url = nowhere.clone();
            c.imdb_url = nowhere.clone();
            c.imdb_suggest_url = nowhere.clone();
            c.omdb_url = nowhere.clone();
            c.tmdb_api_key = Some(SECRET.into());
            c.omdb_api_key = Some(SECRET.into());
        },
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let done = upload(&srv, &anna, "Alien.mkv", b"alien", ALIEN, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            ingest::run_due(&srv.state).await.unwrap();
            let row = movie_row(&srv.state.db, ALIEN).await;
            let error = row.metadata_error.clone().unwrap_or_default();
            assert!(error.contains("cannot be reached"), "{error}");
            assert!(!error.contains(SECRET), "the key is in {error:?}");
            assert!(!error.contains("api_key"), "{error:?}");
            // What a member sees of the movie.
            let page = srv
                .get(
                    &format!("/api/movies/{ALIEN}?library={}", anna.library),
                    &anna.who,
                )
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            assert!(!page.text.contains(SECRET), "{}", page.text);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tmdb_read_access_token_travels_in_a_header() {
    on_each_database_with(
        |c| {
            fixtures::use_fixtures(c);
            c.tmdb_api_key = Some(fixtures::TMDB_TOKEN.into());
            c.metadata_providers = vec!["tmdb".into()];
        },
        |srv| async move {
            let before = fixtures::hits("tmdb bearer");
            let anna = member(&srv, "anna").await;
            let done = upload(&srv, &anna, "Alien.mkv", b"alien", ALIEN, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            ingest::run_due(&srv.state).await.unwrap();
            let alien = movie_row(&srv.state.db, ALIEN).await;
            assert_eq!(
                alien.metadata_status, "fetched",
                "{:?}",
                alien.metadata_error
            );
            assert_eq!(alien.tmdb_id, Some(348), "TMDB answered");
            assert!(fixtures::hits("tmdb bearer") > before);
        },
    )
    .await;
}
