//! Billing through the real binary: a signed `customer.subscription.updated`
//! POSTed with curl moves an organization to the matching plan, and its
//! limits apply at once (embedded default: SQLite, jobs in-process).

mod common;

use std::{process::Command, time::Duration};

use serde_json::json;

const SECRET: &str = "whsec_binary_test";

#[tokio::test]
async fn a_signed_subscription_update_posted_with_curl_moves_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::serve_with(
        dir.path(),
        &[
            ("TRACKR_STRIPE_WEBHOOK_SECRET", SECRET.into()),
            (
                "TRACKR_PLANS__GROWTH__STRIPE_PRICES",
                "price_growth_m,price_growth_y".into(),
            ),
        ],
    );
    let base = format!("http://{}", server.addr);
    let (token, org, _site) = common::tenant(&base, "billed", "one.example").await;
    let create_site =
        "mutation($o: ID!, $d: String!) { createSite(organizationId: $o, domain: $d) { id } }";
    let client = reqwest::Client::new();
    let second: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": create_site, "variables": {"o": org, "d": "two.example"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        second["errors"][0]["extensions"]["code"], "PLAN_LIMIT",
        "{second}"
    );

    let now = chrono::Utc::now().timestamp();
    let body = json!({
        "id": "evt_binary_1", "object": "event", "type": "customer.subscription.updated",
        "created": now, "livemode": false, "pending_webhooks": 1, "api_version": "2025-09-30.clover",
        "data": {"object": {
            "id": "sub_binary", "object": "subscription", "customer": "cus_binary", "status": "active",
            "cancel_at_period_end": false, "cancel_at": null, "currency": "usd",
            "metadata": {"organization_id": org},
            "items": {"object": "list", "data": [{"object": "subscription_item", "current_period_end": now + 30 * 86_400,
                "price": {"id": "price_growth_m", "currency": "usd", "unit_amount": 4900, "recurring": {"interval": "month"}}}]}
        }}
    })
    .to_string();
    let signature = trackr_worker::billing::webhook::sign(&body, SECRET, now);
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", &format!("Stripe-Signature: {signature}")])
        .args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body,
        ])
        .arg(format!("{base}/webhooks/stripe"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200", "{out:?}");

    let mut plan = String::new();
    for _ in 0..100 {
        let data = common::gql(
            &base,
            Some(&token),
            "query($o: ID!) { organization(id: $o) { plan { id maxSites } } }",
            json!({"o": org}),
        )
        .await;
        plan = data["organization"]["plan"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if plan == "GROWTH" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(plan, "GROWTH");
    // The growth plan's site limit holds at once.
    common::gql(
        &base,
        Some(&token),
        create_site,
        json!({"o": org, "d": "two.example"}),
    )
    .await;

    // The same body with a bad signature changes nothing and says why.
    let out = Command::new("curl")
        .args(["-sS", "-w", " %{http_code}", "-X", "POST"])
        .args(["-H", "Stripe-Signature: t=1,v1=00"])
        .args(["--data-binary", &body])
        .arg(format!("{base}/webhooks/stripe"))
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(answer.ends_with(" 400"), "{answer}");
    let _ = server.child.kill();
    let _ = server.child.wait();
}
