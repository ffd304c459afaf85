//! Accounts, sessions, tokens, CSRF and login limits through the real router.

use crate::support::{As, PASSWORD, on_each_database};
use backend::entities::{session, user};
use http::{Method, StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_account_is_admin_and_sessions_work_end_to_end() {
    on_each_database(|srv| async move {
        let first = srv
            .post(
                "/api/auth/register",
                &As::anonymous(),
                json!({"username": "Anna", "password": PASSWORD}),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.body["user"]["username"], "anna");
        assert_eq!(first.body["user"]["is_admin"], true);
        let set_cookie = first.set_cookie().unwrap();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
        assert!(
            !set_cookie.contains("Secure"),
            "plain HTTP must not get Secure cookies"
        );

        let second = srv
            .post(
                "/api/auth/register",
                &As::anonymous(),
                json!({"username": "bert", "password": PASSWORD}),
            )
            .await;
        assert_eq!(second.body["user"]["is_admin"], false);

        // A client that is not a trusted proxy cannot claim HTTPS (see proxy.rs for one that is).
        let proxied = srv
            .post(
                "/api/auth/login",
                &As::anonymous().with_header("x-forwarded-proto", "https"),
                json!({"username": "bert", "password": PASSWORD}),
            )
            .await;
        assert_eq!(proxied.status, StatusCode::OK, "{}", proxied.text);
        assert!(!proxied.set_cookie().unwrap().contains("Secure"));

        // The password is stored as an argon2id hash, the session only as the token's SHA-256.
        let users = user::Entity::find().all(&srv.state.db).await.unwrap();
        assert!(
            users
                .iter()
                .all(|u| u.password_hash.starts_with("$argon2id$"))
        );
        let cookie = first.session_cookie().unwrap();
        let token = cookie.split_once('=').unwrap().1;
        let stored = session::Entity::find_by_id(backend::auth::sessions::hash_token(token))
            .one(&srv.state.db)
            .await
            .unwrap();
        assert!(
            stored.is_some(),
            "the session row is keyed by the token hash"
        );
        assert!(
            session::Entity::find_by_id(token.to_owned())
                .one(&srv.state.db)
                .await
                .unwrap()
                .is_none()
        );

        // Log in again, use the session, log out: the old cookie stops working.
        let login = srv
            .post(
                "/api/auth/login",
                &As::anonymous(),
                json!({"username": "ANNA", "password": PASSWORD}),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        let cookie = login.session_cookie().unwrap();
        let me = srv.get("/api/me", &As::cookie(&cookie)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["user"]["username"], "anna");
        let sessions_before = session::Entity::find().count(&srv.state.db).await.unwrap();
        let out = srv
            .call(Method::POST, "/api/auth/logout", &As::cookie(&cookie), None)
            .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert!(out.set_cookie().unwrap().contains("Max-Age=0"));
        assert_eq!(
            session::Entity::find().count(&srv.state.db).await.unwrap(),
            sessions_before - 1
        );
        srv.get("/api/me", &As::cookie(&cookie))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_look_the_same() {
    on_each_database(|srv| async move {
        srv.register("anna").await;
        let wrong = srv
            .post(
                "/api/auth/login",
                &As::anonymous(),
                json!({"username": "anna", "password": "not the password"}),
            )
            .await;
        let unknown = srv
            .post(
                "/api/auth/login",
                &As::anonymous(),
                json!({"username": "nobody", "password": "not the password"}),
            )
            .await;
        wrong.assert_error(StatusCode::UNAUTHORIZED, "wrong_credentials");
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(wrong.status, unknown.status);
        assert!(wrong.set_cookie().is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registrations_get_clear_errors_and_create_nothing() {
    on_each_database(|srv| async move {
        let anon = As::anonymous();
        srv.register("anna").await;
        let cases = [
            (
                json!({"username": "ANNA", "password": PASSWORD}),
                StatusCode::CONFLICT,
                "username_taken",
            ),
            (
                json!({"username": "a b", "password": PASSWORD}),
                StatusCode::BAD_REQUEST,
                "username_invalid",
            ),
            (
                json!({"username": "x".repeat(40), "password": PASSWORD}),
                StatusCode::BAD_REQUEST,
                "username_too_long",
            ),
            (
                json!({"username": "carl", "password": "short"}),
                StatusCode::BAD_REQUEST,
                "password_too_short",
            ),
            (
                json!({"username": "carl", "password": "p".repeat(300)}),
                StatusCode::BAD_REQUEST,
                "password_too_long",
            ),
            (
                json!({"username": "carl"}),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                json!({"username": 5, "password": PASSWORD}),
                StatusCode::BAD_REQUEST,
                "invalid_body",
            ),
            (
                json!({"username": "carl", "password": "x".repeat(70_000)}),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
        ];
        for (body, status, code) in cases {
            srv.post("/api/auth/register", &anon, body)
                .await
                .assert_error(status, code);
        }
        let not_json = http::Request::post("/api/auth/register")
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from("{not json"))
            .unwrap();
        srv.send(not_json)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
        let form = http::Request::post("/api/auth/register")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(axum::body::Body::from("username=carl"))
            .unwrap();
        srv.send(form)
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        srv.post(
            "/api/auth/login",
            &anon,
            json!({"username": "u".repeat(300), "password": "x"}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "username_too_long");
        assert_eq!(user::Entity::find().count(&srv.state.db).await.unwrap(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_work_until_revoked() {
    on_each_database(|srv| async move {
        let cookie = srv.register("anna").await;
        let created = srv
            .post(
                "/api/tokens",
                &As::cookie(&cookie),
                json!({"name": "uploader"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let token = created.body["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("ott_"));

        let me = srv.get("/api/me", &As::bearer(&token)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["user"]["username"], "anna");
        let listed = srv.get("/api/tokens", &As::bearer(&token)).await;
        assert_eq!(listed.body[0]["name"], "uploader");
        assert!(
            listed.body[0].get("token").is_none(),
            "the secret is never listed"
        );

        srv.get("/api/me", &As::bearer("ott_0000"))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        srv.post("/api/tokens", &As::cookie(&cookie), json!({"name": "  "}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_token_name");

        // Another user cannot revoke it.
        let bert = srv.register("bert").await;
        let id = created.body["id"].as_i64().unwrap();
        srv.call(
            Method::DELETE,
            &format!("/api/tokens/{id}"),
            &As::cookie(&bert),
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
        srv.call(
            Method::DELETE,
            "/api/tokens/abc",
            &As::cookie(&cookie),
            None,
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_path_parameter");
        let revoked = srv
            .call(
                Method::DELETE,
                &format!("/api/tokens/{id}"),
                &As::cookie(&cookie),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        srv.get("/api/me", &As::bearer(&token))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_are_refused() {
    on_each_database(|srv| async move {
        let cookie = srv.register("anna").await;
        let evil = As::cookie(&cookie).with_header("origin", "http://evil.example");
        srv.call(Method::POST, "/api/auth/logout", &evil, None)
            .await
            .assert_error(StatusCode::FORBIDDEN, "cross_origin_request");
        let fetch_meta = As::cookie(&cookie).with_header("sec-fetch-site", "cross-site");
        srv.post("/api/libraries", &fetch_meta, json!({"name": "Stolen"}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "cross_origin_request");
        // Server functions are guarded the same way.
        let form = http::Request::post("/api/fn/logout")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://evil.example")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::empty())
            .unwrap();
        srv.send(form)
            .await
            .assert_error(StatusCode::FORBIDDEN, "cross_origin_request");
        // None of that logged the user out; a same-origin request goes through.
        assert_eq!(
            srv.get("/api/me", &As::cookie(&cookie)).await.status,
            StatusCode::OK
        );
        let same = As::cookie(&cookie).with_header("origin", "http://127.0.0.1:3000");
        assert_eq!(
            srv.call(Method::POST, "/api/auth/logout", &same, None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_limited_per_user_and_per_address() {
    on_each_database(|srv| async move {
        let anon = As::anonymous();
        srv.register("anna").await;
        let per_user = srv.state.config.login_attempts_per_user;
        for _ in 0..per_user {
            let r = srv
                .post(
                    "/api/auth/login",
                    &anon,
                    json!({"username": "anna", "password": "guess"}),
                )
                .await;
            r.assert_error(StatusCode::UNAUTHORIZED, "wrong_credentials");
        }
        // Even the right password is refused until the wait is over.
        let limited = srv
            .post(
                "/api/auth/login",
                &anon,
                json!({"username": "anna", "password": PASSWORD}),
            )
            .await;
        limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
        let retry: u64 = limited.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&retry), "Retry-After {retry}");

        // From one address, trying many usernames runs into the address limit.
        let per_ip = srv.state.config.login_attempts_per_ip_per_minute;
        let mut refused = None;
        for i in 0..per_ip * 2 {
            let r = srv
                .post(
                    "/api/auth/login",
                    &anon,
                    json!({"username": format!("user{i}"), "password": "guess"}),
                )
                .await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(i);
                break;
            }
        }
        // per_user + 1 attempts were already spent from this address above; the quota refills
        // one attempt every two seconds, so a slow run may get a few more.
        let refused = refused.expect("the address limit was reached");
        assert!(
            refused >= per_ip - per_user - 1 && refused < per_ip,
            "refused after {refused}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_can_close_registration() {
    on_each_database(|srv| async move {
        let admin = srv.register("anna").await;
        let bert = srv.register("bert").await;
        let closed = json!({"open_registration": false});
        srv.call(
            Method::PUT,
            "/api/admin/settings",
            &As::cookie(&bert),
            Some(closed.clone()),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "admin_only");
        let saved = srv
            .call(
                Method::PUT,
                "/api/admin/settings",
                &As::cookie(&admin),
                Some(closed),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        assert_eq!(
            srv.get("/api/admin/settings", &As::cookie(&admin))
                .await
                .body["open_registration"],
            false
        );
        srv.post(
            "/api/auth/register",
            &As::anonymous(),
            json!({"username": "carl", "password": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "registration_closed");
        assert_eq!(user::Entity::find().count(&srv.state.db).await.unwrap(), 2);
    })
    .await;
}
