//! Sites, API keys, and data deletion and export requests.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};

use super::{
    parse_id,
    types::{ApiKey, CreatedApiKey, Site},
    Ctx, DateRange,
};
use crate::{
    access::{self, Action},
    api_keys,
    error::ApiResult,
    sites::{self, SiteChanges},
    ApiError,
};

#[derive(Default)]
pub struct SiteQuery;

#[Object]
impl SiteQuery {
    async fn site(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Site> {
        let id = parse_id(&id, "site")?;
        let (site, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ReadSites,
        )
        .await?;
        Ok(Site::new(ctx, site, &grant))
    }
}

#[derive(InputObject)]
pub struct UpdateSiteInput {
    name: Option<String>,
    timezone: Option<String>,
    /// `null` clears the override.
    retention_override_days: MaybeUndefined<i32>,
    honor_dnt: Option<bool>,
    require_consent: Option<bool>,
    recordings_enabled: Option<bool>,
}

#[derive(Default)]
pub struct SiteMutation;

#[Object]
impl SiteMutation {
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        domain: String,
        name: Option<String>,
        timezone: Option<String>,
    ) -> ApiResult<Site> {
        let org_id = parse_id(&organization_id, "organization")?;
        let grant = access::organization(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            org_id,
            Action::ManageSites,
        )
        .await?;
        let site = sites::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &grant,
            &domain,
            name,
            timezone,
        )
        .await?;
        Ok(Site::new(ctx, site, &grant))
    }

    async fn update_site(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSiteInput,
    ) -> ApiResult<Site> {
        let id = parse_id(&id, "site")?;
        let (site, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        let changes = SiteChanges {
            name: input.name,
            timezone: input.timezone,
            retention_override_days: match input.retention_override_days {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            honor_dnt: input.honor_dnt,
            require_consent: input.require_consent,
            recordings_enabled: input.recordings_enabled,
        };
        let site = sites::update(ctx.app(), &grant, site, changes).await?;
        Ok(Site::new(ctx, site, &grant))
    }

    async fn delete_site(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "site")?;
        let (site, _) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        sites::delete(ctx.app(), ctx.principal(), ctx.meta(), &site).await
    }

    /// Scopes: `stats:read`, `sites:read`, `sites:write`.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        name: String,
        scopes: Vec<String>,
    ) -> ApiResult<CreatedApiKey> {
        let org_id = parse_id(&organization_id, "organization")?;
        ctx.principal().user()?;
        let grant = access::organization(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            org_id,
            Action::ManageApiKeys,
        )
        .await?;
        let (key, secret) = api_keys::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &grant,
            &name,
            scopes,
        )
        .await?;
        Ok(CreatedApiKey {
            api_key: ApiKey(key),
            secret,
        })
    }

    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "API key")?;
        ctx.principal().user()?;
        api_keys::revoke(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }

    /// Deletes a site's data for a range or one visitor; returns a job id.
    async fn delete_site_data(
        &self,
        ctx: &Context<'_>,
        site_id: ID,
        range: Option<DateRange>,
        visitor_id: Option<String>,
    ) -> ApiResult<ID> {
        let id = parse_id(&site_id, "site")?;
        access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        let _ = (range, visitor_id);
        Err(ApiError::NotAvailable(
            "data deletion is not available yet in this version".into(),
        ))
    }

    /// Exports a site's raw events for a range; returns a job id.
    async fn request_export(
        &self,
        ctx: &Context<'_>,
        site_id: ID,
        range: DateRange,
    ) -> ApiResult<ID> {
        let id = parse_id(&site_id, "site")?;
        access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        let _ = range;
        Err(ApiError::NotAvailable(
            "data export is not available yet in this version".into(),
        ))
    }
}
