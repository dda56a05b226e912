use std::fmt;

use sea_orm::{entity::prelude::*, Set};

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Deletes a site's data on request (`deleteSiteData`).
    #[sea_orm(string_value = "delete_data")]
    DeleteData,
    /// Exports a site's events (`requestExport`).
    #[sea_orm(string_value = "export")]
    Export,
    /// Applies one verified Stripe event from the inbox.
    #[sea_orm(string_value = "stripe_event")]
    StripeEvent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DeleteData => "delete_data",
            Kind::Export => "export",
            Kind::StripeEvent => "stripe_event",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job is: queued → running → succeeded, or failed (tried again)
/// and, after its last attempt, dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    /// Failed this attempt; tried again.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Failed every attempt: the dead-letter list.
    #[sea_orm(string_value = "dead")]
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bookkeeping of jobs people ask for (exports, deletions): status,
/// progress and result, queryable by id.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: Kind,
    pub organization_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub status: Status,
    pub progress: f64,
    pub params: Json,
    pub result: Option<Json>,
    pub error: Option<String>,
    pub attempts: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the job was handed to the Redis queue; null while it waits
    /// for Redis (or when jobs run in process).
    pub enqueued_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    /// A new job, queued, not yet handed to any queue.
    pub fn queued(
        id: Uuid,
        kind: Kind,
        scope: (Option<Uuid>, Option<Uuid>),
        params: Json,
        created_by: Option<Uuid>,
    ) -> Self {
        let (organization_id, site_id) = scope;
        let now = crate::now();
        ActiveModel {
            id: Set(id),
            kind: Set(kind),
            organization_id: Set(organization_id),
            site_id: Set(site_id),
            status: Set(Status::Queued),
            progress: Set(0.0),
            params: Set(params),
            result: Set(None),
            error: Set(None),
            attempts: Set(0),
            created_by: Set(created_by),
            created_at: Set(now),
            updated_at: Set(now),
            enqueued_at: Set(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn kinds_and_statuses_are_stored_by_their_names() {
        for kind in Kind::iter() {
            assert_eq!(kind.to_value(), kind.as_str());
            assert_eq!(Kind::try_from_value(&kind.to_value()), Ok(kind));
        }
        for status in Status::iter() {
            assert_eq!(status.to_value(), status.as_str());
            assert_eq!(Status::try_from_value(&status.to_value()), Ok(status));
        }
        assert_eq!(
            Status::iter().map(Status::as_str).collect::<Vec<_>>(),
            ["queued", "running", "succeeded", "failed", "dead"]
        );
        assert!(Kind::try_from_value(&"reindex".to_owned()).is_err());
        assert!(Status::try_from_value(&"paused".to_owned()).is_err());
    }
}
