//! Sites: domains, settings, retention overrides.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use trackr_entity::audit_log;
use trackr_entity::{new_id, now, site};

use crate::{
    access::{self, Grant, Principal, RequestMeta},
    error::ApiResult,
    ApiError, App,
};

pub use trackr_entity::site::normalize_domain;

fn validate_timezone(tz: &str) -> ApiResult<String> {
    tz.trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            ApiError::bad_input(
                "timezone",
                format!("{tz:?} is not an IANA time zone such as Europe/Berlin"),
            )
        })
}

fn validate_site_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_input("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
    domain: &str,
    name: Option<String>,
    timezone: Option<String>,
) -> ApiResult<site::Model> {
    let domain = normalize_domain(domain).map_err(|m| ApiError::bad_input("domain", m))?;
    let name = match name {
        Some(n) => validate_site_name(&n)?,
        None => domain.clone(),
    };
    let timezone = validate_timezone(timezone.as_deref().unwrap_or("UTC"))?;
    let org = &grant.organization;
    let plan = app.settings.plans.get(org.plan);
    // Counted and inserted under the organization's lock: two creations
    // cannot both take the last site.
    let txn = access::lock_organization(app, org.id).await?;
    if let Some(max) = plan.max_sites {
        if site::Entity::count_for_org(&*txn, org.id).await? >= u64::from(max) {
            return Err(ApiError::PlanLimit(format!(
                "the {} plan allows {max} site{}; upgrade to add more",
                plan.name,
                if max == 1 { "" } else { "s" }
            )));
        }
    }
    let site = site::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(org.id),
        domain: Set(domain.clone()),
        name: Set(name),
        timezone: Set(timezone),
        retention_days: Set(None),
        honor_dnt: Set(true),
        require_consent: Set(false),
        recordings_enabled: Set(false),
        recording_sample_rate: Set(1.0),
        recording_max_seconds: Set(DEFAULT_RECORDING_MAX_SECONDS),
        recording_mask_all_text: Set(false),
        allowed_hostnames: Set(serde_json::json!([])),
        allowed_property_keys: Set(serde_json::json!([])),
        created_at: Set(now()),
    }
    .insert(&*txn)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => {
            ApiError::Conflict(format!("the domain {domain} is already registered"))
        }
        other => other,
    })?;
    txn.commit().await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("site.create", "site")
            .target(site.id)
            .organization(org.id)
            .details(serde_json::json!({ "domain": site.domain })),
    )
    .await?;
    Ok(site)
}

/// A recording stops after 30 minutes unless the site says otherwise.
pub const DEFAULT_RECORDING_MAX_SECONDS: i32 = 1800;
/// The longest recording a site may ask for: 4 hours.
pub const MAX_RECORDING_SECONDS: i32 = 4 * 3600;

#[derive(Debug, Default)]
pub struct SiteChanges {
    pub name: Option<String>,
    pub timezone: Option<String>,
    /// `Some(None)`: clear the override.
    pub retention_override_days: Option<Option<i32>>,
    pub honor_dnt: Option<bool>,
    pub require_consent: Option<bool>,
    pub recordings_enabled: Option<bool>,
    pub recording_sample_rate: Option<f64>,
    pub recording_max_seconds: Option<i32>,
    pub recording_mask_all_text: Option<bool>,
    /// Replaces the extra hostnames whose pages count for the site.
    pub allowed_hostnames: Option<Vec<String>>,
    /// Replaces the custom-property keys kept (empty: all).
    pub allowed_property_keys: Option<Vec<String>>,
}

/// Most custom-property keys a site may list as the ones it keeps.
pub const MAX_ALLOWED_PROPERTY_KEYS: usize = 100;

