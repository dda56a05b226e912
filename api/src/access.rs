//! Who may do what: the role table of API.md in one place, and the tenant
//! scoping every resolver goes through. A resource in an organization the
//! caller does not belong to is `NOT_FOUND`.

use sea_orm::{EntityTrait, Set};
use trackr_entity::{
    api_key::{self, Scope, Scopes},
    audit_log,
    membership::{self, Role},
    organization, share_link, site, user,
};
use uuid::Uuid;

use crate::{error::ApiResult, ApiError, App};

/// The authenticated caller of one request.
#[derive(Clone, Debug)]
pub enum Principal {
    Anonymous,
    /// A bearer token was sent but is unknown or expired.
    InvalidToken,
    User {
        user: user::Model,
        session_id: Uuid,
    },
    ApiKey(api_key::Model),
    /// The holder of a share link: that one site's reports, nothing else
    /// (`crate::shares`).
    Share(share_link::Model),
}

/// Facts about the request that rules need.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub client_ip: Option<std::net::IpAddr>,
    pub request_id: Option<String>,
    /// The client's browser and system ("Firefox on Linux"), for the
    /// sessions it opens; never the raw User-Agent.
    pub device: Option<String>,
    /// Password checks (argon2 hashes or verifications) this request made.
    password_checks: std::sync::Arc<std::sync::atomic::AtomicU32>,
    /// Recordings whose events this request plays back.
    playbacks: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl RequestMeta {
    pub fn new(client_ip: Option<std::net::IpAddr>, request_id: Option<String>) -> Self {
        RequestMeta {
            client_ip,
            request_id,
            device: None,
            password_checks: Default::default(),
            playbacks: Default::default(),
        }
    }

    /// Names the client's device from its User-Agent.
    pub fn with_user_agent(mut self, user_agent: Option<&str>) -> Self {
        self.device = user_agent.and_then(device_name);
        self
    }

    /// Spends this request's one recording playback: a recording's events
    /// can be tens of megabytes, and aliases would multiply them.
    pub fn spend_playback(&self) -> ApiResult<()> {
        use std::sync::atomic::Ordering;
        if self.playbacks.fetch_add(1, Ordering::SeqCst) == 0 {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "one request may play back one recording: ask for the others separately".into(),
            ))
        }
    }

    /// Spends this request's one password check. A document of many
    /// aliased password mutations would otherwise be a password oracle
    /// (and seconds of CPU) in one request.
    pub fn spend_password_check(&self) -> ApiResult<()> {
        use std::sync::atomic::Ordering;
        if self.password_checks.fetch_add(1, Ordering::SeqCst) == 0 {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "one request may check one password: send the others separately".into(),
            ))
        }
    }
}

impl Principal {
    pub fn user(&self) -> ApiResult<&user::Model> {
        match self {
            Principal::User { user, .. } => Ok(user),
            Principal::InvalidToken => Err(ApiError::InvalidToken),
            Principal::ApiKey(_) => Err(ApiError::Forbidden(
                "this operation needs a user's session, not an API key".into(),
            )),
            // A share link's holder has no account.
            Principal::Anonymous | Principal::Share(_) => Err(ApiError::Unauthenticated),
        }
    }

    /// A user or an API key; anonymous and invalid tokens (and share
    /// links, which reach their site's reports only) are refused.
    pub fn require_authenticated(&self) -> ApiResult<()> {
        match self {
            Principal::Anonymous | Principal::Share(_) => Err(ApiError::Unauthenticated),
            Principal::InvalidToken => Err(ApiError::InvalidToken),
            Principal::User { .. } | Principal::ApiKey(_) => Ok(()),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { user, .. } => Some(user.id),
            _ => None,
        }
    }
}

