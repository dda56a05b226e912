//! Share links (issue 18): `createShareLink`, `deleteShareLink`, the
//! `ShareLink` object (`Site.shareLinks` is a field of `Site`), and
//! `sharedSite`, the site a share link's holder reads.

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use trackr_entity::share_link;

use super::{parse_id, site::Site, Ctx};
use crate::{
    access::{self, Action, Principal},
    error::ApiResult,
    shares::{self, NewLink},
    ApiError,
};

#[derive(InputObject)]
pub struct CreateShareLinkInput {
    site_id: ID,
    /// Unique per site; defaults to "Shared dashboard".
    name: Option<String>,
    /// 8 to 200 characters; without one, the link alone opens the
    /// dashboard.
    password: Option<String>,
    /// The link stops opening then.
    expires_at: Option<DateTime<Utc>>,
    /// Origins (`https://example.com`) whose pages may frame the embed
    /// (`?embed=true`); empty: any page may. At most 10.
    #[graphql(default)]
    allowed_origins: Vec<String>,
}

#[derive(Default)]
pub struct ShareQuery;

#[Object]
impl ShareQuery {
    /// The site a share link opens, for a request made with its slug (the
    /// `X-Trackr-Share` header): its reports only.
    async fn shared_site(&self, ctx: &Context<'_>) -> ApiResult<SharedSite> {
        let Principal::Share(link) = ctx.principal() else {
            return Err(ApiError::NotFound("share link"));
        };
        let (site, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            link.site_id,
            Action::ReadSites,
        )
        .await?;
        Ok(SharedSite {
            name: link.name.clone(),
            site: Site::new(ctx, site, &grant),
        })
    }
}

/// A shared dashboard: the link's name and its site.
pub struct SharedSite {
    name: String,
    site: Site,
}

#[Object]
impl SharedSite {
    /// The share link's name.
    async fn name(&self) -> &str {
        &self.name
    }
    async fn site(&self) -> &Site {
        &self.site
    }
}

#[derive(Default)]
pub struct ShareMutation;

#[Object]
impl ShareMutation {
    /// Makes a share link of a site (its owners and admins); at most 20 a
    /// site. The answer's `url` opens the dashboard.
    async fn create_share_link(
        &self,
        ctx: &Context<'_>,
        input: CreateShareLinkInput,
    ) -> ApiResult<ShareLink> {
        let site_id = parse_id(&input.site_id, "site")?;
        let (site, _) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            site_id,
            Action::ManageSites,
        )
        .await?;
        let link = shares::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            NewLink {
                name: input.name,
                password: input.password,
                expires_at: input.expires_at,
                allowed_origins: input.allowed_origins,
            },
        )
        .await?;
        Ok(ShareLink(link))
    }

    /// Revokes a share link: it opens nothing from now on.
    async fn delete_share_link(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "share link")?;
        shares::delete(ctx.app(), ctx.principal(), ctx.meta(), id).await?;
        Ok(true)
    }
}

pub struct ShareLink(pub share_link::Model);

#[Object]
impl ShareLink {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The unguessable part of the link.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The dashboard's address; add `?embed=true` to frame it.
    async fn url(&self, ctx: &Context<'_>) -> String {
        format!(
            "{}/share/{}",
            ctx.app().settings.public_url.trim_end_matches('/'),
            self.0.slug
        )
    }
    async fn has_password(&self) -> bool {
        self.0.password_hash.is_some()
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn allowed_origins(&self) -> Vec<String> {
        self.0.origins()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
