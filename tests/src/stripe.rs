//! A local stand-in for Stripe's API: it answers like Stripe (the JSON
//! shapes of Stripe's published fixtures, its error envelope, its list
//! pagination) and records every request it was sent, so tests can check
//! what TrackR asked for. Also builders for events and their signatures.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde_json::{json, Value};

/// One request as Stripe would have received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
    /// The form-encoded body, decoded into (key, value) pairs.
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn field(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    subscriptions: BTreeMap<String, Value>,
    invoices: BTreeMap<String, Value>,
    /// payment intent → invoice it paid.
    invoice_payments: BTreeMap<String, String>,
    customers: u32,
    sessions: u32,
}

/// What the stand-in knows: Stripe's current objects.
#[derive(Clone, Default)]
pub struct FakeStripe {
    inner: Arc<Mutex<Inner>>,
    /// While true, requests are recorded and then left unanswered: Stripe
    /// stalling.
    stalled: Arc<tokio::sync::watch::Sender<bool>>,
    pub url: String,
}

pub fn fixtures() -> Value {
    serde_json::from_str(include_str!("../fixtures/stripe/objects.json")).expect("fixtures")
}

impl FakeStripe {
    pub async fn start() -> FakeStripe {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut stripe = FakeStripe {
            url: format!("http://{addr}"),
            ..Default::default()
        };
        // One handler: record the request, then answer as Stripe would.
        let app = Router::new().fallback(handle).with_state(stripe.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        stripe.url = format!("http://{addr}");
        stripe
    }

    /// Stops answering (requests wait) until `answer_again`.
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn answer_again(&self) {
        self.stalled.send_replace(false);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Stripe's current state of a subscription (what a read returns).
    pub fn put_subscription(&self, sub: Value) {
        let id = sub["id"].as_str().expect("id").to_owned();
        self.inner.lock().unwrap().subscriptions.insert(id, sub);
    }

    pub fn remove_subscription(&self, id: &str) {
        self.inner.lock().unwrap().subscriptions.remove(id);
    }

    pub fn put_invoice_payment(&self, payment_intent: &str, invoice: &str) {
        self.inner
            .lock()
            .unwrap()
            .invoice_payments
            .insert(payment_intent.into(), invoice.into());
    }

    pub fn put_invoice(&self, inv: Value) {
        let id = inv["id"].as_str().expect("id").to_owned();
        self.inner.lock().unwrap().invoices.insert(id, inv);
    }
}

async fn handle(
    State(stripe): State<FakeStripe>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rec = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        form: url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    };
    stripe.inner.lock().unwrap().requests.push(rec.clone());
    let _ = stripe
        .stalled
        .subscribe()
        .wait_for(|stalled| !*stalled)
        .await;
    let authorized = rec
        .headers
        .get("authorization")
        .is_some_and(|a| a.starts_with("Bearer sk_test_"));
    if !authorized {
        return stripe_error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Invalid API Key provided",
        );
    }
    dispatch(&stripe, &rec)
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message, "code": null}})),
    )
        .into_response()
}

