//! Sites, API keys, and data deletion and export requests.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};

use super::{
    parse_id,
    types::{ApiKey, CreatedApiKey, Site},
    Ctx, Date, DateRange,
};
use sea_orm::EntityTrait;

use crate::{
    access::{self, Action},
    api_keys, data_jobs,
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
    /// Share of page loads recorded, 0 to 1.
    recording_sample_rate: Option<f64>,
    /// A recording stops after this many seconds (10 to 14400).
    recording_max_seconds: Option<i32>,
    /// Mask all text in recordings, not only inputs.
    recording_mask_all_text: Option<bool>,
    /// Extra hostnames (besides the domain and its subdomains) whose pages
    /// count for the site; replaces the list. At most 50.
    allowed_hostnames: Option<Vec<String>>,
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
            recording_sample_rate: input.recording_sample_rate,
            recording_max_seconds: input.recording_max_seconds,
            recording_mask_all_text: input.recording_mask_all_text,
            allowed_hostnames: input.allowed_hostnames,
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

    /// Deletes a site's data for a range (in the site's time zone) and/or
    /// one visitor (the `visitor_id` of an export); neither = all of it.
    /// Returns a job id; follow it with `job(id)`.
    async fn delete_site_data(
        &self,
        ctx: &Context<'_>,
        site_id: ID,
        range: Option<DateRange>,
        visitor_id: Option<String>,
    ) -> ApiResult<ID> {
        let id = parse_id(&site_id, "site")?;
        let (site, _) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        let window = range.map(|r| window_of(&site, &r)).transpose()?;
        data_jobs::request_delete(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            window,
            visitor_id,
        )
        .await
        .map(|id| ID(id.to_string()))
    }

    /// Exports a site's raw events for a range as gzipped NDJSON and CSV.
    /// Returns a job id; `job(id)` gives the download links when done.
    async fn request_export(
        &self,
        ctx: &Context<'_>,
        site_id: ID,
        range: DateRange,
    ) -> ApiResult<ID> {
        let id = parse_id(&site_id, "site")?;
        let (site, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageSites,
        )
        .await?;
        // An export is every event of the range: reading, not only
        // managing (a `sites:write` key alone may not).
        grant.require(Action::ReadSites)?;
        let window = window_of(&site, &range)?;
        data_jobs::request_export(ctx.app(), ctx.principal(), ctx.meta(), &site, window)
            .await
            .map(|id| ID(id.to_string()))
    }
}

fn window_of(
    site: &trackr_entity::site::Model,
    range: &DateRange,
) -> ApiResult<trackr_analytics::Window> {
    let (Date(from), Date(to)) = (range.from, range.to);
    Ok(trackr_analytics::time::window(
        trackr_analytics::time::timezone(&site.timezone),
        from,
        to,
    )?)
}

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// A deletion or export job, for those who may manage its site.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Job> {
        // Who asks comes first: an anonymous caller learns nothing, not
        // even whether the id exists.
        ctx.principal().require_authenticated()?;
        let id = parse_id(&id, "job")?;
        let row = trackr_entity::job::Entity::find_by_id(id)
            .one(&ctx.app().db)
            .await?
            .ok_or(ApiError::NotFound("job"))?;
        let site = row.site_id.ok_or(ApiError::NotFound("job"))?;
        let (_, grant) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            site,
            Action::ManageSites,
        )
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("job"),
            other => other,
        })?;
        Ok(Job {
            downloads_readable: grant.allows(Action::ReadSites),
            row,
        })
    }
}

pub struct Job {
    row: trackr_entity::job::Model,
    /// Whether the caller may read what an export holds.
    downloads_readable: bool,
}

#[Object]
impl Job {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// `delete_data` or `export`.
    async fn kind(&self) -> &str {
        &self.row.kind
    }
    /// queued, running, succeeded or failed.
    async fn status(&self) -> &str {
        &self.row.status
    }
    /// 0 to 1.
    async fn progress(&self) -> f64 {
        self.row.progress
    }
    async fn error(&self) -> Option<&str> {
        self.row.error.as_deref()
    }
    /// Counts of what was deleted or exported.
    async fn result(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.row.result.clone().map(async_graphql::Json)
    }
    /// For a finished export: links to the NDJSON and CSV files, valid 24
    /// hours from this request and never past the files (kept 25 hours
    /// after the export finished, and removed at once when the data they
    /// hold is deleted); then empty. Only for callers who may read the
    /// site's data (a `sites:write` key alone may not).
    async fn download_urls(&self, ctx: &Context<'_>) -> Vec<String> {
        let result = self.row.result.as_ref();
        let expired = result
            .and_then(|r| r.get("expired"))
            .and_then(|e| e.as_bool())
            == Some(true);
        if expired || !self.downloads_readable || self.row.status != "succeeded" {
            return Vec::new();
        }
        let files_until = self.row.updated_at
            + chrono::Duration::hours(trackr_worker::jobs::exports::EXPORT_KEEP_HOURS);
        let files = result
            .and_then(|r| r.get("files"))
            .and_then(|f| serde_json::from_value::<Vec<String>>(f.clone()).ok())
            .unwrap_or_default();
        let mut links = Vec::with_capacity(files.len());
        for f in &files {
            if let Some(link) =
                data_jobs::download_link(ctx.app(), self.row.id, f, files_until).await
            {
                links.push(link);
            }
        }
        links
    }
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.created_at
    }
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.updated_at
    }
}
