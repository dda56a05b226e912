//! The GraphQL API: schema assembly, context helpers and scalars. One
//! module per concept holds its operations and its objects: `account`
//! (users), `organization` (organizations, members), `site` (sites, API
//! keys, jobs), `billing` (plans, subscriptions, invoices, usage) and
//! `recording` (session recordings, heatmaps).

mod account;
mod billing;
pub mod document;
pub mod extensions;
mod funnel;
mod goal;
mod notify;
mod organization;
mod recording;
mod segment;
mod share;
mod site;

use async_graphql::{
    Context, EmptySubscription, Guard, InputValueError, InputValueResult, MergedObject, Scalar,
    ScalarType, Schema, SchemaBuilder, Value, ID,
};
use uuid::Uuid;

use crate::{
    access::{Principal, RequestMeta},
    error::ApiResult,
    ApiError, App,
};

#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    organization::OrganizationQuery,
    site::SiteQuery,
    site::JobQuery,
    billing::BillingQuery,
    share::ShareQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    organization::OrganizationMutation,
    site::SiteMutation,
    goal::GoalMutation,
    funnel::FunnelMutation,
    segment::SegmentMutation,
    share::ShareMutation,
    notify::NotifyMutation,
    billing::BillingMutation,
);

pub type TrackrSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .register_output_type::<async_graphql::Json<serde_json::Value>>()
        .extension(extensions::OperationSpans)
        .extension(extensions::BadArguments)
}

/// The schema with its limits and the application as context.
pub fn schema(app: App) -> TrackrSchema {
    let limits = app.settings.limits.clone();
    builder()
        .limit_depth(limits.graphql_max_depth)
        .limit_complexity(limits.graphql_max_complexity)
        .data(app)
        .finish()
}

/// The SDL that `trackr schema` prints.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// What every resolver needs from the request context.
pub(crate) trait Ctx {
    fn app(&self) -> &App;
    fn principal(&self) -> &Principal;
    fn meta(&self) -> &RequestMeta;
}

impl Ctx for Context<'_> {
    fn app(&self) -> &App {
        self.data_unchecked::<App>()
    }
    fn principal(&self) -> &Principal {
        self.data_opt::<Principal>()
            .unwrap_or(&Principal::Anonymous)
    }
    fn meta(&self) -> &RequestMeta {
        static EMPTY: std::sync::OnceLock<RequestMeta> = std::sync::OnceLock::new();
        self.data_opt::<RequestMeta>()
            .unwrap_or_else(|| EMPTY.get_or_init(RequestMeta::default))
    }
}

/// Only a logged-in user (not an API key) may call the guarded field.
pub(crate) struct LoggedIn;

impl Guard for LoggedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.principal().user().map(|_| ()).map_err(Into::into)
    }
}

/// What a list without pagination counts for in a query's complexity:
/// each item's fields, this many times. Lists of organizations, members
/// and sites are bounded by their own limits (organizations per user,
/// seats, sites), so a document cannot nest them into millions of rows
/// for one request.
pub(crate) const LIST: usize = 10;

/// A count as GraphQL's `Int`, saturating.
pub(crate) fn clamp_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Ids are UUIDs; anything else names nothing that exists.
pub(crate) fn parse_id(id: &ID, what: &'static str) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| ApiError::NotFound(what))
}

/// `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (1970..=9999).contains(&chrono::Datelike::year(d)))
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(format!(
                        "{s:?} is not a date like 2026-01-31 (years 1970 to 9999)"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}
