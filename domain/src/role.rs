//! What a member may do in a library.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A member's role in a library, from least to most trusted (the order is meaningful).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Browses and plays.
    Viewer,
    /// Also uploads.
    Uploader,
    /// Also edits metadata and deletes.
    Manager,
    /// Also shares and removes the library.
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Uploader, Role::Manager, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Uploader => "uploader",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn can_upload(self) -> bool {
        self >= Role::Uploader
    }

    pub fn can_manage(self) -> bool {
        self >= Role::Manager
    }

    pub fn can_share(self) -> bool {
        self == Role::Owner
    }
}

/// What a request needs its caller to be in a library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any member: browse and play.
    Member,
    /// Add movies.
    Upload,
    /// Edit, convert and delete movies; change categories.
    Manage,
    /// Share, rename and remove the library; manage its members.
    Own,
}

impl Need {
    /// Whether a member with `role` has what this needs. The one comparison of roles:
    /// `backend::access::library` enforces it, pages use it to show only what the caller may do.
    pub fn met_by(self, role: Role) -> bool {
        match self {
            Need::Member => true,
            Need::Upload => role.can_upload(),
            Need::Manage => role.can_manage(),
            Need::Own => role.can_share(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse("Owner"), None);
    }

    #[test]
    fn permissions_grow_with_the_role() {
        assert!(!Role::Viewer.can_upload());
        assert!(Role::Uploader.can_upload() && !Role::Uploader.can_manage());
        assert!(Role::Manager.can_manage() && !Role::Manager.can_share());
        assert!(Role::Owner.can_share() && Role::Owner.can_upload());
    }

    #[test]
    fn each_need_is_met_from_its_role_up() {
        let met = |need: Need| {
            Role::ALL
                .into_iter()
                .filter(|r| need.met_by(*r))
                .collect::<Vec<_>>()
        };
        assert_eq!(met(Need::Member), Role::ALL);
        assert_eq!(
            met(Need::Upload),
            [Role::Uploader, Role::Manager, Role::Owner]
        );
        assert_eq!(met(Need::Manage), [Role::Manager, Role::Owner]);
        assert_eq!(met(Need::Own), [Role::Owner]);
    }
}
