//! Accounts: `me`, sign-up, log-in, password reset, profile; the `User`
//! and `AuthPayload` objects.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use trackr_entity::{membership, organization, user};

use super::{organization::Organization, Ctx, LoggedIn, LIST};
use crate::{
    access::{Grant, Via},
    accounts,
    error::ApiResult,
};

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    #[graphql(guard = "LoggedIn")]
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        Ok(User(ctx.principal().user()?.clone()))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        email: String,
        username: String,
        password: String,
    ) -> ApiResult<AuthPayload> {
        let (token, user) =
            accounts::sign_up(ctx.app(), ctx.meta(), &email, &username, &password).await?;
        Ok(AuthPayload { token, user })
    }

    async fn log_in(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> ApiResult<AuthPayload> {
        let (token, user) = accounts::log_in(ctx.app(), ctx.meta(), &email, &password).await?;
        Ok(AuthPayload { token, user })
    }

    #[graphql(guard = "LoggedIn")]
    async fn log_out(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        accounts::log_out(ctx.app(), ctx.principal()).await
    }

    /// Always `true`: the answer never reveals whether an account exists.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> ApiResult<bool> {
        accounts::request_password_reset(ctx.app(), ctx.meta(), &email).await
    }

    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> ApiResult<bool> {
        accounts::reset_password(ctx.app(), ctx.meta(), &token, &new_password).await
    }

    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> ApiResult<bool> {
        accounts::verify_email(ctx.app(), &token).await
    }

    /// The username is immutable. Changing the email needs the current
    /// password; the new address is verified again, the old one is told,
    /// and the user's other sessions end.
    #[graphql(guard = "LoggedIn")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        email: Option<String>,
        current_password: Option<String>,
    ) -> ApiResult<User> {
        accounts::update_profile(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            name,
            email,
            current_password.as_deref(),
        )
        .await
        .map(User)
    }

    /// Changes the password (the current one is required); the user's
    /// other sessions end.
    #[graphql(guard = "LoggedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> ApiResult<bool> {
        accounts::change_password(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &current_password,
            &new_password,
        )
        .await
    }

    /// Removes the account and its personal data.
    #[graphql(guard = "LoggedIn")]
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> ApiResult<bool> {
        accounts::delete_account(ctx.app(), ctx.principal(), ctx.meta(), &password).await
    }
}

pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn email_verified(&self) -> bool {
        self.0.email_verified_at.is_some()
    }
    async fn is_staff(&self) -> bool {
        self.0.is_staff
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user's organizations; for another user, only those the caller
    /// shares with them, each seen with the caller's own role.
    #[graphql(complexity = "LIST * child_complexity")]
    async fn organizations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organization>> {
        let app = ctx.app();
        let Some(viewer) = ctx.principal().user_id() else {
            return Ok(Vec::new());
        };
        let rows = membership::Entity::find()
            .filter(membership::Column::UserId.eq(self.0.id))
            .find_also_related(organization::Entity)
            .order_by_asc(membership::Column::CreatedAt)
            .all(&app.db)
            .await?;
        let viewer_roles: HashMap<uuid::Uuid, membership::Role> = if viewer == self.0.id {
            rows.iter()
                .map(|(m, _)| (m.organization_id, m.role))
                .collect()
        } else {
            membership::Entity::find()
                .filter(membership::Column::UserId.eq(viewer))
                .all(&app.db)
                .await?
                .into_iter()
                .map(|m| (m.organization_id, m.role))
                .collect()
        };
        Ok(rows
            .into_iter()
            .filter_map(|(m, org)| {
                let role = *viewer_roles.get(&m.organization_id)?;
                Some(Organization(Grant {
                    organization: org?,
                    via: Via::Member(role),
                    actor: Some(viewer),
                }))
            })
            .collect())
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    pub token: String,
    #[graphql(skip)]
    pub user: user::Model,
}

#[ComplexObject]
impl AuthPayload {
    async fn user(&self) -> User {
        User(self.user.clone())
    }
}
