//! Schema tests: run the migrations, write one row to every table through the sea-orm
//! ActiveModels, read everything back, exercise the constraints, then roll back and re-apply.
//!
//! Runs on every test database (see `backend::testing`): SQLite, and PostgreSQL when
//! `OTT_TEST_POSTGRES_URL` names a server (required in CI).

use backend::entities::prelude::*;
use backend::entities::{
    api_token, category, category_movie, collection, collection_movie, genre, instance_setting,
    library, library_member, media_probe, movie, movie_file, movie_genre, session, uploaded_file,
    user, user_settings, watch_progress,
};
use backend::testing::databases;
use chrono::{DateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, Database, DatabaseConnection, EntityTrait, NotSet, PaginatorTrait, Set,
    SqlErr,
};

/// Inserts a model through its ActiveModel and checks that what the database returns equals
/// what was written. With `auto $id` that column is left to the database (auto-increment) and
/// copied back into the expected model. Evaluates to the stored model.
macro_rules! insert_row {
    ($db:expr, $module:ident, $model:expr) => {{
        let model: $module::Model = $model;
        let active = $module::ActiveModel::from(model.clone()).reset_all();
        let inserted = active
            .insert($db)
            .await
            .unwrap_or_else(|e| panic!("insert into {}: {e}", stringify!($module)));
        assert_eq!(
            inserted,
            model,
            "{} returned by insert",
            stringify!($module)
        );
        inserted
    }};
    ($db:expr, $module:ident, $model:expr, auto $id:ident) => {{
        let mut model: $module::Model = $model;
        let mut active = $module::ActiveModel::from(model.clone()).reset_all();
        active.$id = NotSet;
        let inserted = active
            .insert($db)
            .await
            .unwrap_or_else(|e| panic!("insert into {}: {e}", stringify!($module)));
        model.$id = inserted.$id;
        assert_eq!(
            inserted,
            model,
            "{} returned by insert",
            stringify!($module)
        );
        inserted
    }};
}

#[tokio::test]
async fn the_schema_round_trips_on_every_database() {
    let dir = tempfile::TempDir::new().unwrap();
    for database in databases(dir.path()).await {
        eprintln!("-- on {}", database.kind);
        let db = Database::connect(database.url.as_str())
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", database.kind));
        exercise_schema(&db).await;
        db.close().await.expect("close the test database");
    }
}

/// The whole scenario, identical for every backend.
async fn exercise_schema(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("apply the migrations");
    let rows = insert_and_read_every_table(db).await;
    check_constraints(db, &rows).await;

    Migrator::down(db, None)
        .await
        .expect("roll back every migration");
    Migrator::up(db, None)
        .await
        .expect("re-apply the migrations after rolling back");
    assert_eq!(
        User::find().count(db).await.expect("count users"),
        0,
        "tables are empty after down + up"
    );
    insert_and_read_every_table(db).await;
}

/// A few of the rows inserted by [`insert_and_read_every_table`], for the constraint checks.
struct Rows {
    alice: user::Model,
    library: library::Model,
    movie: movie::Model,
    movie_file: movie_file::Model,
}

fn at(micros: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(micros).expect("valid timestamp")
}

/// Asserts that the table of `E` holds exactly `expected`.
async fn assert_rows<E>(db: &DatabaseConnection, expected: &[E::Model])
where
    E: EntityTrait,
    E::Model: PartialEq + std::fmt::Debug,
{
    let table = std::any::type_name::<E>();
    let rows = E::find()
        .all(db)
        .await
        .unwrap_or_else(|e| panic!("read back {table}: {e}"));
    assert_eq!(rows, expected, "rows of {table}");
}

