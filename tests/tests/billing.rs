//! Billing on Stripe, end to end: Checkout and the portal against a local
//! Stripe stand-in, signed webhooks through the real router into the inbox
//! and the worker, every handled event type, the replay property, and
//! finance's reconciliation. On PostgreSQL (Redis queue) and SQLite.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use trackr_config::PlanId;
use trackr_entity::{invoice, organization, stripe_event, subscription};
use trackr_tests::{
    both_backends, error_code,
    stripe::{event, signature, FakeStripe, Inv, Sub},
    Backend, TestApp,
};

const SECRET: &str = "whsec_test_current";
const GROWTH_M: &str = "price_growth_monthly";
const GROWTH_Y: &str = "price_growth_yearly";
const STARTER_M: &str = "price_starter_monthly";

async fn billing_app(
    backend: Backend,
    stripe: Option<&FakeStripe>,
    webhook_secrets: &str,
) -> TestApp {
    let mut pairs: Vec<(&'static str, String)> = vec![
        ("stripe_webhook_secret", webhook_secrets.to_owned()),
        (
            "plans.growth.stripe_prices",
            format!("{GROWTH_M},{GROWTH_Y}"),
        ),
        ("plans.starter.stripe_prices", STARTER_M.to_owned()),
    ];
    if let Some(s) = stripe {
        pairs.push(("stripe_secret_key", "sk_test_trackr".into()));
        pairs.push(("stripe_api_base", s.url.clone()));
    }
    let owned: Vec<(&'static str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(backend, &owned).await
}

async fn post_signed(app: &TestApp, body: &str, secret: &str, timestamp: i64) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature(body, secret, timestamp))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("webhook sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn deliver(app: &TestApp, ev: &Value) {
    let (status, body) = post_signed(app, &ev.to_string(), SECRET, Utc::now().timestamp()).await;
    assert_eq!(status, 200, "{body}");
}

