//! GraphQL objects. Each carries the access that loaded it, so its fields
//! can check the role table without another lookup.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use trackr_config::PlanId as ConfigPlanId;
use trackr_entity::{api_key, invoice, membership, organization, site, subscription, usage, user};

use super::{Ctx, Date, DateRange};
use crate::stats::{self, BreakdownRow, DimensionGql, FilterInput, IntervalGql, Stats, TimePoint};
use crate::{
    access::{Action, Grant, Via},
    error::ApiResult,
};

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

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "PlanId")]
pub enum PlanIdGql {
    Free,
    Starter,
    Growth,
    Business,
}

impl From<ConfigPlanId> for PlanIdGql {
    fn from(p: ConfigPlanId) -> Self {
        match p {
            ConfigPlanId::Free => PlanIdGql::Free,
            ConfigPlanId::Starter => PlanIdGql::Starter,
            ConfigPlanId::Growth => PlanIdGql::Growth,
            ConfigPlanId::Business => PlanIdGql::Business,
        }
    }
}

impl From<PlanIdGql> for ConfigPlanId {
    fn from(p: PlanIdGql) -> Self {
        match p {
            PlanIdGql::Free => ConfigPlanId::Free,
            PlanIdGql::Starter => ConfigPlanId::Starter,
            PlanIdGql::Growth => ConfigPlanId::Growth,
            PlanIdGql::Business => ConfigPlanId::Business,
        }
    }
}

pub struct Plan {
    pub id: ConfigPlanId,
    pub plan: trackr_config::Plan,
}

impl Plan {
    pub fn of(ctx: &Context<'_>, id: ConfigPlanId) -> Self {
        Plan {
            id,
            plan: ctx.app().settings.plans.get(id).clone(),
        }
    }
}

