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
