use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A plan's id: the key of the catalogue, and what an organization's and a
/// subscription's `plan` columns hold (`free`, `starter`, …). A stored
/// value that names no plan fails the read (sea-orm's `DbErr::Type`): it is
/// never taken for another plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "sea-orm",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text")
)]
#[serde(rename_all = "lowercase")]
pub enum PlanId {
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "free"))]
    Free,
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "starter"))]
    Starter,
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "growth"))]
    Growth,
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "business"))]
    Business,
}

impl PlanId {
    pub const ALL: [PlanId; 4] = [
        PlanId::Free,
        PlanId::Starter,
        PlanId::Growth,
        PlanId::Business,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanId::Free => "free",
            PlanId::Starter => "starter",
            PlanId::Growth => "growth",
            PlanId::Business => "business",
        }
    }
}

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlanId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlanId::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown plan {s:?}"))
    }
}

/// One plan's limits. `None` means unlimited (or, for recordings, none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    pub monthly_events: u64,
    #[serde(default, with = "limit")]
    pub max_sites: Option<u32>,
    #[serde(default, with = "limit")]
    pub max_seats: Option<u32>,
    pub retention_days: u32,
    #[serde(default, with = "limit")]
    pub recording_retention_days: Option<u32>,
    #[serde(default, deserialize_with = "crate::raw::list")]
    pub stripe_prices: Vec<String>,
}

/// The plan catalogue: every `PlanId` has exactly one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCatalogue {
    plans: BTreeMap<PlanId, Plan>,
    /// Share of the monthly quota accepted past it before refusing (0.10).
    pub quota_grace: f64,
}

impl PlanCatalogue {
    pub(crate) fn new(plans: BTreeMap<PlanId, Plan>, quota_grace: f64) -> Self {
        Self { plans, quota_grace }
    }

    pub fn get(&self, id: PlanId) -> &Plan {
        // Construction guarantees every id is present.
        &self.plans[&id]
    }

    pub fn iter(&self) -> impl Iterator<Item = (PlanId, &Plan)> {
        self.plans.iter().map(|(id, plan)| (*id, plan))
    }

    pub fn plan_for_price(&self, price_id: &str) -> Option<PlanId> {
        self.iter()
            .find(|(_, plan)| plan.stripe_prices.iter().any(|p| p == price_id))
            .map(|(id, _)| id)
    }

    pub(crate) fn defaults() -> BTreeMap<PlanId, Plan> {
        let plan = |name: &str, events, sites, seats, retention, recordings| Plan {
            name: name.to_owned(),
            monthly_events: events,
            max_sites: sites,
            max_seats: seats,
            retention_days: retention,
            recording_retention_days: recordings,
            stripe_prices: Vec::new(),
        };
        BTreeMap::from([
            (
                PlanId::Free,
                plan("Free", 10_000, Some(1), Some(1), 30, None),
            ),
            (
                PlanId::Starter,
                plan("Starter", 100_000, Some(5), Some(3), 365, Some(30)),
            ),
            (
                PlanId::Growth,
                plan("Growth", 1_000_000, Some(25), Some(10), 730, Some(90)),
            ),
            (
                PlanId::Business,
                plan("Business", 10_000_000, None, None, 1825, Some(365)),
            ),
        ])
    }
}

/// A limit is a number, or absent / `"unlimited"` for no limit.
mod limit {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_u32(*n),
            None => s.serialize_str("unlimited"),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Limit {
            Number(u32),
            Text(String),
        }
        match Option::<Limit>::deserialize(d)? {
            None => Ok(None),
            Some(Limit::Number(n)) => Ok(Some(n)),
            Some(Limit::Text(t)) if t == "unlimited" || t.is_empty() => Ok(None),
            Some(Limit::Text(t)) => t.parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!(
                    "expected a whole number or \"unlimited\", found {t:?}"
                ))
            }),
        }
    }
}
