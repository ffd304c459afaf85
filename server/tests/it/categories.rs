//! A library's own categories: made by rule or by hand, shown as home rows in their order,
//! changed and removed by the owner and managers only, with clear errors for bad input.

use crate::rows::seed;
use crate::support::{TestServer, on_each_database};
use crate::uploads::{Member, join, member};
use backend::entities::{category_movie, genre, movie_genre};
use http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

const DIE_HARD: &str = "tt0095016";
const DIE_HARD_2: &str = "tt0099423";
const ALIEN: &str = "tt0078748";
const MATRIX: &str = "tt0133093";

/// Four movies: two 1980s-1990 action films, a horror film and an unlabelled one.
async fn library(srv: &TestServer, m: &Member) {
    let db = &srv.state.db;
    let dh = seed(srv, m, DIE_HARD, "Die Hard", 1988, Some(8.2), 40).await;
    let dh2 = seed(srv, m, DIE_HARD_2, "Die Hard 2", 1990, Some(7.2), 30).await;
    let alien = seed(srv, m, ALIEN, "Alien", 1979, Some(8.5), 20).await;
    seed(srv, m, MATRIX, "The Matrix", 1999, Some(8.7), 10).await;
    for (name, movies) in [("Action", vec![dh, dh2]), ("Horror", vec![alien])] {
        let g = genre::ActiveModel {
            name: Set(name.into()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        for movie_id in movies {
            movie_genre::ActiveModel {
                movie_id: Set(movie_id),
                genre_id: Set(g.id),
            }
            .insert(db)
            .await
            .unwrap();
        }
    }
}

fn imdb_ids(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["imdbId"].as_str().unwrap())
        .collect()
}

async fn rows(srv: &TestServer, m: &Member) -> Vec<Value> {
    let reply = srv
        .get(&format!("/api/rows?library={}", m.library), &m.who)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["rows"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_by_rule_and_by_hand_become_home_rows() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        library(&srv, &anna).await;
        let lib = anna.library;
        let url = format!("/api/libraries/{lib}/categories");

        let eighties = srv
            .post(
                &url,
                &anna.who,
                json!({"name": " 80s action ", "icon": "💥", "rule": {"genres": ["action"], "yearFrom": 1980, "yearTo": 1989}}),
            )
            .await;
        assert_eq!(eighties.status, StatusCode::CREATED, "{}", eighties.text);
        assert_eq!(eighties.body["name"], "80s action");
        assert_eq!(
            eighties.body["rule"]["genres"],
            json!(["Action"]),
            "the genre as the library spells it"
        );
        assert_eq!(eighties.body["count"], 1);
        let eighties_id = eighties.body["id"].as_i64().unwrap();

        let picks = srv
            .post(
                &url,
                &anna.who,
                json!({"name": "Favourites", "movies": [MATRIX, ALIEN]}),
            )
            .await;
        assert_eq!(picks.status, StatusCode::CREATED, "{}", picks.text);
        assert_eq!(picks.body["movies"], json!([MATRIX, ALIEN]));
        let picks_id = picks.body["id"].as_i64().unwrap();
        // An empty hand-picked category is kept but shows no row until it has movies.
        let empty = srv.post(&url, &anna.who, json!({"name": "Later"})).await;
        assert_eq!(empty.status, StatusCode::CREATED, "{}", empty.text);
        assert_eq!(empty.body["count"], 0);

        let home = rows(&srv, &anna).await;
        let ids: Vec<&str> = home.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let (eighties_row, picks_row) =
            (format!("category:{eighties_id}"), format!("category:{picks_id}"));
        assert_eq!(ids[..3], ["recent", eighties_row.as_str(), picks_row.as_str()]);
        assert_eq!(home[1]["title"], "💥 80s action");
        assert_eq!(imdb_ids(&home[1]["items"]), [DIE_HARD]);
        assert_eq!(imdb_ids(&home[2]["items"]), [MATRIX, ALIEN], "in the order picked");
        assert!(!ids.iter().any(|id| *id == format!("category:{}", empty.body["id"])));

        // Picking by hand, one movie at a time (idempotent), at the end of the row.
        let movie_url = |id: i64, imdb: &str| format!("/api/categories/{id}/movies/{imdb}");
        let added = srv
            .call(Method::PUT, &movie_url(picks_id, DIE_HARD), &anna.who, None)
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
        let again = srv
            .call(Method::PUT, &movie_url(picks_id, DIE_HARD), &anna.who, None)
            .await;
        assert_eq!(again.body["movies"], json!([MATRIX, ALIEN, DIE_HARD]));
        for _ in 0..2 {
            let out = srv
                .call(Method::DELETE, &movie_url(picks_id, MATRIX), &anna.who, None)
                .await;
            assert_eq!(out.status, StatusCode::OK, "{}", out.text);
            assert_eq!(out.body["movies"], json!([ALIEN, DIE_HARD]));
        }
        let more = srv
            .get(
                &format!("/api/rows/{picks_row}?library={lib}&offset=1"),
                &anna.who,
            )
            .await;
        assert_eq!(imdb_ids(&more.body), [DIE_HARD]);
        srv.call(Method::PUT, &movie_url(eighties_id, ALIEN), &anna.who, None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "category_has_rule");
        srv.call(Method::PUT, &movie_url(picks_id, "tt0112864"), &anna.who, None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "movie_not_in_library");
        srv.call(Method::PUT, &movie_url(picks_id, "matrix"), &anna.who, None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_imdb_id");

        // Replacing: a new name and rule; a hand-picked category given a rule loses its picks.
        let best = srv
            .call(
                Method::PUT,
                &format!("/api/categories/{eighties_id}"),
                &anna.who,
                Some(json!({"name": "Best", "rule": {"minRating": 8.4}})),
            )
            .await;
        assert_eq!(best.status, StatusCode::OK, "{}", best.text);
        assert_eq!((best.body["name"].clone(), best.body["icon"].clone()), (json!("Best"), Value::Null));
        assert_eq!(best.body["count"], 2, "Alien and The Matrix");
        let ruled = srv
            .call(
                Method::PUT,
                &format!("/api/categories/{picks_id}"),
                &anna.who,
                Some(json!({"name": "Favourites", "rule": {"yearTo": 1980}})),
            )
            .await;
        assert_eq!(ruled.status, StatusCode::OK, "{}", ruled.text);
        assert_eq!(ruled.body["movies"], json!([]));
        let picked_rows = category_movie::Entity::find()
            .filter(category_movie::Column::CategoryId.eq(picks_id as i32))
            .count(&srv.state.db)
            .await
            .unwrap();
        assert_eq!(picked_rows, 0);
        let home = rows(&srv, &anna).await;
        assert_eq!(imdb_ids(&home[1]["items"]), [ALIEN, MATRIX], "title order");
        assert_eq!(imdb_ids(&home[2]["items"]), [ALIEN]);

        // Removing: the row goes, the movies stay.
        let gone = srv
            .call(
                Method::DELETE,
                &format!("/api/categories/{picks_id}"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
        let listed = srv.get(&url, &anna.who).await;
        let names: Vec<&str> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Best", "Later"]);
        let home = rows(&srv, &anna).await;
        assert!(!home.iter().any(|r| r["id"] == json!(picks_row)));
        srv.call(
            Method::DELETE,
            &format!("/api/categories/{picks_id}"),
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "category_not_found");
        assert_eq!(
            srv.get(&format!("/api/movies?library={lib}"), &anna.who)
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            4
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_categories_are_refused_with_their_reason_and_nothing_is_made() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        library(&srv, &anna).await;
        let url = format!("/api/libraries/{}/categories", anna.library);
        let made = srv
            .post(&url, &anna.who, json!({"name": "Favourites"}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        for (body, status, code) in [
            (
                json!({"name": "favourites"}),
                StatusCode::CONFLICT,
                "category_exists",
            ),
            (
                json!({"name": "  "}),
                StatusCode::BAD_REQUEST,
                "invalid_category_name",
            ),
            (
                json!({"name": "x".repeat(61)}),
                StatusCode::BAD_REQUEST,
                "invalid_category_name",
            ),
            (
                json!({"name": "x", "icon": "not an icon"}),
                StatusCode::BAD_REQUEST,
                "invalid_icon",
            ),
            (
                json!({"name": "x", "rule": {}}),
                StatusCode::BAD_REQUEST,
                "empty_rule",
            ),
            (
                json!({"name": "x", "rule": {"genres": ["Westerns"]}}),
                StatusCode::BAD_REQUEST,
                "unknown_genre",
            ),
            (
                json!({"name": "x", "rule": {"yearFrom": 2000, "yearTo": 1990}}),
                StatusCode::BAD_REQUEST,
                "invalid_years",
            ),
            (
                json!({"name": "x", "rule": {"minRating": 11}}),
                StatusCode::BAD_REQUEST,
                "invalid_rating",
            ),
            (
                json!({"name": "x", "rule": {"minRating": 8}, "movies": [ALIEN]}),
                StatusCode::BAD_REQUEST,
                "rule_and_movies",
            ),
            (
                json!({"name": "x", "movies": [ALIEN, "tt0112864"]}),
                StatusCode::BAD_REQUEST,
                "movie_not_in_library",
            ),
            (
                json!({"name": "x", "movies": ["alien"]}),
                StatusCode::BAD_REQUEST,
                "invalid_imdb_id",
            ),
            (
                json!({"name": "x", "colour": "red"}),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (json!({"name": 5}), StatusCode::BAD_REQUEST, "invalid_body"),
        ] {
            srv.post(&url, &anna.who, body.clone())
                .await
                .assert_error(status, code);
        }
        let unknown = srv
            .post(
                &url,
                &anna.who,
                json!({"name": "x", "rule": {"genres": ["Westerns"]}}),
            )
            .await;
        assert!(
            unknown.body["message"]
                .as_str()
                .unwrap()
                .contains("Action, Horror"),
            "the known genres are named: {}",
            unknown.text
        );
        let listed = srv.get(&url, &anna.who).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.text);
        // Renaming onto another category's name is refused too; keeping one's own is fine.
        let other = srv.post(&url, &anna.who, json!({"name": "Other"})).await;
        let other_id = other.body["id"].as_i64().unwrap();
        srv.call(
            Method::PUT,
            &format!("/api/categories/{other_id}"),
            &anna.who,
            Some(json!({"name": "FAVOURITES"})),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "category_exists");
        let same = srv
            .call(
                Method::PUT,
                &format!("/api/categories/{other_id}"),
                &anna.who,
                Some(json!({"name": "other", "icon": "🍿"})),
            )
            .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text);
        srv.call(
            Method::PUT,
            "/api/categories/999999",
            &anna.who,
            Some(json!({"name": "x"})),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "category_not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_managers_change_categories_and_strangers_see_none() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        library(&srv, &anna).await;
        let lib = anna.library;
        let url = format!("/api/libraries/{lib}/categories");
        let made = srv
            .post(
                &url,
                &anna.who,
                json!({"name": "Favourites", "movies": [ALIEN]}),
            )
            .await;
        let id = made.body["id"].as_i64().unwrap();
        let vic = member(&srv, "vic").await;
        join(&srv, &vic, lib, "viewer").await;
        let max = member(&srv, "max").await;
        join(&srv, &max, lib, "manager").await;
        let eve = member(&srv, "eve").await;

        // A viewer sees the categories and their rows, and may not change them.
        let seen = srv.get(&url, &vic.who).await;
        assert_eq!(seen.body[0]["name"], "Favourites", "{}", seen.text);
        let vic_rows = srv.get(&format!("/api/rows?library={lib}"), &vic.who).await;
        assert_eq!(
            vic_rows.body["rows"][1]["id"],
            json!(format!("category:{id}"))
        );
        srv.post(&url, &vic.who, json!({"name": "Mine"}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        srv.call(
            Method::DELETE,
            &format!("/api/categories/{id}"),
            &vic.who,
            None,
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        // A stranger learns nothing.
        srv.get(&url, &eve.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.call(
            Method::PUT,
            &format!("/api/categories/{id}/movies/{MATRIX}"),
            &eve.who,
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "category_not_found");
        // A manager may.
        let added = srv
            .call(
                Method::PUT,
                &format!("/api/categories/{id}/movies/{MATRIX}"),
                &max.who,
                None,
            )
            .await;
        assert_eq!(
            added.body["movies"],
            json!([ALIEN, MATRIX]),
            "{}",
            added.text
        );
        // Categories belong to their library: eve's own library does not see anna's.
        let theirs = srv
            .get(
                &format!("/api/libraries/{}/categories", eve.library),
                &eve.who,
            )
            .await;
        assert_eq!(theirs.body, json!([]));

        // The pages: the manager's form and boxes, the viewer's read-only list.
        let page = srv
            .get(&format!("/categories?library={lib}"), &max.who)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains("Categories of “anna movies”"),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("Picked by hand · 2 movies"),
            "{}",
            page.text
        );
        assert!(page.text.contains("Create category"));
        let read_only = srv
            .get(&format!("/categories?library={lib}"), &vic.who)
            .await;
        assert!(read_only.text.contains("Favourites"));
        assert!(!read_only.text.contains("Create category"));
        assert!(
            read_only
                .text
                .contains("Only the library&#x27;s owner and managers")
                || read_only
                    .text
                    .contains("Only the library's owner and managers"),
            "{}",
            read_only.text
        );
        let movie_page = srv
            .get(&format!("/movie/{DIE_HARD}?library={lib}"), &max.who)
            .await;
        assert!(
            movie_page.text.contains("In categories"),
            "{}",
            movie_page.text
        );
        assert!(
            movie_page
                .text
                .contains(&format!(r#"id="in-category-{id}""#))
        );
        let viewer_movie = srv
            .get(&format!("/movie/{DIE_HARD}?library={lib}"), &vic.who)
            .await;
        assert!(!viewer_movie.text.contains("In categories"));
    })
    .await;
}

fn names(categories: &Value) -> Vec<String> {
    categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The names of the member's library's categories, in row order.
async fn category_names(srv: &TestServer, m: &Member) -> Vec<String> {
    let url = format!("/api/libraries/{}/categories", m.library);
    names(&srv.get(&url, &m.who).await.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_reorder_categories_and_the_home_rows_follow() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        library(&srv, &anna).await;
        let lib = anna.library;
        let url = format!("/api/libraries/{lib}/categories");
        let mut ids = Vec::new();
        for (name, pick) in [("First", ALIEN), ("Second", MATRIX), ("Third", DIE_HARD)] {
            let made = srv
                .post(&url, &anna.who, json!({"name": name, "movies": [pick]}))
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
            ids.push(made.body["id"].as_i64().unwrap());
        }
        let category_rows = |rows: Vec<Value>| -> Vec<String> {
            rows.iter()
                .filter_map(|r| r["id"].as_str())
                .filter(|id| id.starts_with("category:"))
                .map(str::to_owned)
                .collect()
        };
        let order_url = format!("{url}/order");

        // The whole order at once.
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        let put = srv
            .call(
                Method::PUT,
                &order_url,
                &anna.who,
                Some(json!({"ids": [c, a, b]})),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);
        assert_eq!(names(&put.body), ["Third", "First", "Second"]);
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Third", "First", "Second"]
        );
        assert_eq!(
            category_rows(rows(&srv, &anna).await),
            [
                format!("category:{c}"),
                format!("category:{a}"),
                format!("category:{b}")
            ]
        );

        // Bad orders are refused and change nothing.
        let other = member(&srv, "otto").await;
        let foreign = srv
            .post(
                &format!("/api/libraries/{}/categories", other.library),
                &other.who,
                json!({"name": "Theirs"}),
            )
            .await
            .body["id"]
            .as_i64()
            .unwrap();
        for bad in [
            json!({"ids": [a, b]}),
            json!({"ids": [a, b, c, c]}),
            json!({"ids": [a, a, b]}),
            json!({"ids": [a, b, foreign]}),
            json!({"ids": [a, b, c, 999_999]}),
            json!({"ids": []}),
        ] {
            srv.call(Method::PUT, &order_url, &anna.who, Some(bad.clone()))
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_order");
        }
        srv.call(
            Method::PUT,
            &order_url,
            &anna.who,
            Some(json!({"ids": "c,a,b"})),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Third", "First", "Second"]
        );

        // A viewer may not; a stranger learns nothing.
        let vic = member(&srv, "vic").await;
        join(&srv, &vic, lib, "viewer").await;
        srv.call(
            Method::PUT,
            &order_url,
            &vic.who,
            Some(json!({"ids": [a, b, c]})),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        srv.call(
            Method::PUT,
            &order_url,
            &other.who,
            Some(json!({"ids": [a, b, c]})),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Third", "First", "Second"]
        );

        // One step at a time, as the page's Up and Down buttons do (a plain form post).
        let step = |id: i64, by: i32, cookie: String| {
            http::Request::post("/api/fn/move_category")
                .header(http::header::HOST, "127.0.0.1:3000")
                .header(http::header::COOKIE, cookie)
                .header(http::header::ACCEPT, "text/html")
                .header(http::header::REFERER, "http://127.0.0.1:3000/categories")
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(axum::body::Body::from(format!(
                    "library={lib}&id={id}&by={by}"
                )))
                .unwrap()
        };
        let cookie = anna.who.cookie.clone().unwrap();
        let moved = srv.send(step(b, -1, cookie.clone())).await;
        assert_eq!(moved.status, StatusCode::FOUND, "{}", moved.text);
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Third", "Second", "First"]
        );
        // Past the top it stays on top.
        srv.send(step(c, -1, cookie.clone())).await;
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Third", "Second", "First"]
        );
        srv.send(step(c, 1, cookie)).await;
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Second", "Third", "First"]
        );
        // A viewer's form is sent back with the error, and nothing moves.
        let refused = srv.send(step(b, 1, vic.who.cookie.clone().unwrap())).await;
        let back = refused.headers[http::header::LOCATION].to_str().unwrap();
        assert!(back.contains("__err="), "{back}");
        assert_eq!(
            category_names(&srv, &anna).await,
            ["Second", "Third", "First"]
        );
    })
    .await;
}
