//! What goals, funnels and segments (issue 17) share: each is a named item
//! of one site, its name unique there, its changes audited, and reached by
//! id only through its site's access.

use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use trackr_entity::{audit_log, site};
use uuid::Uuid;

use crate::{
    access::{self, Action, Grant, Principal, RequestMeta},
    error::ApiResult,
    ApiError, App,
};

/// A site's item of kind `kind` ("goal", "funnel", "segment").
pub struct Item<'a> {
    pub kind: &'static str,
    pub id: Uuid,
    pub name: &'a str,
}

/// An insert's error, a taken name said as such.
pub fn name_taken<'a>(kind: &'static str, name: &'a str) -> impl FnOnce(DbErr) -> ApiError + 'a {
    move |e| match ApiError::from(e) {
        ApiError::Conflict(_) => {
            ApiError::Conflict(format!("the site already has a {kind} named {name}"))
        }
        other => other,
    }
}

/// The site of an item, if the caller may do `action` there; otherwise the
/// item is not found (another tenant's ids name nothing).
pub async fn site_of(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    kind: &'static str,
    site: Uuid,
    action: Action,
) -> ApiResult<(site::Model, Grant)> {
    access::site(app, principal, meta, site, action)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(kind),
            other => other,
        })
}

/// Refuses one more item when the site has `max` of them already: `E`'s
/// rows whose `site_column` is `site` (`plural`: "goals", …).
pub async fn within_limit<E>(
    app: &App,
    site_column: E::Column,
    site: Uuid,
    max: u64,
    plural: &str,
) -> ApiResult<()>
where
    E: EntityTrait,
    E::Model: Sync,
{
    if E::find()
        .filter(site_column.eq(site))
        .count(&app.db)
        .await?
        >= max
    {
        return Err(ApiError::bad_input(
            "siteId",
            format!("a site has at most {max} {plural}"),
        ));
    }
    Ok(())
}

/// Audits `action` ("goal.create", …) on an item of `site`.
pub async fn audit(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    action: &'static str,
    item: Item<'_>,
    site: &site::Model,
) -> ApiResult<()> {
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new(action, item.kind)
            .target(item.id)
            .organization(site.organization_id)
            .details(serde_json::json!({ "site": site.id, "name": item.name })),
    )
    .await
}
