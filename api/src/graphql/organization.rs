//! Organizations, members and invitations: the `Organization` and
//! `Membership` objects and the `Role` enum.

use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use trackr_entity::{api_key, invitation, invoice, membership, site, subscription, usage, user};

use super::{
    account::User,
    billing::{period_start, Invoice, Plan, Subscription, Usage},
    clamp_i32, parse_id,
    site::{ApiKey, Site},
    Ctx, Date, LoggedIn, LIST,
};
use crate::{
    access::{self, Action, Grant, Via},
    error::ApiResult,
    organizations, ApiError,
};

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Organization> {
        let id = parse_id(&id, "organization")?;
        access::organization(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ReadOrganization,
        )
        .await
        .map(Organization)
    }
}

#[derive(Default)]
pub struct OrganizationMutation;

async fn grant(ctx: &Context<'_>, id: &ID, action: Action) -> ApiResult<access::Grant> {
    let id = parse_id(id, "organization")?;
    access::organization(ctx.app(), ctx.principal(), ctx.meta(), id, action).await
}

#[Object]
impl OrganizationMutation {
    #[graphql(guard = "LoggedIn")]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> ApiResult<Organization> {
        organizations::create(ctx.app(), ctx.principal(), &name)
            .await
            .map(Organization)
    }

    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: String,
    ) -> ApiResult<Organization> {
        let g = grant(ctx, &id, Action::RenameOrganization).await?;
        organizations::rename(ctx.app(), g, &name)
            .await
            .map(Organization)
    }

    async fn delete_organization(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let g = grant(ctx, &id, Action::DeleteOrganization).await?;
        organizations::delete(ctx.app(), ctx.principal(), ctx.meta(), &g).await
    }

    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        email: String,
        role: RoleGql,
    ) -> ApiResult<bool> {
        let g = grant(ctx, &organization_id, Action::ManageMembers).await?;
        organizations::invite(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &g,
            &email,
            role.into(),
        )
        .await
    }

    #[graphql(guard = "LoggedIn")]
    async fn accept_invitation(&self, ctx: &Context<'_>, token: String) -> ApiResult<Organization> {
        organizations::accept(ctx.app(), ctx.principal(), &token)
            .await
            .map(Organization)
    }

    async fn update_member_role(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        user_id: ID,
        role: RoleGql,
    ) -> ApiResult<Membership> {
        let g = grant(ctx, &organization_id, Action::ReadOrganization).await?;
        let user_id = parse_id(&user_id, "member")?;
        let model = organizations::update_role(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &g,
            user_id,
            role.into(),
        )
        .await?;
        let user = trackr_entity::user::Entity::find_by_id(model.user_id)
            .one(&ctx.app().db)
            .await?
            .ok_or(ApiError::NotFound("member"))?;
        Ok(Membership { model, user })
    }

    /// Sends a pending invitation again, with a new link valid for seven
    /// days (the old link stops working).
    async fn resend_invitation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "invitation")?;
        organizations::resend_invitation(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }

    /// Withdraws a pending invitation: its link stops working.
    async fn cancel_invitation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "invitation")?;
        organizations::cancel_invitation(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }

    /// A member may also remove themselves (leave).
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        user_id: ID,
    ) -> ApiResult<bool> {
        let g = grant(ctx, &organization_id, Action::ReadOrganization).await?;
        let user_id = parse_id(&user_id, "member")?;
        organizations::remove(ctx.app(), ctx.principal(), ctx.meta(), &g, user_id).await
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role")]
pub enum RoleGql {
    Owner,
    Admin,
    Billing,
    Viewer,
}

impl From<membership::Role> for RoleGql {
    fn from(r: membership::Role) -> Self {
        match r {
            membership::Role::Owner => RoleGql::Owner,
            membership::Role::Admin => RoleGql::Admin,
            membership::Role::Billing => RoleGql::Billing,
            membership::Role::Viewer => RoleGql::Viewer,
        }
    }
}

impl From<RoleGql> for membership::Role {
    fn from(r: RoleGql) -> Self {
        match r {
            RoleGql::Owner => membership::Role::Owner,
            RoleGql::Admin => membership::Role::Admin,
            RoleGql::Billing => membership::Role::Billing,
            RoleGql::Viewer => membership::Role::Viewer,
        }
    }
}

pub struct Organization(pub Grant);

/// An invitation to join an organization, waiting for its answer.
pub struct Invitation(invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Past its seven days: send it again to renew the link.
    async fn expired(&self) -> bool {
        self.0.expires_at <= trackr_entity::now()
    }
}

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        ID(self.0.organization.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.organization.name
    }
    async fn slug(&self) -> &str {
        &self.0.organization.slug
    }
    /// The caller's role here; `null` for staff and API keys.
    async fn viewer_role(&self) -> Option<RoleGql> {
        self.0.role().map(Into::into)
    }
    /// The plan in force now.
    async fn plan(&self, ctx: &Context<'_>) -> Plan {
        Plan::of(ctx, self.0.organization.plan)
    }
    /// `null` on the free plan.
    async fn subscription(&self, ctx: &Context<'_>) -> ApiResult<Option<Subscription>> {
        self.0.require(Action::ReadBilling)?;
        let sub = subscription::Entity::find()
            .filter(subscription::Column::OrganizationId.eq(self.0.organization.id))
            .order_by_desc(subscription::Column::UpdatedAt)
            .one(&ctx.app().db)
            .await?;
        Ok(sub.map(Subscription))
    }
    /// Members' names and emails: for users, never for API keys.
    #[graphql(complexity = "LIST * child_complexity")]
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<Membership>> {
        self.0.require(Action::ReadOrganization)?;
        if matches!(self.0.via, Via::ApiKey { .. } | Via::Finance) {
            return Err(crate::ApiError::Forbidden(
                "API keys and finance staff cannot list members".into(),
            ));
        }
        let rows = membership::Entity::find()
            .filter(membership::Column::OrganizationId.eq(self.0.organization.id))
            .find_also_related(user::Entity)
            .order_by_asc(membership::Column::CreatedAt)
            .all(&ctx.app().db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(m, u)| u.map(|u| Membership { model: m, user: u }))
            .collect())
    }
    /// Invitations not yet accepted, the newest first (for those who
    /// manage members).
    #[graphql(complexity = "LIST * child_complexity")]
    async fn invitations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Invitation>> {
        Ok(organizations::pending_invitations(ctx.app(), &self.0)
            .await?
            .into_iter()
            .map(Invitation)
            .collect())
    }
    #[graphql(complexity = "LIST * child_complexity")]
    async fn sites(&self, ctx: &Context<'_>) -> ApiResult<Vec<Site>> {
        self.0.require(Action::ReadSites)?;
        let rows = site::Entity::find()
            .filter(site::Column::OrganizationId.eq(self.0.organization.id))
            .order_by_asc(site::Column::CreatedAt)
            .all(&ctx.app().db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|s| Site::new(ctx, s, &self.0))
            .collect())
    }
    /// This billing month.
    async fn usage(&self, ctx: &Context<'_>) -> ApiResult<Usage> {
        let app = ctx.app();
        let start = period_start(app.clock.now().date_naive());
        let events = usage::Entity::events_in(&app.db, self.0.organization.id, start).await?;
        let limit = app
            .settings
            .plans
            .get(self.0.organization.plan)
            .monthly_events;
        let (sites, seats) = organizations::sites_and_seats(app, &self.0.organization).await?;
        Ok(Usage {
            period_start: Date(start),
            events: clamp_i32(events.max(0) as u64),
            limit: clamp_i32(limit),
            over_quota: events.max(0) as u64 > limit,
            sites: clamp_i32(sites),
            seats: clamp_i32(seats),
        })
    }
    /// OWNER and BILLING roles only.
    #[graphql(complexity = "LIST * child_complexity")]
    async fn invoices(&self, ctx: &Context<'_>) -> ApiResult<Vec<Invoice>> {
        self.0.require(Action::ReadBilling)?;
        let rows = invoice::Entity::find()
            .filter(invoice::Column::OrganizationId.eq(self.0.organization.id))
            .order_by_desc(invoice::Column::PeriodStart)
            .all(&ctx.app().db)
            .await?;
        Ok(rows.into_iter().map(Invoice).collect())
    }
    /// OWNER and ADMIN roles only.
    #[graphql(complexity = "LIST * child_complexity")]
    async fn api_keys(&self, ctx: &Context<'_>) -> ApiResult<Vec<ApiKey>> {
        self.0.require(Action::ManageApiKeys)?;
        let rows = api_key::Entity::find()
            .filter(api_key::Column::OrganizationId.eq(self.0.organization.id))
            .order_by_asc(api_key::Column::CreatedAt)
            .all(&ctx.app().db)
            .await?;
        Ok(rows.into_iter().map(ApiKey).collect())
    }
}

pub struct Membership {
    pub model: membership::Model,
    pub user: user::Model,
}

#[Object]
impl Membership {
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    async fn role(&self) -> RoleGql {
        self.model.role.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}
