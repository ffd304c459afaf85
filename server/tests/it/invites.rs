//! Sharing a library by URL: invite links with a role, expiry, single use and revocation;
//! members listed and removed; only the owner shares, strangers see nothing.

use crate::support::{As, TestServer, on_each_database};
use crate::uploads::{MATRIX, member, upload};
use backend::entities::library_invite;
use http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

async fn invite(srv: &TestServer, who: &As, library: i64, body: Value) -> crate::support::Reply {
    srv.post(&format!("/api/libraries/{library}/invites"), who, body)
        .await
}

async fn accept(srv: &TestServer, who: &As, token: &str) -> crate::support::Reply {
    srv.post(&format!("/api/invites/{token}/accept"), who, json!({}))
        .await
}

fn library_ids(reply: &crate::support::Reply) -> Vec<i64> {
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_link_lets_people_join_with_its_role_until_it_stops_working() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let done = upload(&srv, &anna, "The Matrix.mp4", &[7u8; 4096], MATRIX, "new").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let file = done.body["movieFileId"].as_i64().unwrap();
        let lib = anna.library;
        let (bob, carol, dave) = (
            As::cookie(&srv.register("bob").await),
            As::cookie(&srv.register("carol").await),
            As::cookie(&srv.register("dave").await),
        );

        // A single-use viewer link.
        let made = invite(
            &srv,
            &anna.who,
            lib,
            json!({"role": "viewer", "singleUse": true}),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let token = made.body["token"].as_str().unwrap().to_owned();
        assert_eq!(made.body["path"], format!("/join/{token}"));
        assert_eq!(made.body["invite"]["usable"], true);
        let preview = srv.get(&format!("/api/invites/{token}"), &bob).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
        assert_eq!(preview.body["libraryName"], "anna movies");
        assert_eq!(preview.body["invitedBy"], "anna");
        assert_eq!(preview.body["role"], "viewer");
        assert_eq!(preview.body["currentRole"], Value::Null);
        let joined = accept(&srv, &bob, &token).await;
        assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
        assert_eq!(joined.body["role"], "viewer");
        assert!(library_ids(&srv.get("/api/libraries", &bob).await).contains(&lib));
        // Bob browses and plays, but may not delete.
        let movie = srv
            .get(&format!("/api/movies/{MATRIX}?library={lib}"), &bob)
            .await;
        assert_eq!(movie.status, StatusCode::OK, "{}", movie.text);
        srv.call(Method::DELETE, &format!("/api/files/{file}"), &bob, None)
            .await
            .assert_error(StatusCode::FORBIDDEN, "not_allowed");
        // Bob opening it again changes nothing; Carol finds it used up.
        assert_eq!(accept(&srv, &bob, &token).await.status, StatusCode::GONE);
        accept(&srv, &carol, &token)
            .await
            .assert_error(StatusCode::GONE, "invite_used");

        // A link for everyone, for a day: Carol joins as uploader; then it is revoked.
        let open = invite(
            &srv,
            &anna.who,
            lib,
            json!({"role": "uploader", "expiresInHours": 24}),
        )
        .await;
        assert_eq!(open.status, StatusCode::CREATED, "{}", open.text);
        let open_token = open.body["token"].as_str().unwrap().to_owned();
        assert_eq!(
            accept(&srv, &carol, &open_token).await.body["role"],
            "uploader"
        );
        // An invite never lowers a role: Bob (viewer) rises to uploader through it.
        assert_eq!(
            accept(&srv, &bob, &open_token).await.body["role"],
            "uploader"
        );
        let open_id = open.body["invite"]["id"].as_i64().unwrap();
        let revoked = srv
            .call(
                Method::DELETE,
                &format!("/api/libraries/{lib}/invites/{open_id}"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
        accept(&srv, &dave, &open_token)
            .await
            .assert_error(StatusCode::GONE, "invite_revoked");

        // An expired link.
        let old = invite(
            &srv,
            &anna.who,
            lib,
            json!({"role": "manager", "expiresInHours": 1}),
        )
        .await;
        let old_id = old.body["invite"]["id"].as_i64().unwrap() as i32;
        let mut row = library_invite::Entity::find_by_id(old_id)
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        row.expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1)));
        row.update(&srv.state.db).await.unwrap();
        accept(&srv, &dave, old.body["token"].as_str().unwrap())
            .await
            .assert_error(StatusCode::GONE, "invite_expired");
        assert!(!library_ids(&srv.get("/api/libraries", &dave).await).contains(&lib));

        // The owner's list says which links still work.
        let listed = srv
            .get(&format!("/api/libraries/{lib}/invites"), &anna.who)
            .await;
        let usable: Vec<bool> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["usable"].as_bool().unwrap())
            .collect();
        assert_eq!(usable, vec![false, false, false], "{}", listed.text);
        assert!(!listed.text.contains(&token), "tokens are never listed");

        // Members: listed, removed; the owner stays.
        let members = srv
            .get(&format!("/api/libraries/{lib}/members"), &anna.who)
            .await;
        let names: Vec<(&str, &str)> = members
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("anna", "owner"),
                ("bob", "uploader"),
                ("carol", "uploader")
            ]
        );
        let bob_id = srv.get("/api/me", &bob).await.body["user"]["id"]
            .as_i64()
            .unwrap();
        let removed = srv
            .call(
                Method::DELETE,
                &format!("/api/libraries/{lib}/members/{bob_id}"),
                &anna.who,
                None,
            )
            .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
        srv.get(&format!("/api/movies/{MATRIX}?library={lib}"), &bob)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        srv.get(&format!("/stream/{file}"), &bob)
            .await
            .assert_error(StatusCode::NOT_FOUND, "file_not_found");
        let anna_id = srv.get("/api/me", &anna.who).await.body["user"]["id"]
            .as_i64()
            .unwrap();
        srv.call(
            Method::DELETE,
            &format!("/api/libraries/{lib}/members/{anna_id}"),
            &anna.who,
            None,
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "cannot_remove_owner");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_shares_and_bad_requests_are_refused() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let lib = anna.library;
        let made = invite(&srv, &anna.who, lib, json!({"role": "manager"})).await;
        let token = made.body["token"].as_str().unwrap().to_owned();
        let carol = As::cookie(&srv.register("carol").await);
        assert_eq!(accept(&srv, &carol, &token).await.body["role"], "manager");
        let stranger = As::cookie(&srv.register("eve").await);

        for (who, status, code) in [
            (&carol, StatusCode::FORBIDDEN, "not_allowed"),
            (&stranger, StatusCode::NOT_FOUND, "library_not_found"),
        ] {
            invite(&srv, who, lib, json!({"role": "viewer"}))
                .await
                .assert_error(status, code);
            srv.get(&format!("/api/libraries/{lib}/invites"), who)
                .await
                .assert_error(status, code);
            srv.get(&format!("/api/libraries/{lib}/members"), who)
                .await
                .assert_error(status, code);
            let id = made.body["invite"]["id"].as_i64().unwrap();
            srv.call(
                Method::DELETE,
                &format!("/api/libraries/{lib}/invites/{id}"),
                who,
                None,
            )
            .await
            .assert_error(status, code);
        }
        for (body, code) in [
            (json!({"role": "owner"}), "invalid_role"),
            (
                json!({"role": "viewer", "expiresInHours": 0}),
                "invalid_expiry",
            ),
            (
                json!({"role": "viewer", "expiresInHours": 721}),
                "invalid_expiry",
            ),
        ] {
            invite(&srv, &anna.who, lib, body)
                .await
                .assert_error(StatusCode::BAD_REQUEST, code);
        }
        let bad = invite(&srv, &anna.who, lib, json!({"role": "king"})).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        for token in ["nope", &"x".repeat(500)] {
            accept(&srv, &stranger, token)
                .await
                .assert_error(StatusCode::NOT_FOUND, "invite_not_found");
        }
        srv.get(&format!("/api/invites/{token}"), &As::anonymous())
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
        accept(&srv, &As::anonymous(), &token)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "not_logged_in");
    })
    .await;
}
