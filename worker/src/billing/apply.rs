//! Applies verified Stripe events from the inbox (`stripe_events`) to
//! subscriptions, invoices and each organization's plan.
//!
//! Events arrive duplicated and in any order. Three rules keep the state
//! right whatever the order:
//! - a subscription is re-read from Stripe's API before it is applied when
//!   a secret key is configured, so the state applied is Stripe's current
//!   one, never the event's old copy;
//! - without the API (or for invoices, whose copy is the state), an event
//!   older than the state already applied (`last_event_at`) changes
//!   nothing; invoices break ties by status (paid and void are final);
//! - changes to one organization's billing are serialized (a row lock on
//!   the organization, plus one applier at a time in a process).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use trackr_config::{PlanCatalogue, PlanId, Settings};
use trackr_entity::{
    audit_log, invoice, new_id, organization, stripe_event,
    subscription::{self, Status},
};
use uuid::Uuid;

use super::{
    api::StripeApi,
    snapshot::{self, Event},
    BillingError, CheckoutRefusal,
};

/// One applier at a time in this process: across processes the
/// organization's row lock orders them.
static APPLYING: Mutex<()> = Mutex::const_new(());

/// What applying came to, for the job's result and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Changed(String),
    /// Older than the state already applied.
    Stale,
    /// Nothing for TrackR to do with this event.
    Ignored(String),
}

impl Applied {
    fn summary(&self) -> Value {
        match self {
            Applied::Changed(m) => json!({"applied": m}),
            Applied::Stale => json!({"stale": true}),
            Applied::Ignored(m) => json!({"ignored": m}),
        }
    }
}

/// Where billing code runs: the database, the settings, Stripe's API when
/// a key is configured, and the time.
pub struct Billing<'a> {
    pub db: &'a DatabaseConnection,
    pub settings: &'a Settings,
    pub api: Option<StripeApi>,
    pub now: DateTime<Utc>,
}

impl<'a> Billing<'a> {
    pub fn new(db: &'a DatabaseConnection, settings: &'a Settings) -> Result<Self, BillingError> {
        let api = StripeApi::from_settings(settings).transpose()?;
        Ok(Billing {
            db,
            settings,
            api,
            now: trackr_entity::now(),
        })
    }

    fn plans(&self) -> &PlanCatalogue {
        &self.settings.plans
    }

    /// How long `past_due` keeps its plan.
    pub fn grace(&self) -> Duration {
        Duration::days(self.settings.past_due_grace_days.into())
    }
}

/// The plan a subscription gives now: its own while active or trialing,
/// while past due within the grace, and when canceled until the end of the
/// period paid for; otherwise the free plan.
pub fn plan_in_force(sub: &subscription::Model, now: DateTime<Utc>, grace: Duration) -> PlanId {
    let plan = sub.plan;
    let keeps = match sub.status {
        Status::Active | Status::Trialing => true,
        Status::PastDue => sub.past_due_since.is_none_or(|since| now < since + grace),
        // Canceled by the customer: paid until the period ends. Canceled
        // for non-payment: that period was never paid.
        Status::Canceled => sub.past_due_since.is_none() && now < sub.current_period_end,
        Status::Incomplete | Status::IncompleteExpired | Status::Unpaid | Status::Paused => false,
    };
    if keeps {
        plan
    } else {
        PlanId::Free
    }
}

/// The best plan any of an organization's subscriptions gives now.
pub fn organization_plan(
    subs: &[subscription::Model],
    now: DateTime<Utc>,
    grace: Duration,
) -> PlanId {
    subs.iter()
        .map(|s| plan_in_force(s, now, grace))
        .max()
        .unwrap_or(PlanId::Free)
}