/// Everything the role table distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Organization name, plan, usage, members.
    ReadOrganization,
    ReadSites,
    /// Session recordings (what visitors' pages showed): a scope of its
    /// own for API keys, and not for staff.
    ReadRecordings,
    /// Create, update, delete sites; delete or export data.
    ManageSites,
    /// Invite and remove members, change roles.
    ManageMembers,
    ManageApiKeys,
    /// Read the subscription and invoices.
    ReadBilling,
    /// Checkout and the customer portal.
    ManageBilling,
    RenameOrganization,
    DeleteOrganization,
}

impl Action {
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Action::ReadOrganization => true,
            Action::ReadSites | Action::ReadRecordings => matches!(role, Owner | Admin | Viewer),
            Action::ManageSites
            | Action::ManageMembers
            | Action::ManageApiKeys
            | Action::RenameOrganization => matches!(role, Owner | Admin),
            Action::ReadBilling | Action::ManageBilling => matches!(role, Owner | Billing),
            Action::DeleteOrganization => matches!(role, Owner),
        }
    }

    /// Staff may read any organization (audited), never change one here.
    fn is_read(self) -> bool {
        matches!(
            self,
            Action::ReadOrganization | Action::ReadSites | Action::ReadBilling
        )
    }

    /// The API-key scope that grants this action; `None` = keys never may.
    fn scope(self) -> Option<Scope> {
        match self {
            Action::ReadOrganization | Action::ReadSites => Some(Scope::StatsRead),
            Action::ReadRecordings => Some(Scope::RecordingsRead),
            Action::ManageSites => Some(Scope::SitesWrite),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Action::ReadOrganization => "read this organization",
            Action::ReadSites => "read sites and stats",
            Action::ReadRecordings => "read session recordings",
            Action::ManageSites => "manage sites and their data",
            Action::ManageMembers => "manage members",
            Action::ManageApiKeys => "manage API keys",
            Action::ReadBilling => "read billing",
            Action::ManageBilling => "manage billing",
            Action::RenameOrganization => "rename the organization",
            Action::DeleteOrganization => "delete the organization",
        }
    }
}

/// How the caller reached an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Member(Role),
    Staff,
    /// Finance staff: billing only.
    Finance,
    ApiKey {
        scopes: Scopes,
    },
    /// A share link: the reports of its one site.
    Share,
}

/// A caller's proven access to one organization.
#[derive(Clone, Debug)]
pub struct Grant {
    pub organization: organization::Model,
    pub via: Via,
    pub actor: Option<Uuid>,
}

impl Grant {
    pub fn role(&self) -> Option<Role> {
        match self.via {
            Via::Member(role) => Some(role),
            _ => None,
        }
    }

    pub fn allows(&self, action: Action) -> bool {
        match &self.via {
            Via::Member(role) => action.allows(*role),
            Via::Staff => action.is_read(),
            Via::Finance => matches!(action, Action::ReadOrganization | Action::ReadBilling),
            Via::Share => action == Action::ReadSites,
            Via::ApiKey { scopes } => action.scope().is_some_and(|s| {
                scopes.contains(s) || (s == Scope::StatsRead && scopes.contains(Scope::SitesRead))
            }),
        }
    }

    pub fn require(&self, action: Action) -> ApiResult<()> {
        if self.allows(action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your role may not {}",
                action.describe()
            )))
        }
    }
}

