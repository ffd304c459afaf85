//! `/api/search/movies` against the local IMDb fixture server: the right movie first, and a
//! clear error for every way the provider can fail.

use crate::fixtures;
use crate::support::{As, on_each_database_with};
use http::StatusCode;

fn imdb_url() -> String {
    fixtures::url()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_movie_comes_first_and_provider_failures_are_clear() {
    let url = imdb_url();
    on_each_database_with(
        move |c| {
            c.imdb_suggest_url = url.clone();
            c.metadata_timeout_secs = 1;
        },
        |srv| async move {
            let anna = As::cookie(&srv.register("anna").await);
            // IMDb lists "Alien Warfare" first; the year and the exact title put Alien first.
            let r = srv.get("/api/search/movies?q=Alien&year=1979", &anna).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.body["candidates"][0]["imdbId"], "tt0078748");
            assert_eq!(r.body["candidates"][0]["title"], "Alien");
            assert_eq!(r.body["confident"], true);
            let ids: Vec<&str> = r.body["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["imdbId"].as_str().unwrap())
                .collect();
            assert!(!ids.contains(&"nm0000244"), "people are not movies");
            // Two films called Dune: the year decides; without it, nobody should be sure.
            let r = srv.get("/api/search/movies?q=Dune&year=1984", &anna).await;
            assert_eq!(r.body["candidates"][0]["imdbId"], "tt0087182", "{}", r.text);
            let r = srv.get("/api/search/movies?q=Dune", &anna).await;
            assert_eq!(r.body["confident"], false, "{}", r.text);
            // Nothing found is an empty answer, not an error.
            let r = srv.get("/api/search/movies?q=zzqx", &anna).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(r.body["candidates"], serde_json::json!([]));

            srv.get("/api/search/movies?q=broken", &anna)
                .await
                .assert_error(StatusCode::BAD_GATEWAY, "provider_bad_answer");
            srv.get("/api/search/movies?q=error", &anna)
                .await
                .assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
            srv.get("/api/search/movies?q=slow", &anna)
                .await
                .assert_error(StatusCode::GATEWAY_TIMEOUT, "provider_timeout");
            srv.get("/api/search/movies?q=", &anna)
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
            srv.get(&format!("/api/search/movies?q={}", "a".repeat(201)), &anna)
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
            srv.get("/api/search/movies?q=Alien&year=nineteen", &anna)
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_year");
            // The range is the search's own rule, the same through the server function.
            srv.get("/api/search/movies?q=Alien&year=1500", &anna)
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_year");
            crate::support::server_fn(&srv, "search_movies", &anna, "query=Alien&year=1500")
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_year");
            srv.get("/api/search/movies?q=Alien", &As::anonymous())
                .await
                .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_searches_are_answered_from_the_cache() {
    let url = imdb_url();
    on_each_database_with(
        move |c| c.imdb_suggest_url = url.clone(),
        |srv| async move {
            let anna = As::cookie(&srv.register("anna").await);
            // (Queries no other test uses, as the fixture server counts for all of them.)
            let before = fixtures::hits("the matrix");
            for _ in 0..3 {
                let r = srv
                    .get("/api/search/movies?q=The%20Matrix&year=1999", &anna)
                    .await;
                assert_eq!(r.body["candidates"][0]["imdbId"], "tt0133093", "{}", r.text);
            }
            let r = srv
                .get("/api/search/movies?q=THE%20MATRIX&year=1999", &anna)
                .await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(
                fixtures::hits("the matrix") - before,
                1,
                "one request reached the provider"
            );
            // Failures are not cached: the next try asks again.
            let before = fixtures::hits("error-twice");
            for _ in 0..2 {
                srv.get("/api/search/movies?q=error-twice", &anna)
                    .await
                    .assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
            }
            assert_eq!(fixtures::hits("error-twice") - before, 2);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_is_a_clear_error() {
    on_each_database_with(
        |c| c.imdb_suggest_url = "http://127.0.0.1:9".into(),
        |srv| async move {
            let anna = As::cookie(&srv.register("anna").await);
            srv.get("/api/search/movies?q=Alien", &anna)
                .await
                .assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
        },
    )
    .await;
}

/// The search for `text`, percent-encoded.
fn search_for(text: &str) -> String {
    format!(
        "/api/search/movies?q={}",
        domain::metadata::percent_encode(text)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_imdb_or_tmdb_link_names_the_movie() {
    on_each_database_with(fixtures::use_fixtures, |srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        // An IMDb address: the id is looked up for its title, and nothing else is offered.
        let r = srv
            .get(
                &search_for("https://www.imdb.com/title/tt0113277/?ref_=fn_al_tt_1"),
                &anna,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.body["candidates"].as_array().unwrap().len(),
            1,
            "{}",
            r.text
        );
        assert_eq!(r.body["candidates"][0]["imdbId"], "tt0113277");
        assert_eq!(r.body["candidates"][0]["title"], "Heat");
        assert_eq!(r.body["confident"], true);
        // A TMDB address: TMDB tells the IMDb id.
        let r = srv
            .get(
                &search_for("https://www.themoviedb.org/movie/348-alien"),
                &anna,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["candidates"][0]["imdbId"], "tt0078748");
        assert_eq!(r.body["candidates"][0]["title"], "Alien");
        assert_eq!(r.body["candidates"][0]["year"], 1979);
        // A TMDB movie TMDB does not know.
        srv.get(&search_for("themoviedb.org/movie/999999"), &anna)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "tmdb_link_unusable");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_movie_database_off_a_pasted_imdb_id_still_names_the_movie() {
    // Nothing listens there: reqwest's own message would quote the address.
    let nowhere = format!("http://127.0.0.1:{}", crate::support::free_port());
    on_each_database_with(
        move |c| {
            c.imdb_suggest_url = nowhere.clone();
            c.tmdb_url = nowhere.clone();
            c.tmdb_api_key = Some(fixtures::TMDB_KEY.into());
        },
        |srv| async move {
            let anna = As::cookie(&srv.register("anna").await);
            let r = srv.get("/api/search/movies?q=Alien", &anna).await;
            r.assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
            assert_eq!(
                r.body["message"],
                "The movie database cannot be reached right now."
            );
            assert!(
                !r.text.contains("127.0.0.1") && !r.text.contains("http"),
                "{}",
                r.text
            );

            // The id is taken as it is; the metadata job names the movie later.
            for pasted in ["tt0078748", "https://m.imdb.com/title/tt0078748/"] {
                let r = srv.get(&search_for(pasted), &anna).await;
                assert_eq!(r.status, StatusCode::OK, "{pasted}: {}", r.text);
                assert_eq!(r.body["candidates"][0]["imdbId"], "tt0078748");
                assert_eq!(r.body["candidates"][0]["title"], "tt0078748");
                assert_eq!(r.body["confident"], true);
            }
            // A TMDB address needs TMDB: the answer says what to paste instead.
            let r = srv
                .get(&search_for("themoviedb.org/movie/348"), &anna)
                .await;
            r.assert_error(StatusCode::BAD_GATEWAY, "provider_unavailable");
            assert!(
                r.body["message"].as_str().unwrap().contains("IMDb link"),
                "{}",
                r.text
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tmdb_link_without_a_tmdb_key_says_what_to_paste_instead() {
    on_each_database_with(
        |c| {
            fixtures::use_fixtures(c);
            c.tmdb_api_key = None;
        },
        |srv| async move {
            let anna = As::cookie(&srv.register("anna").await);
            let r = srv
                .get(&search_for("themoviedb.org/movie/348"), &anna)
                .await;
            r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "tmdb_link_unusable");
            assert!(
                r.body["message"].as_str().unwrap().contains("no TMDB key"),
                "{}",
                r.text
            );
        },
    )
    .await;
}