fn dispatch(stripe: &FakeStripe, r: &Recorded) -> Response {
    let f = fixtures();
    let mut inner = stripe.inner.lock().unwrap();
    match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/customers") => {
            inner.customers += 1;
            let mut c = f["customer"].clone();
            c["id"] = json!(format!("cus_test{}", inner.customers));
            c["name"] = json!(r.field("name"));
            c["metadata"] = json!({"organization_id": r.field("metadata[organization_id]")});
            Json(c).into_response()
        }
        ("POST", "/v1/checkout/sessions") => {
            inner.sessions += 1;
            let id = format!("cs_test_{}", inner.sessions);
            let mut s = f["checkout.session"].clone();
            s["id"] = json!(id);
            s["mode"] = json!(r.field("mode"));
            s["customer"] = json!(r.field("customer"));
            s["client_reference_id"] = json!(r.field("client_reference_id"));
            s["url"] = json!(format!("https://checkout.stripe.test/c/pay/{id}"));
            Json(s).into_response()
        }
        ("POST", "/v1/billing_portal/sessions") => {
            let mut s = f["billing_portal.session"].clone();
            s["customer"] = json!(r.field("customer"));
            s["return_url"] = json!(r.field("return_url"));
            s["url"] = json!("https://billing.stripe.test/p/session/test_portal");
            Json(s).into_response()
        }
        ("GET", "/v1/subscriptions") => {
            Json(list("/v1/subscriptions", inner.subscriptions.values())).into_response()
        }
        ("GET", "/v1/invoice_payments") => {
            let query: Vec<(String, String)> = url::form_urlencoded::parse(r.query.as_bytes())
                .into_owned()
                .collect();
            let intent = query
                .iter()
                .find(|(k, _)| k == "payment[payment_intent]")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let data: Vec<Value> = inner
                .invoice_payments
                .get(&intent)
                .map(|inv| json!({"object": "invoice_payment", "invoice": inv, "payment": {"type": "payment_intent", "payment_intent": intent}}))
                .into_iter()
                .collect();
            Json(json!({"object": "list", "url": "/v1/invoice_payments", "has_more": false, "data": data})).into_response()
        }
        ("GET", "/v1/invoices") => {
            Json(list("/v1/invoices", inner.invoices.values())).into_response()
        }
        ("GET", path) if path.starts_with("/v1/subscriptions/") => {
            let id = &path["/v1/subscriptions/".len()..];
            match inner.subscriptions.get(id) {
                Some(s) => Json(s.clone()).into_response(),
                None => stripe_error(
                    StatusCode::NOT_FOUND,
                    "invalid_request_error",
                    &format!("No such subscription: '{id}'"),
                ),
            }
        }
        _ => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "Unrecognized request URL",
        ),
    }
}

fn list<'a>(url: &str, items: impl Iterator<Item = &'a Value>) -> Value {
    json!({"object": "list", "url": url, "has_more": false, "data": items.cloned().collect::<Vec<_>>()})
}

/// A subscription object (Stripe's fixture, with these fields).
pub struct Sub<'a> {
    pub id: &'a str,
    pub customer: &'a str,
    pub status: &'a str,
    pub price: &'a str,
    pub period_end: i64,
    pub cancel_at_period_end: bool,
    pub organization: Option<&'a str>,
}

impl Sub<'_> {
    pub fn json(&self) -> Value {
        let mut s = fixtures()["subscription"].clone();
        s["id"] = json!(self.id);
        s["customer"] = json!(self.customer);
        s["status"] = json!(self.status);
        s["cancel_at_period_end"] = json!(self.cancel_at_period_end);
        s["cancel_at"] = Value::Null;
        s["canceled_at"] = Value::Null;
        s["ended_at"] = Value::Null;
        s["metadata"] = match self.organization {
            Some(o) => json!({"organization_id": o}),
            None => json!({}),
        };
        let item = &mut s["items"]["data"][0];
        item["subscription"] = json!(self.id);
        item["price"]["id"] = json!(self.price);
        item["current_period_start"] = json!(self.period_end - 30 * 86_400);
        item["current_period_end"] = json!(self.period_end);
        s
    }
}

/// An invoice object (Stripe's fixture, with these fields).
pub struct Inv<'a> {
    pub id: &'a str,
    pub customer: &'a str,
    pub subscription: Option<&'a str>,
    pub status: &'a str,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub price: &'a str,
    pub period_start: i64,
    pub paid_at: Option<i64>,
}

impl Inv<'_> {
    pub fn json(&self) -> Value {
        let mut i = fixtures()["invoice"].clone();
        i["id"] = json!(self.id);
        i["customer"] = json!(self.customer);
        i["status"] = json!(self.status);
        i["currency"] = json!("usd");
        i["amount_due"] = json!(self.amount_due);
        i["amount_paid"] = json!(self.amount_paid);
        i["hosted_invoice_url"] = json!(format!("https://invoice.stripe.test/{}", self.id));
        i["status_transitions"]["paid_at"] = json!(self.paid_at);
        i["parent"] = json!({
            "type": "subscription_details",
            "quote_details": null,
            "subscription_details": {"metadata": null, "subscription": self.subscription},
        });
        let line = &mut i["lines"]["data"][0];
        line["pricing"] = json!({"type": "price_details", "price_details": {"price": self.price, "product": "prod_test"}, "unit_amount_decimal": null});
        line["period"] =
            json!({"start": self.period_start, "end": self.period_start + 30 * 86_400});
        i
    }
}

/// A Stripe event envelope around `object`.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
    })
}

/// `Stripe-Signature` for `body`, as Stripe computes it.
pub fn signature(body: &str, secret: &str, timestamp: i64) -> String {
    trackr_worker::billing::webhook::sign(body, secret, timestamp)
}
