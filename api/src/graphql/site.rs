//! Sites, API keys, and data deletion and export requests: the `Site`,
//! `ApiKey`, `IngestIssue` and `Job` objects.

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use trackr_entity::{api_key, job, site};

use super::{
    clamp_i32, funnel,
    goal::{self, Goal, GoalConversion},
    parse_id, segment, Ctx, Date, DateRange,
};
use crate::{
    access::{self, Action, Grant},
    api_keys, data_jobs,
    error::ApiResult,
    sites::{self, SiteChanges},
    stats::{
        self, BreakdownRow, Comparison, DimensionGql, FilterInput, IntervalGql, Realtime, Stats,
        TimePoint,
    },
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
    /// Custom-property keys to keep; every other key of an event's
    /// properties is dropped at ingestion. Empty: keep all. Replaces the
    /// list; at most 100.
    allowed_property_keys: Option<Vec<String>>,
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
            allowed_property_keys: input.allowed_property_keys,
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

    /// At least one scope; a value outside `ApiKeyScope` is refused before
    /// anything is created.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        name: String,
        scopes: Vec<ApiKeyScopeGql>,
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
            scopes.into_iter().map(Into::into).collect(),
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
        // managing (a `SITES_WRITE` key alone may not).
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
        let row = job::Entity::find_by_id(id)
            .one(&ctx.app().db)
            .await?
            .ok_or(ApiError::NotFound("job"))?;
        // Only a site's deletions and exports are anyone's to follow.
        let kind = match row.kind {
            job::Kind::DeleteData => JobKindGql::DeleteData,
            job::Kind::Export => JobKindGql::Export,
            job::Kind::StripeEvent => return Err(ApiError::NotFound("job")),
        };
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
            kind,
            row,
        })
    }
}

/// What a job does.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "JobKind")]
pub enum JobKindGql {
    /// `deleteSiteData`.
    DeleteData,
    /// `requestExport`.
    Export,
}

/// Where a job is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "JobStatus", remote = "job::Status")]
pub enum JobStatusGql {
    /// Waiting for a worker.
    Queued,
    Running,
    Succeeded,
    /// Failed this attempt; it is tried again.
    Failed,
    /// Failed every attempt; it is not tried again.
    Dead,
}

pub struct Job {
    row: job::Model,
    kind: JobKindGql,
    /// Whether the caller may read what an export holds.
    downloads_readable: bool,
}

