//! Stripe objects as TrackR reads them, from a webhook's `data.object` or
//! from an API answer: only the fields billing acts on. Field positions
//! follow Stripe's current API (the period on the subscription item, the
//! price under `pricing.price_details`) with the older places as fallbacks.

use chrono::{DateTime, Utc};
use serde_json::Value;
use trackr_entity::subscription::{Status, UnknownStatus};
use uuid::Uuid;

/// A Stripe object TrackR cannot read. Messages name the object and the
/// field, never a value beyond ids and the status.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the body is not a Stripe event")]
    NotAnEvent,
    #[error("expected {expected}, got {got}")]
    Unexpected { expected: &'static str, got: String },
    #[error("{object} has no {field}")]
    Missing { object: String, field: &'static str },
    #[error("subscription {id}: {source}")]
    Status {
        id: String,
        #[source]
        source: UnknownStatus,
    },
}

impl SnapshotError {
    fn missing(object: impl Into<String>, field: &'static str) -> Self {
        SnapshotError::Missing {
            object: object.into(),
            field,
        }
    }
}

fn ts(v: &Value) -> Option<DateTime<Utc>> {
    v.as_i64().and_then(|s| DateTime::from_timestamp(s, 0))
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        // An expanded object: its id.
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn organization_hint(v: &Value) -> Option<Uuid> {
    v["metadata"]["organization_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
}

/// A subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: String,
    pub customer: String,
    pub status: Status,
    pub price_id: Option<String>,
    pub currency: Option<String>,
    pub unit_amount: Option<i64>,
    pub interval: Option<String>,
    pub current_period_end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    /// Canceled because payment failed (or was disputed).
    pub unpaid: bool,
    pub organization: Option<Uuid>,
}

impl Subscription {
    pub fn from_json(v: &Value) -> Result<Self, SnapshotError> {
        if v["object"].as_str().is_some_and(|o| o != "subscription") {
            return Err(SnapshotError::Unexpected {
                expected: "a subscription",
                got: v["object"].to_string(),
            });
        }
        let id =
            string(&v["id"]).ok_or_else(|| SnapshotError::missing("the subscription", "id"))?;
        let item = &v["items"]["data"][0];
        let price = &item["price"];
        let period_end = ts(&v["current_period_end"])
            .or_else(|| ts(&item["current_period_end"]))
            .or_else(|| ts(&v["ended_at"]))
            .ok_or_else(|| {
                SnapshotError::missing(format!("subscription {id}"), "current_period_end")
            })?;
        // A status Stripe added since is refused, not guessed: the event
        // fails, is retried, and stays visible until this version knows it.
        let status = match v["status"].as_str() {
            None => Status::Incomplete,
            Some(s) => s.parse().map_err(|source| SnapshotError::Status {
                id: id.clone(),
                source,
            })?,
        };
        Ok(Subscription {
            customer: string(&v["customer"])
                .ok_or_else(|| SnapshotError::missing(format!("subscription {id}"), "customer"))?,
            status,
            price_id: string(&price["id"]).or_else(|| string(&item["plan"]["id"])),
            currency: price["currency"]
                .as_str()
                .or(v["currency"].as_str())
                .map(str::to_lowercase),
            unit_amount: price["unit_amount"].as_i64(),
            interval: price["recurring"]["interval"].as_str().map(str::to_owned),
            current_period_end: period_end,
            cancel_at_period_end: v["cancel_at_period_end"].as_bool().unwrap_or(false)
                || !v["cancel_at"].is_null() && v["status"] != "canceled",
            unpaid: matches!(
                v["cancellation_details"]["reason"].as_str(),
                Some("payment_failed" | "payment_disputed")
            ),
            organization: organization_hint(v),
            id,
        })
    }

    /// Monthly recurring revenue in minor units (yearly prices / 12).
    pub fn monthly_amount(amount: Option<i64>, interval: Option<&str>) -> i64 {
        match (amount, interval) {
            (Some(a), Some("year")) => a / 12,
            (Some(a), Some("week")) => a * 52 / 12,
            (Some(a), Some("day")) => a * 365 / 12,
            (Some(a), _) => a,
            _ => 0,
        }
    }
}

/// An invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub status: String,
    pub currency: String,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub price_id: Option<String>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub hosted_url: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub organization: Option<Uuid>,
}

impl Invoice {
    pub fn from_json(v: &Value) -> Result<Self, SnapshotError> {
        if v["object"].as_str().is_some_and(|o| o != "invoice") {
            return Err(SnapshotError::Unexpected {
                expected: "an invoice",
                got: v["object"].to_string(),
            });
        }
        let id = string(&v["id"]).ok_or_else(|| SnapshotError::missing("the invoice", "id"))?;
        let line = &v["lines"]["data"][0];
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        Ok(Invoice {
            customer: string(&v["customer"]),
            subscription: string(&v["parent"]["subscription_details"]["subscription"])
                .or_else(|| string(&v["subscription"])),
            status: v["status"].as_str().unwrap_or("draft").to_owned(),
            currency: v["currency"].as_str().unwrap_or("usd").to_lowercase(),
            amount_due: v["amount_due"].as_i64().unwrap_or(0),
            amount_paid: v["amount_paid"].as_i64().unwrap_or(0),
            price_id: string(&line["pricing"]["price_details"]["price"])
                .or_else(|| string(&line["price"]["id"])),
            period_start: ts(&line["period"]["start"])
                .or_else(|| ts(&v["period_start"]))
                .unwrap_or(epoch),
            period_end: ts(&line["period"]["end"])
                .or_else(|| ts(&v["period_end"]))
                .unwrap_or(epoch),
            hosted_url: string(&v["hosted_invoice_url"]),
            paid_at: ts(&v["status_transitions"]["paid_at"]),
            organization: organization_hint(&v["parent"]["subscription_details"])
                .or_else(|| organization_hint(v)),
            id,
        })
    }

    /// Invoice statuses only move forward; on a tie in time the later one
    /// in this order wins.
    pub fn status_rank(status: &str) -> u8 {
        match status {
            "draft" => 0,
            "open" => 1,
            "uncollectible" => 2,
            "paid" | "void" => 3,
            _ => 0,
        }
    }
}

/// A verified webhook event, as stored in the inbox.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub created: DateTime<Utc>,
    pub object: Value,
}

