//! Organizations, members and invitations.

use async_graphql::{Context, Object, ID};

use super::{
    parse_id,
    types::{Membership, Organization, RoleGql},
    Ctx, LoggedIn,
};
use crate::{
    access::{self, Action},
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

use sea_orm::EntityTrait;
