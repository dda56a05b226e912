//! Billing at the edge: Checkout and the customer portal for customers,
//! the Stripe webhook inbox, and finance's invoice export. What the events
//! mean is decided in the worker (`trackr_worker::billing`).

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde_json::json;
use trackr_config::PlanId;
use trackr_entity::{
    audit_log, invoice, job, new_id, now, organization, stripe_event, subscription,
};
use trackr_worker::billing::{
    api::{Checkout, StripeApi},
    reconcile, snapshot, webhook,
};
use uuid::Uuid;

use crate::{
    access::{self, Action, Principal, RequestMeta},
    error::ApiResult,
    ApiError, App,
};

/// A webhook body larger than this is not Stripe's.
const WEBHOOK_BODY_BYTES: usize = 512 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/webhooks/stripe",
            post(stripe_webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_BYTES)),
        )
        .route("/finance/invoices.csv", get(invoices_csv))
}

fn stripe(app: &App) -> ApiResult<StripeApi> {
    match StripeApi::from_settings(&app.settings) {
        None => Err(ApiError::NotAvailable(
            "billing is not configured on this server (TRACKR_STRIPE_SECRET_KEY is unset)".into(),
        )),
        Some(Err(e)) => Err(ApiError::internal(e)),
        Some(Ok(api)) => Ok(api),
    }
}

fn upstream(e: trackr_worker::billing::api::ApiError) -> ApiError {
    tracing::warn!(error = %e, "Stripe request failed");
    ApiError::Upstream(format!("{e}; try again in a moment"))
}

/// Monthly or yearly billing: a plan's first Stripe price is its monthly
/// one, the second its yearly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Month,
    Year,
}

/// The organization's Stripe customer, created on first use.
async fn customer(app: &App, api: &StripeApi, org: &organization::Model) -> ApiResult<String> {
    if let Some(id) = &org.stripe_customer_id {
        return Ok(id.clone());
    }
    let id = api
        .create_customer(org.id, &org.name)
        .await
        .map_err(upstream)?;
    organization::Entity::update_many()
        .col_expr(
            organization::Column::StripeCustomerId,
            sea_orm::sea_query::Expr::value(id.clone()),
        )
        .filter(organization::Column::Id.eq(org.id))
        .filter(organization::Column::StripeCustomerId.is_null())
        .exec(&app.db)
        .await?;
    // Whoever linked first wins; the customer key is the organization's,
    // so a racing request got the same customer from Stripe anyway.
    Ok(organization::Entity::find_by_id(org.id)
        .one(&app.db)
        .await?
        .and_then(|o| o.stripe_customer_id)
        .unwrap_or(id))
}

/// Starts a Stripe Checkout for `plan`; returns the URL to send the
/// customer to. OWNER and BILLING only.
pub async fn start_checkout(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    organization_id: Uuid,
    plan: PlanId,
    interval: Interval,
) -> ApiResult<String> {
    let grant =
        access::organization(app, principal, meta, organization_id, Action::ManageBilling).await?;
    if plan == PlanId::Free {
        return Err(ApiError::bad_input(
            "plan",
            "the free plan needs no checkout",
        ));
    }
    let api = stripe(app)?;
    let prices = &app.settings.plans.get(plan).stripe_prices;
    let (index, word) = match interval {
        Interval::Month => (0, "monthly"),
        Interval::Year => (1, "yearly"),
    };
    let price = prices.get(index).ok_or_else(|| {
        ApiError::NotAvailable(format!(
            "the {plan} plan has no Stripe price for {word} billing on this server"
        ))
    })?;
    let org = &grant.organization;
    let live = subscription::Entity::find()
        .filter(subscription::Column::OrganizationId.eq(org.id))
        .filter(subscription::Column::Status.is_not_in(["canceled", "incomplete_expired"]))
        .one(&app.db)
        .await?;
    if live.is_some() {
        return Err(ApiError::Conflict(
            "this organization already has a subscription: change plans in the billing portal (billingPortalUrl)".into(),
        ));
    }
    let customer = customer(app, &api, org).await?;
    let base = app.settings.public_url.trim_end_matches('/');
    let key = format!("trackr-checkout-{}", Uuid::new_v4());
    let (session, url) = api
        .create_checkout(&Checkout {
            organization: org.id,
            customer: &customer,
            price,
            // The web app's billing page of this organization.
            success_url: &format!(
                "{base}/orgs/{}/billing?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
                org.id
            ),
            cancel_url: &format!("{base}/orgs/{}/billing?checkout=cancelled", org.id),
            idempotency_key: &key,
        })
        .await
        .map_err(upstream)?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("billing.checkout.start", "organization")
            .target(org.id)
            .organization(org.id)
            .details(json!({"plan": plan.as_str(), "interval": word, "session": session})),
    )
    .await?;
    Ok(url)
}

