//! Funnels (issue 17): a site's ordered steps, managed by its owners and
//! admins, read by whoever reads its reports. Each step is a page pattern
//! or a goal; a goal's step keeps what the goal matched when the funnel was
//! made, so deleting the goal later leaves the funnel as it was.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use trackr_analytics::{funnel::MAX_STEPS, GoalMatch};
use trackr_entity::{funnel, goal, new_id, now, site};
use uuid::Uuid;

use crate::{
    access::{Action, Principal, RequestMeta},
    error::ApiResult,
    goals, site_items, ApiError, App,
};

/// Funnels a site may have.
pub const MAX_FUNNELS: u64 = 50;

/// A step as `createFunnel` gives it: a page pattern or a goal's id.
#[derive(Debug, Default)]
pub struct NewStep {
    pub page_pattern: Option<String>,
    pub goal_id: Option<String>,
}

/// A stored step: its label and what it matches (`GoalMatch::filter_value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub label: String,
    #[serde(rename = "match")]
    pub matches: String,
}

impl Step {
    pub fn matcher(&self) -> Option<GoalMatch> {
        GoalMatch::from_filter_value(&self.matches)
    }
}

/// A stored funnel's steps.
pub fn steps(f: &funnel::Model) -> Vec<Step> {
    serde_json::from_value(f.steps.clone()).unwrap_or_default()
}

/// A site's funnels, oldest first.
pub async fn list(app: &App, site: Uuid) -> ApiResult<Vec<funnel::Model>> {
    Ok(funnel::Entity::find()
        .filter(funnel::Column::SiteId.eq(site))
        .order_by_asc(funnel::Column::CreatedAt)
        .order_by_asc(funnel::Column::Id)
        .all(&app.db)
        .await?)
}

/// One of a site's funnels; another site's, or none, is not found.
pub async fn get(app: &App, site: Uuid, id: &str) -> ApiResult<funnel::Model> {
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound("funnel"))?;
    funnel::Entity::find_by_id(id)
        .filter(funnel::Column::SiteId.eq(site))
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("funnel"))
}

/// Validates and stores a funnel of `site` (the caller may manage it).
pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    name: &str,
    input: Vec<NewStep>,
) -> ApiResult<funnel::Model> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > goals::MAX_NAME {
        return Err(ApiError::bad_input(
            "name",
            format!("a funnel's name is 1 to {} characters", goals::MAX_NAME),
        ));
    }
    if !(2..=MAX_STEPS).contains(&input.len()) {
        return Err(ApiError::bad_input(
            "steps",
            format!("a funnel has 2 to {MAX_STEPS} steps"),
        ));
    }
    let mut steps = Vec::with_capacity(input.len());
    for (i, step) in input.into_iter().enumerate() {
        let n = i + 1;
        let pattern = step
            .page_pattern
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let goal_id = step
            .goal_id
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        steps.push(match (pattern, goal_id) {
            (Some(p), None) => {
                let m = GoalMatch::page(p)
                    .map_err(|e| ApiError::bad_input("steps", format!("step {n}: {e}")))?;
                Step {
                    label: format!("Visit {p}"),
                    matches: m.filter_value(),
                }
            }
            (None, Some(g)) => {
                let unknown =
                    || ApiError::bad_input("steps", format!("step {n}: no goal {g} on this site"));
                let id: Uuid = g.parse().map_err(|_| unknown())?;
                let goal = goal::Entity::find_by_id(id)
                    .filter(goal::Column::SiteId.eq(site.id))
                    .one(&app.db)
                    .await?
                    .ok_or_else(unknown)?;
                Step {
                    label: goal.name.clone(),
                    matches: goals::matcher(&goal).filter_value(),
                }
            }
            _ => {
                return Err(ApiError::bad_input(
                    "steps",
                    format!("step {n}: give a page pattern or a goal, not both"),
                ))
            }
        });
    }
    site_items::within_limit::<funnel::Entity>(
        app,
        funnel::Column::SiteId,
        site.id,
        MAX_FUNNELS,
        "funnels",
    )
    .await?;
    let funnel = funnel::ActiveModel {
        id: Set(new_id()),
        site_id: Set(site.id),
        name: Set(name.to_owned()),
        steps: Set(serde_json::to_value(&steps).unwrap_or_default()),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .map_err(site_items::name_taken("funnel", name))?;
    site_items::audit(
        app,
        principal,
        meta,
        "funnel.create",
        site_items::Item {
            kind: "funnel",
            id: funnel.id,
            name: &funnel.name,
        },
        site,
    )
    .await?;
    Ok(funnel)
}

/// Deletes a funnel whose site the caller manages; another tenant's is
/// not found.
pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let funnel = funnel::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("funnel"))?;
    let (site, _) = site_items::site_of(
        app,
        principal,
        meta,
        "funnel",
        funnel.site_id,
        Action::ManageSites,
    )
    .await?;
    funnel::Entity::delete_by_id(funnel.id)
        .exec(&app.db)
        .await?;
    site_items::audit(
        app,
        principal,
        meta,
        "funnel.delete",
        site_items::Item {
            kind: "funnel",
            id: funnel.id,
            name: &funnel.name,
        },
        &site,
    )
    .await?;
    Ok(true)
}
