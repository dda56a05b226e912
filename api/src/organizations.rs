//! Organizations, memberships and invitations.

use chrono::Duration as ChronoDuration;
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use trackr_entity::audit_log;
use trackr_entity::{
    invitation,
    membership::{self, Role},
    new_id, now, organization, user,
};
use uuid::Uuid;

use crate::{
    access::{self, Action, Grant, Principal, RequestMeta},
    error::ApiResult,
    tokens, ApiError, App,
};

fn validate_org_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_input("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    if slug.is_empty() {
        "org".into()
    } else {
        slug
    }
}

pub async fn create(app: &App, principal: &Principal, name: &str) -> ApiResult<Grant> {
    let user = principal.user()?;
    let name = validate_org_name(name)?;
    let base = slugify(&name);
    let mut slug = base.clone();
    for _ in 0..5 {
        let taken = organization::Entity::find()
            .filter(organization::Column::Slug.eq(&slug))
            .one(&app.db)
            .await?
            .is_some();
        if !taken {
            break;
        }
        slug = format!("{base}-{}", &tokens::generate("")[..6]);
    }
    let txn = access::lock_user(app, user.id).await?;
    check_organization_cap(app, &*txn, user.id).await?;
    let org = organization::ActiveModel {
        id: Set(new_id()),
        name: Set(name),
        slug: Set(slug),
        plan: Set(trackr_config::PlanId::Free),
        stripe_customer_id: Set(None),
        created_at: Set(now()),
    }
    .insert(&*txn)
    .await?;
    access::membership_model(org.id, user.id, Role::Owner)
        .insert(&*txn)
        .await?;
    txn.commit().await?;
    Ok(Grant {
        organization: org,
        via: access::Via::Member(Role::Owner),
        actor: Some(user.id),
    })
}

/// A user belongs to at most `limits.organizations_per_user`
/// organizations: every organization's lists (members, sites) multiply
/// into a `me` query, so this bounds what one request can ask for. Call it
/// with the user's row locked (`lock_user`, `touch_user`).
async fn check_organization_cap<C: sea_orm::ConnectionTrait>(
    app: &App,
    conn: &C,
    user_id: Uuid,
) -> ApiResult<()> {
    let cap = app.settings.limits.organizations_per_user;
    let count = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .count(conn)
        .await?;
    if count >= u64::from(cap) {
        return Err(ApiError::Forbidden(format!(
            "you belong to {count} organizations, the most one user may on this server: leave or delete one first"
        )));
    }
    Ok(())
}

pub async fn rename(app: &App, grant: Grant, name: &str) -> ApiResult<Grant> {
    let mut model: organization::ActiveModel = grant.organization.clone().into();
    model.name = Set(validate_org_name(name)?);
    let organization = model.update(&app.db).await?;
    Ok(Grant {
        organization,
        ..grant
    })
}

pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
) -> ApiResult<bool> {
    let org = &grant.organization;
    // Sites, memberships, invitations and keys go with it (foreign keys);
    // analytics rows have none and are deleted in the same transaction.
    let site_ids: Vec<Uuid> = trackr_entity::site::Entity::find()
        .filter(trackr_entity::site::Column::OrganizationId.eq(org.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    crate::recordings::remove_site_objects(app, &site_ids).await?;
    // The analytics, then the organization (its sites go with it): a
    // failure between leaves the organization there to delete again.
    app.events.delete_sites(&site_ids).await?;
    organization::Entity::delete_by_id(org.id)
        .exec(&app.db)
        .await?;
    app.ingest.sites.clear();
    // Again, now that no row is left: a chunk stored meanwhile (another
    // server's site cache lives ten seconds) leaves no object behind.
    if let Err(e) = crate::recordings::remove_site_objects(app, &site_ids).await {
        tracing::warn!(error = ?e, "recording objects left after a deletion");
    }
    // Their exports too: copies of the data just deleted.
    if let Err(e) = trackr_worker::jobs::exports::expire_exports(
        &app.db,
        &app.store,
        trackr_worker::jobs::exports::Expiring::OfSites(site_ids.clone()),
    )
    .await
    {
        tracing::warn!(error = %e, "export files left after a deletion");
    }
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("organization.delete", "organization")
            .target(org.id)
            .organization(org.id)
            .details(serde_json::json!({ "name": org.name })),
    )
    .await?;
    Ok(true)
}

/// Seats in use: members, plus open invitations when inviting (not
/// counting one to `inviting`, which the new invitation replaces).
/// How many sites the organization has, and how many seats are taken
/// (members and open invitations), as the plan's limits count them.
pub async fn sites_and_seats(app: &App, org: &organization::Model) -> ApiResult<(u64, u64)> {
    let sites = trackr_entity::site::Entity::count_for_org(&app.db, org.id).await?;
    let members = membership::Entity::count_members(&app.db, org.id).await?;
    let invited = open_invitations(&app.db, org.id, None).await?;
    Ok((sites, members + invited))
}

/// Invitations not yet expired, but the one to `except` (an address being
/// invited again replaces its invitation).
async fn open_invitations<C: sea_orm::ConnectionTrait>(
    db: &C,
    organization: Uuid,
    except: Option<&str>,
) -> ApiResult<u64> {
    let mut open = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(organization))
        .filter(invitation::Column::ExpiresAt.gt(now()));
    if let Some(email) = except {
        open = open.filter(invitation::Column::Email.ne(email));
    }
    Ok(open.count(db).await?)
}

