//! Libraries: a named folder of movies, its members and their roles.

use crate::entities::{library, library_member, user_settings};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::Role;
use domain::api::LibraryInfo;
use domain::library::{self as rules, ExistingLibrary, LibraryRuleError};
use domain::naming::first_free;
use http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};
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
    #[error("There is no such library.")]
    NotFound,
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
            LibraryError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "library_not_found", message)
            }
            LibraryError::Db(e) => e.into(),
        }
    }
}

fn info(lib: library::Model, role: Role) -> LibraryInfo {
    LibraryInfo {
        id: lib.id,
        name: lib.name,
        path: lib.path,
        role,
    }
}

/// The libraries a user belongs to, by name.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LibraryInfo>, DbErr> {
    let rows = library_member::Entity::find()
        .filter(library_member::Column::UserId.eq(user_id))
        .find_also_related(library::Entity)
        .all(db)
        .await?;
    let mut out: Vec<LibraryInfo> = rows
        .into_iter()
        .filter_map(|(member, lib)| Some(info(lib?, Role::parse(&member.role)?)))
        .collect();
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The library pages show: the user's chosen default if they still belong to it, else the first.
pub async fn active_library_id(
    db: &impl ConnectionTrait,
    user_id: i32,
    libraries: &[LibraryInfo],
) -> Result<Option<i32>, DbErr> {
    let chosen = user_settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .and_then(|s| s.default_library_id)
        .filter(|id| libraries.iter().any(|l| l.id == *id));
    Ok(chosen.or_else(|| libraries.first().map(|l| l.id)))
}

/// Makes `library_id` the library the pages show this user (they must be a member).
pub async fn set_active(
    db: &impl ConnectionTrait,
    user_id: i32,
    library_id: i32,
) -> Result<(), LibraryError> {
    if role(db, user_id, library_id).await?.is_none() {
        return Err(LibraryError::NotFound);
    }
    remember_active(db, user_id, library_id).await?;
    Ok(())
}

/// Stores the library the pages show, for a caller that already knows the user is a member.
pub(crate) async fn remember_active(
    db: &impl ConnectionTrait,
    user_id: i32,
    library_id: i32,
) -> Result<(), DbErr> {
    if let Some(settings) = user_settings::Entity::find_by_id(user_id).one(db).await? {
        let mut active: user_settings::ActiveModel = settings.into();
        active.default_library_id = Set(Some(library_id));
        active.updated_at = Set(Utc::now());
        active.update(db).await?;
    }
    Ok(())
}

/// The user's role in a library, or `None` when they are not a member.
pub async fn role(
    db: &impl ConnectionTrait,
    user_id: i32,
    library_id: i32,
) -> Result<Option<Role>, DbErr> {
    Ok(library_member::Entity::find_by_id((library_id, user_id))
        .one(db)
        .await?
        .and_then(|m| Role::parse(&m.role)))
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

/// Creates a library owned by `owner_id`, in `path` or a default folder under the data dir.
pub async fn create(
    state: &AppState,
    owner_id: i32,
    name: &str,
    path: Option<&str>,
) -> Result<LibraryInfo, LibraryError> {
    let name = rules::normalize_name(name)?;
    let all = library::Entity::find().all(&state.db).await?;
    let taken: Vec<PathBuf> = all.iter().map(|l| PathBuf::from(&l.path)).collect();
    let data_dir = resolve(&state.config.data_dir).map_err(|e| LibraryError::NotCreatable {
        path: state.config.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;

    let requested = match path.map(str::trim).filter(|p| !p.is_empty()) {
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
    rules::check_path(&resolved, &data_dir, &existing)?;
    prepare_folder(&resolved)?;

    let path_text = resolved.to_string_lossy().into_owned();
    let txn = crate::db::begin_write(&state.db).await?;
    let inserted = library::ActiveModel {
        name: Set(name.clone()),
        path: Set(path_text.clone()),
        owner_id: Set(owner_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
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
    .insert(&txn)
    .await?;
    if let Some(settings) = user_settings::Entity::find_by_id(owner_id)
        .one(&txn)
        .await?
        && settings.default_library_id.is_none()
    {
        let mut active: user_settings::ActiveModel = settings.into();
        active.default_library_id = Set(Some(lib.id));
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
    }
    txn.commit().await?;
    tracing::info!(library = %lib.name, path = %lib.path, owner = owner_id, "library created");
    Ok(info(lib, Role::Owner))
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
