//! Finance's reconciliation of Stripe's billing against TrackR's: totals
//! per currency and plan, and what differs. The `reconcile` job repairs
//! what webhooks missed and records each repair in the audit log.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use trackr_entity::{audit_log, invoice, organization, subscription};
use uuid::Uuid;

use super::{
    apply::{self, apply_invoice, apply_subscription, Billing},
    snapshot, BillingError,
};

/// `YYYY-MM` → the month's first instant and the next month's.
pub fn month_bounds(month: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), BillingError> {
    let not_a_month = || BillingError::NotAMonth(month.to_owned());
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
        .ok_or_else(not_a_month)?;
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
    }
    .ok_or_else(not_a_month)?;
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(not_a_month)
    };
    Ok((at(start)?, at(next)?))
}

/// The previous and the current month, `YYYY-MM`.
pub fn recent_months(now: DateTime<Utc>) -> Vec<String> {
    let this = now.date_naive().with_day(1).unwrap_or(now.date_naive());
    let last = (this - chrono::Duration::days(1))
        .with_day(1)
        .unwrap_or(this);
    vec![
        last.format("%Y-%m").to_string(),
        this.format("%Y-%m").to_string(),
    ]
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Total {
    pub currency: String,
    pub plan: String,
    /// Minor units.
    pub invoiced: i64,
    pub paid: i64,
    pub refunded: i64,
    pub active_subscriptions: i64,
    pub mrr: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Discrepancy {
    /// plan_mismatch, subscription_missing_here, subscription_not_in_stripe,
    /// subscription_status, invoice_missing_here, invoice_status
    pub kind: String,
    pub organization_id: Option<Uuid>,
    pub stripe_id: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub month: String,
    pub totals: Vec<Total>,
    pub discrepancies: Vec<Discrepancy>,
    /// False when Stripe's API is not configured: only TrackR's own
    /// records were compared.
    pub compared_with_stripe: bool,
}

/// What Stripe has for the month, when the API is configured.
struct Remote {
    subscriptions: Vec<snapshot::Subscription>,
    invoices: Vec<snapshot::Invoice>,
}

async fn remote(
    b: &Billing<'_>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Remote>, BillingError> {
    let Some(api) = &b.api else { return Ok(None) };
    // Only what is TrackR's: Stripe accounts often bill other products too.
    let customers: HashSet<String> = organization::Entity::find()
        .filter(organization::Column::StripeCustomerId.is_not_null())
        .all(b.db)
        .await?
        .into_iter()
        .filter_map(|o| o.stripe_customer_id)
        .collect();
    let ours = |customer: Option<&str>, hint: Option<Uuid>| {
        hint.is_some() || customer.is_some_and(|c| customers.contains(c))
    };
    let read = |what: &str, e: snapshot::SnapshotError| {
        tracing::warn!(object = what, error = %e, "a Stripe object could not be read; skipped");
    };
    let mut subscriptions = Vec::new();
    for v in api.subscriptions(until.timestamp()).await? {
        match snapshot::Subscription::from_json(&v) {
            Ok(s) if ours(Some(&s.customer), s.organization) => subscriptions.push(s),
            Ok(_) => {}
            Err(e) => read("subscription", e),
        }
    }
    let mut invoices = Vec::new();
    for v in api.invoices(from.timestamp(), until.timestamp()).await? {
        match snapshot::Invoice::from_json(&v) {
            Ok(i) if ours(i.customer.as_deref(), i.organization) => invoices.push(i),
            Ok(_) => {}
            Err(e) => read("invoice", e),
        }
    }
    Ok(Some(Remote {
        subscriptions,
        invoices,
    }))
}

pub async fn report(b: &Billing<'_>, month: &str) -> Result<Report, BillingError> {
    let (from, until) = month_bounds(month)?;
    let remote = remote(b, from, until).await?;
    build(b, month, from, until, remote.as_ref()).await
}

async fn build(
    b: &Billing<'_>,
    month: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    remote: Option<&Remote>,
) -> Result<Report, BillingError> {
    let plans = &b.settings.plans;
    let plan_of = |price: Option<&str>| {
        price
            .and_then(|p| plans.plan_for_price(p))
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "unknown".into())
    };
    let mut totals: BTreeMap<(String, String), Total> = BTreeMap::new();
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::PeriodStart.gte(from))
        .filter(invoice::Column::PeriodStart.lt(until))
        .order_by_asc(invoice::Column::PeriodStart)
        .all(b.db)
        .await?;
    for inv in &invoices {
        if inv.status == "void" || inv.status == "draft" {
            continue;
        }
        let plan = plan_of(inv.price_id.as_deref());
        let t = totals
            .entry((inv.currency.clone(), plan.clone()))
            .or_default();
        t.invoiced += inv.amount_due;
        t.paid += inv.amount_paid;
        t.refunded += inv.amount_refunded;
    }
    let subs = subscription::Entity::find().all(b.db).await?;
    for sub in subs.iter().filter(|s| s.status.is_live()) {
        let currency = sub.currency.clone().unwrap_or_else(|| "usd".into());
        let t = totals
            .entry((currency, sub.plan.as_str().to_owned()))
            .or_default();
        t.active_subscriptions += 1;
        t.mrr += snapshot::Subscription::monthly_amount(
            sub.unit_amount,
            sub.billing_interval.as_deref(),
        );
    }
    let totals = totals
        .into_iter()
        .map(|((currency, plan), t)| Total {
            currency,
            plan,
            ..t
        })
        .collect();

    let mut discrepancies = Vec::new();
    let mut by_org: HashMap<Uuid, Vec<subscription::Model>> = HashMap::new();
    for s in &subs {
        by_org.entry(s.organization_id).or_default().push(s.clone());
    }
    for (org_id, org_subs) in &by_org {
        let Some(org) = organization::Entity::find_by_id(*org_id).one(b.db).await? else {
            continue;
        };
        let due = apply::organization_plan(org_subs, b.now, b.grace());
        if org.plan != due {
            discrepancies.push(Discrepancy {
                kind: "plan_mismatch".into(),
                organization_id: Some(org.id),
                stripe_id: org_subs.first().map(|s| s.stripe_subscription_id.clone()),
                detail: format!(
                    "organization is on {}, its subscriptions give {}",
                    org.plan, due
                ),
            });
        }
    }
    if let Some(remote) = remote {
        let local: HashMap<&str, &subscription::Model> = subs
            .iter()
            .map(|s| (s.stripe_subscription_id.as_str(), s))
            .collect();
        let theirs: HashMap<&str, &snapshot::Subscription> = remote
            .subscriptions
            .iter()
            .map(|s| (s.id.as_str(), s))
            .collect();
        for s in &remote.subscriptions {
            match local.get(s.id.as_str()) {
                None if s.status.is_live() => discrepancies.push(Discrepancy {
                    kind: "subscription_missing_here".into(),
                    organization_id: s.organization,
                    stripe_id: Some(s.id.clone()),
                    detail: format!("{} in Stripe, unknown to TrackR", s.status),
                }),
                Some(mine)
                    if mine.status != s.status || Some(&mine.price_id) != s.price_id.as_ref() =>
                {
                    discrepancies.push(Discrepancy {
                        kind: "subscription_status".into(),
                        organization_id: Some(mine.organization_id),
                        stripe_id: Some(s.id.clone()),
                        detail: format!(
                            "{} on {} in Stripe, {} on {} here",
                            s.status,
                            s.price_id.as_deref().unwrap_or("?"),
                            mine.status,
                            mine.price_id
                        ),
                    })
                }
                _ => {}
            }
        }
        for mine in subs.iter().filter(|s| s.status.is_live()) {
            if !theirs.contains_key(mine.stripe_subscription_id.as_str()) && mine.created_at < until
            {
                discrepancies.push(Discrepancy {
                    kind: "subscription_not_in_stripe".into(),
                    organization_id: Some(mine.organization_id),
                    stripe_id: Some(mine.stripe_subscription_id.clone()),
                    detail: format!("{} here, absent from Stripe", mine.status),
                });
            }
        }
        let mine: HashMap<String, invoice::Model> = invoice::Entity::find()
            .filter(
                invoice::Column::StripeInvoiceId
                    .is_in(remote.invoices.iter().map(|i| i.id.clone())),
            )
            .all(b.db)
            .await?
            .into_iter()
            .map(|i| (i.stripe_invoice_id.clone(), i))
            .collect();
        for inv in &remote.invoices {
            match mine.get(&inv.id) {
                None if inv.status == "paid" => discrepancies.push(Discrepancy {
                    kind: "invoice_missing_here".into(),
                    organization_id: inv.organization,
                    stripe_id: Some(inv.id.clone()),
                    detail: format!(
                        "paid in Stripe ({} {}), unknown to TrackR",
                        inv.amount_paid, inv.currency
                    ),
                }),
                Some(row) if row.status != inv.status || row.amount_paid != inv.amount_paid => {
                    discrepancies.push(Discrepancy {
                        kind: "invoice_status".into(),
                        organization_id: row.organization_id,
                        stripe_id: Some(inv.id.clone()),
                        detail: format!("{} in Stripe, {} here", inv.status, row.status),
                    })
                }
                _ => {}
            }
        }
    }
    Ok(Report {
        month: month.to_owned(),
        totals,
        discrepancies,
        compared_with_stripe: remote.is_some(),
    })
}

