//! Invite links: an owner shares a library by URL with a role, an expiry and optionally a
//! single use. The rules here decide whether a link still works, without a database.

use crate::Role;
use std::fmt;

/// Seconds since the Unix epoch (the caller's clock; no time library here).
pub type Timestamp = i64;

/// The longest an invite may stay open: 30 days.
pub const MAX_EXPIRY_HOURS: u32 = 24 * 30;

/// What an invite row says, enough to decide.
#[derive(Clone, Copy, Debug)]
pub struct InviteState {
    pub expires_at: Option<Timestamp>,
    pub single_use: bool,
    pub uses: i32,
    pub revoked: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteProblem {
    Revoked,
    Expired,
    UsedUp,
}

impl fmt::Display for InviteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InviteProblem::Revoked => {
                "This invite link was revoked by the library's owner; ask them for a new one."
            }
            InviteProblem::Expired => {
                "This invite link has expired; ask the library's owner for a new one."
            }
            InviteProblem::UsedUp => {
                "This invite link was for one person and has been used; ask the library's owner for a new one."
            }
        })
    }
}

impl std::error::Error for InviteProblem {}

impl InviteProblem {
    pub fn code(self) -> &'static str {
        match self {
            InviteProblem::Revoked => "invite_revoked",
            InviteProblem::Expired => "invite_expired",
            InviteProblem::UsedUp => "invite_used",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteRuleError {
    BadRole,
    BadExpiry,
}

impl fmt::Display for InviteRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InviteRuleError::BadRole => {
                "An invite gives the role viewer, uploader or manager; a library has one owner."
            }
            InviteRuleError::BadExpiry => {
                "An invite lasts from 1 hour to 30 days (720 hours), or until revoked."
            }
        })
    }
}

impl std::error::Error for InviteRuleError {}

impl InviteRuleError {
    pub fn code(self) -> &'static str {
        match self {
            InviteRuleError::BadRole => "invalid_role",
            InviteRuleError::BadExpiry => "invalid_expiry",
        }
    }
}

impl InviteState {
    /// Whether the link can still be used at `now`.
    pub fn check(&self, now: Timestamp) -> Result<(), InviteProblem> {
        if self.revoked {
            return Err(InviteProblem::Revoked);
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(InviteProblem::Expired);
        }
        if self.single_use && self.uses > 0 {
            return Err(InviteProblem::UsedUp);
        }
        Ok(())
    }
}

/// The role an invite may give, and when it expires (`None`: until revoked).
pub fn validate(
    role: Role,
    expires_in_hours: Option<u32>,
    now: Timestamp,
) -> Result<Option<Timestamp>, InviteRuleError> {
    if role == Role::Owner {
        return Err(InviteRuleError::BadRole);
    }
    match expires_in_hours {
        None => Ok(None),
        Some(h) if (1..=MAX_EXPIRY_HOURS).contains(&h) => Ok(Some(now + i64::from(h) * 3600)),
        Some(_) => Err(InviteRuleError::BadExpiry),
    }
}

/// The role a member ends up with after accepting: an invite never lowers a role.
pub fn joined_role(current: Option<Role>, offered: Role) -> Role {
    current.map_or(offered, |c| c.max(offered))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        1_795_000_000
    }

    fn open() -> InviteState {
        InviteState {
            expires_at: None,
            single_use: false,
            uses: 3,
            revoked: false,
        }
    }

    #[test]
    fn an_open_invite_works_for_many() {
        assert_eq!(open().check(now()), Ok(()));
    }

    #[test]
    fn revoked_expired_and_used_invites_say_why() {
        let revoked = InviteState {
            revoked: true,
            ..open()
        };
        assert_eq!(revoked.check(now()), Err(InviteProblem::Revoked));
        let expired = InviteState {
            expires_at: Some(now()),
            ..open()
        };
        assert_eq!(expired.check(now()), Err(InviteProblem::Expired));
        let later = InviteState {
            expires_at: Some(now() + 1),
            ..open()
        };
        assert_eq!(later.check(now()), Ok(()));
        let single = InviteState {
            single_use: true,
            uses: 0,
            ..open()
        };
        assert_eq!(single.check(now()), Ok(()));
        let used = InviteState { uses: 1, ..single };
        assert_eq!(used.check(now()), Err(InviteProblem::UsedUp));
        assert_eq!(InviteProblem::UsedUp.code(), "invite_used");
    }

    #[test]
    fn invites_never_make_owners_and_expire_within_30_days() {
        assert_eq!(
            validate(Role::Owner, None, now()),
            Err(InviteRuleError::BadRole)
        );
        assert_eq!(validate(Role::Viewer, None, now()), Ok(None));
        assert_eq!(
            validate(Role::Manager, Some(24), now()),
            Ok(Some(now() + 24 * 3600))
        );
        for bad in [0, MAX_EXPIRY_HOURS + 1] {
            assert_eq!(
                validate(Role::Viewer, Some(bad), now()),
                Err(InviteRuleError::BadExpiry)
            );
        }
    }

    #[test]
    fn accepting_never_lowers_a_role() {
        assert_eq!(joined_role(None, Role::Viewer), Role::Viewer);
        assert_eq!(
            joined_role(Some(Role::Manager), Role::Viewer),
            Role::Manager
        );
        assert_eq!(
            joined_role(Some(Role::Viewer), Role::Uploader),
            Role::Uploader
        );
        assert_eq!(joined_role(Some(Role::Owner), Role::Manager), Role::Owner);
    }
}
