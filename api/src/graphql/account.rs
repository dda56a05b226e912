//! Accounts: `me`, sign-up, log-in, password reset, profile; the `User`
//! and `AuthPayload` objects.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use trackr_entity::{membership, organization, session, user};

use super::{organization::Organization, Ctx, LoggedIn, LIST};
use axum::http::header;

use crate::{
    access::{Grant, Via},
    accounts,
    browser::Browser,
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

    /// Everything TrackR keeps about you, as one JSON document: profile,
    /// memberships, open sessions (without their secrets) and the audit
    /// entries by or about you. For a logged-in user (not an API key).
    #[graphql(guard = "LoggedIn")]
    async fn my_data(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<async_graphql::Json<serde_json::Value>> {
        accounts::my_data(ctx.app(), ctx.principal(), ctx.meta())
            .await
            .map(async_graphql::Json)
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
        Ok(AuthPayload {
            token: hand_over(ctx, token),
            user,
        })
    }

    async fn log_in(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> ApiResult<AuthPayload> {
        let (token, user) = accounts::log_in(ctx.app(), ctx.meta(), &email, &password).await?;
        Ok(AuthPayload {
            token: hand_over(ctx, token),
            user,
        })
    }

    /// Ends this session server-side (and clears the browser's cookie).
    #[graphql(guard = "LoggedIn")]
    async fn log_out(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let ended = accounts::log_out(ctx.app(), ctx.principal()).await?;
        forget_cookie(ctx);
        Ok(ended)
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

    /// Emails a new verification link; `false` when the email is verified
    /// already.
    #[graphql(guard = "LoggedIn")]
    async fn resend_verification_email(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        accounts::resend_verification(ctx.app(), ctx.principal(), ctx.meta()).await
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

    /// Ends one of your sessions (log out a device).
    #[graphql(guard = "LoggedIn")]
    async fn end_session(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = super::parse_id(&id, "session")?;
        accounts::end_session(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }

    /// Removes the account and its personal data.
    #[graphql(guard = "LoggedIn")]
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> ApiResult<bool> {
        let deleted =
            accounts::delete_account(ctx.app(), ctx.principal(), ctx.meta(), &password).await?;
        forget_cookie(ctx);
        Ok(deleted)
    }
}

/// A new session for its client: TrackR's own pages get it as an
/// `HttpOnly` cookie and an empty `token` (page JavaScript never holds a
/// session secret); API clients get the token.
fn hand_over(ctx: &Context<'_>, token: String) -> String {
    match ctx.data_opt::<Browser>().filter(|b| b.own_page) {
        Some(browser) => {
            let days = ctx.app().settings.limits.session_days;
            ctx.append_http_header(header::SET_COOKIE, browser.set_cookie(&token, days));
            String::new()
        }
        None => token,
    }
}

/// Clears the browser's session cookie, if the request came from our pages.
fn forget_cookie(ctx: &Context<'_>) {
    if let Some(browser) = ctx.data_opt::<Browser>().filter(|b| b.own_page) {
        ctx.append_http_header(header::SET_COOKIE, browser.clear_cookie());
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
    /// An operator: reads any organization (audited).
    async fn is_staff(&self) -> bool {
        self.0.is_staff
    }
    /// Finance staff: reads billing across organizations (audited).
    async fn is_finance(&self) -> bool {
        self.0.is_finance
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Your open sessions, the most recently used first (empty for
    /// another user).
    #[graphql(complexity = "LIST * child_complexity")]
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Session>> {
        if ctx.principal().user_id() != Some(self.0.id) {
            return Ok(Vec::new());
        }
        let current = match ctx.principal() {
            crate::access::Principal::User { session_id, .. } => Some(*session_id),
            _ => None,
        };
        Ok(accounts::sessions(ctx.app(), &self.0)
            .await?
            .into_iter()
            .map(|s| Session {
                current: Some(s.id) == current,
                model: s,
            })
            .collect())
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

/// A log-in session: where and when, never its secret.
pub struct Session {
    model: session::Model,
    current: bool,
}

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// Browser and system, such as "Firefox on Linux".
    async fn device(&self) -> Option<&str> {
        self.model.device.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it was last used, to within five minutes.
    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.model.last_seen_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }
    /// Whether this is the session making the request.
    async fn current(&self) -> bool {
        self.current
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// The session token, shown once: send it as `Authorization: Bearer`.
    /// Empty when the request came from TrackR's own pages, which get the
    /// session as an `HttpOnly` cookie instead.
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