/// A Stripe customer-portal URL. OWNER and BILLING only.
pub async fn portal_url(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    organization_id: Uuid,
) -> ApiResult<String> {
    let grant =
        access::organization(app, principal, meta, organization_id, Action::ManageBilling).await?;
    let api = stripe(app)?;
    let customer = grant
        .organization
        .stripe_customer_id
        .as_deref()
        .ok_or_else(|| {
            ApiError::bad_input(
                "organizationId",
                "this organization has no billing account yet: start a checkout first",
            )
        })?;
    let base = app.settings.public_url.trim_end_matches('/');
    let back = format!("{base}/orgs/{}/billing", grant.organization.id);
    api.create_portal(customer, &back).await.map_err(upstream)
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// `POST /webhooks/stripe`: verify, store in the inbox, answer at once;
/// the worker applies the event.
async fn stripe_webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let secrets = &app.settings.stripe_webhook_secrets;
    if secrets.is_empty() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "Stripe webhooks are not configured on this server (TRACKR_STRIPE_WEBHOOK_SECRET is unset)",
        );
    }
    let Ok(payload) = std::str::from_utf8(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "the body is not UTF-8");
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    // Stripe signs with its own clock: the tolerance is against the
    // server's (the system clock, unless a test stopped it).
    let now = app.clock.now().timestamp();
    if let Err(refusal) = webhook::verify(payload, signature, secrets, now) {
        app.metrics.webhook("refused");
        return refuse(StatusCode::BAD_REQUEST, refusal.to_string());
    }
    let event = match snapshot::Event::from_json(payload) {
        Ok(e) => e,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match store(&app, &event, payload).await {
        Ok(Some(job)) => {
            app.metrics.webhook("stored");
            // Stored: if the queue cannot take it now, it is handed over
            // when Redis answers again.
            crate::data_jobs::dispatch(&app, job).await;
            (StatusCode::OK, Json(json!({"received": true}))).into_response()
        }
        Ok(None) => {
            app.metrics.webhook("duplicate");
            (
                StatusCode::OK,
                Json(json!({"received": true, "duplicate": true})),
            )
                .into_response()
        }
        Err(e) => {
            // Not acknowledged: Stripe retries.
            tracing::error!(stripe_event = %event.id, error = %e, "could not store a Stripe event");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the event could not be stored; retry",
            )
        }
    }
}

/// Stores the event and its job in one transaction; `None` for an event
/// already in the inbox.
async fn store(
    app: &App,
    event: &snapshot::Event,
    payload: &str,
) -> Result<Option<Uuid>, sea_orm::DbErr> {
    let txn = app.db.begin().await?;
    let row = new_id();
    let inserted = stripe_event::Entity::insert(stripe_event::ActiveModel {
        id: Set(row),
        stripe_event_id: Set(event.id.clone()),
        event_type: Set(event.kind.clone()),
        payload: Set(payload.to_owned()),
        created: Set(event.created),
        received_at: Set(now()),
        processed_at: Set(None),
        attempts: Set(0),
        error: Set(None),
    })
    .on_conflict(
        OnConflict::column(stripe_event::Column::StripeEventId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = new_id();
    job::ActiveModel::queued(
        id,
        job::Kind::StripeEvent,
        (None, None),
        json!({"event": row}),
        None,
    )
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(id))
}

/// A staff user from a bearer session token.
pub async fn staff(app: &App, headers: &HeaderMap) -> ApiResult<Principal> {
    let token = crate::browser::token_for_download(headers);
    let principal = crate::accounts::authenticate(app, token).await?;
    require_staff(&principal)?;
    Ok(principal)
}

pub fn require_staff(principal: &Principal) -> ApiResult<()> {
    match principal {
        Principal::Anonymous => Err(ApiError::Unauthenticated),
        Principal::InvalidToken => Err(ApiError::InvalidToken),
        Principal::User { user, .. } if user.is_staff || user.is_finance => Ok(()),
        _ => Err(ApiError::Forbidden(
            "finance reports are for staff (operators and finance) only".into(),
        )),
    }
}

#[derive(serde::Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

/// `GET /finance/invoices.csv?month=YYYY-MM`, for staff.
async fn invoices_csv(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    let principal = match staff(&app, &headers).await {
        Ok(p) => p,
        Err(e) => return refuse(e.status(), e.message()),
    };
    let month = q.month.unwrap_or_default();
    let (from, until) = match reconcile::month_bounds(&month) {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("month: {e}")),
    };
    let rows = match invoice::Entity::find()
        .filter(invoice::Column::PeriodStart.gte(from))
        .filter(invoice::Column::PeriodStart.lt(until))
        .order_by_asc(invoice::Column::PeriodStart)
        .order_by_asc(invoice::Column::StripeInvoiceId)
        .all(&app.db)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError::from(e).message(),
            )
        }
    };
    let meta = RequestMeta::default();
    // Every tenant's invoices: no export without its audit entry.
    if let Err(e) = access::audit(
        &app,
        &principal,
        &meta,
        audit_log::Entry::new("finance.invoices.export", "invoices")
            .details(json!({"month": month, "rows": rows.len()})),
    )
    .await
    {
        return refuse(e.status(), e.message());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "stripe_invoice_id",
        "organization_id",
        "plan",
        "status",
        "currency",
        "amount_due",
        "amount_paid",
        "amount_refunded",
        "period_start",
        "period_end",
        "paid_at",
    ]);
    for r in rows {
        let plan = r
            .price_id
            .as_deref()
            .and_then(|p| app.settings.plans.plan_for_price(p))
            .map(|p| p.as_str())
            .unwrap_or("unknown");
        let _ = out.write_record([
            r.stripe_invoice_id,
            r.organization_id.map(|o| o.to_string()).unwrap_or_default(),
            plan.to_owned(),
            r.status,
            r.currency,
            r.amount_due.to_string(),
            r.amount_paid.to_string(),
            r.amount_refunded.to_string(),
            r.period_start.to_rfc3339(),
            r.period_end.to_rfc3339(),
            r.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]);
    }
    let body = out.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoices-{month}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}