/// Waits until every stored event was processed or failed at least once.
async fn settle(app: &TestApp) {
    for _ in 0..400 {
        let pending = app
            .count(
                "SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NULL AND error IS NULL",
            )
            .await;
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Stripe events still unprocessed");
}

async fn invoice_row(app: &TestApp, id: impl Into<String>) -> invoice::Model {
    invoice::Entity::find()
        .filter(invoice::Column::StripeInvoiceId.eq(id.into()))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the invoice is mirrored")
}

async fn inbox_row(app: &TestApp, id: &str) -> stripe_event::Model {
    stripe_event::Entity::find()
        .filter(stripe_event::Column::StripeEventId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the event is in the inbox")
}

async fn sub_row(app: &TestApp, id: &str) -> subscription::Model {
    subscription::Entity::find()
        .filter(subscription::Column::StripeSubscriptionId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the subscription is mirrored")
}

async fn stored(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM stripe_events").await
}

async fn org_row(app: &TestApp, id: &str) -> organization::Model {
    organization::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("organization")
}

/// An organization linked to a Stripe customer, made directly (the
/// replay test needs many).
async fn billed_org(app: &TestApp, customer: &str) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    organization::ActiveModel {
        id: Set(id),
        name: Set(format!("Org {customer}")),
        slug: Set(format!("org-{}", id.simple())),
        plan: Set(PlanId::Free),
        stripe_customer_id: Set(Some(customer.to_owned())),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

async fn promise_6_checkout_and_portal_leave_card_data_to_stripe(backend: Backend) {
    let stripe = FakeStripe::start().await;
    let app = billing_app(backend, Some(&stripe), SECRET).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let checkout = "mutation($o: ID!, $p: PlanId!, $i: BillingInterval) { startCheckout(organizationId: $o, plan: $p, interval: $i) }";

    let url = app
        .gql_ok(
            Some(&owner.token),
            checkout,
            json!({"o": org, "p": "GROWTH"}),
        )
        .await["startCheckout"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with("https://checkout.stripe.test/c/pay/cs_test_"),
        "{url}"
    );

    let reqs = stripe.requests();
    let customer = reqs
        .iter()
        .find(|r| r.path == "/v1/customers")
        .expect("customer created");
    assert_eq!(
        customer.field("metadata[organization_id]"),
        Some(org.as_str())
    );
    assert_eq!(
        customer.headers["idempotency-key"],
        format!("trackr-customer-{org}")
    );
    assert_eq!(customer.headers["authorization"], "Bearer sk_test_trackr");
    let session = reqs
        .iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("session");
    assert_eq!(session.method, "POST");
    assert_eq!(session.field("mode"), Some("subscription"));
    assert_eq!(session.field("customer"), Some("cus_test1"));
    assert_eq!(session.field("client_reference_id"), Some(org.as_str()));
    assert_eq!(
        session.field("metadata[organization_id]"),
        Some(org.as_str())
    );
    assert_eq!(
        session.field("subscription_data[metadata][organization_id]"),
        Some(org.as_str())
    );
    assert_eq!(session.field("line_items[0][price]"), Some(GROWTH_M));
    assert_eq!(session.field("line_items[0][quantity]"), Some("1"));
    let success = session.field("success_url").unwrap();
    assert!(success.contains("{CHECKOUT_SESSION_ID}"), "{success}");
    assert!(
        success.contains(&format!("/orgs/{org}/billing?checkout=success")),
        "back to the web app's billing page: {success}"
    );
    // Promise 6: we ask Stripe to take the payment on its own page; no
    // card or payment-method data passes through us, not even an email.
    for r in [customer, session] {
        assert!(
            r.form.iter().all(|(k, _)| !k.contains("card")
                && !k.starts_with("payment_method")
                && k != "email"
                && k != "customer_email"),
            "{:?}",
            r.form
        );
    }
    let first_key = session.headers["idempotency-key"].clone();
    assert!(first_key.starts_with("trackr-checkout-"), "{first_key}");
    assert_eq!(
        org_row(&app, &org).await.stripe_customer_id.as_deref(),
        Some("cus_test1")
    );

    // Again, yearly: the same customer, a new request key, the yearly price.
    app.gql_ok(
        Some(&owner.token),
        checkout,
        json!({"o": org, "p": "GROWTH", "i": "YEAR"}),
    )
    .await;
    let reqs = stripe.requests();
    assert_eq!(reqs.iter().filter(|r| r.path == "/v1/customers").count(), 1);
    let second = reqs
        .iter()
        .rfind(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(second.field("line_items[0][price]"), Some(GROWTH_Y));
    assert_eq!(second.field("customer"), Some("cus_test1"));
    assert_ne!(second.headers["idempotency-key"], first_key);

    // A plan without a yearly price, the free plan: clear errors.
    let r = app
        .gql(
            Some(&owner.token),
            checkout,
            json!({"o": org, "p": "STARTER", "i": "YEAR"}),
        )
        .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no Stripe price for yearly"),
        "{r}"
    );
    let r = app
        .gql(Some(&owner.token), checkout, json!({"o": org, "p": "FREE"}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"));

    // Roles: BILLING may, ADMIN and VIEWER may not; another tenant sees
    // nothing. (Seats for them: a plan granted by hand.)
    let mut seats: organization::ActiveModel = org_row(&app, &org).await.into();
    seats.plan = Set(PlanId::Business);
    seats.update(&app.db).await.unwrap();
    for (name, role, ok) in [
        ("bill", "BILLING", true),
        ("adm", "ADMIN", false),
        ("view", "VIEWER", false),
    ] {
        let member = app.sign_up(name).await;
        app.add_member(&owner, &org, &member, role).await;
        let r = app
            .gql(
                Some(&member.token),
                checkout,
                json!({"o": org, "p": "STARTER"}),
            )
            .await;
        assert_eq!(r.get("errors").is_none(), ok, "{role}: {r}");
        if !ok {
            assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"));
        }
    }
    let stranger = app.sign_up("stranger").await;
    let r = app
        .gql(
            Some(&stranger.token),
            checkout,
            json!({"o": org, "p": "STARTER"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("NOT_FOUND"));

    let portal = "mutation($o: ID!) { billingPortalUrl(organizationId: $o) }";
    let url = app
        .gql_ok(Some(&owner.token), portal, json!({"o": org}))
        .await;
    assert_eq!(
        url["billingPortalUrl"],
        "https://billing.stripe.test/p/session/test_portal"
    );
    let p = stripe
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/v1/billing_portal/sessions")
        .unwrap();
    assert_eq!(p.field("customer"), Some("cus_test1"));
    let r = app
        .gql(Some(&stranger.token), portal, json!({"o": org}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("NOT_FOUND"));
}

async fn billing_without_stripe_key_says_so(backend: Backend) {
    let app = billing_app(backend, None, "").await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let r = app
        .gql(
            Some(&owner.token),
            "mutation($o: ID!) { startCheckout(organizationId: $o, plan: GROWTH) }",
            json!({"o": org}),
        )
        .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TRACKR_STRIPE_SECRET_KEY"),
        "{r}"
    );
    // No webhook secret: the endpoint is not there to be used.
    let (status, _) = post_signed(&app, "{}", SECRET, Utc::now().timestamp()).await;
    assert_eq!(status, 503);
}

async fn webhook_signatures(backend: Backend) {
    let app = billing_app(backend, None, "whsec_test_old, whsec_test_current").await;
    let now = Utc::now().timestamp();
    let body = |id: &str| {
        event(
            id,
            "customer.updated",
            now,
            json!({"object": "customer", "id": "cus_nobody", "metadata": {}}),
        )
        .to_string()
    };

    assert_eq!(
        post_signed(&app, &body("evt_good"), SECRET, now).await.0,
        200
    );
    assert_eq!(stored(&app).await, 1);
    // Rotation: the old secret still verifies.
    assert_eq!(
        post_signed(&app, &body("evt_rotated"), "whsec_test_old", now)
            .await
            .0,
        200
    );
    assert_eq!(stored(&app).await, 2);

    let (status, err) = post_signed(&app, &body("evt_wrong"), "whsec_test_other", now).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("no signature matches"),
        "{err}"
    );
    let (status, err) = post_signed(&app, &body("evt_stale"), SECRET, now - 301).await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("300 s"), "{err}");
    // Tampered: signed one body, sent another.
    let resp = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature(&body("evt_a"), SECRET, now))
        .body(body("evt_b"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url("/webhooks/stripe"))
        .body(body("evt_unsigned"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(stored(&app).await, 2, "refused deliveries change nothing");

    // A duplicate is acknowledged and ignored.
    let (status, dup) = post_signed(&app, &body("evt_good"), SECRET, now).await;
    assert_eq!(status, 200);
    assert_eq!(dup["duplicate"], true);
    assert_eq!(stored(&app).await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'stripe_event'")
            .await,
        2
    );
    settle(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NOT NULL")
            .await,
        2
    );
}

/// Stripe's state becomes `sub`, and its event is delivered and applied.
async fn step(
    app: &TestApp,
    stripe: &FakeStripe,
    id: &str,
    kind: &str,
    created: i64,
    sub: &Sub<'_>,
) {
    stripe.put_subscription(sub.json());
    deliver(app, &event(id, kind, created, sub.json())).await;
    settle(app).await;
}

async fn sub_event(id: &str, kind: &str, created: i64, sub: &Sub<'_>) -> Value {
    event(id, kind, created, sub.json())
}

async fn every_event_type_applies(backend: Backend) {
    let stripe = FakeStripe::start().await;
    let app = billing_app(backend, Some(&stripe), SECRET).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    app.create_site(&owner, &org, "one.example").await;
    let now = Utc::now().timestamp();
    let future = now + 20 * 86_400;
    let site_create =
        "mutation($o: ID!, $d: String!) { createSite(organizationId: $o, domain: $d) { id } }";

    // Free plan: one site.
    let r = app
        .gql(
            Some(&owner.token),
            site_create,
            json!({"o": org, "d": "two.example"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("PLAN_LIMIT"));
    assert!(
        r["errors"][0]["message"].as_str().unwrap().contains('1'),
        "{r}"
    );

    // checkout.session.completed links the customer and applies the
    // subscription read from Stripe.
    let mut sub = Sub {
        id: "sub_1",
        customer: "cus_acme",
        status: "active",
        price: GROWTH_M,
        period_end: future,
        cancel_at_period_end: false,
        organization: Some(&org),
    };
    stripe.put_subscription(sub.json());
    // startCheckout links the customer before Checkout opens.
    let mut linked: organization::ActiveModel = org_row(&app, &org).await.into();
    linked.stripe_customer_id = Set(Some("cus_acme".into()));
    linked.update(&app.db).await.unwrap();
    let mut session = trackr_tests::stripe::fixtures()["checkout.session"].clone();
    session["mode"] = json!("subscription");
    session["client_reference_id"] = json!(org);
    session["customer"] = json!("cus_acme");
    session["subscription"] = json!("sub_1");
    // A checkout naming the organization with someone else's customer (a
    // Payment Link's client_reference_id is anyone's to set) links nothing.
    let mut hijack = session.clone();
    hijack["customer"] = json!("cus_attacker");
    deliver(
        &app,
        &event("evt_cs_hijack", "checkout.session.completed", now, hijack),
    )
    .await;
    deliver(
        &app,
        &event("evt_cs", "checkout.session.completed", now, session),
    )
    .await;
    settle(&app).await;
    assert_eq!(
        org_row(&app, &org).await.stripe_customer_id.as_deref(),
        Some("cus_acme")
    );
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Growth);
    // Its limits apply at once.
    app.gql_ok(
        Some(&owner.token),
        site_create,
        json!({"o": org, "d": "two.example"}),
    )
    .await;
    let plan = app.gql_ok(Some(&owner.token), "query($o: ID!) { organization(id: $o) { plan { id maxSites } subscription { status plan { id } cancelAtPeriodEnd } } }", json!({"o": org})).await;
    assert_eq!(plan["organization"]["plan"]["id"], "GROWTH");
    assert_eq!(plan["organization"]["subscription"]["status"], "ACTIVE");

    deliver(
        &app,
        &sub_event(
            "evt_created",
            "customer.subscription.created",
            now + 1,
            &sub,
        )
        .await,
    )
    .await;
    // Downgrade to starter.
    sub.price = STARTER_M;
    step(
        &app,
        &stripe,
        "evt_upd",
        "customer.subscription.updated",
        now + 2,
        &sub,
    )
    .await;
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Starter);
    let row = sub_row(&app, "sub_1").await;
    assert_eq!(
        row.retained_plan,
        Some(PlanId::Growth),
        "a downgrade keeps retention until the period ends"
    );

    deliver(
        &app,
        &sub_event(
            "evt_trial",
            "customer.subscription.trial_will_end",
            now + 3,
            &sub,
        )
        .await,
    )
    .await;
    sub.status = "paused";
    step(
        &app,
        &stripe,
        "evt_pause",
        "customer.subscription.paused",
        now + 4,
        &sub,
    )
    .await;
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free);
    sub.status = "active";
    step(
        &app,
        &stripe,
        "evt_resume",
        "customer.subscription.resumed",
        now + 5,
        &sub,
    )
    .await;
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Starter);

    // Invoices.
    let mut inv = Inv {
        id: "in_1",
        customer: "cus_acme",
        subscription: Some("sub_1"),
        status: "open",
        amount_due: 1900,
        amount_paid: 0,
        price: STARTER_M,
        period_start: now,
        paid_at: None,
    };
    deliver(
        &app,
        &event("evt_fin", "invoice.finalized", now + 6, inv.json()),
    )
    .await;
    inv.status = "paid";
    inv.amount_paid = 1900;
    inv.paid_at = Some(now + 7);
    deliver(
        &app,
        &event("evt_paid", "invoice.paid", now + 7, inv.json()),
    )
    .await;
    let inv2 = Inv {
        id: "in_2",
        status: "open",
        amount_paid: 0,
        paid_at: None,
        ..inv
    };
    deliver(
        &app,
        &event("evt_fail", "invoice.payment_failed", now + 8, inv2.json()),
    )
    .await;
    let inv2_void = Inv {
        status: "void",
        ..inv2
    };
    deliver(
        &app,
        &event("evt_void", "invoice.voided", now + 9, inv2_void.json()),
    )
    .await;
    settle(&app).await;
    let invoices = app.gql_ok(Some(&owner.token), "query($o: ID!) { organization(id: $o) { invoices { stripeInvoiceId status amountDue amountPaid paidAt hostedInvoiceUrl } } }", json!({"o": org})).await;
    let list = invoices["organization"]["invoices"]
        .as_array()
        .unwrap()
        .clone();
    let failed = stripe_event::Entity::find()
        .filter(stripe_event::Column::Error.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        failed.len() == 1,
        "{:?}",
        failed
            .iter()
            .take(3)
            .map(|e| e.error.clone())
            .collect::<Vec<_>>()
    );
    let find = |id: &str| {
        list.iter()
            .find(|i| i["stripeInvoiceId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("in_1")["status"], "paid");
    assert_eq!(find("in_1")["amountPaid"], 1900);
    assert!(find("in_1")["paidAt"].is_string());
    assert_eq!(find("in_2")["status"], "void");

    // The current API links a charge to its invoice through the payment
    // intent; older ones name the invoice on the charge.
    stripe.put_invoice_payment("pi_1", "in_1");
    let charge = json!({"object": "charge", "id": "ch_1", "payment_intent": "pi_1", "amount_refunded": 500,
        "billing_details": {"email": "payer@example.com"}, "payment_method_details": {"card": {"last4": "4242", "exp_year": 2031}}});
    deliver(
        &app,
        &event("evt_refund", "charge.refunded", now + 10, charge),
    )
    .await;
    let old_style =
        json!({"object": "charge", "id": "ch_1", "invoice": "in_1", "amount_refunded": 300});
    deliver(
        &app,
        &event("evt_refund_old", "charge.refunded", now + 11, old_style),
    )
    .await;
    let customer = json!({"object": "customer", "id": "cus_acme", "email": "payer@example.com", "metadata": {}});
    deliver(
        &app,
        &event("evt_cust", "customer.updated", now + 12, customer),
    )
    .await;
    settle(&app).await;
    let refunded = invoice_row(&app, "in_1").await;
    assert_eq!(refunded.amount_refunded, 500, "refunds only grow");
    // Applied events keep their identity, not their card or address data.
    let kept =
        "SELECT COUNT(*) FROM stripe_events WHERE payload LIKE '%4242%' OR payload LIKE '%payer@%'";
    assert_eq!(app.count(kept).await, 0);

    // past_due: the plan holds within the grace, then falls to free.
    sub.status = "past_due";
    step(
        &app,
        &stripe,
        "evt_pd",
        "customer.subscription.updated",
        now + 13,
        &sub,
    )
    .await;
    assert_eq!(
        org_row(&app, &org).await.plan,
        PlanId::Starter,
        "within the grace"
    );
    let row = sub_row(&app, "sub_1").await;
    assert!(row.past_due_since.is_some());
    // Eight days into a seven-day grace.
    let mut model: subscription::ActiveModel = row.into();
    model.past_due_since = Set(Some(Utc::now() - chrono::Duration::days(8)));
    model.update(&app.db).await.unwrap();
    let settings = app.server.app.settings.clone();
    let b = trackr_worker::billing::Billing::new(&app.db, &settings).unwrap();
    trackr_worker::billing::apply::sweep(&b).await.unwrap();
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free, "grace over");
    let r = app
        .gql(
            Some(&owner.token),
            site_create,
            json!({"o": org, "d": "three.example"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("PLAN_LIMIT"));

    // Cancellation applies at the period end.
    sub.status = "canceled";
    stripe.put_subscription(sub.json());
    // Canceled by the customer while the period runs: paid until it ends.
    deliver(
        &app,
        &sub_event("evt_del", "customer.subscription.deleted", now + 14, &sub).await,
    )
    .await;
    settle(&app).await;
    assert_eq!(
        org_row(&app, &org).await.plan,
        PlanId::Starter,
        "paid until the period ends"
    );
    sub.period_end = now - 10;
    step(
        &app,
        &stripe,
        "evt_del2",
        "customer.subscription.updated",
        now + 15,
        &sub,
    )
    .await;
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free);

    // An unknown price is an error on the row, not a free plan.
    let other = Sub {
        id: "sub_x",
        customer: "cus_acme",
        status: "active",
        price: "price_unknown",
        period_end: future,
        cancel_at_period_end: false,
        organization: None,
    };
    stripe.put_subscription(other.json());
    deliver(
        &app,
        &sub_event(
            "evt_unknown",
            "customer.subscription.created",
            now + 16,
            &other,
        )
        .await,
    )
    .await;
    settle(&app).await;
    let ev = inbox_row(&app, "evt_unknown").await;
    assert!(ev.processed_at.is_none());
    assert!(
        ev.error
            .as_deref()
            .unwrap()
            .contains("unknown Stripe price price_unknown"),
        "{:?}",
        ev.error
    );
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NOT NULL")
            .await,
        16
    );
    let hijack = inbox_row(&app, "evt_cs_hijack").await;
    assert!(
        hijack.error.as_deref().unwrap().contains("not its own"),
        "{:?}",
        hijack.error
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NULL")
            .await,
        2
    );
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'billing.plan.changed'")
            .await
            >= 5
    );
}

async fn canceled_for_nonpayment_gives_no_plan(backend: Backend) {
    let app = billing_app(backend, None, SECRET).await;
    let org = billed_org(&app, "cus_late").await.to_string();
    let now = Utc::now().timestamp();
    let mut sub = Sub {
        id: "sub_late",
        customer: "cus_late",
        status: "active",
        price: GROWTH_M,
        period_end: now + 20 * 86_400,
        cancel_at_period_end: false,
        organization: None,
    };
    deliver(
        &app,
        &event(
            "evt_l1",
            "customer.subscription.created",
            now - 30,
            sub.json(),
        ),
    )
    .await;
    sub.status = "past_due";
    deliver(
        &app,
        &event(
            "evt_l2",
            "customer.subscription.updated",
            now - 20,
            sub.json(),
        ),
    )
    .await;
    settle(&app).await;
    assert_eq!(
        org_row(&app, &org).await.plan,
        PlanId::Growth,
        "within the grace"
    );
    sub.status = "canceled";
    let mut canceled = sub.json();
    canceled["cancellation_details"] =
        json!({"reason": "payment_failed", "comment": null, "feedback": null});
    deliver(
        &app,
        &event(
            "evt_l3",
            "customer.subscription.deleted",
            now - 10,
            canceled,
        ),
    )
    .await;
    settle(&app).await;
    // The period it would have run to was never paid for.
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free);
}

/// Nothing acknowledged is lost: an event whose job failed every attempt
/// (its organization was not linked yet) is applied by the retry that
/// `reconcile` (and the hourly schedule) runs.
async fn an_event_that_failed_every_attempt_is_applied_later(backend: Backend) {
    let app = billing_app(backend, None, SECRET).await;
    let now = Utc::now().timestamp();
    let sub = Sub {
        id: "sub_early",
        customer: "cus_early",
        status: "active",
        price: GROWTH_M,
        period_end: now + 86_400,
        cancel_at_period_end: false,
        organization: None,
    };
    deliver(
        &app,
        &event(
            "evt_early",
            "customer.subscription.created",
            now,
            sub.json(),
        ),
    )
    .await;
    let mut dead = 0;
    for _ in 0..300 {
        dead = app
            .count("SELECT COUNT(*) FROM jobs WHERE kind = 'stripe_event' AND status = 'dead'")
            .await;
        if dead == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dead, 1, "the job gave up");
    let org = billed_org(&app, "cus_early").await.to_string();
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Free);
    let settings = app.server.app.settings.clone();
    // A dry run changes nothing, pending events included.
    let dry = trackr_worker::run_now(
        &app.db,
        &settings,
        &app.server.app.clock,
        trackr_worker::JobName::Reconcile,
        true,
    )
    .await
    .unwrap();
    assert_eq!(dry["stripe_events_retried"], 0, "{dry:#}");
    assert_eq!(
        org_row(&app, &org).await.plan,
        PlanId::Free,
        "a dry run applies nothing"
    );
    let result = trackr_worker::run_now(
        &app.db,
        &settings,
        &app.server.app.clock,
        trackr_worker::JobName::Reconcile,
        false,
    )
    .await
    .unwrap();
    assert_eq!(result["stripe_events_retried"], 1, "{result:#}");
    assert_eq!(org_row(&app, &org).await.plan, PlanId::Growth);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NULL")
            .await,
        0
    );
}

/// A tiny deterministic generator (xorshift), so a failing ordering can
/// be replayed from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One subscription's life, as Stripe sends it: created → updated
/// (downgrade) → past_due → active → canceled, with its invoices.
fn life(n: usize, t0: i64) -> (Vec<Value>, String) {
    let sid = format!("sub_r{n}");
    let cus = format!("cus_r{n}");
    let past = t0 - 100;
    let sub = |status, price, end| {
        Sub {
            id: &sid,
            customer: &cus,
            status,
            price,
            period_end: end,
            cancel_at_period_end: false,
            organization: None,
        }
        .json()
    };
    let inv = |id: &str, status, paid: i64, paid_at| {
        Inv {
            id,
            customer: &cus,
            subscription: Some(&sid),
            status,
            amount_due: 1900,
            amount_paid: paid,
            price: STARTER_M,
            period_start: t0,
            paid_at,
        }
        .json()
    };
    let in1 = format!("in_r{n}_1");
    let in2 = format!("in_r{n}_2");
    let e = |k: usize, kind: &str, obj: Value| {
        event(&format!("evt_r{n}_{k}"), kind, t0 + k as i64 * 10, obj)
    };
    (
        vec![
            e(
                0,
                "customer.subscription.created",
                sub("incomplete", GROWTH_M, t0 + 86_400),
            ),
            // The same second as its creation: Stripe's clock has whole seconds.
            event(
                &format!("evt_r{n}_1"),
                "customer.subscription.updated",
                t0,
                sub("active", GROWTH_M, t0 + 86_400),
            ),
            e(
                2,
                "customer.subscription.updated",
                sub("active", STARTER_M, t0 + 86_400),
            ),
            e(3, "invoice.finalized", inv(&in1, "open", 0, None)),
            e(4, "invoice.payment_failed", inv(&in1, "open", 0, None)),
            e(
                5,
                "customer.subscription.updated",
                sub("past_due", STARTER_M, t0 + 86_400),
            ),
            e(6, "invoice.paid", inv(&in1, "paid", 1900, Some(t0 + 60))),
            e(
                7,
                "customer.subscription.updated",
                sub("active", STARTER_M, t0 + 86_400),
            ),
            e(8, "invoice.finalized", inv(&in2, "open", 0, None)),
            e(9, "invoice.paid", inv(&in2, "paid", 1900, Some(t0 + 90))),
            e(
                10,
                "customer.subscription.deleted",
                sub("canceled", STARTER_M, past),
            ),
        ],
        cus,
    )
}

/// What a finished life leaves: (org plan, sub status, sub plan, invoice statuses and amounts).
async fn outcome(app: &TestApp, org: uuid::Uuid, n: usize) -> Value {
    let o = organization::Entity::find_by_id(org)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let s = subscription::Entity::find()
        .filter(subscription::Column::OrganizationId.eq(org))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut invs = Vec::new();
    for k in 1..=2 {
        let i = invoice_row(app, format!("in_r{n}_{k}")).await;
        invs.push(json!([
            i.status,
            i.amount_paid,
            i.paid_at.map(|t| t.timestamp()),
            i.organization_id == Some(org)
        ]));
    }
    json!({"plan": o.plan, "status": s.status, "sub_plan": s.plan, "price": s.price_id, "past_due_since": s.past_due_since.is_some(),
           "period_end": s.current_period_end.timestamp(), "cancel_at_period_end": s.cancel_at_period_end,
           "retained": [s.retained_plan, s.retained_until.map(|t| t.timestamp())], "invoices": invs})
}

/// For a subscription's life, any permutation and duplication of its
/// events ends in the same state as in-order delivery.
async fn replay_property(backend: Backend, with_api: bool, orderings: usize) {
    let stripe = FakeStripe::start().await;
    let app = billing_app(backend, with_api.then_some(&stripe), SECRET).await;
    let t0 = Utc::now().timestamp() - 3600;
    let seed = 0x5EED_0000_u64 + orderings as u64 + u64::from(with_api);
    let mut rng = Rng(seed);
    let mut orgs = Vec::new();
    for n in 0..=orderings {
        let (events, cus) = life(n, t0);
        let org = billed_org(&app, &cus).await;
        // Stripe's current state, for the re-read.
        stripe.put_subscription(events[10]["data"]["object"].clone());
        let mut order: Vec<usize> = (0..events.len()).collect();
        if n > 0 {
            // Fisher–Yates, then up to four duplicates anywhere.
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            for _ in 0..rng.below(5) {
                let dup = order[rng.below(order.len())];
                order.insert(rng.below(order.len() + 1), dup);
            }
        }
        for i in order {
            deliver(&app, &events[i]).await;
        }
        orgs.push(org);
    }
    settle(&app).await;
    let failed = stripe_event::Entity::find()
        .filter(stripe_event::Column::Error.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        failed.is_empty(),
        "{:?}",
        failed
            .iter()
            .take(3)
            .map(|e| e.error.clone())
            .collect::<Vec<_>>()
    );
    let expected = outcome(&app, orgs[0], 0).await;
    assert_eq!(
        expected,
        json!({"plan": "free", "status": "canceled", "sub_plan": "starter", "price": STARTER_M, "past_due_since": false,
               "period_end": t0 - 100, "cancel_at_period_end": false, "retained": ["growth", t0 + 86_400],
               "invoices": [["paid", 1900, t0 + 60, true], ["paid", 1900, t0 + 90, true]]}),
        "in-order delivery"
    );
    for (n, org) in orgs.iter().enumerate().skip(1) {
        assert_eq!(
            outcome(&app, *org, n).await,
            expected,
            "ordering {n} (seed {seed:#x})"
        );
    }
}

/// 120 random orderings per backend, event copies only (no API).
async fn replay_any_order_same_state(backend: Backend) {
    replay_property(backend, false, 120).await;
}

/// 40 more per backend with the re-read from Stripe's API.
async fn replay_any_order_same_state_with_api(backend: Backend) {
    replay_property(backend, true, 40).await;
}

async fn reconciliation_finds_and_repairs(backend: Backend) {
    let stripe = FakeStripe::start().await;
    let app = billing_app(backend, Some(&stripe), SECRET).await;
    let staff = app.sign_up("finance").await;
    trackr_api::accounts::grant_staff(
        &app.db,
        &staff.email,
        trackr_api::accounts::StaffRole::Operator,
    )
    .await
    .unwrap();
    let owner = app.sign_up("owner").await;
    let now = Utc::now().timestamp();
    let month = Utc::now().format("%Y-%m").to_string();

    // In sync: a subscription and a paid invoice that arrived by webhook.
    let synced = billed_org(&app, "cus_sync").await;
    let s1 = Sub {
        id: "sub_sync",
        customer: "cus_sync",
        status: "active",
        price: GROWTH_M,
        period_end: now + 86_400 * 20,
        cancel_at_period_end: false,
        organization: None,
    };
    stripe.put_subscription(s1.json());
    deliver(
        &app,
        &event("evt_s1", "customer.subscription.created", now, s1.json()),
    )
    .await;
    let i1 = Inv {
        id: "in_sync",
        customer: "cus_sync",
        subscription: Some("sub_sync"),
        status: "paid",
        amount_due: 4900,
        amount_paid: 4900,
        price: GROWTH_M,
        period_start: now,
        paid_at: Some(now),
    };
    stripe.put_invoice(i1.json());
    deliver(&app, &event("evt_i1", "invoice.paid", now, i1.json())).await;
    settle(&app).await;

    // Injected: a subscription and a paid invoice the webhooks missed.
    let missed = app.create_org(&owner, "Missed").await;
    let missed_id: uuid::Uuid = missed.parse().unwrap();
    let mut m: organization::ActiveModel = org_row(&app, &missed).await.into();
    m.stripe_customer_id = Set(Some("cus_missed".into()));
    m.update(&app.db).await.unwrap();
    let s2 = Sub {
        id: "sub_missed",
        customer: "cus_missed",
        status: "active",
        price: STARTER_M,
        period_end: now + 86_400 * 20,
        cancel_at_period_end: false,
        organization: Some(&missed),
    };
    stripe.put_subscription(s2.json());
    let i2 = Inv {
        id: "in_missed",
        customer: "cus_missed",
        subscription: Some("sub_missed"),
        status: "paid",
        amount_due: 1900,
        amount_paid: 1900,
        price: STARTER_M,
        period_start: now,
        paid_at: Some(now),
    };
    stripe.put_invoice(i2.json());
    // Another product's subscription on the same Stripe account: not ours.
    let foreign = Sub {
        id: "sub_foreign",
        customer: "cus_elsewhere",
        status: "active",
        price: "price_other_product",
        period_end: now + 86_400,
        cancel_at_period_end: false,
        organization: None,
    };
    stripe.put_subscription(foreign.json());
    // And an organization whose plan was changed by hand.
    let mut s: organization::ActiveModel = organization::Entity::find_by_id(synced)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    s.plan = Set(PlanId::Business);
    s.update(&app.db).await.unwrap();

    let query = "query($m: String!) { reconciliation(month: $m) { month comparedWithStripe totals { currency plan invoiced paid activeSubscriptions mrr } discrepancies { kind organizationId stripeId } } }";
    let r = app
        .gql(Some(&owner.token), query, json!({"m": month}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "staff only");
    let r = app
        .gql(Some(&staff.token), query, json!({"m": "2026-13"}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"));
    let report = app
        .gql_ok(Some(&staff.token), query, json!({"m": month}))
        .await["reconciliation"]
        .clone();
    assert_eq!(report["comparedWithStripe"], true);
    let kinds: Vec<(String, String)> = report["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["stripeId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("subscription_missing_here".into(), "sub_missed".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("invoice_missing_here".into(), "in_missed".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("plan_mismatch".into(), "sub_sync".into())),
        "{kinds:?}"
    );
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    let growth = report["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["plan"] == "growth")
        .unwrap()
        .clone();
    assert_eq!(
        growth,
        json!({"currency": "usd", "plan": "growth", "invoiced": 4900, "paid": 4900, "activeSubscriptions": 1, "mrr": 2000})
    );

    // The CSV, for staff only.
    let csv = app
        .client
        .get(app.url(&format!("/finance/invoices.csv?month={month}")))
        .bearer_auth(&staff.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("stripe_invoice_id,organization_id,plan,status"),
        "{text}"
    );
    assert!(
        text.contains(&format!("in_sync,{synced},growth,paid,usd,4900,4900,0")),
        "{text}"
    );
    let refused = app
        .client
        .get(app.url(&format!("/finance/invoices.csv?month={month}")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let bad = app
        .client
        .get(app.url("/finance/invoices.csv?month=May"))
        .bearer_auth(&staff.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The job repairs and records what it changed.
    let settings = app.server.app.settings.clone();
    let result = trackr_worker::run_now(
        &app.db,
        &settings,
        &app.server.app.clock,
        trackr_worker::JobName::Reconcile,
        false,
    )
    .await
    .unwrap();
    for month in result["months"].as_array().unwrap() {
        assert_eq!(month["remaining"], json!([]), "{result:#}");
    }
    assert_eq!(org_row(&app, &missed).await.plan, PlanId::Starter);
    assert_eq!(
        org_row(&app, &synced.to_string()).await.plan,
        PlanId::Growth
    );
    let mirrored = invoice_row(&app, "in_missed").await;
    assert_eq!(
        (mirrored.status.as_str(), mirrored.organization_id),
        ("paid", Some(missed_id))
    );
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'billing.reconciled'")
            .await
            >= 3
    );
    let after = app
        .gql_ok(Some(&staff.token), query, json!({"m": month}))
        .await;
    assert_eq!(after["reconciliation"]["discrepancies"], json!([]));
}

/// The 300 s tolerance of a webhook's signature is measured against the
/// server's clock, the one every other rule goes by.
async fn the_webhook_tolerance_goes_by_the_servers_clock(b: Backend) {
    let app = billing_app(b, None, SECRET).await;
    let server_now = Utc::now() + chrono::Duration::hours(2);
    app.set_time(server_now);
    let body = |id: &str| {
        event(
            id,
            "customer.updated",
            server_now.timestamp(),
            json!({"object": "customer", "id": "cus_nobody", "metadata": {}}),
        )
        .to_string()
    };
    let (status, err) = post_signed(&app, &body("evt_now"), SECRET, Utc::now().timestamp()).await;
    assert_eq!(status, 400, "two hours behind the server: {err}");
    assert!(err["error"].as_str().unwrap().contains("300 s"), "{err}");
    let (status, err) = post_signed(&app, &body("evt_then"), SECRET, server_now.timestamp()).await;
    assert_eq!(status, 200, "{err}");
}

/// Each of Stripe's statuses, as stored (Stripe's name), reads back as its
/// `SubscriptionStatus` value; a name Stripe may add later fails loudly.
async fn every_subscription_status_reads_back_as_its_enum_value(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("ada").await;
    let org = app.create_org(&owner, "Acme").await;
    let now = Utc::now();
    subscription::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        organization_id: Set(org.parse().unwrap()),
        stripe_subscription_id: Set("sub_status".into()),
        stripe_customer_id: Set("cus_status".into()),
        status: Set(subscription::Status::Active),
        price_id: Set(GROWTH_M.into()),
        plan: Set(PlanId::Growth),
        current_period_end: Set(now + chrono::Duration::days(30)),
        cancel_at_period_end: Set(false),
        past_due_since: Set(None),
        currency: Set(Some("usd".into())),
        unit_amount: Set(Some(4900)),
        billing_interval: Set(Some("month".into())),
        retained_plan: Set(None),
        retained_until: Set(None),
        last_event_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let q = "query($o: ID!) { organization(id: $o) { subscription { status plan { id } } } }";
    let set_status = |status: &'static str| {
        let db = &app.db;
        async move {
            use sea_orm::ConnectionTrait;
            db.execute_unprepared(&format!(
                "UPDATE subscriptions SET status = '{status}' WHERE stripe_subscription_id = 'sub_status'"
            ))
            .await
            .unwrap();
        }
    };
    for (stored, value) in [
        ("incomplete", "INCOMPLETE"),
        ("incomplete_expired", "INCOMPLETE_EXPIRED"),
        ("trialing", "TRIALING"),
        ("active", "ACTIVE"),
        ("past_due", "PAST_DUE"),
        ("canceled", "CANCELED"),
        ("unpaid", "UNPAID"),
        ("paused", "PAUSED"),
    ] {
        set_status(stored).await;
        let data = app.gql_ok(Some(&owner.token), q, json!({"o": org})).await;
        let sub = &data["organization"]["subscription"];
        assert_eq!(sub["status"], value, "{stored}");
        assert_eq!(sub["plan"]["id"], "GROWTH");
        assert_eq!(sub_row(&app, "sub_status").await.status.to_string(), stored);
    }
    set_status("suspended").await;
    let r = app.gql(Some(&owner.token), q, json!({"o": org})).await;
    assert_eq!(error_code(&r).as_deref(), Some("INTERNAL"), "{r}");
}

both_backends!(
    promise_6_checkout_and_portal_leave_card_data_to_stripe,
    billing_without_stripe_key_says_so,
    webhook_signatures,
    every_event_type_applies,
    replay_any_order_same_state,
    replay_any_order_same_state_with_api,
    reconciliation_finds_and_repairs,
    canceled_for_nonpayment_gives_no_plan,
    an_event_that_failed_every_attempt_is_applied_later,
    every_subscription_status_reads_back_as_its_enum_value,
    the_webhook_tolerance_goes_by_the_servers_clock,
);
