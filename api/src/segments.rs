//! Segments (issue 17): saved sets of report filters with a name. A member
//! who reads a site saves private ones; its owners and admins share them
//! with everyone who reads the site. A report applies one through a
//! `SEGMENT` filter, which stands for the segment's filters
//! (`stats::filters`).

use async_graphql::InputType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};
use trackr_entity::{audit_log, new_id, now, segment, site};
use uuid::Uuid;

use crate::{
    access::{self, Action, Grant, Principal, RequestMeta},
    error::ApiResult,
    site_items,
    stats::{self, Dimension, Filter, FilterInput},
    ApiError, App,
};

/// Segments a site may have.
pub const MAX_SEGMENTS: u64 = 100;

/// The segments of a site `viewer` sees: the shared ones and their own.
pub async fn list(app: &App, site: Uuid, viewer: Option<Uuid>) -> ApiResult<Vec<segment::Model>> {
    let mut visible = Condition::any().add(segment::Column::Shared.eq(true));
    if let Some(user) = viewer {
        visible = visible.add(segment::Column::UserId.eq(user));
    }
    Ok(segment::Entity::find()
        .filter(segment::Column::SiteId.eq(site))
        .filter(visible)
        .order_by_asc(segment::Column::Name)
        .all(&app.db)
        .await?)
}

/// A segment's filters as they were given.
pub fn stored(model: &segment::Model) -> Vec<FilterInput> {
    async_graphql::Value::from_json(model.filters.clone())
        .ok()
        .and_then(|v| <Vec<FilterInput>>::parse(Some(v)).ok())
        .unwrap_or_default()
}

/// Validates and saves a segment of `site` for the calling member.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    grant: &Grant,
    name: &str,
    filters: Vec<FilterInput>,
    shared: bool,
) -> ApiResult<segment::Model> {
    let user = principal.user()?;
    if shared && !grant.allows(Action::ManageSites) {
        return Err(ApiError::Forbidden(
            "sharing a segment needs an owner's or admin's role; save it as a private one".into(),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > crate::goals::MAX_NAME {
        return Err(ApiError::bad_input(
            "name",
            format!(
                "a segment's name is 1 to {} characters",
                crate::goals::MAX_NAME
            ),
        ));
    }
    if filters.is_empty() {
        return Err(ApiError::bad_input(
            "filters",
            "a segment has at least one filter",
        ));
    }
    if filters
        .iter()
        .any(|f| Dimension::from(f.dimension) == Dimension::Segment)
    {
        return Err(ApiError::bad_input(
            "filters",
            "a segment holds filters, not other segments",
        ));
    }
    // Checked as a report would read them (goals of this site, keys, ops).
    stats::filters(app, site.id, Some(user.id), Some(filters.clone())).await?;
    site_items::within_limit::<segment::Entity>(
        app,
        segment::Column::SiteId,
        site.id,
        MAX_SEGMENTS,
        "segments",
    )
    .await?;
    let json = filters
        .to_value()
        .into_json()
        .map_err(|e| ApiError::Internal(format!("a segment's filters as JSON: {e}")))?;
    let segment = segment::ActiveModel {
        id: Set(new_id()),
        site_id: Set(site.id),
        user_id: Set(user.id),
        name: Set(name.to_owned()),
        filters: Set(json),
        shared: Set(shared),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .map_err(site_items::name_taken("segment", name))?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("segment.create", "segment")
            .target(segment.id)
            .organization(site.organization_id)
            .details(
                serde_json::json!({ "site": site.id, "name": segment.name, "shared": shared }),
            ),
    )
    .await?;
    Ok(segment)
}

/// Deletes a segment: a private one by the member who saved it, a shared
/// one by the site's owners and admins. Another's private segment, or
/// another tenant's, is not found.
pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let user = principal.user()?;
    let segment = segment::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .filter(|s| s.shared || s.user_id == user.id)
        .ok_or(ApiError::NotFound("segment"))?;
    let (site, grant) = site_items::site_of(
        app,
        principal,
        meta,
        "segment",
        segment.site_id,
        Action::ReadSites,
    )
    .await?;
    if segment.shared && !grant.allows(Action::ManageSites) {
        return Err(ApiError::Forbidden(
            "deleting a shared segment needs an owner's or admin's role".into(),
        ));
    }
    segment::Entity::delete_by_id(segment.id)
        .exec(&app.db)
        .await?;
    site_items::audit(
        app,
        principal,
        meta,
        "segment.delete",
        site_items::Item {
            kind: "segment",
            id: segment.id,
            name: &segment.name,
        },
        &site,
    )
    .await?;
    Ok(true)
}

/// The filters a SEGMENT filter's value (a segment's id) stands for, if
/// `viewer` sees that segment of `site`.
pub async fn filters(
    app: &App,
    site: Uuid,
    viewer: Option<Uuid>,
    value: &str,
) -> ApiResult<Vec<Filter>> {
    let unknown = || ApiError::bad_input("filters", format!("no segment {value} on this site"));
    let id: Uuid = value.trim().parse().map_err(|_| unknown())?;
    let segment = segment::Entity::find_by_id(id)
        .filter(segment::Column::SiteId.eq(site))
        .one(&app.db)
        .await?
        .filter(|s| s.shared || Some(s.user_id) == viewer)
        .ok_or_else(unknown)?;
    let filters = stats::plain_filters(Some(stored(&segment)))?;
    Ok(filters
        .into_iter()
        .filter(|f| f.dimension != Dimension::Segment)
        .collect())
}
