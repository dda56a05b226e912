//! Organization API keys: the secret is shown once; only its hash is kept.

use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use trackr_entity::audit_log;
use trackr_entity::{
    api_key::{self, Scope, Scopes},
    new_id, now,
};
use uuid::Uuid;

use crate::{
    access::{self, Action, Grant, Principal, RequestMeta},
    error::ApiResult,
    tokens, ApiError, App,
};

pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    grant: &Grant,
    name: &str,
    scopes: Vec<Scope>,
) -> ApiResult<(api_key::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_input("name", "must be 1 to 100 characters"));
    }
    // A name outside `ApiKeyScope` never gets here: GraphQL refuses it
    // when it validates the document.
    if scopes.is_empty() {
        return Err(ApiError::bad_input(
            "scopes",
            "name at least one of STATS_READ, SITES_READ, SITES_WRITE, RECORDINGS_READ",
        ));
    }
    let secret = tokens::generate(tokens::API_KEY_PREFIX);
    let key = api_key::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(grant.organization.id),
        name: Set(name.to_owned()),
        prefix: Set(secret[..tokens::API_KEY_PREFIX.len() + 8].to_owned()),
        key_hash: Set(tokens::digest(&secret)),
        scopes: Set(Scopes(scopes)),
        created_by: Set(principal.user_id()),
        created_at: Set(now()),
        last_used_at: Set(None),
    }
    .insert(&app.db)
    .await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("api_key.create", "api_key")
            .target(key.id)
            .organization(grant.organization.id)
            .details(serde_json::json!({ "name": key.name })),
    )
    .await?;
    Ok((key, secret))
}

pub async fn revoke(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    key_id: Uuid,
) -> ApiResult<bool> {
    let key = api_key::Entity::find_by_id(key_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    let grant = access::organization(
        app,
        principal,
        meta,
        key.organization_id,
        Action::ManageApiKeys,
    )
    .await
    .map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("API key"),
        other => other,
    })?;
    api_key::Entity::delete_by_id(key.id).exec(&app.db).await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("api_key.revoke", "api_key")
            .target(key.id)
            .organization(grant.organization.id),
    )
    .await?;
    Ok(true)
}

pub async fn find_by_secret_hash(app: &App, hash: &str) -> ApiResult<Option<api_key::Model>> {
    let key = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash))
        .one(&app.db)
        .await?;
    // Written at most once a minute per key: not a write per request.
    let stale = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.is_none_or(|t| now() - t > chrono::Duration::minutes(1))
    };
    if let Some(key) = key.as_ref().filter(|k| stale(k.last_used_at)) {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now()))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(&app.db)
            .await?;
    }
    Ok(key)
}