/// Takes the organization's row lock for this transaction (an UPDATE, so
/// that SQLite takes its write lock at once too).
async fn lock_organization(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<organization::Model, BillingError> {
    organization::Entity::update_many()
        .col_expr(
            organization::Column::Plan,
            Expr::col(organization::Column::Plan).into(),
        )
        .filter(organization::Column::Id.eq(id))
        .exec(txn)
        .await?;
    organization::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(BillingError::OrganizationGone(id))
}

/// Sets the organization's plan to what its subscriptions give now, and
/// records a change in the audit log.
async fn settle_plan(
    b: &Billing<'_>,
    txn: &DatabaseTransaction,
    org: &organization::Model,
    cause: Value,
) -> Result<Option<(PlanId, PlanId)>, BillingError> {
    let subs = subscription::Entity::find()
        .filter(subscription::Column::OrganizationId.eq(org.id))
        .all(txn)
        .await?;
    let to = organization_plan(&subs, b.now, b.grace());
    let from = org.plan;
    if to == from {
        return Ok(None);
    }
    organization::Entity::update_many()
        .col_expr(organization::Column::Plan, Expr::value(to))
        .filter(organization::Column::Id.eq(org.id))
        .exec(txn)
        .await?;
    audit_log::Entry::new("billing.plan.changed", "organization")
        .target(org.id)
        .organization(org.id)
        .details(json!({"from": from.as_str(), "to": to.as_str(), "cause": cause}))
        .write(txn)
        .await?;
    tracing::info!(organization_id = %org.id, from = %from, to = %to, "plan changed");
    Ok(Some((from, to)))
}

/// The organization a Stripe customer (or an object's metadata) belongs to.
async fn organization_for<C: ConnectionTrait>(
    conn: &C,
    customer: Option<&str>,
    hint: Option<Uuid>,
) -> Result<Option<organization::Model>, BillingError> {
    if let Some(customer) = customer {
        if let Some(org) = organization::Entity::find()
            .filter(organization::Column::StripeCustomerId.eq(customer))
            .one(conn)
            .await?
        {
            return Ok(Some(org));
        }
    }
    let Some(hint) = hint else { return Ok(None) };
    let Some(org) = organization::Entity::find_by_id(hint).one(conn).await? else {
        return Ok(None);
    };
    match (&org.stripe_customer_id, customer) {
        // The metadata names an organization billed to another customer:
        // not to be believed.
        (Some(own), Some(c)) if own != c => Ok(None),
        _ => Ok(Some(org)),
    }
}

/// Links the organization to its Stripe customer when it has none yet.
async fn link_customer<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    customer: &str,
) -> Result<(), BillingError> {
    organization::Entity::update_many()
        .col_expr(
            organization::Column::StripeCustomerId,
            Expr::value(customer),
        )
        .filter(organization::Column::Id.eq(org))
        .filter(organization::Column::StripeCustomerId.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Which of two states of a subscription created in the same second is the
/// later one: Stripe's `created` has whole seconds, and a subscription's
/// status moves forward (incomplete → active → … → canceled).
fn status_rank(status: Status) -> u8 {
    match status {
        Status::Incomplete => 0,
        Status::Trialing => 1,
        Status::Active | Status::PastDue | Status::Paused => 2,
        Status::Unpaid => 3,
        Status::Canceled | Status::IncompleteExpired => 4,
    }
}

/// A paid state (plan, period end) whose retention a later downgrade keeps
/// until that period ends.
fn paid_state(b: &Billing<'_>, sub: &snapshot::Subscription) -> Option<(PlanId, DateTime<Utc>)> {
    let plan = b.plans().plan_for_price(sub.price_id.as_deref()?)?;
    (sub.status.is_live() && sub.current_period_end > b.now)
        .then_some((plan, sub.current_period_end))
}

/// The plan whose retention still applies beyond `plan`'s: the longest of
/// the paid states seen, whatever order they arrived in.
fn retained(
    b: &Billing<'_>,
    plan: PlanId,
    candidates: impl IntoIterator<Item = (PlanId, DateTime<Utc>)>,
) -> Option<(PlanId, DateTime<Utc>)> {
    let days = |p: PlanId| b.plans().get(p).retention_days;
    candidates
        .into_iter()
        .filter(|(p, until)| *until > b.now && days(*p) > days(plan))
        .max_by_key(|(p, until)| (days(*p), *until))
}

fn row_retained(row: &subscription::Model) -> Option<(PlanId, DateTime<Utc>)> {
    Some((row.retained_plan?, row.retained_until?))
}

fn row_paid(row: &subscription::Model) -> Option<(PlanId, DateTime<Utc>)> {
    row.status
        .is_live()
        .then_some((row.plan, row.current_period_end))
}

/// Applies a subscription's state. `seen` is the `created` time of the
/// event that carried it (`None` for a repair). With Stripe's API
/// configured the subscription is re-read before it is applied, so what is
/// applied is Stripe's current state; without it, a state older than the
/// one applied changes nothing.
pub async fn apply_subscription(
    b: &Billing<'_>,
    sub: snapshot::Subscription,
    seen: Option<DateTime<Utc>>,
    cause: Value,
) -> Result<Applied, BillingError> {
    let _one = APPLYING.lock().await;
    let existing = subscription::Entity::find()
        .filter(subscription::Column::StripeSubscriptionId.eq(&sub.id))
        .one(b.db)
        .await?;
    let org_id = match &existing {
        Some(row) => row.organization_id,
        None => organization_for(b.db, Some(&sub.customer), sub.organization)
            .await?
            .map(|o| o.id)
            .ok_or_else(|| BillingError::NoOrganization {
                customer: sub.customer.clone(),
                subscription: sub.id.clone(),
            })?,
    };
    let postgres = b.db.get_database_backend() == DbBackend::Postgres;
    // Re-read from Stripe: under the row lock on PostgreSQL (so that two
    // processes cannot apply their reads out of order), before the
    // transaction on SQLite (whose write lock would stall ingestion while
    // Stripe answers; one process, so the mutex above orders it).
    let event_copy = sub.clone();
    let mut current = if b.api.is_some() && !postgres {
        reread(b, &sub).await?
    } else {
        None
    };
    let txn = b.db.begin().await?;
    let org = lock_organization(&txn, org_id).await?;
    if b.api.is_some() && postgres {
        current = reread(b, &sub).await?;
    }
    let reread = current.is_some();
    let sub = current.unwrap_or(sub);
    let existing = subscription::Entity::find()
        .filter(subscription::Column::StripeSubscriptionId.eq(&sub.id))
        .one(&txn)
        .await?;
    let stamp = seen.unwrap_or(b.now);
    if let (Some(row), false, Some(seen)) = (&existing, reread, seen) {
        let older = seen < row.last_event_at
            || seen == row.last_event_at && status_rank(sub.status) < status_rank(row.status);
        if older {
            // Too old to apply, but a paid state it shows still protects
            // retention (so the outcome does not depend on the order).
            let keep = retained(
                b,
                row.plan,
                row_retained(row).into_iter().chain(paid_state(b, &sub)),
            );
            if keep != row_retained(row) {
                let mut model: subscription::ActiveModel = row.clone().into();
                model.retained_plan = Set(keep.map(|(p, _)| p));
                model.retained_until = Set(keep.map(|(_, t)| t));
                model.update(&txn).await?;
                txn.commit().await?;
            }
            return Ok(Applied::Stale);
        }
    }
    let price = sub
        .price_id
        .clone()
        .ok_or_else(|| BillingError::NoPrice(sub.id.clone()))?;
    let plan = b
        .plans()
        .plan_for_price(&price)
        .ok_or_else(|| BillingError::UnknownPrice {
            price: price.clone(),
            subscription: sub.id.clone(),
        })?;
    let last_event_at = existing
        .as_ref()
        .map(|r| r.last_event_at.max(stamp))
        .unwrap_or(stamp);
    // When the grace began: the event's time, or now when the state was
    // read from the API (an old event must not shorten the grace).
    let since = if reread { b.now } else { stamp };
    let earlier = existing.as_ref().and_then(|r| r.past_due_since);
    let past_due_since = match sub.status {
        Status::PastDue | Status::Unpaid => earlier.or(Some(since)),
        // Canceled for non-payment: the unpaid period gives no plan.
        Status::Canceled if sub.unpaid => earlier.or(Some(since)),
        _ => None,
    };
    let keep = retained(
        b,
        plan,
        existing
            .iter()
            .flat_map(|r| row_retained(r).into_iter().chain(row_paid(r)))
            .chain(paid_state(b, &event_copy))
            .chain(paid_state(b, &sub)),
    );
    let mut model = subscription::ActiveModel {
        id: Set(existing.as_ref().map(|r| r.id).unwrap_or_else(new_id)),
        organization_id: Set(org.id),
        stripe_subscription_id: Set(sub.id.clone()),
        stripe_customer_id: Set(sub.customer.clone()),
        status: Set(sub.status),
        price_id: Set(price),
        plan: Set(plan),
        current_period_end: Set(sub.current_period_end),
        cancel_at_period_end: Set(sub.cancel_at_period_end),
        past_due_since: Set(past_due_since),
        currency: Set(sub.currency.clone()),
        unit_amount: Set(sub.unit_amount),
        billing_interval: Set(sub.interval.clone()),
        retained_plan: Set(keep.map(|(p, _)| p)),
        retained_until: Set(keep.map(|(_, t)| t)),
        last_event_at: Set(last_event_at),
        created_at: Set(existing.as_ref().map(|r| r.created_at).unwrap_or(b.now)),
        updated_at: Set(b.now),
    };
    if existing.is_some() {
        model = model.reset_all();
        model.update(&txn).await?;
    } else {
        model.insert(&txn).await?;
    }
    if org.stripe_customer_id.is_none() {
        link_customer(&txn, org.id, &sub.customer).await?;
    }
    settle_plan(b, &txn, &org, cause).await?;
    txn.commit().await?;
    Ok(Applied::Changed(format!(
        "subscription {} is {} on {}",
        sub.id, sub.status, plan
    )))
}

async fn reread(
    b: &Billing<'_>,
    sub: &snapshot::Subscription,
) -> Result<Option<snapshot::Subscription>, BillingError> {
    let Some(api) = &b.api else { return Ok(None) };
    match api.subscription(&sub.id).await? {
        Some(v) => Ok(Some(snapshot::Subscription::from_json(&v)?)),
        None => Ok(None),
    }
}

/// Mirrors an invoice for finance.
pub async fn apply_invoice(
    b: &Billing<'_>,
    inv: snapshot::Invoice,
    seen: Option<DateTime<Utc>>,
) -> Result<Applied, BillingError> {
    let _one = APPLYING.lock().await;
    let txn = b.db.begin().await?;
    // Write first: SQLite then takes its write lock now (waiting for it)
    // instead of failing to upgrade a read snapshot later.
    invoice::Entity::update_many()
        .col_expr(
            invoice::Column::Status,
            Expr::col(invoice::Column::Status).into(),
        )
        .filter(invoice::Column::StripeInvoiceId.eq(&inv.id))
        .exec(&txn)
        .await?;
    let existing = invoice::Entity::find()
        .filter(invoice::Column::StripeInvoiceId.eq(&inv.id))
        .one(&txn)
        .await?;
    let stamp = seen.unwrap_or(b.now);
    if let Some(row) = &existing {
        // An invoice's status only moves forward (draft → open → paid or
        // void): a lower one is older, whenever it arrives; within a
        // status, the later event wins.
        let new_rank = snapshot::Invoice::status_rank(&inv.status);
        let old_rank = snapshot::Invoice::status_rank(&row.status);
        let older = new_rank < old_rank
            || new_rank == old_rank && seen.is_some_and(|seen| seen < row.last_event_at);
        if older {
            return Ok(Applied::Stale);
        }
    }
    let mut org = organization_for(&txn, inv.customer.as_deref(), inv.organization)
        .await?
        .map(|o| o.id);
    if org.is_none() {
        if let Some(sub) = &inv.subscription {
            org = subscription::Entity::find()
                .filter(subscription::Column::StripeSubscriptionId.eq(sub))
                .one(&txn)
                .await?
                .map(|s| s.organization_id);
        }
    }
    let model = invoice::ActiveModel {
        id: Set(existing.as_ref().map(|r| r.id).unwrap_or_else(new_id)),
        stripe_invoice_id: Set(inv.id.clone()),
        organization_id: Set(org.or(existing.as_ref().and_then(|r| r.organization_id))),
        stripe_subscription_id: Set(inv.subscription.clone()),
        status: Set(inv.status.clone()),
        currency: Set(inv.currency.clone()),
        amount_due: Set(inv.amount_due),
        amount_paid: Set(inv.amount_paid),
        amount_refunded: Set(existing.as_ref().map(|r| r.amount_refunded).unwrap_or(0)),
        price_id: Set(inv.price_id.clone()),
        period_start: Set(inv.period_start),
        period_end: Set(inv.period_end),
        hosted_url: Set(inv.hosted_url.clone()),
        paid_at: Set(inv.paid_at),
        last_event_at: Set(existing
            .as_ref()
            .map(|r| r.last_event_at.max(stamp))
            .unwrap_or(stamp)),
        created_at: Set(existing.as_ref().map(|r| r.created_at).unwrap_or(b.now)),
    };
    if existing.is_some() {
        model.reset_all().update(&txn).await?;
    } else {
        model.insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(Applied::Changed(format!(
        "invoice {} is {}",
        inv.id, inv.status
    )))
}

async fn checkout_completed(b: &Billing<'_>, e: &Event) -> Result<Applied, BillingError> {
    let session = &e.object;
    let org_id = session["client_reference_id"]
        .as_str()
        .or(session["metadata"]["organization_id"].as_str())
        .and_then(|s| s.parse::<Uuid>().ok())
        .ok_or(CheckoutRefusal::NoOrganization)?;
    let org = organization::Entity::find_by_id(org_id)
        .one(b.db)
        .await?
        .ok_or(BillingError::OrganizationGone(org_id))?;
    // `startCheckout` links the customer before the session exists, so a
    // completed checkout must name the organization's own customer: a
    // `client_reference_id` alone (which a Payment Link takes from its URL)
    // never links anyone to an organization.
    let customer = session["customer"]
        .as_str()
        .ok_or(CheckoutRefusal::NoCustomer)?;
    if let Some(meta) = session["metadata"]["organization_id"].as_str() {
        if meta != org_id.to_string() {
            return Err(CheckoutRefusal::OtherOrganization.into());
        }
    }
    if org.stripe_customer_id.as_deref() != Some(customer) {
        return Err(CheckoutRefusal::ForeignCustomer {
            organization: org_id,
            customer: customer.to_owned(),
        }
        .into());
    }
    // The subscription's own events carry its state; with the API, read it
    // now so the plan changes as soon as the customer is back from Checkout.
    match (session["subscription"].as_str(), &b.api) {
        (Some(id), Some(api)) => match api.subscription(id).await? {
            Some(v) => {
                let sub = snapshot::Subscription::from_json(&v)?;
                apply_subscription(
                    b,
                    sub,
                    Some(e.created),
                    json!({"event": e.id, "type": e.kind}),
                )
                .await
            }
            None => Err(BillingError::NoSuchSubscription(id.to_owned())),
        },
        _ => Ok(Applied::Changed(format!("organization {org_id} linked"))),
    }
}

async fn customer_updated(b: &Billing<'_>, e: &Event) -> Result<Applied, BillingError> {
    let customer = e.object["id"]
        .as_str()
        .ok_or_else(|| snapshot::SnapshotError::Missing {
            object: "the customer".into(),
            field: "id",
        })?;
    let hint = e.object["metadata"]["organization_id"]
        .as_str()
        .and_then(|s| s.parse::<Uuid>().ok());
    match organization_for(b.db, Some(customer), hint).await? {
        Some(org) if org.stripe_customer_id.is_none() => {
            link_customer(b.db, org.id, customer).await?;
            Ok(Applied::Changed(format!("organization {} linked", org.id)))
        }
        // TrackR keeps only the customer's id: nothing else to mirror.
        _ => Ok(Applied::Ignored("no billing state changes".into())),
    }
}

async fn charge_refunded(b: &Billing<'_>, e: &Event) -> Result<Applied, BillingError> {
    // Older API versions name the invoice on the charge; newer ones link
    // them through the payment intent (an invoice payment).
    let invoice_id = match (e.object["invoice"].as_str(), e.object["payment_intent"].as_str(), &b.api) {
        (Some(id), _, _) => id.to_owned(),
        (None, Some(intent), Some(api)) => match api.invoice_for_payment_intent(intent).await? {
            Some(id) => id,
            None => return Ok(Applied::Ignored("the charge paid no invoice".into())),
        },
        _ => {
            return Ok(Applied::Ignored(
                "the charge names no invoice (TRACKR_STRIPE_SECRET_KEY resolves it through its payment intent)".into(),
            ))
        }
    };
    let invoice_id = invoice_id.as_str();
    let refunded = e.object["amount_refunded"].as_i64().unwrap_or(0);
    let done = invoice::Entity::update_many()
        .col_expr(invoice::Column::AmountRefunded, Expr::value(refunded))
        .filter(invoice::Column::StripeInvoiceId.eq(invoice_id))
        .filter(invoice::Column::AmountRefunded.lt(refunded))
        .exec(b.db)
        .await?;
    if done.rows_affected == 0 {
        let known = invoice::Entity::find()
            .filter(invoice::Column::StripeInvoiceId.eq(invoice_id))
            .one(b.db)
            .await?;
        if known.is_none() {
            // Its invoice event has not arrived yet: try again later.
            return Err(BillingError::RefundBeforeInvoice(invoice_id.to_owned()));
        }
        return Ok(Applied::Stale);
    }
    Ok(Applied::Changed(format!(
        "invoice {invoice_id} refunded {refunded}"
    )))
}

/// The event types TrackR acts on.
pub const HANDLED: &[&str] = &[
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.finalized",
    "invoice.voided",
    "customer.updated",
    "charge.refunded",
];

async fn dispatch(b: &Billing<'_>, e: &Event) -> Result<Applied, BillingError> {
    let cause = json!({"event": e.id, "type": e.kind});
    match e.kind.as_str() {
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => {
            let sub = snapshot::Subscription::from_json(&e.object)?;
            apply_subscription(b, sub, Some(e.created), cause).await
        }
        "customer.subscription.trial_will_end" => Ok(Applied::Ignored(
            "the trial end is Stripe's to announce".into(),
        )),
        "invoice.paid" | "invoice.payment_failed" | "invoice.finalized" | "invoice.voided" => {
            let inv = snapshot::Invoice::from_json(&e.object)?;
            apply_invoice(b, inv, Some(e.created)).await
        }
        "checkout.session.completed" => checkout_completed(b, e).await,
        "customer.updated" => customer_updated(b, e).await,
        "charge.refunded" => charge_refunded(b, e).await,
        other => Ok(Applied::Ignored(format!("{other} is not a billing event"))),
    }
}

/// Processes the inbox row `id` once; the outcome is kept on the row.
pub async fn process(
    db: &DatabaseConnection,
    settings: &Settings,
    id: Uuid,
) -> Result<Value, BillingError> {
    let row = stripe_event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotInInbox(id))?;
    if row.processed_at.is_some() {
        return Ok(json!({"already": "processed"}));
    }
    let outcome = match (Billing::new(db, settings), Event::from_json(&row.payload)) {
        (Ok(b), Ok(event)) => dispatch(&b, &event).await,
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
    };
    let mut update = stripe_event::Entity::update_many()
        .col_expr(
            stripe_event::Column::Attempts,
            Expr::col(stripe_event::Column::Attempts).add(1),
        )
        .filter(stripe_event::Column::Id.eq(id));
    update = match &outcome {
        // Applied: keep only what identifies the event (its id, for
        // de-duplication); the payload may carry card and address details.
        Ok(_) => update
            .col_expr(
                stripe_event::Column::Payload,
                Expr::value(snapshot::minimized(&row.payload)),
            )
            .col_expr(
                stripe_event::Column::ProcessedAt,
                Expr::value(trackr_entity::now()),
            )
            .col_expr(
                stripe_event::Column::Error,
                Expr::value(Option::<String>::None),
            ),
        Err(e) => update.col_expr(stripe_event::Column::Error, Expr::value(e.to_string())),
    };
    update.exec(db).await?;
    match outcome {
        Ok(applied) => {
            tracing::info!(stripe_event = %row.stripe_event_id, kind = %row.event_type, outcome = ?applied, "Stripe event processed");
            Ok(applied.summary())
        }
        Err(e) => {
            tracing::warn!(stripe_event = %row.stripe_event_id, kind = %row.event_type, error = %e, "Stripe event failed");
            Err(BillingError::Event {
                id: row.stripe_event_id,
                kind: row.event_type,
                source: Box::new(e),
            })
        }
    }
}

/// Moves organizations whose subscription stopped giving its plan (grace
/// over, canceled period ended) to the plan they have now.
pub async fn sweep(b: &Billing<'_>) -> Result<Vec<(Uuid, PlanId, PlanId)>, BillingError> {
    let org_ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = subscription::Entity::find()
            .all(b.db)
            .await?
            .into_iter()
            .map(|s| s.organization_id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut changed = Vec::new();
    for id in org_ids {
        let _one = APPLYING.lock().await;
        let txn = b.db.begin().await?;
        let Ok(org) = lock_organization(&txn, id).await else {
            continue;
        };
        if let Some((from, to)) = settle_plan(b, &txn, &org, json!({"sweep": true})).await? {
            changed.push((id, from, to));
        }
        txn.commit().await?;
    }
    Ok(changed)
}
