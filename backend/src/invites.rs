//! Sharing a library by URL: the owner makes invite links (role, expiry, single use), lists
//! and revokes them, and sees and removes members; anyone logged in who opens a working link
//! joins. Only the link token's SHA-256 is stored.

use crate::access::{self, Denied, Need};
use crate::auth::sessions::{hash_token, new_token};
use crate::entities::{library, library_invite, library_member, user};
use crate::error::Missing;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::{DateTime, Utc};
use domain::Role;
use domain::api::{CreatedInvite, InviteInfo, InvitePreview, MemberInfo};
use domain::invite::{self, InviteProblem, InviteState};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

/// Longest token accepted in a URL; ours are 64 hex characters.
const MAX_TOKEN: usize = 128;

fn invite_not_found() -> ApiError {
    Missing::Invite.into()
}

/// Refuses strangers (404: they may not even know it exists) and members who may not share
/// (403).
async fn require_owner(state: &AppState, user_id: i32, library_id: i32) -> Result<(), ApiError> {
    access::library(state, user_id, library_id, Need::Own).await?;
    Ok(())
}

fn state_of(row: &library_invite::Model) -> InviteState {
    InviteState {
        expires_at: row.expires_at.map(|t| t.timestamp()),
        single_use: row.single_use,
        uses: row.uses,
        revoked: row.revoked_at.is_some(),
    }
}

fn info(row: &library_invite::Model, now: DateTime<Utc>) -> InviteInfo {
    InviteInfo {
        id: row.id,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        single_use: row.single_use,
        uses: row.uses,
        created_at: row.created_at.to_rfc3339(),
        expires_at: row.expires_at.map(|t| t.to_rfc3339()),
        revoked: row.revoked_at.is_some(),
        usable: state_of(row).check(now.timestamp()).is_ok(),
    }
}