/// Property keys to keep: 1 to 300 characters each, duplicates dropped.
pub fn validate_allowed_property_keys(keys: &[String]) -> ApiResult<Vec<String>> {
    if keys.len() > MAX_ALLOWED_PROPERTY_KEYS {
        return Err(ApiError::bad_input(
            "allowedPropertyKeys",
            format!("at most {MAX_ALLOWED_PROPERTY_KEYS} keys"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(keys.len());
    for key in keys {
        let key = key.trim();
        if key.is_empty()
            || key.chars().count() > crate::stats::MAX_PROPERTY_KEY
            || key.contains('\0')
        {
            return Err(ApiError::bad_input(
                "allowedPropertyKeys",
                format!(
                    "a key is 1 to {} characters",
                    crate::stats::MAX_PROPERTY_KEY
                ),
            ));
        }
        if !out.iter().any(|k| k == key) {
            out.push(key.to_owned());
        }
    }
    Ok(out)
}

/// Most extra hostnames a site may allow.
pub const MAX_ALLOWED_HOSTNAMES: usize = 50;

/// Extra hostnames, normalized like a site's domain; duplicates dropped.
pub fn validate_allowed_hostnames(hosts: &[String]) -> ApiResult<Vec<String>> {
    if hosts.len() > MAX_ALLOWED_HOSTNAMES {
        return Err(ApiError::bad_input(
            "allowedHostnames",
            format!("at most {MAX_ALLOWED_HOSTNAMES} hostnames"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(hosts.len());
    for host in hosts {
        let host = normalize_domain(host)
            .map_err(|e| ApiError::bad_input("allowedHostnames", format!("{host:?}: {e}")))?;
        if !out.contains(&host) {
            out.push(host);
        }
    }
    Ok(out)
}

pub async fn update(
    app: &App,
    grant: &Grant,
    site: site::Model,
    changes: SiteChanges,
) -> ApiResult<site::Model> {
    let mut model: site::ActiveModel = site.into();
    if let Some(name) = changes.name {
        model.name = Set(validate_site_name(&name)?);
    }
    if let Some(tz) = changes.timezone {
        model.timezone = Set(validate_timezone(&tz)?);
    }
    if let Some(days) = changes.retention_override_days {
        let plan = app.settings.plans.get(grant.organization.plan);
        if let Some(d) = days {
            if d < 1 || d as u32 > plan.retention_days {
                return Err(ApiError::bad_input(
                    "retentionOverrideDays",
                    format!("must be between 1 and the plan's {} days: a site may keep data for less, never longer", plan.retention_days),
                ));
            }
        }
        model.retention_days = Set(days);
    }
    if let Some(v) = changes.honor_dnt {
        model.honor_dnt = Set(v);
    }
    if let Some(v) = changes.require_consent {
        model.require_consent = Set(v);
    }
    if let Some(v) = changes.recordings_enabled {
        if v && app
            .settings
            .plans
            .get(grant.organization.plan)
            .recording_retention_days
            .is_none()
        {
            return Err(ApiError::PlanLimit(
                "session recordings are not part of the current plan".into(),
            ));
        }
        model.recordings_enabled = Set(v);
    }
    if let Some(rate) = changes.recording_sample_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(ApiError::bad_input(
                "recordingSampleRate",
                "must be between 0 and 1 (the share of page loads recorded)",
            ));
        }
        model.recording_sample_rate = Set(rate);
    }
    if let Some(seconds) = changes.recording_max_seconds {
        if !(10..=MAX_RECORDING_SECONDS).contains(&seconds) {
            return Err(ApiError::bad_input(
                "recordingMaxSeconds",
                format!("must be between 10 and {MAX_RECORDING_SECONDS} seconds"),
            ));
        }
        model.recording_max_seconds = Set(seconds);
    }
    if let Some(v) = changes.recording_mask_all_text {
        model.recording_mask_all_text = Set(v);
    }
    if let Some(hosts) = changes.allowed_hostnames {
        model.allowed_hostnames = Set(serde_json::json!(validate_allowed_hostnames(&hosts)?));
    }
    if let Some(keys) = changes.allowed_property_keys {
        model.allowed_property_keys =
            Set(serde_json::json!(validate_allowed_property_keys(&keys)?));
    }
    let site = model.update(&app.db).await?;
    app.ingest.sites.clear();
    Ok(site)
}

pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
) -> ApiResult<bool> {
    // Recordings' objects first: should that fail, nothing else changed.
    crate::recordings::remove_site_objects(app, &[site.id]).await?;
    // The analytics, then the site: a failure between leaves the site
    // there to delete again. What a server writes for it meanwhile (its
    // site cache lives ten seconds) is an orphan the purge sweeps.
    app.events.delete_sites(&[site.id]).await?;
    site::Entity::delete_by_id(site.id).exec(&app.db).await?;
    app.ingest.sites.clear();
    // Again, now that no row is left: a chunk stored meanwhile leaves no
    // object behind.
    if let Err(e) = crate::recordings::remove_site_objects(app, &[site.id]).await {
        tracing::warn!(error = ?e, "recording objects left after a deletion");
    }
    // Their exports too: copies of the data just deleted.
    if let Err(e) = trackr_worker::jobs::exports::expire_exports(
        &app.db,
        &app.store,
        trackr_worker::jobs::exports::Expiring::OfSites(vec![site.id]),
    )
    .await
    {
        tracing::warn!(error = %e, "export files left after a deletion");
    }
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("site.delete", "site")
            .target(site.id)
            .organization(site.organization_id)
            .details(serde_json::json!({ "domain": site.domain })),
    )
    .await?;
    Ok(true)
}
