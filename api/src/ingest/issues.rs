//! Why nothing is counted: beacons refused for a site (issue 13). A
//! beacon whose `domain` names no site answers 404 in the visitor's
//! browser console, where the site's owner never looks; so each refusal
//! that can be told apart as meant for a registered site is counted
//! against that site, and `Site.ingestIssues` shows it.
//!
//! - *Unknown domain*: the beacon's domain is not registered, but a
//!   neighbour is (`www.` added or removed, or a parent domain).
//!   Refusals that match no site are not kept: nobody could read them.
//! - *Host not allowed*: the site is known, the page's hostname is not its
//!   domain, a subdomain, or an allowed hostname.
//!
//! Counts gather in memory and are written every `FLUSH_EVERY` as one
//! increment per site and kind, so a flood of refusals costs a few
//! statements, not one per beacon. A crash loses at most that much of a
//! diagnostic count (never an acknowledged event).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::SiteCache;

pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
pub const UNKNOWN_DOMAIN: &str = "unknown_domain";
pub const HOST_NOT_ALLOWED: &str = "host_not_allowed";

#[derive(Default, Clone)]
pub struct IngestIssues {
    pending: Arc<Mutex<HashMap<(Uuid, &'static str), Pending>>>,
}

struct Pending {
    count: i64,
    example: String,
    at: DateTime<Utc>,
}

impl IngestIssues {
    /// Counts one refusal of `kind` for `site`.
    pub fn note(&self, site: Uuid, kind: &'static str, example: &str, at: DateTime<Utc>) {
        let example: String = example.chars().take(253).collect();
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.entry((site, kind)).or_insert(Pending {
            count: 0,
            example: String::new(),
            at,
        });
        entry.count += 1;
        entry.example = example;
        entry.at = at;
    }

    /// Writes what gathered since the last flush. Counts that cannot be
    /// written now are kept for the next flush.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        let taken: Vec<_> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain().collect()
        };
        let mut failed = Ok(());
        let mut left = Vec::new();
        for ((site, kind), p) in taken {
            if failed.is_err() {
                left.push(((site, kind), p));
                continue;
            }
            let added =
                trackr_entity::ingest_issue::Entity::add(db, site, kind, p.count, &p.example, p.at)
                    .await;
            if let Err(e) = added {
                // A site deleted meanwhile fails its foreign key: drop it.
                if !e.to_string().to_lowercase().contains("foreign key") {
                    left.push(((site, kind), p));
                    failed = Err(e);
                }
            }
        }
        if !left.is_empty() {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (key, p) in left {
                let entry = pending.entry(key).or_insert(Pending {
                    count: 0,
                    example: p.example.clone(),
                    at: p.at,
                });
                entry.count += p.count;
            }
        }
        failed
    }

    /// Flushes every `FLUSH_EVERY` until the process ends.
    pub fn start_flushing(&self, db: DatabaseConnection) {
        let issues = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = issues.flush(&db).await {
                    tracing::warn!(error = %e, "refused-beacon counts not written; kept for the next try");
                }
            }
        });
    }
}

/// The registered site a beacon for the unknown `domain` was most likely
/// meant for: the same name with `www.` added or removed, or a parent
/// domain (at most three lookups, each cached).
pub async fn neighbour(
    sites: &SiteCache,
    db: &DatabaseConnection,
    domain: &str,
) -> Result<Option<Uuid>, sea_orm::DbErr> {
    let mut candidates = Vec::new();
    match domain.strip_prefix("www.") {
        Some(bare) => candidates.push(bare.to_owned()),
        None => candidates.push(format!("www.{domain}")),
    }
    let mut parent = domain;
    while let Some((_, rest)) = parent.split_once('.') {
        if !rest.contains('.') || candidates.len() >= 3 {
            break;
        }
        if !candidates.iter().any(|c| c == rest) {
            candidates.push(rest.to_owned());
        }
        parent = rest;
    }
    for candidate in candidates {
        if let Some(site) = sites.get(db, &candidate).await? {
            return Ok(Some(site.id));
        }
    }
    Ok(None)
}