/// Proves the caller may do `action` in organization `organization_id`.
pub async fn organization(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    organization_id: Uuid,
    action: Action,
) -> ApiResult<Grant> {
    let via = match principal {
        Principal::Anonymous => return Err(ApiError::Unauthenticated),
        Principal::InvalidToken => return Err(ApiError::InvalidToken),
        // A share link reaches its site (`site`), never an organization.
        Principal::Share(_) => return Err(ApiError::NotFound("organization")),
        Principal::ApiKey(key) => {
            if key.organization_id != organization_id {
                return Err(ApiError::NotFound("organization"));
            }
            Via::ApiKey {
                scopes: key.scopes.clone(),
            }
        }
        Principal::User { user, .. } => {
            match membership::Entity::find_membership(&app.db, organization_id, user.id).await? {
                Some(m) => Via::Member(m.role),
                None if user.is_staff && action.is_read() => Via::Staff,
                None if user.is_finance
                    && matches!(action, Action::ReadOrganization | Action::ReadBilling) =>
                {
                    Via::Finance
                }
                None => return Err(ApiError::NotFound("organization")),
            }
        }
    };
    let organization = organization::Entity::find_by_id(organization_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let grant = Grant {
        organization,
        via,
        actor: principal.user_id(),
    };
    grant.require(action)?;
    if matches!(grant.via, Via::Staff | Via::Finance) {
        audit_staff_read(app, meta, &grant, action).await?;
    }
    note_organization(organization_id);
    Ok(grant)
}

/// Names the organization on the current span: the GraphQL operation's
/// (`graphql::extensions::OperationSpans`), which declares the field. Only
/// once access is proven, so a span never names another tenant's id.
pub(crate) fn note_organization(id: Uuid) {
    tracing::Span::current().record("organization_id", tracing::field::display(id));
}

/// Loads a site the caller may do `action` on, with its organization.
pub async fn site(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site_id: Uuid,
    action: Action,
) -> ApiResult<(site::Model, Grant)> {
    match principal {
        Principal::Anonymous => return Err(ApiError::Unauthenticated),
        Principal::InvalidToken => return Err(ApiError::InvalidToken),
        Principal::Share(link) => return shared_site(app, link, site_id, action).await,
        _ => {}
    }
    let site = site::Entity::find_by_id(site_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("site"))?;
    let grant = organization(app, principal, meta, site.organization_id, action)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("site"),
            other => other,
        })?;
    Ok((site, grant))
}

/// A share link's site, for reading its reports; any other site, or any
/// other action, is not found (the link proves nothing else).
async fn shared_site(
    app: &App,
    link: &share_link::Model,
    site_id: Uuid,
    action: Action,
) -> ApiResult<(site::Model, Grant)> {
    if link.site_id != site_id || action != Action::ReadSites {
        return Err(ApiError::NotFound("site"));
    }
    let site = site::Entity::find_by_id(site_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("site"))?;
    let organization = organization::Entity::find_by_id(site.organization_id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("site"))?;
    note_organization(organization.id);
    Ok((
        site,
        Grant {
            organization,
            via: Via::Share,
            actor: None,
        },
    ))
}

async fn audit_staff_read(
    app: &App,
    meta: &RequestMeta,
    grant: &Grant,
    action: Action,
) -> ApiResult<()> {
    let mut entry = audit_log::Entry::new("staff.read", "organization");
    let role = if grant.via == Via::Finance {
        "finance"
    } else {
        "operator"
    };
    entry.actor_user_id = grant.actor;
    entry.target_id = Some(grant.organization.id.to_string());
    entry.organization_id = Some(grant.organization.id);
    entry.ip_hash = meta.client_ip.map(|ip| app.ip_hash(ip));
    entry.details = serde_json::json!({ "action": action.describe(), "role": role });
    entry.write(&app.db).await?;
    Ok(())
}

/// Writes an audit entry for an action of the caller.
pub async fn audit(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    entry: audit_log::Entry,
) -> ApiResult<()> {
    audit_in(app, &app.db, principal, meta, entry).await
}

/// `audit`, written on `conn` (a transaction the entry belongs to).
pub async fn audit_in<C: sea_orm::ConnectionTrait>(
    app: &App,
    conn: &C,
    principal: &Principal,
    meta: &RequestMeta,
    mut entry: audit_log::Entry,
) -> ApiResult<()> {
    entry.actor_user_id = principal.user_id();
    entry.ip_hash = meta.client_ip.map(|ip| app.ip_hash(ip));
    entry.write(conn).await?;
    Ok(())
}