fn clamp_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object]
impl Plan {
    async fn id(&self) -> PlanIdGql {
        self.id.into()
    }
    async fn name(&self) -> &str {
        &self.plan.name
    }
    async fn monthly_events(&self) -> i32 {
        clamp_i32(self.plan.monthly_events)
    }
    /// `null` = unlimited.
    async fn max_sites(&self) -> Option<i32> {
        self.plan.max_sites.map(|n| clamp_i32(n.into()))
    }
    /// `null` = unlimited.
    async fn max_seats(&self) -> Option<i32> {
        self.plan.max_seats.map(|n| clamp_i32(n.into()))
    }
    async fn retention_days(&self) -> i32 {
        clamp_i32(self.plan.retention_days.into())
    }
    /// `null` = no session recordings on this plan.
    async fn recording_retention_days(&self) -> Option<i32> {
        self.plan
            .recording_retention_days
            .map(|n| clamp_i32(n.into()))
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

/// What a list without pagination counts for in a query's complexity:
/// each item's fields, this many times. Lists of organizations, members
/// and sites are bounded by their own limits (organizations per user,
/// seats, sites), so a document cannot nest them into millions of rows
/// for one request.
const LIST: usize = 10;

pub struct Organization(pub Grant);

/// The start of the billing month containing `today`.
pub fn period_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
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
        Plan::of(ctx, self.0.organization.plan_id())
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
        if matches!(self.0.via, Via::ApiKey { .. }) {
            return Err(crate::ApiError::Forbidden(
                "API keys cannot list members".into(),
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
        let start = period_start(Utc::now().date_naive());
        let events = usage::Entity::events_in(&app.db, self.0.organization.id, start).await?;
        let limit = app
            .settings
            .plans
            .get(self.0.organization.plan_id())
            .monthly_events;
        Ok(Usage {
            period_start: Date(start),
            events: clamp_i32(events.max(0) as u64),
            limit: clamp_i32(limit),
            over_quota: events.max(0) as u64 > limit,
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

pub struct Site {
    pub model: site::Model,
    pub plan_retention_days: u32,
    /// Whether the caller's grant includes reports (a `sites:write` key
    /// gets the site back from `createSite`, not its reports).
    reports_readable: bool,
    /// Whether the caller's grant includes session recordings.
    recordings_readable: bool,
}

impl Site {
    pub fn new(ctx: &Context<'_>, model: site::Model, grant: &Grant) -> Self {
        let plan = ctx.app().settings.plans.get(grant.organization.plan_id());
        Site {
            model,
            plan_retention_days: plan.retention_days,
            reports_readable: grant.allows(Action::ReadSites),
            recordings_readable: grant.allows(Action::ReadRecordings),
        }
    }

    fn require_reports(&self) -> ApiResult<()> {
        if self.reports_readable {
            Ok(())
        } else {
            Err(crate::ApiError::Forbidden(
                "reading reports needs a member's role or an API key with the stats:read scope"
                    .into(),
            ))
        }
    }

    fn require_recordings(&self) -> ApiResult<()> {
        if self.recordings_readable {
            Ok(())
        } else {
            Err(crate::ApiError::Forbidden(
                "reading session recordings needs a member's role or an API key with the recordings:read scope".into(),
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
    async fn retention_override_days(&self) -> Option<i32> {
        self.model.retention_days
    }
    async fn honor_dnt(&self) -> bool {
        self.model.honor_dnt
    }
    async fn require_consent(&self) -> bool {
        self.model.require_consent
    }
    async fn recordings_enabled(&self) -> bool {
        self.model.recordings_enabled
    }
    /// Share of page loads the recorder records, 0 to 1.
    async fn recording_sample_rate(&self) -> f64 {
        self.model.recording_sample_rate
    }
    /// A recording stops after this many seconds.
    async fn recording_max_seconds(&self) -> i32 {
        self.model.recording_max_seconds
    }
    /// Mask all text in recordings, not only inputs (always masked).
    async fn recording_mask_all_text(&self) -> bool {
        self.model.recording_mask_all_text
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// Extra hostnames whose events count for this site.
    async fn allowed_hostnames(&self) -> Vec<String> {
        serde_json::from_value(self.model.allowed_hostnames.clone()).unwrap_or_default()
    }
    /// Beacons refused for this site, so "why is nothing counted?" has an
    /// answer: a `data-domain` that names no site but is this site's
    /// neighbour, or a page on a hostname the site does not allow. Counted
    /// within seconds; newest first.
    async fn ingest_issues(&self, ctx: &Context<'_>) -> ApiResult<Vec<IngestIssue>> {
        use trackr_entity::ingest_issue;
        self.require_reports()?;
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
    /// `previous` to compare with the period of equal length before it.
    #[graphql(complexity = "child_complexity + 100")]
    async fn stats(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<Stats> {
        self.require_reports()?;
        stats::load_stats(ctx, stats::scope(&self.model, &range, filters)?).await
    }
    /// One point per interval, empty ones as zero.
    #[graphql(complexity = "child_complexity + 100")]
    async fn timeseries(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        interval: IntervalGql,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<Vec<TimePoint>> {
        self.require_reports()?;
        stats::timeseries(
            ctx.app(),
            &stats::scope(&self.model, &range, filters)?,
            interval,
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
        filters: Option<Vec<FilterInput>>,
        limit: Option<i32>,
    ) -> ApiResult<Vec<BreakdownRow>> {
        self.require_reports()?;
        stats::breakdown(
            ctx.app(),
            &stats::scope(&self.model, &range, filters)?,
            dimension.into(),
            limit,
        )
        .await
    }
    /// Recorded sessions that started in the range, newest first
    /// (`first` defaults to 20, at most 100; `after` is an edge's cursor).
    /// Filters: PAGE, COUNTRY, BROWSER, OS, DEVICE.
    #[graphql(complexity = "100 + first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn recordings(
        &self,
        ctx: &Context<'_>,
        range: DateRange,
        filters: Option<Vec<FilterInput>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<super::recording::RecordingConnection> {
        self.require_recordings()?;
        let scope = stats::scope(&self.model, &range, filters)?;
        let (rows, more) = crate::recordings::list(
            ctx.app(),
            self.model.id,
            trackr_analytics::time::window(scope.tz, scope.from, scope.to)?,
            &scope.filters,
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
        self.require_reports()?;
        let scope = stats::scope(&self.model, &range, None)?;
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
    /// Visitors in the last 5 minutes.
    #[graphql(complexity = 20)]
    async fn realtime_visitors(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.require_reports()?;
        stats::realtime_visitors(ctx.app(), self.model.id).await
    }
}

#[derive(SimpleObject)]
pub struct Usage {
    pub period_start: Date,
    pub events: i32,
    pub limit: i32,
    pub over_quota: bool,
}

pub struct Subscription(pub subscription::Model);

#[Object]
impl Subscription {
    /// Stripe's status: active, trialing, past_due, canceled, …
    async fn status(&self) -> &str {
        &self.0.status
    }
    async fn plan(&self, ctx: &Context<'_>) -> Plan {
        Plan::of(ctx, self.0.plan.parse().unwrap_or(ConfigPlanId::Free))
    }
    async fn current_period_end(&self) -> DateTime<Utc> {
        self.0.current_period_end
    }
    async fn cancel_at_period_end(&self) -> bool {
        self.0.cancel_at_period_end
    }
}

pub struct Invoice(pub invoice::Model);

#[Object]
impl Invoice {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn stripe_invoice_id(&self) -> &str {
        &self.0.stripe_invoice_id
    }
    async fn status(&self) -> &str {
        &self.0.status
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Minor units (cents).
    async fn amount_due(&self) -> i32 {
        i32::try_from(self.0.amount_due).unwrap_or(i32::MAX)
    }
    /// Minor units (cents).
    async fn amount_paid(&self) -> i32 {
        i32::try_from(self.0.amount_paid).unwrap_or(i32::MAX)
    }
    async fn period_start(&self) -> DateTime<Utc> {
        self.0.period_start
    }
    async fn period_end(&self) -> DateTime<Utc> {
        self.0.period_end
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    async fn hosted_invoice_url(&self) -> Option<&str> {
        self.0.hosted_url.as_deref()
    }
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
    async fn scopes(&self) -> Vec<String> {
        self.0.scope_list()
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