pub async fn create(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    role: Role,
    expires_in_hours: Option<u32>,
    single_use: bool,
) -> Result<CreatedInvite, ApiError> {
    require_owner(state, user_id, library_id).await?;
    let now = Utc::now();
    let expires = invite::validate(role, expires_in_hours, now.timestamp())
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let token = new_token();
    let row = library_invite::ActiveModel {
        library_id: Set(library_id),
        created_by: Set(user_id),
        token_hash: Set(hash_token(&token)),
        role: Set(role.as_str().to_owned()),
        single_use: Set(single_use),
        uses: Set(0),
        created_at: Set(now),
        expires_at: Set(expires.and_then(|t| DateTime::from_timestamp(t, 0))),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    tracing::info!(library = library_id, invite = row.id, %role, single_use, ?expires_in_hours, "invite link created");
    Ok(CreatedInvite {
        invite: info(&row, now),
        path: format!("/join/{token}"),
        token,
    })
}

pub async fn list(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<Vec<InviteInfo>, ApiError> {
    require_owner(state, user_id, library_id).await?;
    let now = Utc::now();
    let rows = library_invite::Entity::find()
        .filter(library_invite::Column::LibraryId.eq(library_id))
        .order_by_desc(library_invite::Column::Id)
        .all(&state.db)
        .await?;
    Ok(rows.iter().map(|r| info(r, now)).collect())
}

pub async fn revoke(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    invite_id: i32,
) -> Result<(), ApiError> {
    require_owner(state, user_id, library_id).await?;
    let row = library_invite::Entity::find_by_id(invite_id)
        .filter(library_invite::Column::LibraryId.eq(library_id))
        .one(&state.db)
        .await?
        .ok_or_else(invite_not_found)?;
    if row.revoked_at.is_none() {
        let mut active = row.into_active_model();
        active.revoked_at = Set(Some(Utc::now()));
        active.update(&state.db).await?;
        tracing::info!(
            library = library_id,
            invite = invite_id,
            "invite link revoked"
        );
    }
    Ok(())
}

/// The invite behind a token, if it exists and still works.
async fn usable(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<(library_invite::Model, library::Model), ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN {
        return Err(invite_not_found());
    }
    let (row, lib) = library_invite::Entity::find()
        .filter(library_invite::Column::TokenHash.eq(hash_token(token)))
        .find_also_related(library::Entity)
        .one(db)
        .await?
        .ok_or_else(invite_not_found)?;
    let lib = lib.ok_or_else(invite_not_found)?;
    state_of(&row)
        .check(Utc::now().timestamp())
        .map_err(ApiError::from)?;
    Ok((row, lib))
}

pub async fn preview(
    state: &AppState,
    user_id: i32,
    token: &str,
) -> Result<InvitePreview, ApiError> {
    let (row, lib) = usable(&state.db, token).await?;
    let inviter = user::Entity::find_by_id(row.created_by)
        .one(&state.db)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(InvitePreview {
        library_id: lib.id,
        library_name: lib.name,
        invited_by: inviter,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        current_role: access::role(state, user_id, lib.id).await?,
    })
}

/// Joins the invite's library (a member keeps a higher role); returns the library's id and
/// the role the user now has.
pub async fn accept(state: &AppState, user_id: i32, token: &str) -> Result<(i32, Role), ApiError> {
    let write = Write::begin(state).await?;
    let joined = join(&write, user_id, token).await?;
    write.commit().await?;
    Ok(joined)
}

/// Whether an invite link works, without using it (a registration checks this before it
/// spends a password hash; [`join`] decides for good).
pub async fn check(db: &impl ConnectionTrait, token: &str) -> Result<(), ApiError> {
    usable(db, token).await.map(|_| ())
}

/// [`accept`] inside the caller's write transaction (a registration joins in the same one as
/// it creates the account).
pub(crate) async fn join(
    write: &Write<'_>,
    user_id: i32,
    token: &str,
) -> Result<(i32, Role), ApiError> {
    write.touch(Cache::Access);
    let txn = write.db();
    let (row, lib) = usable(txn, token).await?;
    let offered = Role::parse(&row.role).unwrap_or(Role::Viewer);
    let current = access::stored_role(txn, user_id, lib.id).await?;
    let role = invite::joined_role(current, offered);
    // A member who opens the link again (and gains nothing) does not use up the invite.
    if current != Some(role) {
        take_one_use(txn, &row, token).await?;
    }
    match current {
        None => {
            // Another tab of the same user may have joined through a link for many at once.
            library_member::Entity::insert(library_member::ActiveModel {
                library_id: Set(lib.id),
                user_id: Set(user_id),
                role: Set(role.as_str().to_owned()),
                created_at: Set(Utc::now()),
            })
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await?;
        }
        Some(had) if had != role => {
            let member = library_member::Entity::find_by_id((lib.id, user_id))
                .one(txn)
                .await?
                .ok_or(Denied::NotMember)?;
            let mut member = member.into_active_model();
            member.role = Set(role.as_str().to_owned());
            member.update(txn).await?;
        }
        Some(_) => {}
    }
    // The library just joined is what the pages show next.
    crate::libraries::remember_active(write, user_id, lib.id, crate::libraries::Replace::Always)
        .await?;
    tracing::info!(library = lib.id, user = user_id, %role, "joined a library by invite");
    Ok((lib.id, role))
}

/// Counts one use of the invite, only if it still works at that instant: one conditional
/// `UPDATE`, so two people accepting a single-use link at once cannot both get it. On
/// PostgreSQL the second update waits for the first transaction and then re-checks the
/// condition against the committed row (0 rows); SQLite runs write transactions one at a time.
async fn take_one_use(
    txn: &impl ConnectionTrait,
    row: &library_invite::Model,
    token: &str,
) -> Result<(), ApiError> {
    use library_invite::Column;
    let taken = library_invite::Entity::update_many()
        .col_expr(Column::Uses, Expr::col(Column::Uses).add(1))
        .filter(Column::Id.eq(row.id))
        .filter(Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(Column::SingleUse.eq(false))
                .add(Column::Uses.eq(0)),
        )
        .exec(txn)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(());
    }
    // Someone else got there first (or the owner revoked it): say which, from the row as it
    // is now.
    usable(txn, token).await?;
    Err(InviteProblem::UsedUp.into())
}

pub async fn members(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<Vec<MemberInfo>, ApiError> {
    require_owner(state, user_id, library_id).await?;
    let rows = library_member::Entity::find()
        .filter(library_member::Column::LibraryId.eq(library_id))
        .find_also_related(user::Entity)
        .all(&state.db)
        .await?;
    let mut out: Vec<MemberInfo> = rows
        .into_iter()
        .filter_map(|(m, u)| {
            Some(MemberInfo {
                user_id: m.user_id,
                username: u?.username,
                role: Role::parse(&m.role)?,
                joined_at: m.created_at.to_rfc3339(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.role.cmp(&a.role).then(a.username.cmp(&b.username)));
    Ok(out)
}

pub async fn remove_member(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    member_id: i32,
) -> Result<(), ApiError> {
    require_owner(state, user_id, library_id).await?;
    let member = library_member::Entity::find_by_id((library_id, member_id))
        .one(&state.db)
        .await?
        .ok_or(Missing::Member)?;
    if Role::parse(&member.role).is_some_and(|role| Need::Own.met_by(role)) {
        return Err(ApiError::bad_request(
            "cannot_remove_owner",
            "The owner cannot be removed from their own library.",
        ));
    }
    let write = Write::begin(state).await?;
    library_member::Entity::delete_by_id((library_id, member_id))
        .exec(write.db())
        .await?;
    write.touch(Cache::Access);
    write.commit().await?;
    tracing::info!(library = library_id, member = member_id, "member removed");
    Ok(())
}
