//! Shapes exchanged between the server and its clients (the web app, the CLI, scripts).

use crate::Role;
use serde::{Deserialize, Serialize};

/// A user as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub id: i32,
    pub username: String,
    pub is_admin: bool,
}

/// A library the user can reach, with the user's role in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryInfo {
    pub id: i32,
    pub name: String,
    /// Absolute folder on the server.
    pub path: String,
    pub role: Role,
}

/// Who is logged in and what they can reach: `GET /api/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: UserInfo,
    pub libraries: Vec<LibraryInfo>,
    /// The library pages show by default (the user's choice, else their first library).
    pub active_library_id: Option<i32>,
}

impl Me {
    pub fn active_library(&self) -> Option<&LibraryInfo> {
        self.active_library_id
            .and_then(|id| self.libraries.iter().find(|l| l.id == id))
    }
}

/// The state of an upload: the answer to `init`, and what a client resumes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadState {
    pub upload_id: String,
    /// Bytes stored so far; the next chunk starts here.
    pub offset: u64,
    /// Number of the last accepted chunk (0 when none); the next one is `chunkNr + 1`.
    pub chunk_nr: u64,
    /// The chunk size the server prefers, in bytes.
    pub chunk_size: u64,
}

/// The answer to an accepted (or repeated) chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChunkAccepted {
    pub offset: u64,
    pub chunk_nr: u64,
}

/// A finished upload, now part of the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadFinished {
    /// The new video file; `null` for subtitles.
    pub movie_file_id: Option<i32>,
    /// Path inside the library, e.g. `tt0133093/1080p/movie.mkv`.
    pub path: String,
}

/// One file a client is about to upload, as the browser describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileDescription {
    pub filename: String,
    pub size: u64,
    /// `File.lastModified`: milliseconds since the epoch.
    pub last_modified: u64,
}

/// What the server already has of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    /// Nothing yet.
    New,
    /// Partly uploaded: resume with `init`, which answers this state.
    Partial {
        #[serde(rename = "uploadId")]
        upload_id: String,
        offset: u64,
    },
    /// Already in the library.
    AlreadyUploaded {
        #[serde(rename = "movieFileId")]
        movie_file_id: Option<i32>,
        #[serde(rename = "imdbId")]
        imdb_id: Option<String>,
    },
    /// The description itself is not acceptable (bad name, unsupported type, too large).
    Invalid { error: String, message: String },
}

/// An unfinished upload of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingUpload {
    pub upload_id: String,
    pub library_id: i32,
    pub filename: String,
    pub size: u64,
    pub last_modified: u64,
    pub offset: u64,
    pub chunk_nr: u64,
    /// Unix seconds of the last accepted chunk.
    pub updated: i64,
}

/// A stored file of a movie, for choosing between overwrite and another version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MovieFileInfo {
    pub id: i32,
    pub path: String,
    pub resolution: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_seconds: Option<f64>,
    pub size: i64,
    pub version_label: Option<String>,
}
