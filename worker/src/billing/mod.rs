//! Billing on Stripe: the API client, the webhook inbox's processing, the
//! plan each organization is on, and finance's reconciliation.

pub mod api;
pub mod apply;
pub mod reconcile;
pub mod snapshot;
pub mod webhook;

pub use apply::{organization_plan, plan_in_force, Billing};

use uuid::Uuid;

/// Why billing could not apply, compare or repair something. Messages name
/// Stripe's and TrackR's ids, never a key or a customer's details.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Stripe(#[from] api::ApiError),
    #[error(transparent)]
    Unreadable(#[from] snapshot::SnapshotError),
    #[error("{0:?} is not a month: expected YYYY-MM")]
    NotAMonth(String),
    #[error("no Stripe event {0} in the inbox")]
    NotInInbox(Uuid),
    /// The event could not be applied; `source` says why.
    #[error("Stripe event {id} ({kind}): {source}")]
    Event {
        id: String,
        kind: String,
        #[source]
        source: Box<BillingError>,
    },
    #[error("organization {0} no longer exists")]
    OrganizationGone(Uuid),
    #[error("no organization for Stripe customer {customer} (subscription {subscription})")]
    NoOrganization {
        customer: String,
        subscription: String,
    },
    #[error("subscription {0} has no price")]
    NoPrice(String),
    #[error("unknown Stripe price {price} on subscription {subscription}: add it to a plan's stripe_prices")]
    UnknownPrice { price: String, subscription: String },
    #[error("Stripe has no subscription {0}")]
    NoSuchSubscription(String),
    /// Its invoice's event has not arrived yet: tried again later.
    #[error("refund for invoice {0}, not yet mirrored")]
    RefundBeforeInvoice(String),
    #[error(transparent)]
    Checkout(#[from] CheckoutRefusal),
}

/// Why a completed checkout links no organization to a customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutRefusal {
    #[error("the checkout session names no organization")]
    NoOrganization,
    #[error("the checkout session has no customer")]
    NoCustomer,
    #[error("the checkout session's metadata names another organization")]
    OtherOrganization,
    #[error("checkout for organization {organization} by customer {customer}, which is not its own: not started by TrackR")]
    ForeignCustomer {
        organization: Uuid,
        customer: String,
    },
}
