//! Sharing a library by URL: invite links with a role, expiry, single use and revocation;
//! members listed and removed; only the owner shares, strangers see nothing.

use crate::support::{
    As, PASSWORD, TestServer, all_at_once, json_post, on_each_database, server_fn,
};
use crate::uploads::{MATRIX, member, upload};
use backend::entities::{library_invite, library_member, user};
use http::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
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

/// How many people race for a link, and how many times (a race lost once proves little).
const AT_ONCE: usize = crate::auth::AT_ONCE;
const ROUNDS: usize = 4;

async fn members_of(srv: &TestServer, library: i64) -> u64 {
    library_member::Entity::find()
        .filter(library_member::Column::LibraryId.eq(library as i32))
        .count(&srv.state.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_use_link_accepted_by_many_at_once_admits_one() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        for round in 0..ROUNDS {
            let made = invite(
                &srv,
                &anna.who,
                anna.library,
                json!({"role": "viewer", "singleUse": true}),
            )
            .await;
            let token = made.body["token"].as_str().unwrap().to_owned();
            let mut people = Vec::new();
            for i in 0..AT_ONCE {
                people.push(As::cookie(
                    &srv.register(&format!("guest{round}x{i}")).await,
                ));
            }
            let replies = all_at_once(
                &srv,
                people
                    .iter()
                    .map(|who| json_post(&format!("/api/invites/{token}/accept"), who, json!({})))
                    .collect(),
            )
            .await;
            let joined = replies
                .iter()
                .filter(|r| r.status == StatusCode::OK)
                .count();
            assert_eq!(joined, 1, "round {round}: one person joins");
            for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
                r.assert_error(StatusCode::GONE, "invite_used");
            }
            assert_eq!(
                members_of(&srv, anna.library).await,
                2 + round as u64,
                "the owner and one guest a round"
            );
            let id = made.body["invite"]["id"].as_i64().unwrap() as i32;
            let row = library_invite::Entity::find_by_id(id)
                .one(&srv.state.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.uses, 1);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_for_many_counts_every_use_of_simultaneous_joins() {
    on_each_database(|srv| async move {
        let anna = member(&srv, "anna").await;
        let made = invite(&srv, &anna.who, anna.library, json!({"role": "viewer"})).await;
        let token = made.body["token"].as_str().unwrap().to_owned();
        let mut people = Vec::new();
        for i in 0..AT_ONCE {
            people.push(As::cookie(&srv.register(&format!("guest{i}")).await));
        }
        let replies = all_at_once(
            &srv,
            people
                .iter()
                .map(|who| json_post(&format!("/api/invites/{token}/accept"), who, json!({})))
                .collect(),
        )
        .await;
        for r in &replies {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let id = made.body["invite"]["id"].as_i64().unwrap() as i32;
        let row = library_invite::Entity::find_by_id(id)
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.uses, AT_ONCE as i32, "no use is lost");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_link_makes_an_account_while_registration_is_closed() {
    on_each_database(|mut srv| async move {
        crate::auth::hash_all_at_once(&mut srv);
        srv.as_shipped().await;
        let anna = member(&srv, "anna").await;
        let single = invite(
            &srv,
            &anna.who,
            anna.library,
            json!({"role": "viewer", "singleUse": true}),
        )
        .await;
        let token = single.body["token"].as_str().unwrap().to_owned();
        let anon = As::anonymous();
        let register = |name: &str, invite: Option<&str>| {
            let mut body = json!({"username": name, "password": PASSWORD});
            if let Some(invite) = invite {
                body["invite"] = invite.into();
            }
            json_post("/api/auth/register", &As::anonymous(), body)
        };
        srv.send(register("stranger", None))
            .await
            .assert_error(StatusCode::FORBIDDEN, "registration_closed");

        // Many people with the same single-use link at once: one account, in the library.
        for round in 0..ROUNDS {
            let link = if round == 0 {
                token.clone()
            } else {
                let made = invite(
                    &srv,
                    &anna.who,
                    anna.library,
                    json!({"role": "viewer", "singleUse": true}),
                )
                .await;
                made.body["token"].as_str().unwrap().to_owned()
            };
            let replies = all_at_once(
                &srv,
                (0..AT_ONCE)
                    .map(|i| register(&format!("new{round}x{i}"), Some(&link)))
                    .collect(),
            )
            .await;
            let made: Vec<_> = replies
                .iter()
                .filter(|r| r.status == StatusCode::CREATED)
                .collect();
            assert_eq!(
                made.len(),
                1,
                "round {round}: one account for a single-use link"
            );
            for r in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
                r.assert_error(StatusCode::GONE, "invite_used");
            }
            let me = &made[0].body;
            assert_eq!(me["active_library_id"], anna.library, "{me}");
            assert_eq!(me["libraries"][0]["role"], "viewer", "{me}");
            assert_eq!(
                user::Entity::find().count(&srv.state.db).await.unwrap(),
                2 + round as u64
            );
        }

        // A used-up link admits nobody more, and nothing is made.
        srv.send(register("erin", Some(&token)))
            .await
            .assert_error(StatusCode::GONE, "invite_used");
        srv.send(register("erin", Some("not-a-token")))
            .await
            .assert_error(StatusCode::NOT_FOUND, "invite_not_found");
        assert_eq!(
            user::Entity::find().count(&srv.state.db).await.unwrap(),
            1 + ROUNDS as u64
        );

        // The register page sends the link it came from as `next`; the new account joins and
        // goes home.
        let open = invite(&srv, &anna.who, anna.library, json!({"role": "uploader"})).await;
        let open_token = open.body["token"].as_str().unwrap().to_owned();
        let form = format!(
            "username=frank&password={}&next=%2Fjoin%2F{open_token}",
            PASSWORD.replace(' ', "+")
        );
        let page = server_fn(&srv, "register", &anon, &form).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let frank = As::cookie(&page.session_cookie().expect("logged in"));
        let me = srv.get("/api/me", &frank).await;
        assert_eq!(me.body["active_library_id"], anna.library, "{}", me.text);
        assert_eq!(me.body["libraries"][0]["role"], "uploader", "{}", me.text);
        // Without a link the page is refused like the API.
        server_fn(
            &srv,
            "register",
            &anon,
            &format!("username=gina&password={}", PASSWORD.replace(' ', "+")),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "registration_closed");
    })
    .await;
}
