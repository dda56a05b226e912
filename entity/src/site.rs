use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Normalized: lower case, ASCII (punycode), no scheme, port or path.
    #[sea_orm(unique)]
    pub domain: String,
    pub name: String,
    /// IANA time zone name; reports are computed in it.
    pub timezone: String,
    /// A site may keep data for less than its plan allows, never longer.
    pub retention_days: Option<i32>,
    pub honor_dnt: bool,
    pub require_consent: bool,
    pub recordings_enabled: bool,
    /// Share of page loads recorded, 0 to 1.
    pub recording_sample_rate: f64,
    /// A recording stops after this many seconds.
    pub recording_max_seconds: i32,
    /// Mask every text node, not only inputs.
    pub recording_mask_all_text: bool,
    /// Extra hostnames whose events count for this site (JSON array).
    pub allowed_hostnames: Json,
    pub created_at: DateTimeUtc,
    /// Custom-property keys kept (JSON array); empty: all of them.
    pub allowed_property_keys: Json,
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

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Effective retention: the plan's, or the site's shorter override.
    pub fn effective_retention_days(&self, plan_days: u32) -> u32 {
        match self.retention_days {
            Some(days) if days > 0 => plan_days.min(days as u32),
            _ => plan_days,
        }
    }
}

impl Entity {
    pub async fn count_for_org<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::OrganizationId.eq(organization_id))
            .count(db)
            .await
    }
}

/// A site's domain as it is stored and looked up, by site creation and by
/// every ingestion endpoint alike: lower case, ASCII (IDN to punycode), no
/// scheme, credentials, port, path or trailing dot. `www.` is kept: a site
/// for `example.com` and one for `www.example.com` are different sites
/// (`Site.ingestIssues` says so to an owner whose tag names the other).
pub fn normalize_domain(input: &str) -> Result<String, String> {
    let mut s = input.trim();
    if let Some(i) = s.find("://") {
        s = &s[i + 3..];
    }
    if let Some(i) = s.find(['/', '?', '#']) {
        s = &s[..i];
    }
    if s.contains('@') {
        return Err("must not contain credentials".into());
    }
    if let Some((host, port)) = s.rsplit_once(':') {
        if port.chars().all(|c| c.is_ascii_digit()) {
            s = host;
        }
    }
    let s = s.trim_end_matches('.');
    if s.is_empty() {
        return Err("is empty".into());
    }
    let ascii =
        idna::domain_to_ascii(s).map_err(|_| format!("{s:?} is not a valid domain name"))?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if ascii.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(format!("{s:?} is not a valid domain name"));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("must be a domain name, not an IP address".into());
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::normalize_domain as n;

    #[test]
    fn domains_are_normalized() {
        assert_eq!(n("Example.COM").unwrap(), "example.com");
        assert_eq!(
            n("https://www.Example.com:8443/path?q#x").unwrap(),
            "www.example.com"
        );
        assert_eq!(n("example.com.").unwrap(), "example.com");
        assert_eq!(n("bücher.de").unwrap(), "xn--bcher-kva.de");
    }

    #[test]
    fn bad_domains_are_refused() {
        for bad in [
            "",
            "localhost",
            "1.2.3.4",
            "exa mple.com",
            "-a.com",
            "user@example.com",
            "a..b",
        ] {
            assert!(n(bad).is_err(), "{bad:?} accepted");
        }
    }
}
