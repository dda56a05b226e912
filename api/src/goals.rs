//! Goals (issue 17): a site's conversions, managed by its owners and
//! admins, read by whoever reads its reports. The event store matches and
//! counts them (`trackr_analytics::goal`); this module keeps the list.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use trackr_analytics::GoalMatch;
use trackr_entity::{goal, new_id, now, site};
use uuid::Uuid;

use crate::{
    access::{Action, Principal, RequestMeta},
    error::ApiResult,
    site_items, ApiError, App,
};

/// Goals a site may have.
pub const MAX_GOALS: u64 = 100;
/// The longest goal name.
pub const MAX_NAME: usize = 120;

/// What `createGoal` asks for: a page pattern or an event name, and for a
/// revenue goal (an event goal) its currency.
#[derive(Debug, Default)]
pub struct NewGoal {
    pub name: Option<String>,
    pub page_pattern: Option<String>,
    pub event_name: Option<String>,
    pub currency: Option<String>,
}

/// What a stored goal matches.
pub fn matcher(goal: &goal::Model) -> GoalMatch {
    GoalMatch::of(goal)
}

/// A site's goals, oldest first.
pub async fn list(app: &App, site: Uuid) -> ApiResult<Vec<goal::Model>> {
    Ok(goal::Entity::find()
        .filter(goal::Column::SiteId.eq(site))
        .order_by_asc(goal::Column::CreatedAt)
        .order_by_asc(goal::Column::Id)
        .all(&app.db)
        .await?)
}

/// Validates and stores a goal of `site` (the caller may manage it).
pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    input: NewGoal,
) -> ApiResult<goal::Model> {
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (pattern, event) = (blank(&input.page_pattern), blank(&input.event_name));
    let matcher = match (&pattern, &event) {
        (Some(p), None) => GoalMatch::page(p).map_err(|m| ApiError::bad_input("pagePattern", m))?,
        (None, Some(n)) => GoalMatch::event(n).map_err(|m| ApiError::bad_input("eventName", m))?,
        _ => {
            return Err(ApiError::bad_input(
                "pagePattern",
                "a goal has either a page pattern or an event name",
            ))
        }
    };
    let currency = match blank(&input.currency) {
        None => None,
        Some(_) if pattern.is_some() => {
            return Err(ApiError::bad_input(
                "currency",
                "revenue goals are event goals: give an event name",
            ))
        }
        Some(c) if c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(ApiError::bad_input(
                "currency",
                "a currency is an ISO 4217 code, such as EUR",
            ))
        }
    };
    let name = blank(&input.name).unwrap_or_else(|| match &matcher {
        GoalMatch::Page(p) => format!("Visit {p}"),
        GoalMatch::Event(n) => n.clone(),
    });
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::bad_input(
            "name",
            format!("a goal's name is at most {MAX_NAME} characters"),
        ));
    }
    site_items::within_limit::<goal::Entity>(
        app,
        goal::Column::SiteId,
        site.id,
        MAX_GOALS,
        "goals",
    )
    .await?;
    let goal = goal::ActiveModel {
        id: Set(new_id()),
        site_id: Set(site.id),
        name: Set(name.clone()),
        page_pattern: Set(pattern),
        event_name: Set(event),
        currency: Set(currency),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .map_err(site_items::name_taken("goal", &name))?;
    site_items::audit(
        app,
        principal,
        meta,
        "goal.create",
        site_items::Item {
            kind: "goal",
            id: goal.id,
            name: &goal.name,
        },
        site,
    )
    .await?;
    Ok(goal)
}

/// Deletes a goal whose site the caller manages; another tenant's goal is
/// not found.
pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let goal = goal::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("goal"))?;
    let (site, _) = site_items::site_of(
        app,
        principal,
        meta,
        "goal",
        goal.site_id,
        Action::ManageSites,
    )
    .await?;
    goal::Entity::delete_by_id(goal.id).exec(&app.db).await?;
    site_items::audit(
        app,
        principal,
        meta,
        "goal.delete",
        site_items::Item {
            kind: "goal",
            id: goal.id,
            name: &goal.name,
        },
        &site,
    )
    .await?;
    Ok(true)
}

/// A GOAL filter's value (a goal's id) as the event store reads it: the
/// goal's match. Another site's goal, or none, is refused.
pub async fn filter_value(app: &App, site: Uuid, value: &str) -> ApiResult<String> {
    let unknown = || ApiError::bad_input("filters", format!("no goal {value} on this site"));
    let id: Uuid = value.trim().parse().map_err(|_| unknown())?;
    let goal = goal::Entity::find_by_id(id)
        .filter(goal::Column::SiteId.eq(site))
        .one(&app.db)
        .await?
        .ok_or_else(unknown)?;
    Ok(matcher(&goal).filter_value())
}
