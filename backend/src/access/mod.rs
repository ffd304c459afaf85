//! Who may do what in a library: the one door every route and server function goes through.
//!
//! The rule (what each role allows) is [`domain::role`]; [`library`] applies it to a request,
//! and [`Denied`] becomes an answer in one place: a stranger is told the library does not
//! exist (404 `library_not_found`, so ids reveal nothing), a member whose role falls short is
//! told why (403 `not_allowed`). Routes about something inside a library (a file, a category)
//! answer their own "not found" to strangers with [`Denied::hidden_as`].
//!
//! What the door reads (memberships and preferences) is kept in memory by [`cache`].

pub mod cache;

pub use cache::{AccessCache, CachedSession, MAX_AGE, WatchPositions};

use crate::entities::{library, library_member, user_settings};
use crate::{ApiError, AppState};
use domain::api::LibraryInfo;
pub use domain::role::Need;
use domain::role::Role;
use domain::settings::{Preferences, Theme};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;

/// Why [`library`] refused.
#[derive(Debug, thiserror::Error)]
pub enum Denied {
    #[error("There is no such library, or you are not a member of it.")]
    NotMember,
    #[error("{}", lacking(*.0))]
    Lacks(Need),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

fn lacking(need: Need) -> &'static str {
    match need {
        Need::Member => "Only the library's members can do this.",
        Need::Upload => "Your role in this library does not allow uploading.",
        Need::Manage => {
            "Only the library's owner and managers can edit, convert or delete its movies and change its categories."
        }
        Need::Own => {
            "Only the library's owner can share, rename or remove it and manage its members."
        }
    }
}

impl Denied {
    /// The answer for a route about something inside the library: a stranger gets the route's
    /// own "not found" (the thing does not exist for them), a member the usual refusal.
    pub fn hidden_as(self, not_found: fn() -> ApiError) -> ApiError {
        match self {
            Denied::NotMember => not_found(),
            other => other.into(),
        }
    }
}

/// The library and the caller's role in it, when the caller is a member who has `need`.
pub async fn library(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    need: Need,
) -> Result<(library::Model, Role), Denied> {
    let access = of_user(state, user_id).await?;
    let (library, role) = access.library(library_id).ok_or(Denied::NotMember)?;
    if !need.met_by(*role) {
        return Err(Denied::Lacks(need));
    }
    Ok((library.clone(), *role))
}

/// A user's libraries (by name, with their role) and preferences.
#[derive(Debug)]
pub struct UserAccess {
    pub libraries: Vec<(library::Model, Role)>,
    pub preferences: Preferences,
}

impl UserAccess {
    pub fn infos(&self) -> Vec<LibraryInfo> {
        self.libraries
            .iter()
            .map(|(lib, role)| info(lib.clone(), *role))
            .collect()
    }

    pub fn library(&self, id: i32) -> Option<&(library::Model, Role)> {
        self.libraries.iter().find(|(lib, _)| lib.id == id)
    }

    /// The library the pages show: the user's chosen default while they still belong to it,
    /// else their first.
    pub fn active_library(&self) -> Option<i32> {
        self.preferences
            .default_library_id
            .filter(|id| self.library(*id).is_some())
            .or_else(|| self.libraries.first().map(|(lib, _)| lib.id))
    }
}

/// The user's libraries and preferences: from memory, else from the database.
pub async fn of_user(state: &AppState, user_id: i32) -> Result<Arc<UserAccess>, DbErr> {
    if let Some(found) = state.access.user(user_id) {
        return Ok(found);
    }
    let generation = state.access.generation();
    let found = Arc::new(UserAccess {
        libraries: memberships(&state.db, user_id).await?,
        preferences: preferences(&state.db, user_id).await?,
    });
    state.access.put_user(generation, user_id, found.clone());
    Ok(found)
}

/// The user's role in a library, or `None` when they are not a member (what an invite shows,
/// not a permission: permissions go through [`library`]).
pub async fn role(state: &AppState, user_id: i32, library_id: i32) -> Result<Option<Role>, DbErr> {
    Ok(of_user(state, user_id)
        .await?
        .library(library_id)
        .map(|(_, role)| *role))
}

/// What a client is told about a library it belongs to.
pub fn info(lib: library::Model, role: Role) -> LibraryInfo {
    LibraryInfo {
        id: lib.id,
        name: lib.name,
        path: lib.path,
        role,
    }
}

/// The libraries a user belongs to with their role, by name, from the database.
pub(crate) async fn memberships(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(library::Model, Role)>, DbErr> {
    let rows = library_member::Entity::find()
        .filter(library_member::Column::UserId.eq(user_id))
        .find_also_related(library::Entity)
        .all(db)
        .await?;
    let mut out: Vec<(library::Model, Role)> = rows
        .into_iter()
        .filter_map(|(member, lib)| Some((lib?, Role::parse(&member.role)?)))
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The user's role in a library as stored, for a write transaction that must see its own
/// changes (joining by invite); `None` when they are not a member.
pub(crate) async fn stored_role(
    db: &impl ConnectionTrait,
    user_id: i32,
    library_id: i32,
) -> Result<Option<Role>, DbErr> {
    Ok(library_member::Entity::find_by_id((library_id, user_id))
        .one(db)
        .await?
        .and_then(|m| Role::parse(&m.role)))
}

/// The user's settings from the database; the defaults when they never saved any.
pub async fn preferences(db: &impl ConnectionTrait, user_id: i32) -> Result<Preferences, DbErr> {
    Ok(user_settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|row| preferences_of(&row))
        .unwrap_or_default())
}

pub(crate) fn preferences_of(row: &user_settings::Model) -> Preferences {
    Preferences {
        theme: Theme::parse(&row.theme).unwrap_or_default(),
        default_library_id: row.default_library_id,
        simultaneous_uploads: row.simultaneous_uploads,
        subtitle_language: row.subtitle_language.clone(),
        autoplay_next: row.autoplay_next,
    }
}