impl Event {
    pub fn from_json(payload: &str) -> Result<Self, SnapshotError> {
        let v: Value = serde_json::from_str(payload).map_err(SnapshotError::NotJson)?;
        if v["object"] != "event" {
            return Err(SnapshotError::NotAnEvent);
        }
        let missing = |field| SnapshotError::missing("the event", field);
        Ok(Event {
            id: string(&v["id"]).ok_or_else(|| missing("id"))?,
            kind: v["type"]
                .as_str()
                .ok_or_else(|| missing("type"))?
                .to_owned(),
            created: ts(&v["created"]).ok_or_else(|| missing("created time"))?,
            object: v["data"]["object"].clone(),
        })
    }
}

/// What the inbox keeps of an applied event: its identity, not its data.
pub fn minimized(payload: &str) -> String {
    let v: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    let object = &v["data"]["object"];
    serde_json::json!({
        "id": v["id"], "object": "event", "type": v["type"], "created": v["created"],
        "data": {"object": {"id": object["id"], "object": object["object"]}},
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_period_from_the_item_and_the_price() {
        let v = serde_json::json!({
            "object": "subscription", "id": "sub_1", "customer": "cus_1", "status": "active",
            "cancel_at_period_end": false, "cancel_at": null,
            "items": {"data": [{"current_period_end": 1_700_000_000,
                "price": {"id": "price_a", "currency": "EUR", "unit_amount": 1200,
                          "recurring": {"interval": "year"}}}]},
            "metadata": {"organization_id": "6f1c6c1e-9a43-4a53-a3a2-1b8c3e0f7c11"}
        });
        let s = Subscription::from_json(&v).unwrap();
        assert_eq!(s.price_id.as_deref(), Some("price_a"));
        assert_eq!(s.currency.as_deref(), Some("eur"));
        assert_eq!(s.current_period_end.timestamp(), 1_700_000_000);
        assert!(s.organization.is_some());
        assert_eq!(
            Subscription::monthly_amount(s.unit_amount, s.interval.as_deref()),
            100
        );
    }

    #[test]
    fn promise_6_a_minimized_event_keeps_no_card_or_address() {
        let payload = r#"{"id":"evt_1","object":"event","type":"charge.refunded","created":1,
            "data":{"object":{"id":"ch_1","object":"charge","billing_details":{"email":"a@b.c"},
            "payment_method_details":{"card":{"last4":"4242"}}}}}"#;
        let kept = minimized(payload);
        assert!(!kept.contains("4242") && !kept.contains("a@b.c"), "{kept}");
        let event = Event::from_json(&kept).unwrap();
        assert_eq!(
            (event.id.as_str(), event.kind.as_str()),
            ("evt_1", "charge.refunded")
        );
    }

    #[test]
    fn an_unknown_status_is_refused_not_guessed() {
        let v = serde_json::json!({
            "object": "subscription", "id": "sub_1", "customer": "cus_1", "status": "suspended",
            "items": {"data": [{"current_period_end": 1_700_000_000}]}
        });
        let e = Subscription::from_json(&v).unwrap_err();
        assert!(e.to_string().contains("suspended"), "{e}");
        let v = serde_json::json!({
            "object": "subscription", "id": "sub_1", "customer": "cus_1", "status": "past_due",
            "items": {"data": [{"current_period_end": 1_700_000_000}]}
        });
        assert_eq!(Subscription::from_json(&v).unwrap().status, Status::PastDue);
    }

    #[test]
    fn refuses_other_objects() {
        let v = serde_json::json!({"object": "invoice", "id": "in_1"});
        assert!(Subscription::from_json(&v).is_err());
        assert!(Event::from_json("{\"object\":\"charge\"}").is_err());
    }
}
