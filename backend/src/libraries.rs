//! Libraries: a named folder of movies, its members and their roles.

use crate::access::{Denied, Need, info};
use crate::entities::{library, library_member, movie_file, user_settings};
use crate::storage::StorageError;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::Role;
use domain::api::{LibraryInfo, LibraryOverview, RemovedLibrary};
use domain::library::{self as rules, ExistingLibrary, LibraryRuleError};
use domain::naming::first_free;
use domain::storage::BucketLocation;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set, SqlErr,
};
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("{0}")]
    Rule(#[from] LibraryRuleError),
    #[error("The server cannot create the folder {path}: {reason}.")]
    NotCreatable { path: String, reason: String },
    #[error("{0} exists but is not a folder.")]
    NotADirectory(String),
    #[error("The server cannot write in {0}; check the folder's permissions.")]
    NotWritable(String),
    #[error(
        "That folder cannot be used for a library. Leave the folder empty to use the server's libraries folder, or ask the server's administrator."
    )]
    PathRefused,
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("{0}")]
    Bucket(#[from] StorageError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl From<LibraryError> for ApiError {
    fn from(err: LibraryError) -> ApiError {
        let message = err.to_string();
        match err {
            LibraryError::Rule(rule) => ApiError::bad_request(rule.code(), message),
            LibraryError::NotCreatable { .. } => {
                ApiError::bad_request("path_not_creatable", message)
            }
            LibraryError::NotADirectory(_) => ApiError::bad_request("path_not_directory", message),
            LibraryError::NotWritable(_) => ApiError::bad_request("path_not_writable", message),
            LibraryError::PathRefused => ApiError::forbidden("path_not_allowed", message),
            LibraryError::Denied(denied) => denied.into(),
            // Said to the administrator choosing the bucket: what to fix in it or the config.
            LibraryError::Bucket(e) => {
                let code = match &e {
                    StorageError::Location(e) => e.code(),
                    StorageError::UnknownStore(_) => "unknown_object_store",
                    _ => "bucket_unusable",
                };
                ApiError::bad_request(code, message)
            }
            LibraryError::Db(e) => e.into(),
        }
    }
}

/// The libraries a user belongs to, by name.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LibraryInfo>, DbErr> {
    Ok(crate::access::memberships(db, user_id)
        .await?
        .into_iter()
        .map(|(lib, role)| info(lib, role))
        .collect())
}

/// Makes `library_id` the library the pages show this user (they must be a member).
pub async fn set_active(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<(), LibraryError> {
    crate::access::library(state, user_id, library_id, Need::Member).await?;
    let write = Write::begin(state).await?;
    remember_active(&write, user_id, library_id, Replace::Always).await?;
    write.commit().await?;
    Ok(())
}

/// Whether [`remember_active`] replaces a library the user already has active.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replace {
    Always,
    /// Only when there is none: a user's first library becomes the active one.
    IfNone,
}

/// Stores the library the pages show, for a caller that already knows the user is a member.
pub(crate) async fn remember_active(
    write: &Write<'_>,
    user_id: i32,
    library_id: i32,
    replace: Replace,
) -> Result<(), DbErr> {
    write.touch(Cache::Access);
    let db = write.db();
    if let Some(settings) = user_settings::Entity::find_by_id(user_id).one(db).await?
        && (replace == Replace::Always || settings.default_library_id.is_none())
    {
        let mut active: user_settings::ActiveModel = settings.into();
        active.default_library_id = Set(Some(library_id));
        active.updated_at = Set(Utc::now());
        active.update(db).await?;
    }
    Ok(())
}

/// Follows symlinks in the part of `path` that exists, keeping the rest as written, so that
/// nesting checks compare real locations.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize()?;
    out.extend(rest.iter().rev());
    Ok(out)
}

/// Where a library called `name` goes when no folder is given: a free folder under the data
/// directory's `libraries/`.
pub fn default_path(libraries_dir: &Path, name: &str, taken: &[PathBuf]) -> PathBuf {
    let free = first_free(&rules::slug(name), |candidate| {
        taken.contains(&libraries_dir.join(candidate))
    });
    libraries_dir.join(free)
}

