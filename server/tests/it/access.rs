//! The role sweep: every documented route that touches a library, called by someone outside
//! the library (404: they may not even learn that it exists) and by members whose role is
//! too low (403). A route added to the API fails this test until it is classified here.

use crate::support::{As, TestServer, on_each_database};
use crate::uploads::{MATRIX, UPLOAD_HEADER, join, member, upload};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The lowest role a library route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Needs {
    Viewer,
    Uploader,
    Manager,
    Owner,
}

/// Routes documented in the OpenAPI file that do not act on one library: the caller's own
/// account, tokens and uploads, the server's settings, IMDb search, health, and invite links
/// (their token is the permission; see invites.rs).
const NOT_LIBRARY_ROUTES: &[&str] = &[
    "POST /api/auth/register",
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "GET /api/me",
    "GET /api/libraries",
    "POST /api/libraries",
    // Only ever the caller's own choice among their libraries (a stranger's id is 404; see
    // libraries.rs).
    "PUT /api/me/library",
    // The caller's own settings, password and sessions; a default library that is not theirs
    // is refused like the line above (see settings.rs).
    "GET /api/me/settings",
    "PUT /api/me/settings",
    "POST /api/me/password",
    "GET /api/me/sessions",
    "DELETE /api/me/sessions/{id}",
    "GET /api/tokens",
    "POST /api/tokens",
    "DELETE /api/tokens/{id}",
    "GET /api/admin/settings",
    "PUT /api/admin/settings",
    "GET /api/search/movies",
    "GET /healthz",
    // Server-wide; storage lists only libraries the caller manages (see monitor.rs).
    "GET /api/monitor",
    "GET /api/invites/{token}",
    "POST /api/invites/{token}/accept",
    // Cancelling acts on an upload by its id, which only its owner holds (the upload tests
    // refuse everyone else); init (GET or POST) and check name the library and are below, as
    // POST's chunk, end and cancel are covered by those upload tests.
    "DELETE /api/upload",
    "GET /api/uploads",
    // A playback session belongs to the user who opened it (a member, checked when it opens
    // and again on every request); anyone else gets 404 for it and its segments (hls.rs).
    "GET /api/playback/{session}/{file}",
    "DELETE /api/playback/{session}",
    "POST /api/playback/{session}/end",
];

struct Call {
    route: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    needs: Needs,
    /// A header the route needs from every caller (GET init's `X-OTT-Upload`).
    header: Option<(&'static str, &'static str)>,
}

impl Call {
    fn who(&self, who: &As) -> As {
        match self.header {
            Some((name, value)) => who.clone().with_header(name, value),
            None => who.clone(),
        }
    }
}

fn call(route: &'static str, path: String, body: Option<Value>, needs: Needs) -> Call {
    let method = Method::from_bytes(route.split(' ').next().unwrap().as_bytes()).unwrap();
    Call {
        route,
        method,
        path,
        body,
        needs,
        header: None,
    }
}

