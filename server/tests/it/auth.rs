//! Accounts, sessions, tokens, CSRF and login limits through the real router.

use crate::support::{
    As, PASSWORD, all_at_once, on_each_database, on_each_database_with, server_fn,
};
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
                json!({"name": "uploader", "password": PASSWORD}),
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
        srv.post(
            "/api/tokens",
            &As::cookie(&cookie),
            json!({"name": "  ", "password": PASSWORD}),
        )
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

/// Users with `is_admin` set, in the database.
async fn admins(srv: &crate::support::TestServer) -> u64 {
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::IsAdmin.eq(true))
        .count(&srv.state.db)
        .await
        .unwrap()
}

async fn users(srv: &crate::support::TestServer) -> u64 {
    user::Entity::find().count(&srv.state.db).await.unwrap()
}

fn registration(username: &str) -> http::Request<axum::body::Body> {
    crate::support::json_post(
        "/api/auth/register",
        &As::anonymous(),
        json!({"username": username, "password": PASSWORD}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_server_closes_registration_after_the_first_account() {
    on_each_database(|srv| async move {
        srv.as_shipped().await;
        let (login, register, state) = visitor_sees(&srv).await;
        assert_eq!(state, json!({"first": true, "open": true}));
        assert!(
            login.contains("This server has no accounts yet."),
            "{login}"
        );
        assert!(login.contains("Create the first account"));
        assert!(
            register.contains("this account will be the server"),
            "{register}"
        );

        let anna = As::cookie(&srv.register("anna").await);
        assert_eq!(
            admins(&srv).await,
            1,
            "the first account is the administrator"
        );
        let (login, register, state) = visitor_sees(&srv).await;
        assert_eq!(state, json!({"first": false, "open": false}));
        assert!(!login.contains("no accounts yet"));
        assert!(login.contains("made from an invite link"), "{login}");
        assert!(
            register.contains("Registration is closed on this server."),
            "{register}"
        );
        assert_eq!(
            srv.get("/api/admin/settings", &anna).await.body["open_registration"],
            false
        );
        srv.post(
            "/api/auth/register",
            &As::anonymous(),
            json!({"username": "bert", "password": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "registration_closed");
        assert_eq!(users(&srv).await, 1);

        // The administrator opens it.
        let opened = srv
            .call(
                Method::PUT,
                "/api/admin/settings",
                &anna,
                Some(json!({"open_registration": true})),
            )
            .await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
        let (login, register, state) = visitor_sees(&srv).await;
        assert_eq!(state, json!({"first": false, "open": true}));
        assert!(login.contains("Create an account"), "{login}");
        assert!(!register.contains("Registration is closed"), "{register}");
        srv.register("bert").await;
        assert_eq!((users(&srv).await, admins(&srv).await), (2, 1));
    })
    .await;
}

/// What a visitor is told: the login and register pages' server HTML, and `sign_up`.
async fn visitor_sees(srv: &crate::support::TestServer) -> (String, String, serde_json::Value) {
    let login = srv.get("/login", &As::anonymous()).await.text;
    let register = srv.get("/register", &As::anonymous()).await.text;
    let state = server_fn(srv, "sign_up", &As::anonymous(), "").await;
    (login, register, state.body)
}

/// Fresh, unmigrated databases (SQLite, and PostgreSQL when configured) named after `name`.
async fn unmigrated(dir: &std::path::Path, name: &str) -> Vec<backend::testing::TestDatabase> {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    backend::testing::databases(&dir).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_server_with_accounts_keeps_registration_open() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Query};

    let before_it = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261127_000001_registration_default")
        .expect("the migration is listed") as u32;
    let dir = tempfile::TempDir::new().unwrap();
    // (accounts before the upgrade, the setting before it) → registration open after it
    let cases = [
        ("accounts", true, None, true),
        ("closed_by_the_admin", true, Some("false"), false),
        ("no_accounts_yet", false, None, false),
    ];
    for (name, with_account, setting, open_after) in cases {
        for database in unmigrated(dir.path(), name).await {
            let db = backend::db::connect(&database.url).await.unwrap();
            Migrator::up(&db, Some(before_it)).await.unwrap();
            if with_account {
                let insert = Query::insert()
                    .into_table(Alias::new("users"))
                    .columns(
                        [
                            "username",
                            "password_hash",
                            "is_admin",
                            "created_at",
                            "updated_at",
                        ]
                        .map(Alias::new),
                    )
                    .values_panic([
                        "anna".into(),
                        "$argon2id$…".into(),
                        true.into(),
                        chrono::Utc::now().into(),
                        chrono::Utc::now().into(),
                    ])
                    .to_owned();
                db.execute(&insert).await.unwrap();
            }
            if let Some(value) = setting {
                let insert = Query::insert()
                    .into_table(Alias::new("instance_settings"))
                    .columns(["key", "value", "updated_at"].map(Alias::new))
                    .values_panic([
                        "open_registration".into(),
                        value.into(),
                        chrono::Utc::now().into(),
                    ])
                    .to_owned();
                db.execute(&insert).await.unwrap();
            }
            Migrator::up(&db, None).await.unwrap();
            assert_eq!(
                backend::instance::open_registration(&db).await.unwrap(),
                open_after,
                "{name} on {}",
                database.kind
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_from_one_address_are_limited() {
    on_each_database_with(
        |config| {
            // The real default (the test helper raises it), and a proxy that names clients.
            config.registrations_per_ip_per_hour =
                backend::Config::new("/").registrations_per_ip_per_hour;
            config.trusted_proxies =
                backend::proxies::TrustedProxies::parse(&["127.0.0.1".into()]).unwrap();
        },
        |srv| async move {
            let per_hour = srv.state.config.registrations_per_ip_per_hour;
            assert_eq!(per_hour, 10, "the documented default");
            let from = |ip: &str| As::anonymous().with_header("x-forwarded-for", ip);
            let register = |who: As, name: String| {
                let srv = &srv;
                async move {
                    srv.post(
                        "/api/auth/register",
                        &who,
                        json!({"username": name, "password": PASSWORD}),
                    )
                    .await
                }
            };
            // A mistyped form is not counted.
            register(from("192.0.2.7"), "a b".into())
                .await
                .assert_error(StatusCode::BAD_REQUEST, "username_invalid");
            for i in 0..per_hour {
                let r = register(from("192.0.2.7"), format!("user{i}")).await;
                assert_eq!(r.status, StatusCode::CREATED, "{i}: {}", r.text);
            }
            let hashed = srv.state.hashing.computed();
            let refused = register(from("192.0.2.7"), "one.more".into()).await;
            refused.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
            let retry: u64 = refused.headers[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            // One registration comes back every 6 minutes.
            assert!((1..=360).contains(&retry), "Retry-After {retry}");
            assert_eq!(srv.state.hashing.computed(), hashed, "nothing was hashed");
            assert_eq!(users(&srv).await, u64::from(per_hour));
            // Another address is not affected.
            let other = register(from("192.0.2.8"), "one.more".into()).await;
            assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_registration_hashes_nothing() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        let hashed = srv.state.hashing.computed();
        let anon = As::anonymous();
        srv.post(
            "/api/auth/register",
            &anon,
            json!({"username": "ANNA", "password": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "username_taken");
        srv.post(
            "/api/auth/register",
            &anon,
            json!({"username": "bert", "password": PASSWORD, "invite": "0".repeat(64)}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "invite_not_found");
        srv.as_shipped().await;
        srv.post(
            "/api/auth/register",
            &anon,
            json!({"username": "bert", "password": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "registration_closed");
        assert_eq!(srv.state.hashing.computed(), hashed, "no refusal hashed");

        // What is let through is counted: one hash for an account, one check for a login.
        srv.call(
            Method::PUT,
            "/api/admin/settings",
            &anna,
            Some(json!({"open_registration": true})),
        )
        .await;
        srv.register("bert").await;
        assert_eq!(srv.state.hashing.computed(), hashed + 1);
        srv.post(
            "/api/auth/login",
            &anon,
            json!({"username": "nobody", "password": PASSWORD}),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "wrong_credentials");
        assert_eq!(srv.state.hashing.computed(), hashed + 2);
    })
    .await;
}

/// How many registrations race in the tests below, and how many times (each on a new
/// database: a race lost once proves little).
pub const AT_ONCE: usize = 8;
const ROUNDS: usize = 5;

/// Lets every racing registration hash at once, so that they reach the database together
/// (the real gate lets one per core through, which spreads them out and hides races).
pub fn hash_all_at_once(srv: &mut crate::support::TestServer) {
    srv.adjust_state(|state| {
        state.hashing = std::sync::Arc::new(backend::auth::password::Hashing::new(
            AT_ONCE,
            backend::auth::password::HASH_WAIT,
        ));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_first_registrations_make_one_administrator() {
    for _ in 0..ROUNDS {
        on_each_database(|mut srv| async move {
            hash_all_at_once(&mut srv);
            // Registration open (as the test helper leaves it): everyone gets an account.
            let replies = all_at_once(
                &srv,
                (0..AT_ONCE)
                    .map(|i| registration(&format!("early{i}")))
                    .collect(),
            )
            .await;
            for r in &replies {
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            }
            let said_admin = replies
                .iter()
                .filter(|r| r.body["user"]["is_admin"] == true)
                .count();
            assert_eq!(said_admin, 1, "exactly one was told it is administrator");
            assert_eq!(admins(&srv).await, 1, "exactly one administrator");
            assert_eq!(users(&srv).await, AT_ONCE as u64);
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_first_registrations_on_a_new_server_make_one_account() {
    for _ in 0..ROUNDS {
        on_each_database(|mut srv| async move {
            hash_all_at_once(&mut srv);
            srv.as_shipped().await;
            let replies = all_at_once(
                &srv,
                (0..AT_ONCE)
                    .map(|i| registration(&format!("early{i}")))
                    .collect(),
            )
            .await;
            let created: Vec<_> = replies
                .iter()
                .filter(|r| r.status == StatusCode::CREATED)
                .collect();
            assert_eq!(created.len(), 1, "one account");
            assert_eq!(created[0].body["user"]["is_admin"], true);
            for r in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
                r.assert_error(StatusCode::FORBIDDEN, "registration_closed");
                assert!(r.set_cookie().is_none());
            }
            assert_eq!((users(&srv).await, admins(&srv).await), (1, 1));
            let settings = backend::entities::user_settings::Entity::find()
                .count(&srv.state.db)
                .await
                .unwrap();
            assert_eq!(settings, 1, "the losers left nothing behind");
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_token_asks_for_the_password() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        srv.post("/api/tokens", &anna, json!({"name": "stolen"}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
        srv.post(
            "/api/tokens",
            &anna,
            json!({"name": "stolen", "password": "not the password"}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "wrong_password");
        // The settings page's server function asks the same.
        server_fn(
            &srv,
            "create_api_token",
            &anna,
            "name=stolen&password=nope+nope+nope",
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "wrong_password");
        assert_eq!(
            backend::entities::api_token::Entity::find()
                .count(&srv.state.db)
                .await
                .unwrap(),
            0
        );

        let made = server_fn(
            &srv,
            "create_api_token",
            &anna,
            &format!("name=script&password={}", PASSWORD.replace(' ', "+")),
        )
        .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text);
        let token = made.body["token"].as_str().unwrap();
        // A token cannot make another without the password either.
        srv.post(
            "/api/tokens",
            &As::bearer(token),
            json!({"name": "more", "password": "guess guess"}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "wrong_password");
        let more = srv
            .post(
                "/api/tokens",
                &As::bearer(token),
                json!({"name": "more", "password": PASSWORD}),
            )
            .await;
        assert_eq!(more.status, StatusCode::CREATED, "{}", more.text);

        // Guessing the password this way meets the login limits.
        let mut limited = false;
        for _ in 0..20 {
            let r = srv
                .post(
                    "/api/tokens",
                    &anna,
                    json!({"name": "x", "password": "guess guess"}),
                )
                .await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                r.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
                limited = true;
                break;
            }
            r.assert_error(StatusCode::FORBIDDEN, "wrong_password");
        }
        assert!(limited, "password guesses are rate limited");
    })
    .await;
}
