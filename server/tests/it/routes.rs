//! Sweeps over every route: the OpenAPI document matches the router, nothing that needs a
//! login answers without one, and pages and unknown addresses behave.

use crate::support::{As, TestServer, on_each_database};
use app::api::codec::JsonText;
use http::{Method, StatusCode, header};
use leptos::server_fn::Decodes;
use serde_json::{Value, json};

/// Server functions that visitors may call.
const PUBLIC_SERVER_FNS: &[&str] = &[
    "/api/fn/me",
    "/api/fn/login",
    "/api/fn/register",
    // Whether the server has accounts yet and registration is open: what the login page says.
    "/api/fn/sign_up",
];

fn documented_operations(doc: &Value) -> Vec<(Method, String, bool)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let needs_login = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            // Fill path parameters with a plausible value.
            let concrete = path.replace("{id}", "1");
            ops.push((method, concrete, needs_login));
        }
    }
    ops
}

async fn call_without_login(
    srv: &TestServer,
    method: &Method,
    path: &str,
) -> crate::support::Reply {
    let body = matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
    srv.call(method.clone(), path, &As::anonymous(), body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_real_routes_and_login_is_enforced() {
    on_each_database(|srv| async move {
        let doc = srv.get("/api/openapi.json", &As::anonymous()).await;
        assert_eq!(doc.status, StatusCode::OK);
        assert_eq!(doc.headers[header::CONTENT_TYPE], "application/json");
        let ops = documented_operations(&doc.body);
        for expected in [
            "/api/auth/login",
            "/api/auth/logout",
            "/api/me",
            "/api/libraries",
        ] {
            assert!(
                ops.iter().any(|(_, p, _)| p == expected),
                "{expected} is documented"
            );
        }
        assert!(doc.body["components"]["securitySchemes"]["session"].is_object());
        for (method, path, needs_login) in &ops {
            let reply = call_without_login(&srv, method, path).await;
            assert!(
                !(reply.body["error"] == "not_found"
                    && reply.status == StatusCode::NOT_FOUND
                    && reply.body["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("no API endpoint"))
                    && reply.status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed: {} {}",
                reply.status,
                reply.text
            );
            if *needs_login {
                reply.assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
            } else {
                assert_ne!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} should be public"
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_needs_a_login_unless_public() {
    on_each_database(|srv| async move {
        let fns: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
        let paths: Vec<&str> = fns.iter().map(|(p, _)| *p).collect();
        for expected in [
            "/api/fn/login",
            "/api/fn/home_rows",
            "/api/fn/row_items",
            "/api/fn/watch",
            "/api/fn/movie_page",
            "/api/fn/search_movies",
            "/api/fn/upload_space",
            "/api/fn/delete_file",
            "/api/fn/search_library",
            "/api/fn/fix_match",
            "/api/fn/create_library",
            "/api/fn/save_server_settings",
            "/api/fn/create_invite",
            "/api/fn/library_invites",
            "/api/fn/revoke_invite",
            "/api/fn/library_members",
            "/api/fn/remove_member",
            "/api/fn/invite_preview",
            "/api/fn/accept_invite",
            "/api/fn/monitor",
            "/api/fn/switch_library",
            "/api/fn/save_preferences",
            "/api/fn/set_simultaneous_uploads",
            "/api/fn/change_password",
            "/api/fn/sessions",
            "/api/fn/revoke_session",
            "/api/fn/api_tokens",
            "/api/fn/create_api_token",
            "/api/fn/revoke_api_token",
            "/api/fn/library_overview",
            "/api/fn/rename_library",
            "/api/fn/remove_library",
            "/api/fn/categories",
            "/api/fn/save_category",
            "/api/fn/delete_category",
            "/api/fn/set_in_category",
            "/api/fn/move_category",
            "/api/fn/start_remux",
            "/api/fn/remux_status",
        ] {
            assert!(
                paths.contains(&expected),
                "server function {expected} is registered: {paths:?}"
            );
        }
        for (path, method) in fns {
            let req = http::Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(
                    "library_id=1&name=x&open_registration=on&library=1&imdb_id=tt0133093&to=tt0078748&query=x&file_id=1&position=1&offset=0&row=recent&text=x&role=viewer&invite=1&user=1&token=x&theme=dark&simultaneous_uploads=3&subtitle_language=&current_password=x&new_password=x&repeat_password=x&password=x&id=1&count=3&files=keep&kind=hand&included=true&by=1",
                ))
                .unwrap();
            let reply = srv.send(req).await;
            if PUBLIC_SERVER_FNS.contains(&path) {
                assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{path} is public");
            } else {
                reply.assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_answer_with_the_json_error_shape_and_status() {
    on_each_database(|srv| async move {
        srv.register("anna").await;
        let req = http::Request::post("/api/fn/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(axum::body::Body::from(
                "username=anna&password=wrong-password",
            ))
            .unwrap();
        let refused = srv.send(req).await;
        refused.assert_error(StatusCode::UNAUTHORIZED, "wrong_credentials");
        // The browser reads results and errors with the app's own codec (from text).
        let bytes = leptos::server_fn::Bytes::from(refused.bytes);
        let err: app::error::AppError = JsonText::decode(bytes).expect("an AppError");
        assert_eq!(err.error, "wrong_credentials");
        let me = srv
            .send(
                http::Request::post("/api/fn/me")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        let me: Option<domain::api::Me> =
            JsonText::decode(leptos::server_fn::Bytes::from(me.bytes)).expect("an answer");
        assert!(me.is_none(), "nobody is logged in");
        let garbled = leptos::server_fn::Bytes::from_static(b"{\"error\":\"\xff\"}");
        assert!(<JsonText as Decodes<app::error::AppError>>::decode(garbled).is_err());
        // Without JavaScript the form is answered with a redirect back that carries the error.
        let form = http::Request::post("/api/fn/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://127.0.0.1:3000/login")
            .body(axum::body::Body::from(
                "username=anna&password=wrong-password",
            ))
            .unwrap();
        let reply = srv.send(form).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        let location = reply.headers[header::LOCATION].to_str().unwrap();
        assert!(
            location.starts_with("http://127.0.0.1:3000/login?") && location.contains("__err="),
            "{location}"
        );
    })
    .await;
}

/// A browser-like page request.
async fn page(srv: &TestServer, path: &str, cookie: Option<&str>) -> crate::support::Reply {
    let mut req = http::Request::get(path).header(header::ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    srv.send(req.body(axum::body::Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_redirect_by_login_state_and_unknown_addresses_are_404() {
    on_each_database(|srv| async move {
        let home = page(&srv, "/", None).await;
        assert_eq!(home.status, StatusCode::FOUND, "{}", home.text);
        assert_eq!(home.headers[header::LOCATION], "/login");

        let login = page(&srv, "/login", None).await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(login.text.contains("<h1>Log in</h1>"));
        assert!(
            login.text.contains(r#"action="/api/fn/login""#),
            "the form works without JavaScript"
        );
        // A visitor's pages are plain forms and links, sent without the app.
        for path in [
            "/login",
            "/register",
            "/join/no-such-invite",
            "/no/such/page",
        ] {
            let visitor_page = page(&srv, path, None).await;
            assert!(
                !visitor_page.text.contains("/pkg/ott.js")
                    && visitor_page
                        .text
                        .contains(r#"<meta name="ott-app" content="none""#),
                "{path}: {}",
                visitor_page.text
            );
        }

        let cookie = srv.register("anna").await;
        let home = page(&srv, "/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::FOUND, "{}", home.text);
        assert_eq!(home.headers[header::LOCATION], "/setup", "no library yet");
        srv.post(
            "/api/libraries",
            &As::cookie(&cookie),
            json!({"name": "Movies"}),
        )
        .await;
        let home = page(&srv, "/", Some(&cookie)).await;
        assert!(
            home.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/upload?library="),
            "an empty library leads to its upload page: {:?}",
            home.headers[header::LOCATION]
        );
        let upload = page(&srv, "/upload", Some(&cookie)).await;
        assert_eq!(upload.status, StatusCode::OK);
        assert!(upload.text.contains("Library: Movies"));
        assert!(
            upload.text.contains("/pkg/ott.js") && !upload.text.contains("ott-app"),
            "a logged-in user's pages load the app"
        );

        let missing = page(&srv, "/no/such/page", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.text.contains("Page not found"));

        let api = srv.get("/api/no-such-endpoint", &As::anonymous()).await;
        api.assert_error(StatusCode::NOT_FOUND, "not_found");
        let wrong_method = srv
            .call(Method::DELETE, "/api/me", &As::anonymous(), None)
            .await;
        wrong_method.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        assert_eq!(srv.get("/healthz", &As::anonymous()).await.text, "ok");
    })
    .await;
}

/// Whether an answer forbids MIME sniffing and framing by other sites.
#[track_caller]
fn assert_hardened(what: &str, headers: &http::HeaderMap) {
    assert_eq!(
        headers
            .get(header::X_CONTENT_TYPE_OPTIONS)
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}: {headers:?}"
    );
    assert_eq!(
        headers.get(header::X_FRAME_OPTIONS).map(|v| v.as_bytes()),
        Some(&b"DENY"[..]),
        "{what}: {headers:?}"
    );
    assert_eq!(
        headers
            .get(header::CONTENT_SECURITY_POLICY)
            .map(|v| v.as_bytes()),
        Some(&b"frame-ancestors 'none'"[..]),
        "{what}: {headers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_forbids_sniffing_and_framing() {
    on_each_database(|srv| async move {
        let anna = crate::uploads::member(&srv, "anna").await;
        let done = crate::uploads::upload(
            &srv,
            &anna,
            "The Matrix.mp4",
            &[7u8; 4096],
            crate::uploads::MATRIX,
            "new",
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let stream = format!("/stream/{}", done.body["movieFileId"]);
        let cookie = anna.who.cookie.as_deref();

        let login = page(&srv, "/login", None).await;
        assert_eq!(login.status, StatusCode::OK);
        assert_hardened("a page", &login.headers);
        let redirect = page(&srv, "/", None).await;
        assert_eq!(redirect.status, StatusCode::FOUND);
        assert_hardened("a redirect", &redirect.headers);
        let missing = page(&srv, "/no/such/page", cookie).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_hardened("a missing page", &missing.headers);
        let api_missing = srv.get("/api/no-such-endpoint", &As::anonymous()).await;
        api_missing.assert_error(StatusCode::NOT_FOUND, "not_found");
        assert_hardened("an unknown API address", &api_missing.headers);
        let refused = srv.get("/api/libraries", &As::anonymous()).await;
        refused.assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        assert_hardened("an API error", &refused.headers);
        let me = srv.get("/api/me", &anna.who).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_hardened("API JSON", &me.headers);
        let movie = srv.get(&stream, &anna.who).await;
        assert_eq!(movie.status, StatusCode::OK, "{}", movie.text);
        assert_hardened("a stream", &movie.headers);
        let fn_error = srv
            .call(
                Method::POST,
                "/api/fn/monitor",
                &As::anonymous(),
                Some(json!({})),
            )
            .await;
        assert!(fn_error.status.is_client_error(), "{}", fn_error.text);
        assert_hardened("a server function's error", &fn_error.headers);

        // Compiled assets and public files, from a site root of our own.
        let site = tempfile::TempDir::new().unwrap();
        std::fs::create_dir(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join("pkg/ott.js"), "export {};").unwrap();
        std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
        let mut leptos = server::config::leptos_options().unwrap();
        leptos.site_root = site.path().to_str().unwrap().into();
        let router = server::web::router(srv.state.clone(), leptos).layer(
            axum::extract::connect_info::MockConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))),
        );
        for path in ["/pkg/ott.js", "/favicon.svg"] {
            let req = http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let file = crate::support::send_to(router.clone(), req).await;
            assert_eq!(file.status, StatusCode::OK, "{path}: {}", file.text);
            assert!(file.text.starts_with("export") || file.text == "<svg/>");
            assert_hardened(path, &file.headers);
        }
        // The release build's compressed copies go to browsers that take them, and a browser
        // asks again whether its copy of the app is current (names do not change): a 304 when
        // it is.
        let wasm = b"\0asm not really".repeat(64);
        let gz = b"a gzip copy, as cargo-leptos --precompress writes it".to_vec();
        std::fs::write(site.path().join("pkg/ott.wasm"), &wasm).unwrap();
        std::fs::write(site.path().join("pkg/ott.wasm.gz"), &gz).unwrap();
        let mut modified = None;
        for (encoding, body, sent_as) in [
            ("gzip, deflate", &gz, Some("gzip")),
            ("identity", &wasm, None),
        ] {
            let req = http::Request::get("/pkg/ott.wasm")
                .header(http::header::ACCEPT_ENCODING, encoding)
                .body(axum::body::Body::empty())
                .unwrap();
            let file = crate::support::send_to(router.clone(), req).await;
            assert_eq!(file.status, StatusCode::OK, "{encoding}: {}", file.text);
            assert_eq!(&file.bytes, body, "{encoding}");
            assert_eq!(
                file.headers
                    .get(http::header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                sent_as
            );
            assert_eq!(file.headers[http::header::CACHE_CONTROL], "no-cache");
            assert_hardened("a site file", &file.headers);
            modified = file.headers.get(http::header::LAST_MODIFIED).cloned();
        }
        let modified = modified.expect("site files say when they last changed");
        let req = http::Request::get("/pkg/ott.wasm")
            .header(http::header::ACCEPT_ENCODING, "gzip")
            .header(http::header::IF_MODIFIED_SINCE, modified)
            .body(axum::body::Body::empty())
            .unwrap();
        let current = crate::support::send_to(router.clone(), req).await;
        assert_eq!(current.status, StatusCode::NOT_MODIFIED, "{}", current.text);
        assert!(current.bytes.is_empty());
        assert_eq!(current.headers[http::header::CACHE_CONTROL], "no-cache");
        let req = http::Request::get("/pkg/no-such-file.wasm")
            .body(axum::body::Body::empty())
            .unwrap();
        let missing = crate::support::send_to(router.clone(), req).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// Pages render while other routers are being built (each in-process test server builds one,
/// and a process may build several): finding the page routes switches resource loading off
/// process-wide, and a page whose resources first ran in that window never finished. Routes are
/// found once per process now, so none of these pages may hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_while_other_routers_are_built() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Stops the builder however the test ends: the runtime waits for blocking tasks, so a
    /// builder left running would turn a failure into a hang.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(false, Ordering::Relaxed);
        }
    }

    on_each_database(|srv| async move {
        let ann = srv.register("ann").await;
        let building = Arc::new(AtomicBool::new(true));
        let _stop = Stop(building.clone());
        let builder = {
            let (state, building) = (srv.state.clone(), building.clone());
            tokio::task::spawn_blocking(move || {
                let mut built = 0;
                while building.load(Ordering::Relaxed) {
                    let leptos = server::config::leptos_options().unwrap();
                    drop(server::web::router(state.clone(), leptos));
                    built += 1;
                }
                built
            })
        };
        for round in 0..40 {
            let path = ["/", "/settings", "/register", "/libraries"][round % 4];
            let who = if path == "/register" {
                As::anonymous()
            } else {
                As::cookie(&ann)
            };
            let page = srv.get(path, &who).await;
            assert!(
                page.status.is_success() || page.status.is_redirection(),
                "{path}: {}",
                page.status
            );
        }
        building.store(false, Ordering::Relaxed);
        assert!(builder.await.unwrap() > 0, "no router was built meanwhile");
    })
    .await;
}
