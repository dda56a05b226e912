//! Billing on Stripe: the API client, the webhook inbox's processing, the
//! plan each organization is on, and finance's reconciliation.

pub mod api;
pub mod apply;
pub mod reconcile;
pub mod snapshot;
pub mod webhook;

pub use apply::{organization_plan, plan_in_force, Billing};