/// A transaction that owns an organization (see `lock_organization`).
pub struct OrgTxn {
    txn: sea_orm::DatabaseTransaction,
    _sqlite_writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for OrgTxn {
    type Target = sea_orm::DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl OrgTxn {
    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        self.txn.commit().await
    }
}

/// Starts a transaction that owns the organization, so that
/// count-then-change rules (the last owner, plan limits on sites and seats)
/// cannot be raced. It begins with a no-op write of the organization's row:
/// a row lock on PostgreSQL. SQLite (one process) serializes these
/// transactions in the process: its deferred transactions cannot wait for
/// one another ("busy snapshot").
pub async fn lock_organization(app: &App, organization_id: Uuid) -> ApiResult<OrgTxn> {
    lock(app, Locked::Organization(organization_id)).await
}

/// Like `lock_organization`, for count-then-change rules about one user
/// (how many organizations they belong to).
pub async fn lock_user(app: &App, user_id: Uuid) -> ApiResult<OrgTxn> {
    lock(app, Locked::User(user_id)).await
}

#[derive(Clone, Copy)]
enum Locked {
    Organization(Uuid),
    User(Uuid),
}

/// A no-op write of the user's row: inside a transaction, a row lock on
/// PostgreSQL until it ends.
pub async fn touch_user<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    Ok(user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::col(user::Column::Email).into())
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

async fn lock(app: &App, row: Locked) -> ApiResult<OrgTxn> {
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter, TransactionTrait};
    let guard = match app.settings.is_sqlite() {
        true => Some(app.sqlite_writer.clone().lock_owned().await),
        false => None,
    };
    let mut attempt = 0u64;
    loop {
        let txn = app.db.begin().await?;
        let locked = match row {
            Locked::Organization(id) => organization::Entity::update_many()
                .col_expr(
                    organization::Column::Name,
                    Expr::col(organization::Column::Name).into(),
                )
                .filter(organization::Column::Id.eq(id))
                .exec(&txn)
                .await
                .map(|r| r.rows_affected),
            Locked::User(id) => touch_user(&txn, id).await,
        };
        match locked {
            Ok(1) => {
                return Ok(OrgTxn {
                    txn,
                    _sqlite_writer: guard,
                })
            }
            Ok(_) => {
                return Err(ApiError::NotFound(match row {
                    Locked::Organization(_) => "organization",
                    Locked::User(_) => "user",
                }))
            }
            // Another connection (ingestion, an audit row) writing just then.
            Err(e) if guard.is_some() && attempt < 200 && is_busy(&e) => {
                drop(txn);
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(2 + attempt % 7 * 3)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &sea_orm::DbErr) -> bool {
    let text = e.to_string().to_lowercase();
    text.contains("database is locked") || text.contains("busy")
}

/// Membership helper used when a role is set.
pub fn membership_model(
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> membership::ActiveModel {
    membership::ActiveModel {
        organization_id: Set(organization_id),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(trackr_entity::now()),
    }
}

/// "Firefox on Linux" from a User-Agent; `None` when neither is known.
pub fn device_name(user_agent: &str) -> Option<String> {
    let parsed = woothee::parser::Parser::new().parse(user_agent.trim())?;
    let known = |s: &str| (!s.is_empty() && s != "UNKNOWN").then(|| s.to_owned());
    match (known(parsed.name), known(parsed.os)) {
        (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
        (Some(one), None) | (None, Some(one)) => Some(one),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table_matches_api_md() {
        use Action::*;
        let table = [
            (ReadSites, [true, true, false, true]),
            (ManageSites, [true, true, false, false]),
            (ManageMembers, [true, true, false, false]),
            (ManageApiKeys, [true, true, false, false]),
            (ReadBilling, [true, false, true, false]),
            (ManageBilling, [true, false, true, false]),
            (RenameOrganization, [true, true, false, false]),
            (DeleteOrganization, [true, false, false, false]),
        ];
        for (action, expected) in table {
            for (role, want) in [Role::Owner, Role::Admin, Role::Billing, Role::Viewer]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(action.allows(role), want, "{action:?} for {role:?}");
            }
        }
    }
}
