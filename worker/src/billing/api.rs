//! Stripe's API through async-stripe: requests are built with the typed
//! request builders and sent by the async-stripe client (authentication,
//! API version, idempotency keys); answers are read as JSON so that one
//! mapping (`snapshot`) serves webhook payloads and API reads alike, and a
//! field Stripe adds in a newer API version cannot break a read.

use std::collections::HashMap;

use serde_json::Value;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::{
    billing_portal_session::CreateBillingPortalSession,
    invoice::ListInvoice,
    subscription::{ListSubscription, ListSubscriptionStatus, RetrieveSubscription},
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::customer::CreateCustomer;
use stripe_shared::CheckoutSessionMode;
use stripe_types::{RangeBoundsTs, RangeQueryTs};
use trackr_config::{ExposeSecret, Settings};
use uuid::Uuid;

/// Stripe could not answer: the message names what failed, never a key.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Stripe has no such object")]
    NotFound,
    #[error("Stripe refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    #[error("the Stripe client could not be built: {0}")]
    Client(String),
}

impl From<StripeError> for ApiError {
    fn from(e: StripeError) -> Self {
        match e {
            StripeError::Stripe(err, 404) => {
                let _ = err;
                ApiError::NotFound
            }
            StripeError::Stripe(err, status) => ApiError::Refused {
                status,
                message: err.message.clone().unwrap_or_else(|| "no message".into()),
            },
            StripeError::JSONDeserialize(m) => {
                ApiError::Unreachable(format!("unreadable answer: {m}"))
            }
            StripeError::ClientError(m) => ApiError::Unreachable(m),
            StripeError::ConfigError(m) => ApiError::Unreachable(format!("configuration: {m}")),
            StripeError::Timeout => ApiError::Unreachable("timed out".into()),
        }
    }
}

/// A page size for list calls; Stripe's maximum.
const PAGE: i64 = 100;

#[derive(Clone)]
pub struct StripeApi {
    client: Client,
}

impl StripeApi {
    /// The client for these settings, or `None` when no secret key is set.
    pub fn from_settings(settings: &Settings) -> Option<Result<StripeApi, ApiError>> {
        let key = settings.stripe_secret_key.as_ref()?;
        Some(
            ClientBuilder::new(key.expose_secret())
                .url(format!("{}/", settings.stripe_api_base))
                .timeout(std::time::Duration::from_secs(20))
                .app_info("TrackR", Some(env!("CARGO_PKG_VERSION").into()), None)
                .build()
                .map(|client| StripeApi { client })
                .map_err(|e| ApiError::Client(e.to_string())),
        )
    }

    async fn send(
        &self,
        request: RequestBuilder,
        strategy: RequestStrategy,
    ) -> Result<Value, ApiError> {
        let raw: miniserde::json::Value = request
            .customize()
            .request_strategy(strategy)
            .send(&self.client)
            .await?;
        serde_json::from_str(&miniserde::json::to_string(&raw))
            .map_err(|e| ApiError::Unreachable(format!("unreadable answer: {e}")))
    }

    /// Reads are retried with backoff; Stripe keys them itself.
    async fn read(&self, request: RequestBuilder) -> Result<Value, ApiError> {
        self.send(request, RequestStrategy::ExponentialBackoff(3))
            .await
    }

    /// Creates the organization's Stripe customer. The idempotency key is
    /// the organization's, so two racing checkouts create one customer.
    pub async fn create_customer(
        &self,
        organization: Uuid,
        name: &str,
    ) -> Result<String, ApiError> {
        let metadata = HashMap::from([("organization_id".to_owned(), organization.to_string())]);
        let request = CreateCustomer::new().name(name).metadata(metadata).build();
        let key = idempotency_key(&format!("trackr-customer-{organization}"))?;
        let customer = self.send(request, RequestStrategy::Idempotent(key)).await?;
        str_field(&customer, "id")
    }

    /// A Checkout Session in subscription mode; returns its id and URL.
    pub async fn create_checkout(
        &self,
        checkout: &Checkout<'_>,
    ) -> Result<(String, String), ApiError> {
        let metadata = HashMap::from([(
            "organization_id".to_owned(),
            checkout.organization.to_string(),
        )]);
        let mut subscription_data = CreateCheckoutSessionSubscriptionData::new();
        subscription_data.metadata = Some(metadata.clone());
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price = Some(checkout.price.to_owned());
        item.quantity = Some(1);
        let request = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .customer(checkout.customer)
            .client_reference_id(checkout.organization.to_string())
            .metadata(metadata)
            .subscription_data(subscription_data)
            .line_items(vec![item])
            .success_url(checkout.success_url)
            .cancel_url(checkout.cancel_url)
            .build();
        let key = idempotency_key(checkout.idempotency_key)?;
        let session = self.send(request, RequestStrategy::Idempotent(key)).await?;
        Ok((str_field(&session, "id")?, str_field(&session, "url")?))
    }