async fn check_seats<C: sea_orm::ConnectionTrait>(
    app: &App,
    db: &C,
    org: &organization::Model,
    inviting: Option<&str>,
) -> ApiResult<()> {
    let plan = app.settings.plans.get(org.plan);
    let Some(max) = plan.max_seats else {
        return Ok(());
    };
    let members = membership::Entity::count_members(db, org.id).await?;
    let pending = match inviting {
        Some(email) => open_invitations(db, org.id, Some(email)).await?,
        None => 0,
    };
    if members + pending >= u64::from(max) {
        return Err(ApiError::PlanLimit(format!(
            "the {} plan allows {max} seat{}; upgrade to invite more members",
            plan.name,
            if max == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// An admin manages admins, billing and viewers; only owners touch owners.
fn may_assign(grant: &Grant, role: Role) -> ApiResult<()> {
    if role == Role::Owner && grant.role() != Some(Role::Owner) {
        return Err(ApiError::Forbidden(
            "only an owner may grant or change the owner role".into(),
        ));
    }
    Ok(())
}

pub async fn invite(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
    email: &str,
    role: Role,
) -> ApiResult<bool> {
    let email = crate::accounts::normalize_email(email)?;
    may_assign(grant, role)?;
    let org = &grant.organization;
    if let Some(existing) = user::Entity::find_by_email(&app.db, &email).await? {
        if membership::Entity::find_membership(&app.db, org.id, existing.id)
            .await?
            .is_some()
        {
            return Err(ApiError::Conflict("this person is already a member".into()));
        }
    }
    // Checked and written under the organization's lock, in one
    // transaction: a refused invitation changes nothing, and two invites
    // cannot both take the last seat. A new invitation to the same address
    // replaces the old one.
    let token = tokens::generate("");
    let txn = access::lock_organization(app, org.id).await?;
    check_seats(app, &*txn, org, Some(&email)).await?;
    invitation::Entity::delete_many()
        .filter(invitation::Column::OrganizationId.eq(org.id))
        .filter(invitation::Column::Email.eq(&email))
        .exec(&*txn)
        .await?;
    let invitation = invitation::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(org.id),
        email: Set(email.clone()),
        role: Set(role),
        token_hash: Set(tokens::digest(&token)),
        invited_by: Set(principal.user_id()),
        expires_at: Set(now() + ChronoDuration::days(7)),
        created_at: Set(now()),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("member.invite", "invitation")
            .target(invitation.id)
            .organization(org.id)
            .details(serde_json::json!({ "role": format!("{role:?}") })),
    )
    .await?;
    let body = format!(
        "You have been invited to join {} on TrackR.\n\nSign up (or log in) with this email address, then accept the invitation within 7 days with this token:\n\n{}",
        org.name,
        crate::email::session_token_instructions(
            &app.settings.public_url,
            &token,
            "invitations/accept",
            "mutation { acceptInvitation(token: \"TOKEN\") { id name } }"
        )
    );
    app.send_email(&email, "You are invited to TrackR", body)
        .await?;
    Ok(true)
}

/// The organization's invitations not yet accepted (expired ones too, so
/// they can be sent again), the newest first.
pub async fn pending_invitations(app: &App, grant: &Grant) -> ApiResult<Vec<invitation::Model>> {
    grant.require(Action::ManageMembers)?;
    Ok(invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(grant.organization.id))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(&app.db)
        .await?)
}

/// An invitation of an organization the caller manages the members of.
/// Any other id, including another organization's, is not found.
async fn managed_invitation(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<(Grant, invitation::Model)> {
    let not_found = || ApiError::NotFound("invitation");
    let inv = invitation::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .ok_or_else(not_found)?;
    let grant = access::organization(
        app,
        principal,
        meta,
        inv.organization_id,
        Action::ManageMembers,
    )
    .await
    .map_err(|e| match e {
        ApiError::NotFound(_) => not_found(),
        other => other,
    })?;
    Ok((grant, inv))
}

/// Sends an invitation again: a new link (the old one stops working),
/// valid for seven more days.
pub async fn resend_invitation(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let (grant, inv) = managed_invitation(app, principal, meta, id).await?;
    invite(app, principal, meta, &grant, &inv.email, inv.role).await
}

/// Withdraws an invitation: its link stops working.
pub async fn cancel_invitation(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let (grant, inv) = managed_invitation(app, principal, meta, id).await?;
    may_assign(&grant, inv.role)?;
    invitation::Entity::delete_by_id(inv.id)
        .exec(&app.db)
        .await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("member.invite_cancel", "invitation")
            .target(inv.id)
            .organization(grant.organization.id),
    )
    .await?;
    Ok(true)
}

pub async fn accept(app: &App, principal: &Principal, token: &str) -> ApiResult<Grant> {
    let user = principal.user()?;
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(tokens::digest(token.trim())))
        .filter(invitation::Column::ExpiresAt.gt(now()))
        .one(&app.db)
        .await?;
    let Some(inv) = found else {
        return Err(ApiError::bad_input("token", "is invalid, used or expired"));
    };
    if inv.email != user.email {
        return Err(ApiError::Forbidden(
            "this invitation was sent to another email address; log in with that address".into(),
        ));
    }
    let org = organization::Entity::find_by_id(inv.organization_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let txn = access::lock_organization(app, org.id).await?;
    check_seats(app, &*txn, &org, None).await?;
    if access::touch_user(&*txn, user.id).await? != 1 {
        return Err(ApiError::NotFound("user"));
    }
    let already = membership::Entity::find_membership(&*txn, org.id, user.id)
        .await?
        .is_some();
    if !already {
        check_organization_cap(app, &*txn, user.id).await?;
    }
    let deleted = invitation::Entity::delete_by_id(inv.id).exec(&*txn).await?;
    if deleted.rows_affected != 1 {
        return Err(ApiError::bad_input("token", "is invalid, used or expired"));
    }
    membership::Entity::insert(access::membership_model(org.id, user.id, inv.role))
        .on_conflict(
            OnConflict::columns([
                membership::Column::OrganizationId,
                membership::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .do_nothing()
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    let role = membership::Entity::find_membership(&app.db, org.id, user.id)
        .await?
        .map(|m| m.role)
        .unwrap_or(inv.role);
    Ok(Grant {
        organization: org,
        via: access::Via::Member(role),
        actor: Some(user.id),
    })
}

async fn lock_members(app: &App, grant: &Grant) -> ApiResult<access::OrgTxn> {
    access::lock_organization(app, grant.organization.id).await
}

async fn target_membership(
    txn: &DatabaseTransaction,
    grant: &Grant,
    user_id: Uuid,
) -> ApiResult<membership::Model> {
    membership::Entity::find_membership(txn, grant.organization.id, user_id)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

async fn keep_an_owner(txn: &DatabaseTransaction, target: &membership::Model) -> ApiResult<()> {
    if target.role == Role::Owner
        && membership::Entity::count_owners(txn, target.organization_id).await? <= 1
    {
        return Err(ApiError::Conflict(
            "an organization always keeps at least one owner: make another member owner first"
                .into(),
        ));
    }
    Ok(())
}

pub async fn update_role(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
    user_id: Uuid,
    role: Role,
) -> ApiResult<membership::Model> {
    grant.require(Action::ManageMembers)?;
    let txn = lock_members(app, grant).await?;
    let target = target_membership(&txn, grant, user_id).await?;
    may_assign(grant, target.role)?;
    may_assign(grant, role)?;
    if target.role == role {
        return Ok(target);
    }
    if role != Role::Owner {
        keep_an_owner(&txn, &target).await?;
    }
    let old = target.role;
    let mut model: membership::ActiveModel = target.into();
    model.role = Set(role);
    let updated = model.update(&*txn).await?;
    txn.commit().await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("member.role", "user")
            .target(user_id)
            .organization(grant.organization.id)
            .details(serde_json::json!({ "from": format!("{old:?}"), "to": format!("{role:?}") })),
    )
    .await?;
    Ok(updated)
}

pub async fn remove(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
    user_id: Uuid,
) -> ApiResult<bool> {
    let leaving_self = principal.user_id() == Some(user_id);
    if !leaving_self {
        grant.require(Action::ManageMembers)?;
    }
    let txn = lock_members(app, grant).await?;
    let target = target_membership(&txn, grant, user_id).await?;
    if !leaving_self {
        may_assign(grant, target.role)?;
    }
    keep_an_owner(&txn, &target).await?;
    membership::Entity::delete_by_id((target.organization_id, target.user_id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("member.remove", "user")
            .target(user_id)
            .organization(grant.organization.id),
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(super::slugify("Acme, Inc."), "acme-inc");
        assert_eq!(super::slugify("  ✨ "), "org");
    }
}