/// Makes sure the server can create and write the folder.
fn prepare_folder(path: &Path) -> Result<(), LibraryError> {
    let shown = path.display().to_string();
    std::fs::create_dir_all(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
            LibraryError::NotADirectory(shown.clone())
        }
        _ => LibraryError::NotCreatable {
            path: shown.clone(),
            reason: e.to_string(),
        },
    })?;
    if !path.is_dir() {
        return Err(LibraryError::NotADirectory(shown));
    }
    let probe = path.join(format!(".ott-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(|_| LibraryError::NotWritable(shown.clone()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Who chooses a new library's folder, and so which folders are open to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderChoice {
    /// The administrator, or the command line on the server: any folder the rules allow, with
    /// errors that say what is wrong with it.
    Any,
    /// Everyone else: only folders inside the data dir's `libraries/` or a root the
    /// administrator listed in `library_roots`. Any refusal is the same answer, so that the
    /// error says nothing about what exists on the server.
    UnderRoots,
}

impl FolderChoice {
    pub fn for_user(is_admin: bool) -> FolderChoice {
        if is_admin {
            FolderChoice::Any
        } else {
            FolderChoice::UnderRoots
        }
    }
}

/// Creates a library owned by `owner_id`, in `path` or a default folder under the data dir.
pub async fn create(
    state: &AppState,
    owner_id: i32,
    name: &str,
    path: Option<&str>,
    choice: FolderChoice,
) -> Result<LibraryInfo, LibraryError> {
    let name = rules::normalize_name(name)?;
    let chosen = path.map(str::trim).filter(|p| !p.is_empty());
    if let Some(location) = chosen.filter(|p| domain::storage::is_bucket(p)) {
        // The administrator's choice: the stores are in the server's config file.
        if choice != FolderChoice::Any {
            return Err(LibraryError::PathRefused);
        }
        return create_in_bucket(state, owner_id, name, location).await;
    }
    match (choice, chosen) {
        (FolderChoice::UnderRoots, Some(p)) => {
            // A path that breaks the lexical rules says so (nothing about the server in that).
            rules::normalize_path(Path::new(p))?;
            create_in(state, owner_id, name, chosen, Some(&allowed_roots(state)))
                .await
                .map_err(|e| match e {
                    LibraryError::Db(e) => LibraryError::Db(e),
                    LibraryError::Rule(rule @ LibraryRuleError::PathInvalid) => rule.into(),
                    _ => LibraryError::PathRefused,
                })
        }
        _ => create_in(state, owner_id, name, chosen, None).await,
    }
}

/// Where users other than the administrator may put a library: the data dir's `libraries/`
/// and the configured `library_roots`, symlinks resolved.
fn allowed_roots(state: &AppState) -> Vec<PathBuf> {
    std::iter::once(state.config.libraries_dir())
        .chain(state.config.library_roots.iter().cloned())
        .filter_map(|root| resolve(&root).ok())
        .collect()
}

async fn create_in(
    state: &AppState,
    owner_id: i32,
    name: String,
    path: Option<&str>,
    roots: Option<&[PathBuf]>,
) -> Result<LibraryInfo, LibraryError> {
    let all = library::Entity::find().all(&state.db).await?;
    let taken: Vec<PathBuf> = all.iter().map(|l| PathBuf::from(&l.path)).collect();
    let data_dir = resolve(&state.config.data_dir).map_err(|e| LibraryError::NotCreatable {
        path: state.config.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;

    let requested = match path {
        Some(p) => rules::normalize_path(Path::new(p))?,
        None => default_path(&data_dir.join("libraries"), &name, &taken),
    };
    let resolved = resolve(&requested).map_err(|e| LibraryError::NotCreatable {
        path: requested.display().to_string(),
        reason: e.to_string(),
    })?;
    let existing: Vec<ExistingLibrary<'_>> = all
        .iter()
        .zip(&taken)
        .map(|(l, p)| ExistingLibrary {
            name: &l.name,
            path: p,
        })
        .collect();
    // A folder strictly inside an allowed root: the root itself is not a library.
    if let Some(roots) = roots
        && !roots
            .iter()
            .any(|root| resolved.starts_with(root) && resolved != *root)
    {
        return Err(LibraryError::PathRefused);
    }
    rules::check_path(&resolved, &data_dir, &existing)?;
    prepare_folder(&resolved)?;
    insert_library(
        state,
        owner_id,
        name,
        resolved.to_string_lossy().into_owned(),
    )
    .await
}

/// Records a new library at `path` (checked), its owner's membership, and makes it the owner's
/// active library if they had none.
async fn insert_library(
    state: &AppState,
    owner_id: i32,
    name: String,
    path_text: String,
) -> Result<LibraryInfo, LibraryError> {
    let write = Write::begin(state).await?;
    write.touch(Cache::Access);
    let txn = write.db();
    let inserted = library::ActiveModel {
        name: Set(name.clone()),
        path: Set(path_text),
        owner_id: Set(owner_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await;
    let lib = match inserted {
        Ok(lib) => lib,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(LibraryRuleError::SameAsLibrary(name).into());
        }
        Err(e) => return Err(e.into()),
    };
    library_member::ActiveModel {
        library_id: Set(lib.id),
        user_id: Set(owner_id),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    remember_active(&write, owner_id, lib.id, Replace::IfNone).await?;
    write.commit().await?;
    tracing::info!(library = %lib.name, path = %lib.path, owner = owner_id, "library created");
    Ok(info(lib, Role::Owner))
}

/// Creates a library kept in a bucket (`s3://store/bucket/prefix`), once the bucket answers
/// with the store's keys.
async fn create_in_bucket(
    state: &AppState,
    owner_id: i32,
    name: String,
    location: &str,
) -> Result<LibraryInfo, LibraryError> {
    let location = BucketLocation::parse(location).map_err(StorageError::from)?;
    for other in library::Entity::find().all(&state.db).await? {
        let Ok(theirs) = BucketLocation::parse(&other.path) else {
            continue;
        };
        if theirs == location {
            return Err(LibraryRuleError::SameAsLibrary(other.name).into());
        }
        if location.overlaps(&theirs) {
            return Err(LibraryRuleError::InsideLibrary(other.name).into());
        }
    }
    let bucket = crate::storage::bucket(state, location.clone())?;
    bucket.check().await?;
    insert_library(state, owner_id, name, location.to_string()).await
}

/// What a library holds, from the database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LibrarySize {
    pub movies: u64,
    pub files: u64,
    pub bytes: u64,
}

/// Files, bytes and distinct movies of each library, in one query.
pub async fn sizes(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, LibrarySize>, DbErr> {
    // PostgreSQL sums a BIGINT as NUMERIC: cast back so that both databases answer i64.
    let rows: Vec<(i32, i64, i64, i64)> = movie_file::Entity::find()
        .select_only()
        .column(movie_file::Column::LibraryId)
        .column_as(movie_file::Column::Id.count(), "files")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT)"),
            "bytes",
        )
        .column_as(Expr::cust("COUNT(DISTINCT movie_id)"), "movies")
        .filter(movie_file::Column::LibraryId.is_in(ids.iter().copied()))
        .group_by(movie_file::Column::LibraryId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, files, bytes, movies)| {
            let size = LibrarySize {
                movies: movies.max(0) as u64,
                files: files.max(0) as u64,
                bytes: bytes.max(0) as u64,
            };
            (id, size)
        })
        .collect())
}

/// The user's libraries with what each holds and how many people share it.
pub async fn overview(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LibraryOverview>, DbErr> {
    let libraries = list_for_user(db, user_id).await?;
    let ids: Vec<i32> = libraries.iter().map(|l| l.id).collect();
    let sizes = sizes(db, &ids).await?;
    let members: HashMap<i32, i64> = library_member::Entity::find()
        .select_only()
        .column(library_member::Column::LibraryId)
        .column_as(library_member::Column::UserId.count(), "members")
        .filter(library_member::Column::LibraryId.is_in(ids))
        .group_by(library_member::Column::LibraryId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(libraries
        .into_iter()
        .map(|library| {
            let size = sizes.get(&library.id).copied().unwrap_or_default();
            LibraryOverview {
                members: members.get(&library.id).copied().unwrap_or(1).max(0) as u64,
                movies: size.movies,
                files: size.files,
                bytes: size.bytes,
                library,
            }
        })
        .collect())
}

/// Gives a library a new name (its folder stays where it is).
pub async fn rename(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    name: &str,
) -> Result<LibraryInfo, LibraryError> {
    let (lib, _) = crate::access::library(state, user_id, library_id, Need::Own).await?;
    let name = rules::normalize_name(name)?;
    let old = lib.name.clone();
    let mut active: library::ActiveModel = lib.into();
    active.name = Set(name);
    let write = Write::begin(state).await?;
    let lib = active.update(write.db()).await?;
    write.touch(Cache::Access);
    write.commit().await?;
    tracing::info!(library = lib.id, from = %old, to = %lib.name, "library renamed");
    Ok(info(lib, Role::Owner))
}

/// Removes a library: its members, invites, unfinished uploads and database rows go. With
/// `delete_files` the movie folders Open OTT made in it are deleted too (never anything else
/// in the folder); without it the files stay on disk where they are.
pub async fn remove(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    delete_files: bool,
) -> Result<RemovedLibrary, LibraryError> {
    let (lib, _) = crate::access::library(state, user_id, library_id, Need::Own).await?;
    let size = sizes(&state.db, &[lib.id])
        .await?
        .remove(&lib.id)
        .unwrap_or_default();
    // The movie folders are named after IMDb ids, which the database lists.
    let folders: BTreeSet<String> = movie_file::Entity::find()
        .filter(movie_file::Column::LibraryId.eq(lib.id))
        .find_also_related(crate::entities::movie::Entity)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(_, movie)| movie.map(|m| m.imdb_id))
        .collect();
    let write = Write::begin(state).await?;
    library::Entity::delete_by_id(lib.id)
        .exec(write.db())
        .await?;
    write.touch(Cache::Access);
    write.touch(Cache::Catalog);
    write.commit().await?;
    if let Err(e) = crate::uploads::discard_library(state, &lib).await {
        tracing::warn!(
            library = lib.id,
            "could not clear the library's unfinished uploads: {e}"
        );
    }
    // What this instance made from the library's files: resized posters, copies of a
    // bucket's covers and trailers.
    let _ = std::fs::remove_dir_all(crate::posters::cache_of(state, lib.id));
    let _ = std::fs::remove_dir_all(crate::storage::copies_of(state, lib.id));
    if delete_files && domain::storage::is_bucket(&lib.path) {
        delete_movie_objects(state, &lib, &folders).await;
    } else if delete_files {
        let root = PathBuf::from(&lib.path);
        tokio::task::spawn_blocking(move || delete_movie_folders(&root, &folders))
            .await
            .map_err(|e| LibraryError::NotCreatable {
                path: lib.path.clone(),
                reason: e.to_string(),
            })?;
    }
    tracing::info!(
        library = %lib.name, path = %lib.path, movies = size.movies, files = size.files,
        files_deleted = delete_files, "library removed"
    );
    Ok(RemovedLibrary {
        library: domain::monitor::LibraryStorage {
            id: lib.id,
            name: lib.name,
            path: lib.path,
            movies: size.movies,
            files: size.files,
            bytes: size.bytes,
            bucket: None,
        },
        files_deleted: delete_files,
    })
}

/// What happens to the movie files when a library is removed: `keep` (false) or `delete`
/// (true); there is no default, so nothing is deleted by a forgotten parameter.
pub fn delete_files_choice(files: Option<&str>) -> Result<bool, ApiError> {
    match files {
        Some("keep") => Ok(false),
        Some("delete") => Ok(true),
        _ => Err(ApiError::bad_request(
            "invalid_files_choice",
            "Say what happens to the movie files: files=keep or files=delete.",
        )),
    }
}

/// The bucket's twin of [`delete_movie_folders`]: every object under each movie's prefix.
async fn delete_movie_objects(state: &AppState, lib: &library::Model, imdb_ids: &BTreeSet<String>) {
    let bucket = match crate::storage::of(state, lib) {
        Ok(crate::storage::Store::Bucket(bucket)) => bucket,
        Ok(crate::storage::Store::Folder(_)) => return,
        Err(e) => {
            tracing::warn!(library = %lib.name, "could not delete the library's objects: {e}");
            return;
        }
    };
    for id in imdb_ids {
        let Ok(id) = domain::ImdbId::parse(id) else {
            continue;
        };
        if let Err(e) = bucket.remove_folder(id.as_str()).await {
            tracing::warn!(bucket = %bucket.location, movie = %id, "could not delete a movie's objects: {e}");
        }
    }
}

/// Deletes `root/<imdb id>` for each id, then `root` itself if nothing else is left in it.
fn delete_movie_folders(root: &Path, imdb_ids: &BTreeSet<String>) {
    for id in imdb_ids {
        // Ids come from the database, but a path is only ever one plain folder name.
        let Ok(id) = domain::ImdbId::parse(id) else {
            continue;
        };
        let folder = root.join(id);
        if let Err(e) = std::fs::remove_dir_all(&folder)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(folder = %folder.display(), "could not delete a movie folder: {e}");
        }
    }
    // Fails harmlessly when the folder holds anything Open OTT did not put there.
    let _ = std::fs::remove_dir(root);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths_avoid_taken_folders() {
        let root = Path::new("/data/libraries");
        assert_eq!(default_path(root, "Movies", &[]), root.join("movies"));
        let taken = vec![root.join("movies"), root.join("movies-2")];
        assert_eq!(default_path(root, "Movies", &taken), root.join("movies-3"));
    }

    #[test]
    fn resolving_keeps_the_missing_tail_and_follows_links() {
        let dir = std::env::temp_dir().join(format!("ott-resolve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("real")).unwrap();
        let link = dir.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(dir.join("real"), &link).unwrap();
        let resolved = resolve(&link.join("new/sub")).unwrap();
        assert_eq!(resolved, dir.canonicalize().unwrap().join("real/new/sub"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
