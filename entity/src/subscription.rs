use std::{fmt, str::FromStr};

use sea_orm::entity::prelude::*;
use trackr_config::PlanId;

/// A Stripe subscription's status, as Stripe names it. A status this
/// version does not know (Stripe added one) is refused where it arrives,
/// and fails the read if it was stored: it never passes for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "incomplete")]
    Incomplete,
    #[sea_orm(string_value = "incomplete_expired")]
    IncompleteExpired,
    #[sea_orm(string_value = "trialing")]
    Trialing,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "past_due")]
    PastDue,
    #[sea_orm(string_value = "canceled")]
    Canceled,
    #[sea_orm(string_value = "unpaid")]
    Unpaid,
    #[sea_orm(string_value = "paused")]
    Paused,
}

impl Status {
    /// Stripe's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Incomplete => "incomplete",
            Status::IncompleteExpired => "incomplete_expired",
            Status::Trialing => "trialing",
            Status::Active => "active",
            Status::PastDue => "past_due",
            Status::Canceled => "canceled",
            Status::Unpaid => "unpaid",
            Status::Paused => "paused",
        }
    }

    /// Still billed: active, trialing or past due.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Active | Status::Trialing | Status::PastDue)
    }

    /// The live statuses, for queries.
    pub const LIVE: [Status; 3] = [Status::Active, Status::Trialing, Status::PastDue];
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name Stripe sent that this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown subscription status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Status as sea_orm::Iterable>::iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// An organization's Stripe subscription, as last applied from Stripe.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(unique)]
    pub stripe_subscription_id: String,
    pub stripe_customer_id: String,
    pub status: Status,
    pub price_id: String,
    /// The plan of the price.
    pub plan: PlanId,
    pub current_period_end: DateTimeUtc,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTimeUtc>,
    /// The price, for MRR: currency, amount in minor units, `month`/`year`.
    pub currency: Option<String>,
    pub unit_amount: Option<i64>,
    pub billing_interval: Option<String>,
    /// After a downgrade, the former plan whose retention still applies
    /// until the period paid for ends.
    pub retained_plan: Option<PlanId>,
    pub retained_until: Option<DateTimeUtc>,
    /// `created` of the newest Stripe event applied; older ones never win.
    pub last_event_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn every_stripe_status_is_stored_and_parsed_by_its_name() {
        let names: Vec<&str> = Status::iter().map(Status::as_str).collect();
        assert_eq!(
            names,
            [
                "incomplete",
                "incomplete_expired",
                "trialing",
                "active",
                "past_due",
                "canceled",
                "unpaid",
                "paused"
            ]
        );
        for status in Status::iter() {
            assert_eq!(status.to_value(), status.as_str());
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(
            "suspended".parse::<Status>(),
            Err(UnknownStatus("suspended".into()))
        );
        assert!(Status::try_from_value(&"suspended".to_owned()).is_err());
    }
}