#[Object]
impl Job {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn kind(&self) -> JobKindGql {
        self.kind
    }
    async fn status(&self) -> JobStatusGql {
        self.row.status.into()
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
    /// site's data (a `SITES_WRITE` key alone may not).
    async fn download_urls(&self, ctx: &Context<'_>) -> Vec<String> {
        let result = self.row.result.as_ref();
        let expired = result
            .and_then(|r| r.get("expired"))
            .and_then(|e| e.as_bool())
            == Some(true);
        if expired || !self.downloads_readable || self.row.status != job::Status::Succeeded {
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

pub struct Site {
    pub model: site::Model,
    pub plan_retention_days: u32,
    /// Whether the caller's grant includes reports (a `SITES_WRITE` key
    /// gets the site back from `createSite`, not its reports).
    reports_readable: bool,
    /// Whether the caller's grant includes session recordings.
    recordings_readable: bool,
    /// Whether the caller manages the site's data (deletions, exports).
    data_manageable: bool,
    /// Reached through a share link: reports only, no settings.
    shared: bool,
}

impl Site {
    pub fn new(ctx: &Context<'_>, model: site::Model, grant: &Grant) -> Self {
        let plan = ctx.app().settings.plans.get(grant.organization.plan);
        Site {
            model,
            plan_retention_days: plan.retention_days,
            reports_readable: grant.allows(Action::ReadSites),
            recordings_readable: grant.allows(Action::ReadRecordings),
            data_manageable: grant.allows(Action::ManageSites),
            shared: grant.via == crate::access::Via::Share,
        }
    }

    /// The reports' question for `range` and `filters` (segments expanded
    /// as the caller sees them), once the caller may read reports.
    async fn scope(
        &self,
        ctx: &Context<'_>,
        range: &DateRange,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<stats::Scope> {
        self.require_reports()?;
        stats::scope(
            ctx.app(),
            ctx.principal().user_id(),
            &self.model,
            range,
            filters,
        )
        .await
    }

    /// What only those who manage the site read (`what`: "share links", …).
    fn require_manager(&self, what: &str) -> ApiResult<()> {
        if self.data_manageable {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{what} are for those who manage the site (OWNER, ADMIN)"
            )))
        }
    }

    /// Settings, segments and heatmaps are for members and API keys, not
    /// for a shared dashboard.
    fn require_unshared(&self) -> ApiResult<()> {
        if self.shared {
            Err(crate::ApiError::Forbidden(
                "a shared dashboard shows the site's reports only".into(),
            ))
        } else {
            Ok(())
        }
    }

    fn require_reports(&self) -> ApiResult<()> {
        if self.reports_readable {
            Ok(())
        } else {
            Err(crate::ApiError::Forbidden(
                "reading reports needs a member's role or an API key with the STATS_READ scope"
                    .into(),
            ))
        }
    }

    fn require_recordings(&self) -> ApiResult<()> {
        if self.recordings_readable {
            Ok(())
        } else {
            Err(crate::ApiError::Forbidden(
                "reading session recordings needs a member's role or an API key with the RECORDINGS_READ scope".into(),
            ))
        }
    }
}

#[Object]
impl Site {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn domain(&self) -> &str {
        &self.model.domain
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn timezone(&self) -> &str {
        &self.model.timezone
    }
    /// Effective: min(plan, override).
    async fn retention_days(&self) -> i32 {
        clamp_i32(
            self.model
                .effective_retention_days(self.plan_retention_days)
                .into(),
        )
    }
    async fn retention_override_days(&self) -> ApiResult<Option<i32>> {
        self.require_unshared()?;
        Ok(self.model.retention_days)
    }
    async fn honor_dnt(&self) -> ApiResult<bool> {
        self.require_unshared()?;
        Ok(self.model.honor_dnt)
    }
    async fn require_consent(&self) -> ApiResult<bool> {
        self.require_unshared()?;
        Ok(self.model.require_consent)
    }
    async fn recordings_enabled(&self) -> ApiResult<bool> {
        self.require_unshared()?;
        Ok(self.model.recordings_enabled)
    }
    /// Share of page loads the recorder records, 0 to 1.
    async fn recording_sample_rate(&self) -> ApiResult<f64> {
        self.require_unshared()?;
        Ok(self.model.recording_sample_rate)
    }
    /// A recording stops after this many seconds.
    async fn recording_max_seconds(&self) -> ApiResult<i32> {
        self.require_unshared()?;
        Ok(self.model.recording_max_seconds)
    }
    /// Mask all text in recordings, not only inputs (always masked).
    async fn recording_mask_all_text(&self) -> ApiResult<bool> {
        self.require_unshared()?;
        Ok(self.model.recording_mask_all_text)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The site's data requests (deletions and exports), newest first, at
    /// most `limit` (1 to 100): what was asked, by whom's role, and how it
    /// went. For those who manage the site's data.
    #[graphql(complexity = "limit.max(1) as usize * child_complexity")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] limit: i32,
    ) -> ApiResult<Vec<Job>> {
        if !self.data_manageable {
            return Err(ApiError::Forbidden(
                "data requests are for those who manage the site (OWNER, ADMIN)".into(),
            ));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiError::bad_input("limit", "must be 1 to 100"));
        }
        let rows = job::Entity::find()
            .filter(job::Column::SiteId.eq(self.model.id))
            .filter(job::Column::Kind.is_in([job::Kind::DeleteData, job::Kind::Export]))
            .order_by_desc(job::Column::CreatedAt)
            .limit(limit as u64)
            .all(&ctx.app().db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind = match row.kind {
                    job::Kind::DeleteData => JobKindGql::DeleteData,
                    job::Kind::Export => JobKindGql::Export,
                    job::Kind::StripeEvent => return None,
                };
                Some(Job {
                    downloads_readable: self.reports_readable,
                    kind,
                    row,
                })
            })
            .collect())
    }
    /// Extra hostnames whose events count for this site.
    async fn allowed_hostnames(&self) -> ApiResult<Vec<String>> {
        self.require_unshared()?;
        Ok(serde_json::from_value(self.model.allowed_hostnames.clone()).unwrap_or_default())
    }
    /// Custom-property keys kept at ingestion; empty: all.
    async fn allowed_property_keys(&self) -> ApiResult<Vec<String>> {
        self.require_unshared()?;
        Ok(serde_json::from_value(self.model.allowed_property_keys.clone()).unwrap_or_default())
    }
    /// Beacons refused for this site, so "why is nothing counted?" has an
    /// answer: a `data-domain` that names no site but is this site's
    /// neighbour, or a page on a hostname the site does not allow. Counted
    /// within seconds; newest first.
    async fn ingest_issues(&self, ctx: &Context<'_>) -> ApiResult<Vec<IngestIssue>> {
        use trackr_entity::ingest_issue;
        self.require_reports()?;
        self.require_unshared()?;
        let rows = ingest_issue::Entity::find()
            .filter(ingest_issue::Column::SiteId.eq(self.model.id))
            .order_by_desc(ingest_issue::Column::LastSeenAt)
            .all(&ctx.app().db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| IngestIssue::new(row, &self.model.domain))
            .collect())
    }
    /// Totals for the range (inclusive, in the site's time zone); ask for
    /// `previous` to compare with the period of equal length before it, or
    /// with the same dates a year before (`compare: YEAR_OVER_YEAR`).
    #[graphql(complexity = "child_complexity + 100")]
    async fn stats(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
        #[graphql(default)] compare: Comparison,
    ) -> ApiResult<Stats> {
        stats::load_stats(ctx, self.scope(ctx, &range, filters).await?, compare).await
    }
    /// One point per interval, empty ones as zero; with `compare`, each
    /// point carries the compared period's point at the same place.
    #[graphql(complexity = "child_complexity + 100")]
    async fn timeseries(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        interval: IntervalGql,
        filters: Option<Vec<FilterInput>>,
        compare: Option<Comparison>,
    ) -> ApiResult<Vec<TimePoint>> {
        stats::timeseries(
            ctx.app(),
            &self.scope(ctx, &range, filters).await?,
            interval,
            compare,
        )
        .await
    }
    /// Values of `dimension` in the range containing `text` (any case),
    /// most visitors first, under the other filters: what a filter's value
    /// may be (`limit` defaults to 10, at most 50).
    #[graphql(complexity = 100)]
    #[allow(clippy::too_many_arguments)]
    async fn suggestions(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        dimension: DimensionGql,
        #[graphql(desc = "The property's key, for PROPERTY.")] key: Option<String>,
        #[graphql(default)] text: String,
        filters: Option<Vec<FilterInput>>,
        limit: Option<i32>,
    ) -> ApiResult<Vec<String>> {
        stats::suggestions(
            ctx.app(),
            &self.scope(ctx, &range, filters).await?,
            dimension.into(),
            key.as_deref(),
            &text,
            limit,
        )
        .await
    }
    /// Top values by visitors (`limit` defaults to 10, at most 1000).
    #[graphql(complexity = "100 + limit.unwrap_or(10).clamp(1, 1000) as usize * child_complexity")]
    async fn breakdown(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        dimension: DimensionGql,
        #[graphql(desc = "The property's key, for PROPERTY.")] key: Option<String>,
        filters: Option<Vec<FilterInput>>,
        limit: Option<i32>,
    ) -> ApiResult<Vec<BreakdownRow>> {
        // The visit figures of today's visits are read raw: only when asked.
        let look = ctx.look_ahead();
        let visits = ["visits", "bounceRate", "visitDurationSeconds"]
            .into_iter()
            .any(|f| look.field(f).exists());
        let engagement = ["scrollDepth", "timeOnPageSeconds"]
            .into_iter()
            .any(|f| look.field(f).exists());
        stats::breakdown(
            ctx.app(),
            &self.scope(ctx, &range, filters).await?,
            dimension.into(),
            key.as_deref(),
            limit,
            visits,
            engagement,
        )
        .await
    }
    /// Custom-property keys of the range's events under the filters, most
    /// visitors first (`limit` defaults to 100, at most 1000); break one
    /// down with `breakdown(dimension: PROPERTY, key: …)`.
    #[graphql(complexity = "100 + limit.unwrap_or(100).clamp(1, 1000) as usize * child_complexity")]
    async fn property_keys(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
        limit: Option<i32>,
    ) -> ApiResult<Vec<stats::PropertyKey>> {
        stats::property_keys(ctx.app(), &self.scope(ctx, &range, filters).await?, limit).await
    }
    /// The segments the caller sees: shared ones and their own, by name.
    async fn segments(&self, ctx: &Context<'_>) -> ApiResult<Vec<segment::Segment>> {
        self.require_reports()?;
        self.require_unshared()?;
        segment::list(ctx, self.model.id).await
    }
    /// The site's funnels, oldest first.
    async fn funnels(&self, ctx: &Context<'_>) -> ApiResult<Vec<funnel::Funnel>> {
        self.require_reports()?;
        funnel::list(ctx.app(), self.model.id).await
    }
    /// One of the site's funnels over the range under the filters: the
    /// visitors reaching each step within one visit, in order.
    #[graphql(complexity = "200 + child_complexity")]
    async fn funnel(
        &self,
        ctx: &Context<'_>,
        id: ID,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<funnel::FunnelReport> {
        let scope = self.scope(ctx, &range, filters).await?;
        funnel::report(ctx.app(), &scope, &id).await
    }
    /// The site's goals, oldest first.
    async fn goals(&self, ctx: &Context<'_>) -> ApiResult<Vec<Goal>> {
        self.require_reports()?;
        goal::list(ctx.app(), self).await
    }
    /// Each goal's conversions over the range under the filters (a GOAL
    /// filter among them too), in the order of `goals`.
    #[graphql(complexity = "200 + child_complexity")]
    async fn goal_conversions(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<Vec<GoalConversion>> {
        goal::conversions(ctx.app(), &self.scope(ctx, &range, filters).await?).await
    }
    /// Recorded sessions that started in the range, newest first
    /// (`first` defaults to 20, at most 100; `after` is an edge's cursor).
    /// Filters: PAGE, COUNTRY, BROWSER, OS, DEVICE; and how long they
    /// lasted, at least `minDurationSeconds`, at most `maxDurationSeconds`.
    #[graphql(complexity = "100 + first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn recordings(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
        min_duration_seconds: Option<i32>,
        max_duration_seconds: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<super::recording::RecordingConnection> {
        self.require_recordings()?;
        // Recordings need their own scope, not the reports'.
        let scope = stats::scope(
            ctx.app(),
            ctx.principal().user_id(),
            &self.model,
            &range,
            filters,
        )
        .await?;
        let (rows, more) = crate::recordings::list(
            ctx.app(),
            self.model.id,
            trackr_analytics::time::window(scope.tz, scope.from, scope.to)?,
            &scope.filters,
            (min_duration_seconds, max_duration_seconds),
            first,
            after.as_deref(),
        )
        .await?;
        Ok(super::recording::connection(rows, after.is_some(), more))
    }
    /// One recorded session, with its rrweb events; `null` if none.
    #[graphql(complexity = "10 + child_complexity")]
    async fn recording(
        &self,
        ctx: &Context<'_>,
        session_id: String,
    ) -> ApiResult<Option<super::recording::Recording>> {
        self.require_recordings()?;
        Ok(
            crate::recordings::find(ctx.app(), self.model.id, &session_id)
                .await?
                .map(super::recording::Recording),
        )
    }
    /// Click density on `path` (as recorded: the page's pathname) for one
    /// viewport class, on a grid of `columns` (default 20) equal slices of
    /// the page's width and rows `cellHeight` px tall (default 50).
    #[graphql(complexity = "child_complexity + 100")]
    async fn heatmap(
        &self,
        ctx: &Context<'_>,
        path: String,
        range: DateRange,
        viewport_class: stats::heatmap::ViewportClass,
        columns: Option<i32>,
        cell_height: Option<i32>,
    ) -> ApiResult<super::recording::Heatmap> {
        self.require_unshared()?;
        let scope = self.scope(ctx, &range, None).await?;
        let grid = stats::heatmap::heatmap(
            ctx.app(),
            self.model.id,
            trackr_analytics::time::window(scope.tz, scope.from, scope.to)?,
            &path,
            viewport_class,
            columns,
            cell_height,
        )
        .await?;
        Ok(super::recording::Heatmap::new(path, viewport_class, grid))
    }
    /// The site's share links (for those who manage the site), oldest
    /// first.
    async fn share_links(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::share::ShareLink>> {
        self.require_manager("share links")?;
        Ok(crate::shares::list(ctx.app(), self.model.id)
            .await?
            .into_iter()
            .map(super::share::ShareLink)
            .collect())
    }
    /// Who receives the site's email reports and alerts (for those who
    /// manage the site), by address.
    async fn email_recipients(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::notify::EmailRecipient>> {
        self.require_manager("email recipients")?;
        Ok(crate::recipients::list(ctx.app(), self.model.id)
            .await?
            .into_iter()
            .map(super::notify::EmailRecipient)
            .collect())
    }
    /// The site's traffic alerts (for those who manage the site).
    async fn traffic_alerts(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::notify::TrafficAlert>> {
        self.require_manager("traffic alerts")?;
        Ok(crate::recipients::alerts(ctx.app(), self.model.id)
            .await?
            .into_iter()
            .map(super::notify::TrafficAlert)
            .collect())
    }
    /// Visitors in the last 5 minutes.
    #[graphql(complexity = 20)]
    async fn realtime_visitors(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.require_reports()?;
        stats::realtime_visitors(ctx.app(), self.model.id).await
    }
    /// The last 30 minutes: visitors now, per minute, and the top pages,
    /// sources and countries.
    #[graphql(complexity = "100 + child_complexity")]
    async fn realtime(&self, ctx: &Context<'_>) -> ApiResult<Realtime> {
        self.require_reports()?;
        stats::realtime(ctx.app(), self.model.id).await
    }
}

/// What an API key may do (stored as `stats:read`, `sites:read`,
/// `sites:write`, `recordings:read`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ApiKeyScope", remote = "api_key::Scope")]
pub enum ApiKeyScopeGql {
    /// Read the organization and its sites: settings and reports.
    StatsRead,
    /// The same as `STATS_READ`.
    SitesRead,
    /// Create, update and delete sites; delete and export their data
    /// (exporting needs reading too).
    SitesWrite,
    /// Session recordings; the key reaches a site through `STATS_READ` or
    /// `SITES_READ`.
    RecordingsRead,
}

pub struct ApiKey(pub api_key::Model);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn scopes(&self) -> Vec<ApiKeyScopeGql> {
        self.0.scopes.iter().map(Into::into).collect()
    }
    /// The first characters of the secret, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// The secret is shown once, here, and never again.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    pub secret: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IngestIssueKind {
    /// Beacons named a domain no site has, next to this site's.
    UnknownDomain,
    /// Beacons came from pages on a hostname this site does not allow.
    HostNotAllowed,
}

/// Beacons refused for a site, by kind.
#[derive(SimpleObject)]
pub struct IngestIssue {
    pub kind: IngestIssueKind,
    /// Beacons refused so far.
    pub count: i32,
    /// The last domain (or hostname) they named.
    pub example: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// What to change so that they count.
    pub hint: String,
}

impl IngestIssue {
    fn new(row: trackr_entity::ingest_issue::Model, domain: &str) -> Self {
        let local = row.example == "localhost"
            || row.example.ends_with(".localhost")
            || row.example.parse::<std::net::IpAddr>().is_ok()
            || crate::sites::normalize_domain(&row.example).is_err();
        let (kind, hint) = if row.kind == crate::ingest::issues::HOST_NOT_ALLOWED && local {
            (
                IngestIssueKind::HostNotAllowed,
                format!(
                    "pages served from {} (a local address, or not a domain name) do not count for {domain}: they are a test or a copy of the site, and stay uncounted",
                    row.example
                ),
            )
        } else if row.kind == crate::ingest::issues::HOST_NOT_ALLOWED {
            (
                IngestIssueKind::HostNotAllowed,
                format!(
                    "pages on {} are not {domain} or one of its subdomains: add {} to the site's allowed hostnames (updateSite, allowedHostnames) if they belong to this site",
                    row.example, row.example
                ),
            )
        } else {
            (
                IngestIssueKind::UnknownDomain,
                format!(
                    "the script tag says data-domain=\"{}\", but this site's domain is {domain}: change the tag to data-domain=\"{domain}\", or add a site for {}",
                    row.example, row.example
                ),
            )
        };
        IngestIssue {
            kind,
            count: clamp_i32(row.count.max(0) as u64),
            example: row.example,
            first_seen_at: row.first_seen_at,
            last_seen_at: row.last_seen_at,
            hint,
        }
    }
}