    /// A customer-portal session URL.
    pub async fn create_portal(
        &self,
        customer: &str,
        return_url: &str,
    ) -> Result<String, ApiError> {
        let request = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url)
            .build();
        let key = idempotency_key(&format!("trackr-portal-{}", Uuid::new_v4()))?;
        let session = self.send(request, RequestStrategy::Idempotent(key)).await?;
        str_field(&session, "url")
    }

    /// The subscription as Stripe has it now; `None` when Stripe has none.
    pub async fn subscription(&self, id: &str) -> Result<Option<Value>, ApiError> {
        match self.read(RetrieveSubscription::new(id).build()).await {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The invoice a payment intent paid, through its invoice payment.
    pub async fn invoice_for_payment_intent(
        &self,
        intent: &str,
    ) -> Result<Option<String>, ApiError> {
        #[derive(serde::Serialize)]
        struct Payment<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            payment_intent: &'a str,
        }
        #[derive(serde::Serialize)]
        struct Query<'a> {
            payment: Payment<'a>,
        }
        let request = RequestBuilder::new(StripeMethod::Get, "/invoice_payments").query(&Query {
            payment: Payment {
                kind: "payment_intent",
                payment_intent: intent,
            },
        });
        let list = self.read(request).await?;
        Ok(list["data"][0]["invoice"].as_str().map(str::to_owned))
    }

    /// Every subscription (any status) created before `until`.
    pub async fn subscriptions(&self, until: i64) -> Result<Vec<Value>, ApiError> {
        self.all(|after| {
            let mut list = ListSubscription::new()
                .status(ListSubscriptionStatus::All)
                .created(RangeQueryTs::Bounds(RangeBoundsTs {
                    lt: Some(until),
                    ..Default::default()
                }))
                .limit(PAGE);
            if let Some(after) = after {
                list = list.starting_after(after);
            }
            list.build()
        })
        .await
    }

    /// Invoices created in `[from, until)`.
    pub async fn invoices(&self, from: i64, until: i64) -> Result<Vec<Value>, ApiError> {
        self.all(|after| {
            let mut list = ListInvoice::new()
                .created(RangeQueryTs::Bounds(RangeBoundsTs {
                    gte: Some(from),
                    lt: Some(until),
                    ..Default::default()
                }))
                .limit(PAGE);
            if let Some(after) = after {
                list = list.starting_after(after);
            }
            list.build()
        })
        .await
    }

    /// Follows a list's pages (`has_more`, `starting_after`).
    async fn all(
        &self,
        page: impl Fn(Option<&str>) -> RequestBuilder,
    ) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let list = self.read(page(after.as_deref())).await?;
            let data = list["data"].as_array().cloned().unwrap_or_default();
            let more = list["has_more"].as_bool().unwrap_or(false);
            after = data
                .last()
                .and_then(|o| o["id"].as_str())
                .map(str::to_owned);
            out.extend(data);
            if !more || after.is_none() || out.len() > 100_000 {
                return Ok(out);
            }
        }
    }
}

/// What a Checkout Session is made of.
pub struct Checkout<'a> {
    pub organization: Uuid,
    pub customer: &'a str,
    pub price: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub idempotency_key: &'a str,
}

fn idempotency_key(key: &str) -> Result<IdempotencyKey, ApiError> {
    IdempotencyKey::new(key).map_err(|e| ApiError::Unreachable(format!("idempotency key: {e}")))
}

fn str_field(v: &Value, field: &str) -> Result<String, ApiError> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::Unreachable(format!("the answer has no {field}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripe is away: the error says so, and carries no key (the key
    /// travels in a header, never in a message).
    #[tokio::test]
    async fn a_failed_request_names_no_secret() {
        let key = "sk_test_0123456789abcdefSECRET";
        let settings = Settings::from_pairs([
            ("stripe_secret_key", key.to_owned()),
            // Nothing listens on port 9 (discard) here.
            ("stripe_api_base", "http://127.0.0.1:9".to_owned()),
        ])
        .unwrap();
        let api = StripeApi::from_settings(&settings).unwrap().unwrap();
        let e = api.create_customer(Uuid::nil(), "Acme").await.unwrap_err();
        let billing = crate::billing::BillingError::from(e);
        let message = billing.to_string();
        assert!(message.contains("Stripe"), "{message}");
        assert!(
            !message.contains(key) && !message.contains("SECRET"),
            "{message}"
        );
    }
}
