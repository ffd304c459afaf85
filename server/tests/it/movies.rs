//! What pages show of a library's movies (`/api/movies…`): the list, a movie's details with
//! its collection and files, its poster; members only, and editing for uploaders only.

use crate::fixtures;
use crate::support::{As, on_each_database, on_each_database_with};
use crate::uploads::{MATRIX, join, member, upload};
use backend::metadata::ingest;
use http::{Method, StatusCode, header};

const ALIEN: &str = "tt0078748";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_movie_page_shows_details_collection_files_and_poster_to_members_only() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = member(&srv, "anna").await;
        for (name, imdb) in [("Alien.1979.mkv", ALIEN), ("The Matrix.mkv", MATRIX)] {
            let done = upload(&srv, &anna, name, b"a movie", imdb, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        }
        let lib = anna.library;
        // Before the metadata job: listed under the file name's title, without a poster.
        let list = srv
            .get(&format!("/api/movies?library={lib}"), &anna.who)
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.body.as_array().unwrap().len(), 2);
        assert!(
            list.body
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["hasPoster"] == false)
        );

        assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 2);
        let list = srv
            .get(&format!("/api/movies?library={lib}"), &anna.who)
            .await;
        let titles: Vec<&str> = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Alien", "The Matrix"], "by title, articles aside");
        assert!(
            list.body
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["hasPoster"] == true)
        );

        let page = format!("/api/movies/{ALIEN}?library={lib}");
        let alien = srv.get(&page, &anna.who).await;
        assert_eq!(alien.status, StatusCode::OK, "{}", alien.text);
        let m = &alien.body;
        assert_eq!(
            (m["title"].as_str(), m["year"].as_i64()),
            (Some("Alien"), Some(1979))
        );
        assert_eq!(
            m["genres"],
            serde_json::json!(["Horror", "Science Fiction"])
        );
        assert_eq!(m["collection"]["name"], "Alien Collection");
        assert_eq!(m["collection"]["parts"][0]["imdbId"], ALIEN);
        assert_eq!(m["files"].as_array().unwrap().len(), 1);
        assert_eq!(m["files"][0]["size"], 7);
        assert_eq!(
            (m["canEdit"].as_bool(), m["hasPoster"].as_bool()),
            (Some(true), Some(true))
        );
        assert_eq!(m["metadataStatus"], "fetched");
        let matrix = srv
            .get(&format!("/api/movies/{MATRIX}?library={lib}"), &anna.who)
            .await;
        let rated: Vec<&str> = matrix.body["otherRatings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["source"].as_str().unwrap())
            .collect();
        assert!(
            rated.contains(&"rottenTomatoes") && rated.contains(&"metacritic"),
            "{rated:?}"
        );
        assert!(
            matrix.body["cast"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "Keanu Reeves")
        );

        let poster = format!("/api/movies/{ALIEN}/poster?library={lib}");
        let image = srv.get(&poster, &anna.who).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.headers[header::CONTENT_TYPE], "image/jpeg");
        assert!(
            image.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .starts_with("private")
        );
        assert_eq!(
            image.bytes,
            std::fs::read(anna.path.join("tt0078748/cover/cover.jpg")).unwrap()
        );
        // Resized for lists, cached for good when versioned, and revalidated by ETag.
        let version = list.body[0]["posterVersion"]
            .as_u64()
            .expect("a poster version");
        let small = srv
            .get(&format!("{poster}&w=160&v={version}"), &anna.who)
            .await;
        assert_eq!(small.status, StatusCode::OK, "{}", small.text);
        let resized = image::load_from_memory(&small.bytes).unwrap();
        assert_eq!(resized.width(), 160);
        assert!(
            small.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let tag = small.headers[header::ETAG].to_str().unwrap().to_owned();
        let again = srv
            .get(
                &format!("{poster}&w=160&v={version}"),
                &anna.who.clone().with_header("if-none-match", &tag),
            )
            .await;
        assert_eq!(
            (again.status, again.bytes.len()),
            (StatusCode::NOT_MODIFIED, 0)
        );
        srv.get(&format!("{poster}&w=999"), &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_width");
        let backdrop = srv
            .get(
                &format!("/api/movies/{MATRIX}/backdrop?library={lib}"),
                &anna.who,
            )
            .await;
        backdrop.assert_error(StatusCode::NOT_FOUND, "picture_not_found");

        // Bad input, and what the library does not hold.
        srv.get("/api/movies/tt0078748", &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "missing_parameter");
        srv.get(&format!("/api/movies/alien?library={lib}"), &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_imdb_id");
        srv.get(&format!("/api/movies/tt0000001?library={lib}"), &anna.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "movie_not_found");
        srv.get(&page, &As::anonymous())
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");

        // Another user sees nothing of anna's library: not the list, the page, nor the poster.
        let bob = member(&srv, "bob").await;
        for path in [
            format!("/api/movies?library={lib}"),
            page.clone(),
            poster.clone(),
        ] {
            srv.get(&path, &bob.who)
                .await
                .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        }
        srv.get(
            &format!("/api/movies/{ALIEN}?library={}", bob.library),
            &bob.who,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "movie_not_found");

        // As a viewer of it, bob sees the page but may not edit.
        join(&srv, &bob, lib, "viewer").await;
        let seen = srv.get(&page, &bob.who).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        assert_eq!(seen.body["canEdit"], false);
        assert_eq!(srv.get(&poster, &bob.who).await.status, StatusCode::OK);
        srv.post(
            &format!("/api/movies/{ALIEN}/refresh?library={lib}"),
            &bob.who,
            serde_json::json!({}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "not_allowed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_deletes_one_version_and_nobody_else_can() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let lib = anna.library;
        let first = upload(
            &srv,
            &anna,
            "Alien.1979.mkv",
            b"the theatrical cut",
            ALIEN,
            "new",
        )
        .await;
        let second = upload(
            &srv,
            &anna,
            "Alien.Directors.Cut.mkv",
            b"the director's cut",
            ALIEN,
            "version",
        )
        .await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.text);
        let doomed = first.body["movieFileId"].as_i64().unwrap();
        let doomed_path = anna.path.join(first.body["path"].as_str().unwrap());
        let kept_path = anna.path.join(second.body["path"].as_str().unwrap());
        let page = format!("/api/movies/{ALIEN}?library={lib}");
        assert_eq!(srv.get(&page, &anna.who).await.body["canDelete"], true);

        // Another user: the file does not exist; a viewer sees it but may not delete it.
        let bob = member(&srv, "bob").await;
        let path = format!("/api/files/{doomed}");
        srv.call(Method::DELETE, &path, &bob.who, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        join(&srv, &bob, lib, "viewer").await;
        assert_eq!(srv.get(&page, &bob.who).await.body["canDelete"], false);
        srv.call(Method::DELETE, &path, &bob.who, None)
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        srv.call(Method::DELETE, "/api/files/x", &anna.who, None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_path_parameter");
        assert!(doomed_path.exists(), "refusals delete nothing");

        let gone = srv.call(Method::DELETE, &path, &anna.who, None).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
        assert!(!doomed_path.exists());
        assert!(kept_path.exists(), "the other version stays");
        let files = srv.get(&page, &anna.who).await.body["files"].clone();
        assert_eq!(files.as_array().unwrap().len(), 1, "{files}");
        srv.call(Method::DELETE, &path, &anna.who, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        // Its upload record went too: the same file may be uploaded again.
        let again = upload(
            &srv,
            &anna,
            "Alien.1979.mkv",
            b"the theatrical cut",
            ALIEN,
            "version",
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_box_finds_by_title_prefix_year_and_cast_for_members_only() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = member(&srv, "anna").await;
        for (name, imdb) in [("Alien.1979.mkv", ALIEN), ("The Matrix.mkv", MATRIX)] {
            let done = upload(&srv, &anna, name, name.as_bytes(), imdb, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        }
        assert_eq!(ingest::run_due(&srv.state).await.unwrap(), 2);
        let lib = anna.library;
        let found = |q: &str| {
            let path = format!("/api/search?library={lib}&q={}", q.replace(' ', "%20"));
            let who = anna.who.clone();
            let srv = &srv;
            async move {
                let reply = srv.get(&path, &who).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                reply
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["imdbId"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(found("MATR").await, [MATRIX]);
        assert_eq!(found("the matrix 1999").await, [MATRIX]);
        assert!(found("matrix 2003").await.is_empty());
        assert_eq!(found("1979").await, [ALIEN]);
        assert!(found("").await.is_empty());
        // A cast member's name, as the movie page lists it, finds the movie.
        let page = srv
            .get(&format!("/api/movies/{ALIEN}?library={lib}"), &anna.who)
            .await;
        let star = page.body["cast"][0]
            .as_str()
            .expect("the fixture has a cast")
            .to_owned();
        let first_name = star.split_whitespace().next().unwrap().to_uppercase();
        assert!(
            found(&first_name).await.contains(&ALIEN.to_owned()),
            "{star}"
        );

        let long = "a".repeat(201);
        srv.get(&format!("/api/search?library={lib}&q={long}"), &anna.who)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "query_too_long");
        let bob = member(&srv, "bob").await;
        srv.get(&format!("/api/search?library={lib}&q=alien"), &bob.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trailer_in_the_library_plays_from_the_movie_page_with_ranges() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let lib = anna.library;
        let done = upload(&srv, &anna, "The Matrix.mkv", b"a movie", MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let url = format!("/api/movies/{MATRIX}/trailer?library={lib}");
        srv.get(&url, &anna.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "trailer_not_found");
        let view = srv
            .get(&format!("/api/movies/{MATRIX}?library={lib}"), &anna.who)
            .await;
        assert_eq!(view.body["trailer"], serde_json::Value::Null);

        // A trailer put in the movie's trailer/ folder (a hidden partial file is ignored).
        let folder = anna.path.join(MATRIX).join("trailer");
        std::fs::create_dir_all(&folder).unwrap();
        let bytes = crate::uploads::video_as(64, 48, "mp4");
        std::fs::write(folder.join("Trailer.mp4"), &bytes).unwrap();
        std::fs::write(folder.join(".trailer.partial"), b"half").unwrap();
        let view = srv
            .get(&format!("/api/movies/{MATRIX}?library={lib}"), &anna.who)
            .await;
        assert_eq!(
            view.body["trailer"],
            format!("file:{MATRIX}/trailer/Trailer.mp4")
        );
        let req = http::Request::get(&url)
            .header(header::COOKIE, anna.who.cookie.clone().unwrap())
            .header(header::RANGE, "bytes=10-19")
            .body(axum::body::Body::empty())
            .unwrap();
        let part = srv.send(req).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{}", part.text);
        assert_eq!(part.bytes, bytes[10..20]);
        assert_eq!(part.headers[header::CONTENT_TYPE], "video/mp4");
        let whole = srv.get(&url, &anna.who).await;
        assert_eq!(whole.bytes, bytes);
        let page = srv
            .get(&format!("/movie/{MATRIX}?library={lib}"), &anna.who)
            .await;
        assert!(
            page.text.contains(&format!(
                r#"src="/api/movies/{MATRIX}/trailer?library={lib}""#
            )),
            "{}",
            page.text
        );

        let eve = member(&srv, "eve").await;
        srv.get(&url, &eve.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
    })
    .await;
}