/// What the job repaired.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub month: String,
    pub found: Vec<Discrepancy>,
    pub repaired: Vec<String>,
    pub failed: Vec<String>,
    pub remaining: Vec<Discrepancy>,
}

/// Compares, applies Stripe's state where it differs, settles every
/// organization's plan, and records each repair in the audit log.
pub async fn run(b: &Billing<'_>, month: &str, dry_run: bool) -> Result<Repair, BillingError> {
    let (from, until) = month_bounds(month)?;
    let remote = remote(b, from, until).await?;
    let before = build(b, month, from, until, remote.as_ref()).await?;
    let mut repaired = Vec::new();
    let mut failed = Vec::new();
    // A wrong key or mode makes every subscription look absent from
    // Stripe: refuse to cancel them all.
    let absent = before
        .discrepancies
        .iter()
        .filter(|d| d.kind == "subscription_not_in_stripe")
        .count();
    let local_active = subscription::Entity::find()
        .filter(subscription::Column::Status.is_in(subscription::Status::LIVE))
        .all(b.db)
        .await?
        .len();
    let implausible = absent > 2 && absent * 2 > local_active;
    if implausible {
        failed.push(format!(
            "Stripe lists none of {absent} of our {local_active} live subscriptions: wrong TRACKR_STRIPE_SECRET_KEY or mode? Not cancelling them"
        ));
    }
    if !dry_run {
        for d in &before.discrepancies {
            if implausible && d.kind == "subscription_not_in_stripe" {
                continue;
            }
            let outcome = repair_one(b, d, remote.as_ref()).await;
            match outcome {
                Ok(Some(what)) => {
                    let mut entry = audit_log::Entry::new("billing.reconciled", "billing")
                        .target(d.stripe_id.clone().unwrap_or_default())
                        .details(json!({"kind": d.kind, "detail": d.detail, "repair": what}));
                    if let Some(org) = d.organization_id {
                        entry = entry.organization(org);
                    }
                    entry.write(b.db).await?;
                    repaired.push(what);
                }
                Ok(None) => {}
                Err(e) => failed.push(format!(
                    "{}: {e}",
                    d.stripe_id.as_deref().unwrap_or(&d.kind)
                )),
            }
        }
        for (org, from_plan, to_plan) in apply::sweep(b).await? {
            repaired.push(format!(
                "organization {org} moved from {from_plan} to {to_plan}"
            ));
        }
    }
    let after = if dry_run {
        before.discrepancies.clone()
    } else {
        build(b, month, from, until, remote.as_ref())
            .await?
            .discrepancies
    };
    Ok(Repair {
        month: month.to_owned(),
        found: before.discrepancies,
        repaired,
        failed,
        remaining: after,
    })
}

