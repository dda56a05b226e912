use std::fmt;

use sea_orm::{entity::prelude::*, FromJsonQueryResult};
use serde::{Deserialize, Serialize};

/// What an API key may do. Stored by name (`stats:read`, …) in the key's
/// `scopes` JSON array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// The organization and its sites: settings and reports.
    #[serde(rename = "stats:read")]
    StatsRead,
    /// The same as `stats:read`.
    #[serde(rename = "sites:read")]
    SitesRead,
    /// Create, update and delete sites; delete and export data.
    #[serde(rename = "sites:write")]
    SitesWrite,
    /// Session recordings (with `stats:read` or `sites:read`).
    #[serde(rename = "recordings:read")]
    RecordingsRead,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::StatsRead,
        Scope::SitesRead,
        Scope::SitesWrite,
        Scope::RecordingsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::StatsRead => "stats:read",
            Scope::SitesRead => "sites:read",
            Scope::SitesWrite => "sites:write",
            Scope::RecordingsRead => "recordings:read",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's scopes, as its `scopes` column holds them (a JSON array of
/// names). A name this version does not know fails the read of the key:
/// it never grants, and never silently drops, anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct Scopes(pub Vec<Scope>);

impl Scopes {
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

/// An organization's API key. Only the SHA-256 of the secret is stored; the
/// prefix is shown so people can tell keys apart.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub prefix: String,
    #[sea_orm(unique)]
    pub key_hash: String,
    /// JSON array of scope names.
    #[sea_orm(column_type = "Json")]
    pub scopes: Scopes,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_stored_by_name_and_an_unknown_name_is_refused() {
        let all = Scopes(Scope::ALL.to_vec());
        let stored = serde_json::to_value(&all).unwrap();
        assert_eq!(
            stored,
            serde_json::json!(["stats:read", "sites:read", "sites:write", "recordings:read"])
        );
        assert_eq!(serde_json::from_value::<Scopes>(stored).unwrap(), all);
        let unknown = serde_json::from_value::<Scopes>(serde_json::json!(["stats:read", "admin"]));
        assert!(unknown.unwrap_err().to_string().contains("admin"));
    }
}
