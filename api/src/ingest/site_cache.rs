//! Sites by domain, cached briefly: ingestion must not query the accounts
//! tables for every event.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use trackr_entity::{organization, site};
use uuid::Uuid;

/// What ingestion needs to know about a site.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub domain: String,
    pub allowed_hostnames: Vec<String>,
    /// Custom-property keys kept; empty: all.
    pub allowed_property_keys: Vec<String>,
    pub honor_dnt: bool,
    pub require_consent: bool,
    pub plan: trackr_config::PlanId,
    pub recordings_enabled: bool,
    pub recording_sample_rate: f64,
    pub recording_max_seconds: i32,
    pub recording_mask_all_text: bool,
}

impl SiteInfo {
    /// The site's domain, its subdomains, and its extra allowed hostnames.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_lowercase();
        host == self.domain
            || host.ends_with(&format!(".{}", self.domain))
            || self.allowed_hostnames.contains(&host)
    }
}

const TTL: Duration = Duration::from_secs(10);

/// When it was looked up, and what was found.
type Entry = (Instant, Option<Arc<SiteInfo>>);

#[derive(Default)]
pub struct SiteCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl SiteCache {
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        domain: &str,
    ) -> Result<Option<Arc<SiteInfo>>, DbErr> {
        {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, info)) = entries.get(domain) {
                if at.elapsed() < TTL {
                    return Ok(info.clone());
                }
            }
        }
        let found = site::Entity::find()
            .filter(site::Column::Domain.eq(domain))
            .find_also_related(organization::Entity)
            .one(db)
            .await?;
        let info = found.and_then(|(s, org)| {
            let org = org?;
            Some(Arc::new(SiteInfo {
                id: s.id,
                organization_id: s.organization_id,
                domain: s.domain,
                allowed_hostnames: serde_json::from_value(s.allowed_hostnames).unwrap_or_default(),
                allowed_property_keys: serde_json::from_value(s.allowed_property_keys)
                    .unwrap_or_default(),
                honor_dnt: s.honor_dnt,
                require_consent: s.require_consent,
                plan: org.plan,
                recordings_enabled: s.recordings_enabled,
                recording_sample_rate: s.recording_sample_rate,
                recording_max_seconds: s.recording_max_seconds,
                recording_mask_all_text: s.recording_mask_all_text,
            }))
        });
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > 50_000 {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        entries.insert(domain.to_owned(), (Instant::now(), info.clone()));
        Ok(info)
    }

    /// Forget everything (after a site or plan changed).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
