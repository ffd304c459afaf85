//! The metadata job: every movie whose `metadata_status` is `pending` (a finished upload
//! creates it so) gets its details from the providers, its cover and backdrop in
//! `<library>/<imdb id>/cover/` of every library that has it (and the trailer in `trailer/`
//! when a provider gives a direct video address), its genres and its collection.
//!
//! The queue is the movies table itself, so a job survives a restart: a movie stays `pending`
//! until its details are saved, and a server killed mid-job starts it again. A failed fetch is
//! retried later, waiting twice as long each time (from a minute to about two hours), and
//! after [`MAX_ATTEMPTS`] the movie is marked `failed`; it still plays under the title from
//! its file name, and "refresh" queues it again.

use super::providers::{self, FetchError, Fetched};
use crate::AppState;
use crate::entities::{
    collection, collection_movie, genre, library, movie, movie_file, movie_genre,
};
use crate::storage::{StorageError, Store};
use crate::write::{Cache, Write};
use chrono::Utc;
use domain::metadata::details::MovieDetails;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set, Statement, TransactionTrait,
};
use std::path::Path;
use std::time::Duration;

/// Failed fetches before a movie is marked `failed`.
pub const MAX_ATTEMPTS: i32 = 8;
/// Cast names kept per movie.
const MAX_CAST: usize = 20;
/// Movies fetched per round.
const BATCH: u64 = 10;
/// How often the job looks for due movies when nothing wakes it.
const POLL: Duration = Duration::from_secs(60);
/// The first key of the advisory locks on movies being fetched (PostgreSQL): a number of its
/// own, so that no other lock of this database is mistaken for one.
const FETCH_LOCK: i32 = 0x0077_0001;

/// Runs the job until the server stops: a round now, then whenever an upload wakes it or a
/// minute passes.
pub async fn run(state: AppState) {
    loop {
        match run_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(movies = n, "metadata job round finished"),
            Err(e) => tracing::warn!(error = %e, "the metadata job could not read its queue"),
        }
        tokio::select! {
            () = state.metadata.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The movies due for a fetch: pending, and not waiting for a retry. A movie named by hand
/// waits for its first file (its upload may take hours): the files are what its lookup moves.
fn due() -> sea_orm::Select<movie::Entity> {
    movie::Entity::find()
        .filter(movie::Column::MetadataStatus.eq("pending"))
        .filter(
            Condition::any()
                .add(movie::Column::MetadataNextAt.is_null())
                .add(movie::Column::MetadataNextAt.lte(Utc::now())),
        )
        .filter(
            Condition::any()
                .add(movie::Column::ImdbId.not_like(domain::imdb::PROVISIONAL_LIKE))
                .add(
                    movie::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(movie_file::Column::MovieId)
                            .from(movie_file::Entity)
                            .to_owned(),
                    ),
                ),
        )
}

/// Fetches every movie that is due, in batches; returns how many were tried. Movies another
/// instance is fetching are left to it; when a whole batch is, the round ends.
pub async fn run_due(state: &AppState) -> Result<usize, DbErr> {
    let mut tried = 0;
    loop {
        let batch = due()
            .order_by_asc(movie::Column::Id)
            .limit(BATCH)
            .all(&state.db)
            .await?;
        if batch.is_empty() {
            return Ok(tried);
        }
        let mut took = 0;
        for listed in batch {
            let Some(Claim { movie, lock }) = claim(state, listed.id).await? else {
                continue;
            };
            took += 1;
            fetch_one(state, movie).await?;
            // Committed only now, so that another instance reading the movie under the lock
            // finds it fetched.
            if let Some(lock) = lock {
                lock.commit().await?;
            }
        }
        if took == 0 {
            return Ok(tried);
        }
        tried += took;
    }
}

/// A movie this process fetches, and on PostgreSQL the lock that says so (released when the
/// transaction ends).
struct Claim {
    movie: movie::Model,
    lock: Option<DatabaseTransaction>,
}

/// Takes a due movie for this process's job. Several instances may share a PostgreSQL
/// database, each running the job: a transaction-scoped advisory lock on the movie, held while
/// it is fetched, lets one of them fetch it and the others skip it. The lock goes with its
/// connection, so a server killed mid-fetch leaves the movie to the next round of any
/// instance, itself after a restart included. The movie is read again under the lock: another
/// instance may have fetched it since the batch was listed. (SQLite has one server.)
async fn claim(state: &AppState, id: i32) -> Result<Option<Claim>, DbErr> {
    let lock = if state.db.get_database_backend() == DatabaseBackend::Postgres {
        let txn = state.db.begin().await?;
        let taken = txn
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1, $2) AS taken",
                [FETCH_LOCK.into(), id.into()],
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "taken"))
            .transpose()?
            .unwrap_or(false);
        if !taken {
            return Ok(None);
        }
        Some(txn)
    } else {
        None
    };
    let movie = due()
        .filter(movie::Column::Id.eq(id))
        .one(&state.db)
        .await?;
    Ok(movie.map(|movie| Claim { movie, lock }))
}

