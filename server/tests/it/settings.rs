//! User settings (persisted, applied to the server's HTML and to the player), password change,
//! sessions, and renaming and removing libraries.

use crate::support::{As, PASSWORD, TestServer, on_each_database};
use crate::uploads::{MATRIX, Member, join, member, upload};
use backend::entities::{collection, collection_movie, library, movie, movie_file, user_settings};
use http::{Method, StatusCode, header};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

const RELOADED: &str = "tt0234215";

async fn put_settings(srv: &TestServer, who: &As, body: Value) -> crate::support::Reply {
    srv.call(Method::PUT, "/api/me/settings", who, Some(body))
        .await
}

/// The `data-theme` of the `<html>` tag of a page rendered for `who`.
async fn html_theme(srv: &TestServer, path: &str, who: &As) -> Option<String> {
    let page = srv.get(path, who).await;
    let start = page.text.find("<html")?;
    let tag = &page.text[start..start + page.text[start..].find('>')?];
    let value = tag.split("data-theme=\"").nth(1)?;
    Some(value[..value.find('"')?].to_owned())
}

async fn watch(srv: &TestServer, who: &As, file: i64) -> crate::support::Reply {
    srv.get(&format!("/api/files/{file}/watch"), who).await
}

async fn change(srv: &TestServer, who: &As, current: &str, new: &str) -> crate::support::Reply {
    srv.post(
        "/api/me/password",
        who,
        json!({"currentPassword": current, "newPassword": new}),
    )
    .await
}

async fn rename(srv: &TestServer, url: &str, who: &As, name: Value) -> crate::support::Reply {
    srv.call(Method::PATCH, url, who, Some(json!({"name": name})))
        .await
}

