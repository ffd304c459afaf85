//! Creating and listing libraries, with path validation and membership.

use crate::support::{As, on_each_database, on_each_database_with};
use backend::entities::{library_member, user_settings};
use http::StatusCode;
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libraries_get_default_folders_and_belong_to_their_owner() {
    on_each_database(|srv| async move {
        let anna = srv.register("anna").await;
        let data = srv.dir.path().canonicalize().unwrap();

        let first = srv
            .post(
                "/api/libraries",
                &As::cookie(&anna),
                json!({"name": "Movies"}),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.body["role"], "owner");
        let path = first.body["path"].as_str().unwrap().to_owned();
        assert_eq!(path, data.join("libraries/movies").to_str().unwrap());
        assert!(
            std::path::Path::new(&path).is_dir(),
            "the folder was created"
        );

        let second = srv
            .post(
                "/api/libraries",
                &As::cookie(&anna),
                json!({"name": "Movies", "path": ""}),
            )
            .await;
        assert_eq!(
            second.body["path"],
            data.join("libraries/movies-2").to_str().unwrap()
        );

        let elsewhere = tempfile::TempDir::new().unwrap();
        let custom = elsewhere.path().canonicalize().unwrap().join("films");
        let third = srv
            .post(
                "/api/libraries",
                &As::cookie(&anna),
                json!({"name": "Films", "path": custom.to_str().unwrap()}),
            )
            .await;
        assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);

        let listed = srv.get("/api/libraries", &As::cookie(&anna)).await;
        let names: Vec<&str> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Films", "Movies", "Movies"]);

        // The first library became the user's default; membership rows say owner.
        let id = first.body["id"].as_i64().unwrap() as i32;
        let user_id = srv.get("/api/me", &As::cookie(&anna)).await.body["user"]["id"]
            .as_i64()
            .unwrap() as i32;
        let settings = user_settings::Entity::find_by_id(user_id)
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(settings.default_library_id, Some(id));
        let member = library_member::Entity::find_by_id((id, user_id))
            .one(&srv.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(member.role, "owner");
        assert_eq!(
            srv.get("/api/me", &As::cookie(&anna)).await.body["active_library_id"],
            id
        );

        // Another user sees none of them.
        let bert = srv.register("bert").await;
        assert_eq!(
            srv.get("/api/libraries", &As::cookie(&bert)).await.body,
            json!([])
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_library_folders_are_refused_with_a_reason() {
    on_each_database(|srv| async move {
        let anna = As::cookie(&srv.register("anna").await);
        let data = srv.dir.path().canonicalize().unwrap();
        let existing = data.join("libraries/movies");
        let created = srv
            .post("/api/libraries", &anna, json!({"name": "Movies"}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let a_file = data.join("libraries/a-file");
        std::fs::write(&a_file, b"x").unwrap();

        let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
        let cases = [
            (
                json!({"name": "X", "path": "relative/dir"}),
                "path_not_absolute",
            ),
            (
                json!({"name": "X", "path": "/etc/movies"}),
                "path_is_system_directory",
            ),
            (
                json!({"name": "X", "path": "/"}),
                "path_is_system_directory",
            ),
            (
                json!({"name": "X", "path": format!("{}/../x", s(&data))}),
                "path_not_normal",
            ),
            (
                json!({"name": "X", "path": s(&data)}),
                "path_is_data_directory",
            ),
            (
                json!({"name": "X", "path": s(&existing)}),
                "path_is_library",
            ),
            (
                json!({"name": "X", "path": s(&existing.join("kids"))}),
                "path_inside_library",
            ),
            (
                json!({"name": "X", "path": s(&data.join("libraries"))}),
                "path_contains_library",
            ),
            (
                json!({"name": "X", "path": s(&a_file)}),
                "path_not_directory",
            ),
            (
                json!({"name": "X", "path": s(&a_file.join("below"))}),
                "path_not_directory",
            ),
            (
                json!({"name": "X", "path": s(&data.join("libraries").join("n".repeat(300)))}),
                "path_not_creatable",
            ),
            (json!({"name": "   "}), "library_name_empty"),
            (json!({"name": "n".repeat(101)}), "library_name_too_long"),
        ];
        for (body, code) in cases {
            srv.post("/api/libraries", &anna, body)
                .await
                .assert_error(StatusCode::BAD_REQUEST, code);
        }
        // A symlink into an existing library is seen through.
        let link = data.join("sneaky");
        std::os::unix::fs::symlink(&existing, &link).unwrap();
        srv.post(
            "/api/libraries",
            &anna,
            json!({"name": "X", "path": s(&link.join("sub"))}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "path_inside_library");
        assert_eq!(
            srv.get("/api/libraries", &anna)
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_several_libraries_chooses_which_one_the_pages_show() {
    on_each_database(|srv| async move {
        let anna = crate::uploads::member(&srv, "anna").await;
        let bob = crate::uploads::member(&srv, "bob").await;
        crate::uploads::join(&srv, &anna, bob.library, "viewer").await;
        let me = srv.get("/api/me", &anna.who).await;
        assert_eq!(me.body["active_library_id"], anna.library);

        let who = anna.who.clone();
        let switch = |library: i64| {
            srv.call(
                http::Method::PUT,
                "/api/me/library",
                &who,
                Some(json!({ "library": library })),
            )
        };
        let switched = switch(bob.library).await;
        assert_eq!(switched.status, StatusCode::OK, "{}", switched.text);
        assert_eq!(switched.body["active_library_id"], bob.library);
        assert_eq!(
            srv.get("/api/me", &anna.who).await.body["active_library_id"],
            bob.library
        );

        // Someone else's library cannot be chosen; the choice stays.
        let eve = crate::uploads::member(&srv, "eve").await;
        switch(eve.library)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        switch(999_999)
            .await
            .assert_error(StatusCode::NOT_FOUND, "library_not_found");
        assert_eq!(
            srv.get("/api/me", &anna.who).await.body["active_library_id"],
            bob.library
        );
        let bad = srv
            .call(
                http::Method::PUT,
                "/api/me/library",
                &anna.who,
                Some(json!({ "library": "films" })),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_administrator_chooses_any_folder() {
    let roots = tempfile::TempDir::new().unwrap();
    let root = roots.path().canonicalize().unwrap();
    let configured = root.clone();
    on_each_database_with(
        |config| config.library_roots = vec![configured.clone()],
        |srv| {
            let root = root.clone();
            async move {
                let admin = As::cookie(&srv.register("admin").await);
                let bob = As::cookie(&srv.register("bob").await);
                let data = srv.dir.path().canonicalize().unwrap();
                let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
                let elsewhere = tempfile::TempDir::new().unwrap();
                let outside = elsewhere.path().canonicalize().unwrap();
                let a_file = data.join("libraries/a-file");
                std::fs::create_dir_all(a_file.parent().unwrap()).unwrap();
                std::fs::write(&a_file, b"x").unwrap();
                let taken = srv
                    .post("/api/libraries", &admin, json!({"name": "Admin's"}))
                    .await;
                assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
                let taken = taken.body["path"].as_str().unwrap().to_owned();

                // Every refusal looks the same to a user who is not the administrator: it
                // tells nothing of what exists on the server (a file, another library, a
                // folder it cannot write).
                for path in [
                    s(&outside.join("films")),
                    s(&outside),
                    "/tmp".to_owned(),
                    s(&a_file),
                    s(&a_file.join("below")),
                    taken.clone(),
                    format!("{taken}/kids"),
                    s(&root),
                    s(&data.join("libraries")),
                    s(&data.join("uploads/x")),
                ] {
                    srv.post(
                        "/api/libraries",
                        &bob,
                        json!({"name": "Mine", "path": path}),
                    )
                    .await
                    .assert_error(StatusCode::FORBIDDEN, "path_not_allowed");
                }
                assert!(!outside.join("films").exists(), "no folder was made");
                // A line break is refused for everyone, with its own reason.
                let injected = format!("{}\nExecStartPre=+/bin/sh -c 'id'\n#", s(&outside));
                for who in [&bob, &admin] {
                    srv.post(
                        "/api/libraries",
                        who,
                        json!({"name": "X", "path": injected}),
                    )
                    .await
                    .assert_error(StatusCode::BAD_REQUEST, "path_invalid");
                    srv.post("/api/libraries", who, json!({"name": "X\nY"}))
                        .await
                        .assert_error(StatusCode::BAD_REQUEST, "library_name_invalid");
                }
                // The administrator still hears why a folder is refused.
                srv.post(
                    "/api/libraries",
                    &admin,
                    json!({"name": "X", "path": s(&a_file)}),
                )
                .await
                .assert_error(StatusCode::BAD_REQUEST, "path_not_directory");

                // Bob's libraries: the default folder, one inside it, one inside a root.
                for (name, path, expected) in [
                    ("Default", None, data.join("libraries/default")),
                    (
                        "Inside",
                        Some(s(&data.join("libraries/bob/films"))),
                        data.join("libraries/bob/films"),
                    ),
                    ("Rooted", Some(s(&root.join("bob"))), root.join("bob")),
                ] {
                    let made = srv
                        .post("/api/libraries", &bob, json!({"name": name, "path": path}))
                        .await;
                    assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.text);
                    assert_eq!(made.body["path"], s(&expected));
                    assert!(expected.is_dir());
                }
                // The admin may put one anywhere the rules allow.
                let anywhere = srv
                    .post(
                        "/api/libraries",
                        &admin,
                        json!({"name": "Far", "path": s(&outside.join("far"))}),
                    )
                    .await;
                assert_eq!(anywhere.status, StatusCode::CREATED, "{}", anywhere.text);
            }
        },
    )
    .await;
}