/// Every library route with real ids of the library under test.
fn library_calls(lib: i64, file: i64, invite: i64, member_id: i64, category: i64) -> Vec<Call> {
    use Needs::*;
    let m = MATRIX;
    vec![
        call(
            "GET /api/movies",
            format!("/api/movies?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "POST /api/movies",
            format!("/api/movies?library={lib}"),
            Some(json!({"title": "Heat", "year": 1995})),
            Uploader,
        ),
        call(
            "GET /api/movies/{imdbId}",
            format!("/api/movies/{m}?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "GET /api/movies/{imdbId}/poster",
            format!("/api/movies/{m}/poster?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "GET /api/movies/{imdbId}/backdrop",
            format!("/api/movies/{m}/backdrop?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "GET /api/movies/{imdbId}/trailer",
            format!("/api/movies/{m}/trailer?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "GET /api/movies/{imdbId}/files",
            format!("/api/movies/{m}/files?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "POST /api/movies/{imdbId}/refresh",
            format!("/api/movies/{m}/refresh?library={lib}"),
            None,
            Manager,
        ),
        call(
            "POST /api/movies/{imdbId}/match",
            format!("/api/movies/{m}/match?library={lib}&to=tt0078748"),
            None,
            Manager,
        ),
        call(
            "GET /api/rows",
            format!("/api/rows?library={lib}"),
            None,
            Viewer,
        ),
        call(
            "GET /api/rows/{row}",
            format!("/api/rows/recent?library={lib}&offset=0"),
            None,
            Viewer,
        ),
        call(
            "GET /api/search",
            format!("/api/search?library={lib}&q=matrix"),
            None,
            Viewer,
        ),
        call("GET /stream/{id}", format!("/stream/{file}"), None, Viewer),
        call(
            "GET /api/files/{id}/playback",
            format!("/api/files/{file}/playback?supported=avc1.640028&direct=1&hls=mse"),
            None,
            Viewer,
        ),
        call(
            "GET /api/files/{id}/subtitles/{stream}",
            format!("/api/files/{file}/subtitles/2.vtt"),
            None,
            Viewer,
        ),
        call(
            "GET /subtitles/{id}/{name}",
            format!("/subtitles/{file}/movie.en.srt"),
            None,
            Viewer,
        ),
        call(
            "GET /api/files/{id}/watch",
            format!("/api/files/{file}/watch"),
            None,
            Viewer,
        ),
        call(
            "PUT /api/files/{id}/progress",
            format!("/api/files/{file}/progress"),
            Some(json!({"position": 5.0})),
            Viewer,
        ),
        call(
            "POST /api/files/{id}/progress",
            format!("/api/files/{file}/progress"),
            Some(json!({"position": 5.0})),
            Viewer,
        ),
        call(
            "DELETE /api/files/{id}",
            format!("/api/files/{file}"),
            None,
            Manager,
        ),
        Call {
            header: Some(UPLOAD_HEADER),
            ..call(
                "GET /api/upload",
                format!(
                    "/api/upload?type=init&library={lib}&filename=x.mp4&size=10&lastModified=1"
                ),
                None,
                Uploader,
            )
        },
        call(
            "POST /api/upload",
            format!("/api/upload?type=init&library={lib}&filename=y.mp4&size=10&lastModified=1"),
            None,
            Uploader,
        ),
        call(
            "POST /api/upload/check",
            "/api/upload/check".into(),
            Some(
                json!({"library": lib, "files": [{"filename": "x.mp4", "size": 10, "lastModified": 1}]}),
            ),
            Uploader,
        ),
        call(
            "POST /api/libraries/{id}/invites",
            format!("/api/libraries/{lib}/invites"),
            Some(json!({"role": "viewer"})),
            Owner,
        ),
        call(
            "GET /api/libraries/{id}/invites",
            format!("/api/libraries/{lib}/invites"),
            None,
            Owner,
        ),
        call(
            "DELETE /api/libraries/{id}/invites/{invite}",
            format!("/api/libraries/{lib}/invites/{invite}"),
            None,
            Owner,
        ),
        call(
            "PATCH /api/libraries/{id}",
            format!("/api/libraries/{lib}"),
            Some(json!({"name": "Renamed"})),
            Owner,
        ),
        call(
            "DELETE /api/libraries/{id}",
            format!("/api/libraries/{lib}?files=delete"),
            None,
            Owner,
        ),
        call(
            "GET /api/libraries/{id}/members",
            format!("/api/libraries/{lib}/members"),
            None,
            Owner,
        ),
        call(
            "DELETE /api/libraries/{id}/members/{user}",
            format!("/api/libraries/{lib}/members/{member_id}"),
            None,
            Owner,
        ),
        call(
            "POST /api/files/{id}/remux",
            format!("/api/files/{file}/remux"),
            None,
            Manager,
        ),
        call(
            "GET /api/files/{id}/remux",
            format!("/api/files/{file}/remux"),
            None,
            Viewer,
        ),
        call(
            "GET /api/libraries/{id}/categories",
            format!("/api/libraries/{lib}/categories"),
            None,
            Viewer,
        ),
        call(
            "POST /api/libraries/{id}/categories",
            format!("/api/libraries/{lib}/categories"),
            Some(json!({"name": "Sweep"})),
            Manager,
        ),
        call(
            "PUT /api/libraries/{id}/categories/order",
            format!("/api/libraries/{lib}/categories/order"),
            Some(json!({"ids": [category]})),
            Manager,
        ),
        call(
            "PUT /api/categories/{id}",
            format!("/api/categories/{category}"),
            Some(json!({"name": "Renamed"})),
            Manager,
        ),
        call(
            "DELETE /api/categories/{id}",
            format!("/api/categories/{category}"),
            None,
            Manager,
        ),
        call(
            "PUT /api/categories/{id}/movies/{imdb_id}",
            format!("/api/categories/{category}/movies/{m}"),
            None,
            Manager,
        ),
        call(
            "DELETE /api/categories/{id}/movies/{imdb_id}",
            format!("/api/categories/{category}/movies/{m}"),
            None,
            Manager,
        ),
    ]
}

fn documented_routes(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    out
}

async fn user_id(srv: &TestServer, who: &As) -> i64 {
    srv.get("/api/me", who).await.body["user"]["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_get_404_and_low_roles_get_403_on_every_library_route() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let lib = anna.library;
        let done = upload(&srv, &anna, "The Matrix.mp4", &[3u8; 2048], MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let file = done.body["movieFileId"].as_i64().unwrap();
        let invite = srv
            .post(
                &format!("/api/libraries/{lib}/invites"),
                &anna.who,
                json!({"role": "viewer"}),
            )
            .await;
        let invite_id = invite.body["invite"]["id"].as_i64().unwrap();
        let category = srv
            .post(
                &format!("/api/libraries/{lib}/categories"),
                &anna.who,
                json!({"name": "Favourites", "movies": [MATRIX]}),
            )
            .await;
        assert_eq!(category.status, StatusCode::CREATED, "{}", category.text);
        let category = category.body["id"].as_i64().unwrap();
        // A stranger with a library of their own, and one member per role.
        let eve = member(&srv, "eve").await;
        let mut members = Vec::new();
        for (name, role, needs) in [
            ("vic", "viewer", Needs::Viewer),
            ("ursula", "uploader", Needs::Uploader),
            ("max", "manager", Needs::Manager),
        ] {
            let m = member(&srv, name).await;
            join(&srv, &m, lib, role).await;
            members.push((name, m, needs));
        }
        let vic_id = user_id(&srv, &members[0].1.who).await;
        let calls = library_calls(lib, file, invite_id, vic_id, category);

        // Every documented route is either classified here or known not to touch a library.
        let doc = srv.get("/api/openapi.json", &As::anonymous()).await;
        let classified: BTreeSet<String> = calls
            .iter()
            .map(|c| c.route.to_owned())
            .chain(NOT_LIBRARY_ROUTES.iter().map(|r| r.to_string()))
            .collect();
        let documented = documented_routes(&doc.body);
        let unclassified: Vec<_> = documented.difference(&classified).collect();
        assert!(
            unclassified.is_empty(),
            "classify these routes in access.rs: {unclassified:?}"
        );
        let stale: Vec<_> = classified.difference(&documented).collect();
        assert!(
            stale.is_empty(),
            "these routes are no longer documented: {stale:?}"
        );

        for c in &calls {
            let reply = srv
                .call(c.method.clone(), &c.path, &c.who(&eve.who), c.body.clone())
                .await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "a stranger gets 404 from {} ({}): {}",
                c.route,
                c.path,
                reply.text
            );
            assert!(
                reply.body["error"]
                    .as_str()
                    .is_some_and(|e| e.ends_with("not_found")),
                "{}: {}",
                c.route,
                reply.text
            );
            for (name, m, role) in &members {
                if *role >= c.needs {
                    continue;
                }
                let reply = srv
                    .call(c.method.clone(), &c.path, &c.who(&m.who), c.body.clone())
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{name} ({role:?}) gets 403 from {} ({}): {}",
                    c.route,
                    c.path,
                    reply.text
                );
                assert_eq!(
                    reply.body["error"], "not_allowed",
                    "{}: {}",
                    c.route, reply.text
                );
            }
        }

        // Nothing was changed by the refused calls: the library, its file, the invite and vic
        // are all there.
        let libraries = srv.get("/api/libraries", &anna.who).await;
        assert_eq!(
            libraries.body[0]["name"], "anna movies",
            "{}",
            libraries.text
        );
        assert!(
            anna.path
                .join(done.body["path"].as_str().unwrap())
                .is_file()
        );
        let listed = srv
            .get(&format!("/api/libraries/{lib}/invites"), &anna.who)
            .await;
        assert_eq!(listed.body[0]["usable"], true, "{}", listed.text);
        let members_now = srv
            .get(&format!("/api/libraries/{lib}/members"), &anna.who)
            .await;
        assert_eq!(
            members_now.body.as_array().unwrap().len(),
            4,
            "{}",
            members_now.text
        );
        let categories = srv
            .get(&format!("/api/libraries/{lib}/categories"), &anna.who)
            .await;
        assert_eq!(
            categories.body.as_array().unwrap().len(),
            1,
            "{}",
            categories.text
        );
        assert_eq!(categories.body[0]["name"], "Favourites");
        assert_eq!(categories.body[0]["movies"], json!([MATRIX]));
    })
    .await;
}