async fn login(
    srv: &TestServer,
    username: &str,
    password: &str,
    agent: &str,
) -> crate::support::Reply {
    srv.post(
        "/api/auth/login",
        &As::anonymous().with_header("user-agent", agent),
        json!({"username": username, "password": password}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_persist_and_the_theme_is_in_the_server_html() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let bob = member(&srv, "bob").await;

        let start = srv.get("/api/me/settings", &anna.who).await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.text);
        assert_eq!(
            start.body,
            json!({"theme": "system", "defaultLibraryId": anna.library, "simultaneousUploads": 3,
                   "subtitleLanguage": null, "autoplayNext": true})
        );
        assert_eq!(html_theme(&srv, "/settings", &anna.who).await.as_deref(), Some("system"));
        assert_eq!(html_theme(&srv, "/login", &As::anonymous()).await.as_deref(), Some("system"));

        let saved = put_settings(
            &srv,
            &anna.who,
            json!({"theme": "light", "simultaneousUploads": 5, "subtitleLanguage": "FR", "autoplayNext": false}),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let expected = json!({"theme": "light", "defaultLibraryId": anna.library, "simultaneousUploads": 5,
                              "subtitleLanguage": "fr", "autoplayNext": false});
        assert_eq!(saved.body, expected);
        // Stored: read back, in the row, in /api/me, and in the HTML of every page.
        assert_eq!(srv.get("/api/me/settings", &anna.who).await.body, expected);
        let me = srv.get("/api/me", &anna.who).await;
        assert_eq!(me.body["preferences"], expected);
        let user_id = me.body["user"]["id"].as_i64().unwrap() as i32;
        let row = user_settings::Entity::find_by_id(user_id)
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.theme.as_str(), row.simultaneous_uploads, row.subtitle_language.as_deref(), row.autoplay_next),
            ("light", 5, Some("fr"), false)
        );
        // Another user's pages keep their own theme.
        assert_eq!(html_theme(&srv, "/settings", &bob.who).await.as_deref(), Some("system"));
        // The 404 page last: on a one-thread test runtime, a page rendered right after the 404
        // handler now and then never finished (see `TestServer::send`); the real server did not
        // show it (600 alternating requests).
        for page in ["/settings", "/libraries", "/upload", "/no-such-page-here"] {
            assert_eq!(html_theme(&srv, page, &anna.who).await.as_deref(), Some("light"), "{page}");
        }

        // Bad values are refused with their codes, and nothing changes.
        for (body, status, code) in [
            (json!({"theme": "neon"}), StatusCode::BAD_REQUEST, "invalid_theme"),
            (json!({"simultaneousUploads": 0}), StatusCode::BAD_REQUEST, "invalid_simultaneous_uploads"),
            (json!({"simultaneousUploads": 9, "theme": "dark"}), StatusCode::BAD_REQUEST, "invalid_simultaneous_uploads"),
            (json!({"subtitleLanguage": "klingon"}), StatusCode::BAD_REQUEST, "invalid_language"),
            (json!({"defaultLibraryId": bob.library}), StatusCode::NOT_FOUND, "library_not_found"),
            (json!({"theme": 7}), StatusCode::BAD_REQUEST, "invalid_body"),
        ] {
            put_settings(&srv, &anna.who, body).await.assert_error(status, code);
        }
        assert_eq!(srv.get("/api/me/settings", &anna.who).await.body, expected);
        // An empty language switches subtitles off.
        let off = put_settings(&srv, &anna.who, json!({"subtitleLanguage": ""})).await;
        assert_eq!(off.body["subtitleLanguage"], Value::Null);
        srv.get("/api/me/settings", &As::anonymous())
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_follows_the_subtitle_and_autoplay_settings() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let mut files = Vec::new();
        for (name, imdb) in [
            ("The Matrix.mp4", MATRIX),
            ("The Matrix Reloaded.mp4", RELOADED),
        ] {
            let done = upload(&srv, &anna, name, &[3u8; 2048], imdb, "new").await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.text);
            files.push(done.body["movieFileId"].as_i64().unwrap());
        }
        let db = &srv.state.db;
        let saga = collection::ActiveModel {
            name: Set("The Matrix Collection".into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        for (position, imdb) in [(1, MATRIX), (2, RELOADED)] {
            let m = movie::Entity::find()
                .filter(movie::Column::ImdbId.eq(imdb))
                .one(db)
                .await
                .unwrap()
                .unwrap();
            collection_movie::ActiveModel {
                collection_id: Set(saga.id),
                movie_id: Set(m.id),
                position: Set(position),
            }
            .insert(db)
            .await
            .unwrap();
        }
        let srt = anna.path.join(MATRIX).join("srt");
        std::fs::create_dir_all(&srt).unwrap();
        for name in ["subtitle.en.srt", "subtitle.fre.srt"] {
            std::fs::write(srt.join(name), "1\n00:00:01,000 --> 00:00:02,000\nHi\n").unwrap();
        }

        let first = watch(&srv, &anna.who, files[0]).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert_eq!(first.body["next"]["fileId"], files[1]);
        assert_eq!(first.body["next"]["title"], "The Matrix Reloaded");
        assert_eq!(first.body["autoplayNext"], true);
        let defaults: Vec<bool> = first.body["subtitles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["default"].as_bool().unwrap())
            .collect();
        assert_eq!(
            defaults,
            [false, false],
            "no language chosen: subtitles off"
        );
        // The last part has no next one.
        assert_eq!(
            watch(&srv, &anna.who, files[1]).await.body["next"],
            Value::Null
        );

        put_settings(
            &srv,
            &anna.who,
            json!({"subtitleLanguage": "fr", "autoplayNext": false}),
        )
        .await;
        let after = watch(&srv, &anna.who, files[0]).await;
        assert_eq!(after.body["autoplayNext"], false);
        let chosen: Vec<(&str, bool)> = after.body["subtitles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["lang"].as_str().unwrap(), t["default"].as_bool().unwrap()))
            .collect();
        assert_eq!(chosen, [("en", false), ("fre", true)]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_old_one_and_logs_out_other_devices() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        let mut others = Vec::new();
        for agent in [
            "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/132.0",
            "curl/8.5.0",
        ] {
            let reply = login(&srv, "anna", PASSWORD, agent).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            others.push(As::cookie(&reply.session_cookie().unwrap()));
        }
        let token = srv
            .post(
                "/api/tokens",
                &anna,
                json!({"name": "script", "password": PASSWORD}),
            )
            .await;
        let token = As::bearer(token.body["token"].as_str().unwrap());

        change(&srv, &anna, "not it at all", "a brand new secret")
            .await
            .assert_error(StatusCode::FORBIDDEN, "wrong_password");
        change(&srv, &anna, PASSWORD, "short")
            .await
            .assert_error(StatusCode::BAD_REQUEST, "password_too_short");
        srv.post(
            "/api/me/password",
            &anna,
            json!({"currentPassword": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
        // Refused attempts changed nothing: every device is still logged in.
        for who in &others {
            assert_eq!(srv.get("/api/me", who).await.status, StatusCode::OK);
        }

        let done = change(&srv, &anna, PASSWORD, "a brand new secret").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(done.body["sessionsEnded"], 2);
        assert_eq!(done.body["tokensRevoked"], 0);
        assert_eq!(
            srv.get("/api/me", &anna).await.status,
            StatusCode::OK,
            "this device stays"
        );
        for who in &others {
            srv.get("/api/me", who)
                .await
                .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        }
        assert_eq!(
            srv.get("/api/me", &token).await.status,
            StatusCode::OK,
            "API tokens survive a change that does not ask to revoke them"
        );
        login(&srv, "anna", PASSWORD, "x")
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "wrong_credentials");
        assert_eq!(
            login(&srv, "anna", "a brand new secret", "x").await.status,
            StatusCode::OK
        );

        // Guessing the current password from a borrowed session meets the login limits.
        let mut limited = false;
        for _ in 0..20 {
            let reply = change(&srv, &anna, "guess guess guess", "another new secret").await;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
                limited = true;
                break;
            }
            reply.assert_error(StatusCode::FORBIDDEN, "wrong_password");
        }
        assert!(limited, "password guesses are rate limited");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_and_logged_out_only_by_their_owner() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        let phone_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";
        let phone = As::cookie(&login(&srv, "anna", PASSWORD, phone_agent).await.session_cookie().unwrap());
        let bob = As::cookie(&srv.register("bob").await);

        let listed = srv.get("/api/me/sessions", &anna).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        let sessions = listed.body.as_array().unwrap();
        assert_eq!(sessions.len(), 2, "{}", listed.text);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        let phone_session = sessions
            .iter()
            .find(|s| s["device"] == "Safari on iPhone")
            .expect("the phone is listed by its device");
        assert_eq!(phone_session["current"], false);
        assert_eq!(phone_session["ip"], "127.0.0.1");
        let id = phone_session["id"].as_str().unwrap().to_owned();

        // Bob cannot end anna's session, nor can garbage ids.
        for (who, path) in [
            (&bob, format!("/api/me/sessions/{id}")),
            (&anna, "/api/me/sessions/nonsense".to_owned()),
        ] {
            srv.call(Method::DELETE, &path, who, None)
                .await
                .assert_error(StatusCode::NOT_FOUND, "session_not_found");
        }
        assert_eq!(srv.get("/api/me", &phone).await.status, StatusCode::OK);

        let ended = srv.call(Method::DELETE, &format!("/api/me/sessions/{id}"), &anna, None).await;
        assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text);
        srv.get("/api/me", &phone).await.assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        assert_eq!(srv.get("/api/me/sessions", &anna).await.body.as_array().unwrap().len(), 1);
        // Bob's list is his own.
        assert_eq!(srv.get("/api/me/sessions", &bob).await.body.as_array().unwrap().len(), 1);
    })
    .await;
}

async fn libraries_of(srv: &TestServer, who: &As) -> Value {
    srv.get("/api/libraries", who).await.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_rename_and_remove_libraries_keeping_or_deleting_the_files() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let bob = member(&srv, "bob").await;
        let carol = member(&srv, "carol").await;
        join(&srv, &bob, anna.library, "manager").await;
        let done = upload(&srv, &anna, "The Matrix.mp4", &[7u8; 4096], MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let file = done.body["movieFileId"].as_i64().unwrap();
        let on_disk = anna.path.join(done.body["path"].as_str().unwrap());
        let lib = anna.library;
        let url = format!("/api/libraries/{lib}");

        // Rename: the owner only; a manager gets 403, a stranger 404, a bad name 400.
        rename(&srv, &url, &bob.who, json!("Mine now"))
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        rename(&srv, &url, &carol.who, json!("Mine now"))
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        let bad = rename(&srv, &url, &anna.who, json!("   ")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        let renamed = rename(&srv, &url, &anna.who, json!("Films")).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
        assert_eq!(renamed.body["name"], "Films");
        assert_eq!(
            renamed.body["path"],
            anna.path.to_str().unwrap(),
            "the folder stays"
        );

        // The list says what each library holds and who shares it.
        let listed = libraries_of(&srv, &bob.who).await;
        let films = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == lib)
            .unwrap();
        assert_eq!(
            (
                &films["name"],
                &films["movies"],
                &films["files"],
                &films["bytes"],
                &films["members"],
                &films["role"]
            ),
            (
                &json!("Films"),
                &json!(1),
                &json!(1),
                &json!(4096),
                &json!(2),
                &json!("manager")
            )
        );

        // Remove: files=keep or files=delete must be said; only the owner may.
        for query in ["", "?files=maybe"] {
            srv.call(Method::DELETE, &format!("{url}{query}"), &anna.who, None)
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_files_choice");
        }
        srv.call(
            Method::DELETE,
            &format!("{url}?files=delete"),
            &bob.who,
            None,
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        srv.call(
            Method::DELETE,
            &format!("{url}?files=delete"),
            &carol.who,
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        assert!(on_disk.is_file(), "refused removals deleted nothing");

        let removed = srv
            .call(
                Method::DELETE,
                &format!("{url}?files=keep"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
        assert_eq!(
            (
                &removed.body["files_deleted"],
                &removed.body["files"],
                &removed.body["bytes"]
            ),
            (&json!(false), &json!(1), &json!(4096))
        );
        assert!(on_disk.is_file(), "files=keep keeps the movie on disk");
        let db = &srv.state.db;
        assert!(
            library::Entity::find_by_id(lib as i32)
                .one(db)
                .await
                .unwrap()
                .is_none()
        );
        let files_left = movie_file::Entity::find()
            .filter(movie_file::Column::LibraryId.eq(lib as i32))
            .count(db)
            .await
            .unwrap();
        assert_eq!(files_left, 0);
        // Gone for everyone: bob's list, the stream, the active library.
        assert!(
            libraries_of(&srv, &bob.who)
                .await
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["id"] != lib)
        );
        srv.get(&format!("/stream/{file}"), &bob.who)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        let me = srv.get("/api/me", &anna.who).await;
        assert_eq!(me.body["active_library_id"], Value::Null, "{}", me.text);
        srv.call(
            Method::DELETE,
            &format!("{url}?files=keep"),
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "library_not_found");

        // files=delete removes the movie folders Open OTT made, and nothing else.
        let second = another_library(&srv, &anna, "Second").await;
        let done = upload(&srv, &second, "The Matrix.mp4", &[8u8; 1024], MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let kept = second.path.join("my notes.txt");
        std::fs::write(&kept, "mine").unwrap();
        let removed = srv
            .call(
                Method::DELETE,
                &format!("/api/libraries/{}?files=delete", second.library),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
        assert_eq!(removed.body["files_deleted"], true);
        assert!(
            !second.path.join(MATRIX).exists(),
            "the movie folder is deleted"
        );
        assert!(kept.is_file(), "a file Open OTT did not make stays");

        // A library holding only Open OTT's folders goes entirely.
        let third = another_library(&srv, &anna, "Third").await;
        upload(&srv, &third, "The Matrix.mp4", &[9u8; 512], MATRIX, "new").await;
        srv.call(
            Method::DELETE,
            &format!("/api/libraries/{}?files=delete", third.library),
            &anna.who,
            None,
        )
        .await;
        assert!(
            !third.path.exists(),
            "the empty library folder is removed: {:?}",
            crate::support::files_under(&third.path)
        );
    })
    .await;
}

async fn another_library(srv: &TestServer, owner: &Member, name: &str) -> Member {
    let made = srv
        .post("/api/libraries", &owner.who, json!({"name": name}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    Member {
        who: owner.who.clone(),
        library: made.body["id"].as_i64().unwrap(),
        path: made.body["path"].as_str().unwrap().into(),
    }
}

/// What the upload page asks before sending anything (its server function).
async fn upload_space(srv: &TestServer, m: &Member) -> crate::support::Reply {
    let form = http::Request::post("/api/fn/upload_space")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, m.who.cookie.clone().unwrap())
        .body(axum::body::Body::from(format!("library={}", m.library)))
        .unwrap();
    srv.send(form).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_space_warns_when_the_disk_is_nearly_full() {
    // A 100 % threshold: every disk is "nearly full", so the warning must show.
    crate::support::on_each_database_with(
        |config| config.storage_warning_percent = 100,
        |srv| async move {
            let anna = member(&srv, "anna").await;
            let space = upload_space(&srv, &anna).await;
            assert_eq!(space.status, StatusCode::OK, "{}", space.text);
            let warning = space.body["warning"].as_str().expect("a warning");
            assert!(warning.contains("nearly full"), "{warning}");
            assert!(warning.contains(anna.path.to_str().unwrap()), "{warning}");
        },
    )
    .await;
    // The default threshold (10 %) on this test machine's disk, compared with statvfs itself.
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let space = upload_space(&srv, &anna).await;
        let stat = rustix::fs::statvfs(&anna.path).unwrap();
        let total = stat.f_blocks * stat.f_frsize;
        let free = stat.f_bavail * stat.f_frsize;
        let low = free < (total / 10).max(srv.state.config.storage_reserve);
        assert_eq!(space.body["warning"].is_string(), low, "{}", space.text);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_can_revoke_every_api_token() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        let bob = As::cookie(&srv.register("bob").await);
        let mut tokens = Vec::new();
        for (who, name) in [(&anna, "nas"), (&anna, "laptop"), (&bob, "bobs")] {
            let made = srv
                .post("/api/tokens", who, json!({"name": name, "password": PASSWORD}))
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
            tokens.push(As::bearer(made.body["token"].as_str().unwrap()));
        }
        // A wrong current password revokes nothing.
        srv.post(
            "/api/me/password",
            &anna,
            json!({"currentPassword": "not it at all", "newPassword": "a brand new secret", "revokeTokens": true}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "wrong_password");
        assert_eq!(srv.get("/api/me", &tokens[0]).await.status, StatusCode::OK);

        let done = srv
            .post(
                "/api/me/password",
                &anna,
                json!({"currentPassword": PASSWORD, "newPassword": "a brand new secret", "revokeTokens": true}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(done.body["tokensRevoked"], 2);
        for token in &tokens[..2] {
            srv.get("/api/me", token)
                .await
                .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        }
        assert_eq!(srv.get("/api/me", &anna).await.status, StatusCode::OK, "this device stays");
        assert_eq!(srv.get("/api/me", &tokens[2]).await.status, StatusCode::OK, "bob's token is his");

        // The settings page's checkbox does the same through its server function.
        let again = srv
            .post(
                "/api/tokens",
                &anna,
                json!({"name": "new", "password": "a brand new secret"}),
            )
            .await;
        let again = As::bearer(again.body["token"].as_str().unwrap());
        let form = "current_password=a+brand+new+secret&new_password=the+third+secret\
                    &repeat_password=the+third+secret&revoke_tokens=on";
        let changed = crate::support::server_fn(&srv, "change_password", &anna, form).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!(changed.body["tokens_revoked"], 1);
        srv.get("/api/me", &again)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
    })
    .await;
}