/// Queues a movie's fetch again, due at once, and wakes the job.
pub async fn requeue(state: &AppState, imdb_id: &str) -> Result<(), DbErr> {
    reset(state, imdb_id).await?;
    tracing::info!(imdb = %imdb_id, "metadata fetch queued again");
    state.metadata.wake.notify_one();
    Ok(())
}

/// Makes a movie's fetch due at once, as if it had never failed.
pub(super) async fn reset(state: &AppState, imdb_id: &str) -> Result<(), DbErr> {
    movie::Entity::update_many()
        .col_expr(movie::Column::MetadataStatus, Expr::value("pending"))
        .col_expr(movie::Column::MetadataAttempts, Expr::value(0))
        .col_expr(movie::Column::MetadataNextAt, Expr::value(Utc::now()))
        .filter(movie::Column::ImdbId.eq(imdb_id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Looks a movie named by hand up now (under the same claim as the job's, so that no other
/// instance does it meanwhile); answers the id its files moved to, if they did.
pub(super) async fn look_up_now(
    state: &AppState,
    imdb_id: &str,
) -> Result<Option<domain::ImdbId>, DbErr> {
    let Some(listed) = due()
        .filter(movie::Column::ImdbId.eq(imdb_id))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let Some(Claim { movie, lock }) = claim(state, listed.id).await? else {
        return Ok(None); // another instance's job has it right now
    };
    let moved = super::by_hand::look_up(state, movie).await?;
    if let Some(lock) = lock {
        lock.commit().await?;
    }
    Ok(moved)
}

/// Backoff after `attempts` failures: 1, 2, 4 … 128 minutes.
pub fn retry_after(attempts: i32) -> Duration {
    Duration::from_secs(60 << attempts.clamp(1, MAX_ATTEMPTS).saturating_sub(1))
}

/// One movie: fetch, store, and record the outcome (which always moves it out of the due set).
pub async fn fetch_one(state: &AppState, movie: movie::Model) -> Result<(), DbErr> {
    if domain::imdb::is_provisional(&movie.imdb_id) {
        return super::by_hand::look_up(state, movie).await.map(drop);
    }
    let imdb_id = movie.imdb_id.clone();
    match providers::fetch(state, &imdb_id).await {
        Ok(fetched) => {
            let covers = store_files(state, &movie, &fetched.details).await;
            save(state, movie, fetched, covers).await?;
            tracing::info!(imdb = %imdb_id, "metadata fetched");
        }
        Err(e) => failed(state, movie, &e).await?,
    }
    Ok(())
}

/// Records a failed fetch (or lookup): retried later, until [`MAX_ATTEMPTS`].
pub(super) async fn failed(
    state: &AppState,
    movie: movie::Model,
    error: &(dyn std::fmt::Display + Sync),
) -> Result<(), DbErr> {
    let attempts = movie.metadata_attempts + 1;
    let imdb_id = movie.imdb_id.clone();
    let mut row = movie.into_active_model();
    row.metadata_attempts = Set(attempts);
    // Members read this text: no address (with its API key) may survive in it.
    let error = domain::metadata::redact_urls(&error.to_string());
    row.metadata_error = Set(Some(error.clone()));
    if attempts >= MAX_ATTEMPTS {
        row.metadata_status = Set("failed".into());
        row.metadata_next_at = Set(None);
        tracing::warn!(imdb = %imdb_id, attempts, %error, "gave up fetching metadata");
    } else {
        let wait = retry_after(attempts);
        let next = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        row.metadata_next_at = Set(Some(next));
        tracing::info!(imdb = %imdb_id, attempts, %error, retry_in_secs = wait.as_secs(), "metadata fetch failed; will retry");
    }
    row.update(&state.db).await?;
    Ok(())
}

/// Where the cover, backdrop and trailer went, relative to a library
/// (`tt…/cover/cover.jpg`, `tt…/trailer/trailer.mp4`).
#[derive(Default)]
struct Covers {
    poster: Option<String>,
    backdrop: Option<String>,
    trailer: Option<String>,
}

/// Downloads the poster, backdrop and a directly playable trailer once and puts them into
/// every library that has the movie (a folder or a bucket). A failure here costs the picture
/// or the trailer, not the metadata.
async fn store_files(state: &AppState, movie: &movie::Model, details: &MovieDetails) -> Covers {
    let stores = match movie_stores(state, movie).await {
        Ok(stores) => stores,
        Err(e) => {
            tracing::warn!(imdb = %movie.imdb_id, error = %e, "could not list the movie's libraries");
            return Covers::default();
        }
    };
    let imdb = movie.imdb_id.as_str();
    let mut covers = Covers::default();
    for (url, stem, slot) in [
        (&details.poster_url, "cover", &mut covers.poster),
        (&details.backdrop_url, "backdrop", &mut covers.backdrop),
    ] {
        let Some(url) = url else { continue };
        let (bytes, ext) = match providers::image(state, url).await {
            Ok(image) => image,
            Err(e) => {
                tracing::info!(imdb = %movie.imdb_id, %url, error = %e, "could not download an image");
                continue;
            }
        };
        let name = format!("{stem}.{ext}");
        let mut written = false;
        for store in &stores {
            let stored = match store {
                Store::Folder(root) => {
                    write_atomically(&root.join(imdb).join("cover"), &name, &bytes)
                        .map_err(StorageError::from)
                }
                Store::Bucket(bucket) => {
                    let key = format!("{imdb}/cover/{name}");
                    bucket.put(&key, vec![bytes.clone()]).await
                }
            };
            match stored {
                Ok(()) => written = true,
                Err(e) => tracing::warn!(imdb, error = %e, "could not store an image"),
            }
        }
        if written {
            *slot = Some(format!("{imdb}/cover/{name}"));
        }
    }
    if let Some(trailer) = &details.trailer
        && trailer.direct_video
        && let Some(url) = &trailer.url
        && !stores.is_empty()
    {
        match store_trailer(state, url, imdb, &stores).await {
            Ok(name) => {
                tracing::info!(imdb, %url, "trailer downloaded");
                covers.trailer = Some(format!("{imdb}/trailer/{name}"));
            }
            Err(e) => tracing::info!(imdb, %url, error = %e, "could not download the trailer"),
        }
    }
    covers
}

/// Downloads the trailer at `url` once, into the first folder library of the movie (or a
/// temporary folder when all are buckets), and puts it into the other libraries; returns its
/// file name.
async fn store_trailer(
    state: &AppState,
    url: &str,
    imdb: &str,
    stores: &[Store],
) -> Result<String, FetchError> {
    let first_folder = stores.iter().find_map(|s| match s {
        Store::Folder(root) => Some(root.join(imdb).join("trailer")),
        Store::Bucket(_) => None,
    });
    // All buckets: a folder of its own in the system's temp dir, removed once shared out.
    let scratch = first_folder
        .is_none()
        .then(|| crate::media::disk::scratch("trailer", ""));
    let dir = first_folder.or_else(|| scratch.clone()).unwrap_or_default();
    let shared = async {
        let path = providers::trailer(state, url, &dir).await?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for store in stores {
            let stored = match store {
                Store::Folder(root) => {
                    let target = root.join(imdb).join("trailer");
                    if target == dir {
                        continue;
                    }
                    link_or_copy(&path, &target, &name).map_err(StorageError::from)
                }
                Store::Bucket(bucket) => {
                    bucket
                        .put_file(&format!("{imdb}/trailer/{name}"), &path)
                        .await
                }
            };
            if let Err(e) = stored {
                tracing::warn!(imdb, error = %e, "could not store the trailer");
            }
        }
        Ok(name)
    }
    .await;
    if let Some(scratch) = scratch {
        let _ = std::fs::remove_dir_all(scratch);
    }
    shared
}

/// Puts `file` into `dir` under `name`: a hard link when both are on one filesystem, else a
/// copy through a temp file.
fn link_or_copy(file: &Path, dir: &Path, name: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let _ = std::fs::remove_file(&target);
    if std::fs::hard_link(file, &target).is_ok() {
        return Ok(());
    }
    let tmp = dir.join(format!(".{name}.partial"));
    std::fs::copy(file, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, target)
}

/// The storage of every library with a file of the movie.
async fn movie_stores(state: &AppState, movie: &movie::Model) -> Result<Vec<Store>, DbErr> {
    let library_ids: Vec<i32> = movie_file::Entity::find()
        .filter(movie_file::Column::MovieId.eq(movie.id))
        .select_only()
        .column(movie_file::Column::LibraryId)
        .distinct()
        .into_tuple()
        .all(&state.db)
        .await?;
    let libraries = library::Entity::find()
        .filter(library::Column::Id.is_in(library_ids))
        .all(&state.db)
        .await?;
    Ok(libraries
        .iter()
        .filter_map(|l| match crate::storage::of(state, l) {
            Ok(store) => Some(store),
            Err(e) => {
                tracing::warn!(library = l.id, error = %e, "cannot store the movie's pictures in this library");
                None
            }
        })
        .collect())
}

/// Writes `dir/name` through a temp file and a rename: a crash never leaves half an image.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.partial"));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))
}

fn json_list(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default())
}

/// The id of the genre called `name`, made when it is new.
pub(crate) async fn genre_id(db: &impl ConnectionTrait, name: &str) -> Result<Option<i32>, DbErr> {
    genre::Entity::insert(genre::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([genre::Column::Name])
    .exec_without_returning(db)
    .await?;
    Ok(genre::Entity::find()
        .filter(genre::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|g| g.id))
}

/// Stores the details in one transaction: the movie row, its genres and its collection.
async fn save(
    state: &AppState,
    movie: movie::Model,
    fetched: Fetched,
    covers: Covers,
) -> Result<(), DbErr> {
    let Fetched {
        details: d,
        tmdb_id,
        collection: found_collection,
    } = fetched;
    let write = Write::begin(state).await?;
    let txn = write.db();
    let movie_id = movie.id;
    let mut row = movie.into_active_model();
    if let Some(title) = d.title.clone() {
        row.search_title = Set(domain::identify::ranking::normalize_title(&title));
        row.title = Set(title);
    }
    if d.original_title.is_some() {
        row.original_title = Set(d.original_title.clone());
    }
    if let Some(year) = d.year {
        row.year = Set(Some(i32::from(year)));
    }
    if d.plot.is_some() {
        row.plot = Set(d.plot.clone());
    }
    if let Some(r) = d.imdb_rating {
        row.rating = Set(Some(f64::from(r)));
    }
    if let Some(votes) = d.imdb_votes {
        row.rating_count = Set(Some(i32::try_from(votes).unwrap_or(i32::MAX)));
    }
    if let Some(minutes) = d.runtime_minutes {
        row.runtime_minutes = Set(Some(i32::try_from(minutes).unwrap_or(i32::MAX)));
    }
    if d.content_rating.is_some() {
        row.content_rating = Set(d.content_rating.clone());
    }
    if covers.poster.is_some() {
        row.poster_path = Set(covers.poster);
    }
    if covers.backdrop.is_some() {
        row.backdrop_path = Set(covers.backdrop);
    }
    if let Some(local) = covers.trailer {
        row.trailer_ref = Set(Some(format!("file:{local}")));
    } else if let Some(t) = &d.trailer {
        let reference = match (&t.key, &t.url) {
            (Some(key), _) if t.site.eq_ignore_ascii_case("youtube") => {
                Some(format!("youtube:{key}"))
            }
            (_, Some(url)) => Some(url.clone()),
            _ => None,
        };
        if reference.is_some() {
            row.trailer_ref = Set(reference);
        }
    }
    // The main cast is what pages show; TMDB lists a hundred names and more.
    if let Some(cast) = json_list(&d.cast[..d.cast.len().min(MAX_CAST)]) {
        row.cast_names = Set(Some(cast));
    }
    if let Some(directors) = json_list(&d.directors) {
        row.directors = Set(Some(directors));
    }
    if !d.ratings.is_empty() {
        row.ratings = Set(serde_json::to_string(&d.ratings).ok());
    }
    if let Some(id) = tmdb_id {
        row.tmdb_id = Set(i32::try_from(id).ok());
    }
    row.metadata_status = Set("fetched".into());
    row.metadata_updated_at = Set(Some(Utc::now()));
    row.metadata_attempts = Set(0);
    row.metadata_next_at = Set(None);
    row.metadata_error = Set(None);
    row.updated_at = Set(Utc::now());
    row.update(txn).await?;

    for name in &d.genres {
        let Some(genre_id) = genre_id(txn, name).await? else {
            continue;
        };
        movie_genre::Entity::insert(movie_genre::ActiveModel {
            movie_id: Set(movie_id),
            genre_id: Set(genre_id),
        })
        .on_conflict_do_nothing_on([movie_genre::Column::MovieId, movie_genre::Column::GenreId])
        .exec_without_returning(txn)
        .await?;
    }

    if let Some(reference) = &d.collection {
        let tmdb_collection = i32::try_from(reference.tmdb_id).unwrap_or(i32::MAX);
        collection::Entity::insert(collection::ActiveModel {
            tmdb_id: Set(Some(tmdb_collection)),
            name: Set(reference.name.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([collection::Column::TmdbId])
        .exec(txn)
        .await?;
        if let Some(c) = collection::Entity::find()
            .filter(collection::Column::TmdbId.eq(tmdb_collection))
            .one(txn)
            .await?
        {
            // Release order within the franchise; a movie TMDB does not list goes last.
            let position = found_collection
                .as_ref()
                .zip(tmdb_id)
                .and_then(|(fc, own)| fc.parts.iter().position(|p| p.tmdb_id == own))
                .map_or(i32::MAX, |p| p as i32);
            collection_movie::Entity::insert(collection_movie::ActiveModel {
                collection_id: Set(c.id),
                movie_id: Set(movie_id),
                position: Set(position),
            })
            .on_conflict(
                OnConflict::columns([
                    collection_movie::Column::CollectionId,
                    collection_movie::Column::MovieId,
                ])
                .update_column(collection_movie::Column::Position)
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        }
    }
    write.touch(Cache::Catalog);
    write.commit().await?;
    Ok(())
}