async fn insert_and_read_every_table(db: &DatabaseConnection) -> Rows {
    // Microsecond precision: the finest both SQLite (text) and PostgreSQL keep.
    let created = at(1_795_000_000_123_456);
    let updated = at(1_795_003_600_654_321);
    let expires = at(1_797_592_000_000_000);
    let size_bytes = 40_000_000_000_i64;

    let alice = insert_row!(
        db,
        user,
        user::Model {
            id: 0,
            username: "alice".to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned(),
            is_admin: true,
            created_at: created,
            updated_at: updated,
        },
        auto id
    );
    assert_rows::<User>(db, std::slice::from_ref(&alice)).await;

    let setting = insert_row!(
        db,
        instance_setting,
        instance_setting::Model {
            key: "open_registration".to_owned(),
            value: "true".to_owned(),
            updated_at: updated,
        }
    );
    assert_rows::<InstanceSetting>(db, &[setting]).await;

    let library = insert_row!(
        db,
        library,
        library::Model {
            id: 0,
            name: "Movies".to_owned(),
            path: "/srv/ott/movies".to_owned(),
            owner_id: alice.id,
            created_at: created,
        },
        auto id
    );
    assert_rows::<Library>(db, std::slice::from_ref(&library)).await;

    let settings = insert_row!(
        db,
        user_settings,
        user_settings::Model {
            user_id: alice.id,
            theme: "dark".to_owned(),
            default_library_id: Some(library.id),
            simultaneous_uploads: 5,
            subtitle_language: Some("en".to_owned()),
            autoplay_next: false,
            updated_at: updated,
        }
    );
    assert_rows::<UserSettings>(db, &[settings]).await;

    let member = insert_row!(
        db,
        library_member,
        library_member::Model {
            library_id: library.id,
            user_id: alice.id,
            role: "owner".to_owned(),
            created_at: created,
        }
    );
    assert_rows::<LibraryMember>(db, &[member]).await;

    let movie = insert_row!(
        db,
        movie,
        movie::Model {
            id: 0,
            imdb_id: "tt0133093".to_owned(),
            title: "The Matrix".to_owned(),
            original_title: Some("The Matrix".to_owned()),
            search_title: "the matrix".to_owned(),
            year: Some(1999),
            plot: Some("A hacker learns what the Matrix really is.".to_owned()),
            rating: Some(8.7),
            rating_count: Some(2_100_000),
            runtime_minutes: Some(136),
            content_rating: Some("R".to_owned()),
            poster_path: Some("tt0133093/poster.jpg".to_owned()),
            backdrop_path: Some("tt0133093/backdrop.jpg".to_owned()),
            trailer_ref: Some("youtube:vKQi3bBA1y8".to_owned()),
            metadata_status: "fetched".to_owned(),
            metadata_updated_at: Some(updated),
            metadata_attempts: 2,
            metadata_next_at: Some(updated),
            metadata_error: Some("imdb: answered HTTP 503".to_owned()),
            cast_names: Some(r#"["Keanu Reeves","Carrie-Anne Moss"]"#.to_owned()),
            directors: Some(r#"["Lana Wachowski","Lilly Wachowski"]"#.to_owned()),
            ratings: Some(r#"[{"source":"rottenTomatoes","value":"83%","score":83.0}]"#.to_owned()),
            tmdb_id: Some(603),
            created_at: created,
            updated_at: updated,
        },
        auto id
    );
    assert_rows::<Movie>(db, std::slice::from_ref(&movie)).await;

    let movie_file = insert_row!(
        db,
        movie_file,
        movie_file::Model {
            id: 0,
            library_id: library.id,
            movie_id: movie.id,
            relative_path: "tt0133093/1080p/movie.mp4".to_owned(),
            resolution: Some("1080p".to_owned()),
            width: Some(1920),
            height: Some(1080),
            duration_seconds: Some(8_160.5),
            container: Some("mp4".to_owned()),
            video_codec: Some("h264".to_owned()),
            audio_codec: Some("aac".to_owned()),
            size_bytes,
            version_label: Some("Director's Cut".to_owned()),
            created_at: created,
        },
        auto id
    );
    assert_eq!(movie_file.size_bytes, 40_000_000_000);
    assert_rows::<MovieFile>(db, std::slice::from_ref(&movie_file)).await;

    let probe = insert_row!(
        db,
        media_probe,
        media_probe::Model {
            file_id: movie_file.id,
            status: "probed".to_owned(),
            version: 1,
            streams: Some(format!(
                r#"{{"container":"matroska,webm","audio":[{{"title":"{}"}}]}}"#,
                "Ü".repeat(20_000)
            )),
            keyframes: Some(format!("21{}", ",2002".repeat(4000))),
            error: None,
            probed_at: updated,
        }
    );
    assert_rows::<MediaProbe>(db, &[probe]).await;

    let upload = insert_row!(
        db,
        uploaded_file,
        uploaded_file::Model {
            id: 0,
            library_id: library.id,
            user_id: alice.id,
            original_filename: "The.Matrix.1999.1080p.mp4".to_owned(),
            size_bytes,
            last_modified_ms: 1_795_000_000_123,
            size_modified_hash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
                .to_owned(),
            movie_file_id: Some(movie_file.id),
            created_at: created,
        },
        auto id
    );
    assert_rows::<UploadedFile>(db, &[upload]).await;

    let category = insert_row!(
        db,
        category,
        category::Model {
            id: 0,
            library_id: library.id,
            name: "Science fiction".to_owned(),
            icon: Some("rocket".to_owned()),
            rule: Some(r#"{"genre":"Science Fiction"}"#.to_owned()),
            position: 2,
            created_at: created,
        },
        auto id
    );
    assert_rows::<Category>(db, std::slice::from_ref(&category)).await;

    let category_movie = insert_row!(
        db,
        category_movie,
        category_movie::Model {
            category_id: category.id,
            movie_id: movie.id,
            position: 1,
        }
    );
    assert_rows::<CategoryMovie>(db, &[category_movie]).await;

    let collection = insert_row!(
        db,
        collection,
        collection::Model {
            id: 0,
            tmdb_id: Some(2344),
            name: "The Matrix Collection".to_owned(),
            overview: Some("The Matrix trilogy and its sequel.".to_owned()),
            poster_path: Some("collections/2344/poster.jpg".to_owned()),
            created_at: created,
        },
        auto id
    );
    assert_rows::<Collection>(db, std::slice::from_ref(&collection)).await;

    let collection_movie = insert_row!(
        db,
        collection_movie,
        collection_movie::Model {
            collection_id: collection.id,
            movie_id: movie.id,
            position: 0,
        }
    );
    assert_rows::<CollectionMovie>(db, &[collection_movie]).await;

    let genre = insert_row!(
        db,
        genre,
        genre::Model {
            id: 0,
            name: "Science Fiction".to_owned(),
        },
        auto id
    );
    assert_rows::<Genre>(db, std::slice::from_ref(&genre)).await;

    let movie_genre = insert_row!(
        db,
        movie_genre,
        movie_genre::Model {
            movie_id: movie.id,
            genre_id: genre.id,
        }
    );
    assert_rows::<MovieGenre>(db, &[movie_genre]).await;

    let progress = insert_row!(
        db,
        watch_progress,
        watch_progress::Model {
            user_id: alice.id,
            movie_id: movie.id,
            movie_file_id: Some(movie_file.id),
            position_seconds: 1_234.5,
            duration_seconds: Some(8_160.5),
            completed: false,
            updated_at: updated,
        }
    );
    assert_rows::<WatchProgress>(db, &[progress]).await;

    let session = insert_row!(
        db,
        session,
        session::Model {
            id: "ab".repeat(32),
            user_id: alice.id,
            created_at: created,
            last_seen_at: updated,
            expires_at: expires,
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".to_owned()),
            ip: Some("192.0.2.1".to_owned()),
        }
    );
    assert_eq!(session.expires_at, expires);
    assert_rows::<Session>(db, &[session]).await;

    let token = insert_row!(
        db,
        api_token,
        api_token::Model {
            id: 0,
            user_id: alice.id,
            name: "backup script".to_owned(),
            token_hash: "cd".repeat(32),
            created_at: created,
            last_used_at: None,
        },
        auto id
    );
    assert_rows::<ApiToken>(db, &[token]).await;

    Rows {
        alice,
        library,
        movie,
        movie_file,
    }
}

async fn check_constraints(db: &DatabaseConnection, rows: &Rows) {
    let now = at(1_795_100_000_000_000);

    // users.username is unique.
    let duplicate = user::ActiveModel {
        username: Set(rows.alice.username.clone()),
        password_hash: Set("other".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect_err("a second user with the same username must be rejected");
    assert!(
        matches!(
            duplicate.sql_err(),
            Some(SqlErr::UniqueConstraintViolation(_))
        ),
        "expected a unique constraint violation, got {duplicate:?}"
    );

    // movie_files (library_id, relative_path) is unique.
    let duplicate = movie_file::ActiveModel {
        library_id: Set(rows.library.id),
        movie_id: Set(rows.movie.id),
        relative_path: Set(rows.movie_file.relative_path.clone()),
        size_bytes: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect_err("a second file with the same library and path must be rejected");
    assert!(
        matches!(
            duplicate.sql_err(),
            Some(SqlErr::UniqueConstraintViolation(_))
        ),
        "expected a unique constraint violation, got {duplicate:?}"
    );

    // Foreign keys are enforced.
    let orphan = library_member::ActiveModel {
        library_id: Set(rows.library.id),
        user_id: Set(rows.alice.id + 1_000_000),
        role: Set("viewer".to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .expect_err("a membership of a missing user must be rejected");
    assert!(
        matches!(
            orphan.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ),
        "expected a foreign key violation, got {orphan:?}"
    );

    // Column defaults.
    let bob = user::ActiveModel {
        username: Set("bob".to_owned()),
        password_hash: Set("hash".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a user relying on defaults");
    assert!(!bob.is_admin, "is_admin defaults to false");
    let bob_settings = user_settings::ActiveModel {
        user_id: Set(bob.id),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert settings relying on defaults");
    assert_eq!(bob_settings.theme, "system");
    assert_eq!(bob_settings.default_library_id, None);
    assert_eq!(bob_settings.simultaneous_uploads, 3);
    assert_eq!(bob_settings.subtitle_language, None);
    assert!(bob_settings.autoplay_next, "autoplay_next defaults to true");
    let pending = movie::ActiveModel {
        imdb_id: Set("tt0234215".to_owned()),
        title: Set("The Matrix Reloaded".to_owned()),
        search_title: Set("the matrix reloaded".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a movie relying on defaults");
    assert_eq!(pending.metadata_status, "pending");
    assert_eq!(pending.year, None);
    assert_eq!(pending.rating, None);

    // ON DELETE SET NULL: removing a file keeps the upload record and the progress.
    MovieFile::delete_by_id(rows.movie_file.id)
        .exec(db)
        .await
        .expect("delete the movie file");
    let upload = UploadedFile::find()
        .one(db)
        .await
        .expect("read uploads")
        .expect("the upload survives its file");
    assert_eq!(upload.movie_file_id, None);
    let progress = WatchProgress::find_by_id((rows.alice.id, rows.movie.id))
        .one(db)
        .await
        .expect("read progress")
        .expect("the progress survives the file");
    assert_eq!(progress.movie_file_id, None);
    // ON DELETE CASCADE: the file's probe goes with it.
    assert_eq!(MediaProbe::find().count(db).await.expect("count probes"), 0);

    // ON DELETE CASCADE: removing alice removes everything she owns, transitively.
    User::delete_by_id(rows.alice.id)
        .exec(db)
        .await
        .expect("delete alice");
    assert_eq!(User::find().count(db).await.expect("count users"), 1);
    assert_eq!(UserSettings::find().count(db).await.expect("count"), 1);
    assert_eq!(Library::find().count(db).await.expect("count"), 0);
    assert_eq!(LibraryMember::find().count(db).await.expect("count"), 0);
    assert_eq!(UploadedFile::find().count(db).await.expect("count"), 0);
    assert_eq!(Category::find().count(db).await.expect("count"), 0);
    assert_eq!(CategoryMovie::find().count(db).await.expect("count"), 0);
    assert_eq!(WatchProgress::find().count(db).await.expect("count"), 0);
    assert_eq!(Session::find().count(db).await.expect("count"), 0);
    assert_eq!(ApiToken::find().count(db).await.expect("count"), 0);
    // Movies are shared between libraries and stay.
    assert_eq!(Movie::find().count(db).await.expect("count"), 2);
}
