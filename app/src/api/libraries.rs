//! Creating libraries and what the pages show about them.

use crate::error::AppError;
use domain::api::{LibraryOverview, RemovedLibrary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the setup form needs to show the default folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryDefaults {
    /// New libraries without a chosen folder go in here, in a folder named after the library.
    pub libraries_root: String,
    /// The administrator may choose any folder.
    pub any_folder: bool,
    /// Other folders under which this user may choose one (the administrator's
    /// `library_roots`); with none, and not the administrator, there is nothing to choose.
    pub roots: Vec<String>,
}

#[server(prefix = "/api/fn", endpoint = "library_defaults", output = crate::api::codec::Json)]
pub async fn get_library_defaults() -> Result<LibraryDefaults, AppError> {
    use super::server::*;
    let user = require_user()?;
    let state = state()?;
    Ok(LibraryDefaults {
        libraries_root: state.config.libraries_dir().display().to_string(),
        any_folder: user.is_admin,
        roots: state
            .config
            .library_roots
            .iter()
            .map(|r| r.display().to_string())
            .collect(),
    })
}

/// Creates a library owned by the caller and continues to the upload page.
#[server(prefix = "/api/fn", endpoint = "create_library", output = crate::api::codec::Json)]
pub async fn create_library(name: String, path: Option<String>) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    let choice = backend::libraries::FolderChoice::for_user(user.is_admin);
    let lib =
        backend::libraries::create(&state()?, user.id, &name, path.as_deref(), choice).await?;
    Ok(go_to(&format!("/upload?library={}", lib.id)))
}

/// Shows another of the caller's libraries on every page from now on.
#[server(prefix = "/api/fn", endpoint = "switch_library", output = crate::api::codec::Json)]
pub async fn switch_library(library: i32) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    backend::libraries::set_active(&state()?, user.id, library).await?;
    Ok(go_to("/"))
}

/// The caller's libraries with what each holds.
#[server(prefix = "/api/fn", endpoint = "library_overview", output = crate::api::codec::Json)]
pub async fn get_library_overview() -> Result<Vec<LibraryOverview>, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::libraries::overview(&state()?.db, user.id).await?)
}

#[server(prefix = "/api/fn", endpoint = "rename_library", output = crate::api::codec::Json)]
pub async fn rename_library(library: i32, name: String) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    backend::libraries::rename(&state()?, user.id, library, &name).await?;
    Ok(go_to("/libraries"))
}

/// Removes a library; `files` is `keep` or `delete` (the movie folders).
#[server(prefix = "/api/fn", endpoint = "remove_library", output = crate::api::codec::Json)]
pub async fn remove_library(library: i32, files: String) -> Result<RemovedLibrary, AppError> {
    use super::server::*;
    let user = require_user()?;
    let delete_files = backend::libraries::delete_files_choice(Some(&files))?;
    Ok(backend::libraries::remove(&state()?, user.id, library, delete_files).await?)
}