async fn repair_one(
    b: &Billing<'_>,
    d: &Discrepancy,
    remote: Option<&Remote>,
) -> Result<Option<String>, BillingError> {
    let Some(id) = d.stripe_id.as_deref() else {
        return Ok(None);
    };
    let cause = json!({"reconcile": d.kind});
    match d.kind.as_str() {
        "subscription_missing_here"
        | "subscription_status"
        | "subscription_not_in_stripe"
        | "plan_mismatch" => {
            let theirs = match (
                remote.and_then(|r| r.subscriptions.iter().find(|s| s.id == id)),
                &b.api,
            ) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(api)) => match api.subscription(id).await? {
                    Some(v) => Some(snapshot::Subscription::from_json(&v)?),
                    None => None,
                },
                (None, None) => None,
            };
            match theirs {
                Some(s) => {
                    apply_subscription(b, s, None, cause).await?;
                    Ok(Some(format!("subscription {id} applied from Stripe")))
                }
                None if d.kind == "plan_mismatch" => Ok(None),
                None => {
                    // Stripe has no such subscription: it no longer gives a plan.
                    subscription::Entity::update_many()
                        .col_expr(
                            subscription::Column::Status,
                            sea_orm::sea_query::Expr::value(subscription::Status::Canceled),
                        )
                        .col_expr(
                            subscription::Column::CurrentPeriodEnd,
                            sea_orm::sea_query::Expr::value(b.now),
                        )
                        .filter(subscription::Column::StripeSubscriptionId.eq(id))
                        .exec(b.db)
                        .await?;
                    Ok(Some(format!(
                        "subscription {id} marked canceled: Stripe has none"
                    )))
                }
            }
        }
        "invoice_missing_here" | "invoice_status" => {
            let Some(inv) = remote.and_then(|r| r.invoices.iter().find(|i| i.id == id)) else {
                return Ok(None);
            };
            apply_invoice(b, inv.clone(), None).await?;
            Ok(Some(format!("invoice {id} mirrored as {}", inv.status)))
        }
        _ => Ok(None),
    }
}
