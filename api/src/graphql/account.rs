//! Accounts: `me`, sign-up, log-in, password reset, profile.

use async_graphql::{Context, Object};

use super::{
    types::{AuthPayload, User},
    Ctx, LoggedIn,
};
use crate::{accounts, error::ApiResult};

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
