//! Accounts: sign-up, log-in, sessions, email verification, password reset,
//! profile changes and account deletion.

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use trackr_entity::audit_log;
use trackr_entity::{
    email_token::{self, RESET_PASSWORD, VERIFY_EMAIL},
    membership::{self, Role},
    new_id, now, organization, session, user,
};
use uuid::Uuid;

use crate::{
    access::{self, Principal, RequestMeta},
    error::ApiResult,
    tokens, ApiError, App,
};

pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.parse::<lettre::Address>().is_ok()
        && email.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'));
    if valid {
        Ok(email)
    } else {
        Err(ApiError::bad_input("email", "is not a valid email address"))
    }
}

pub fn validate_username(username: &str) -> ApiResult<String> {
    let u = username.trim().to_lowercase();
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if !(3..=32).contains(&u.len())
        || !ok_chars
        || !u.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(ApiError::bad_input(
            "username",
            "must be 3 to 32 characters: letters, digits, _ - . (starting with a letter or digit)",
        ));
    }
    Ok(u)
}

pub fn validate_password(field: &'static str, password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if !(10..=256).contains(&n) {
        return Err(ApiError::bad_input(
            field,
            "must be 10 to 256 characters long",
        ));
    }
    Ok(())
}

fn validate_name(name: &str) -> ApiResult<Option<String>> {
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(ApiError::bad_input(
            "name",
            "must be at most 100 characters",
        ));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || tokens::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

async fn verify_password(password: String, hash: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || tokens::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

async fn new_session(app: &App, user_id: Uuid) -> ApiResult<String> {
    let token = tokens::generate(tokens::SESSION_PREFIX);
    session::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id),
        token_hash: Set(tokens::digest(&token)),
        created_at: Set(now()),
        expires_at: Set(now() + ChronoDuration::days(app.settings.limits.session_days.into())),
    }
    .insert(&app.db)
    .await?;
    Ok(token)
}

/// Stores a fresh single-use token and returns the secret to email.
async fn new_email_token(
    app: &App,
    user: &user::Model,
    purpose: &str,
    valid: ChronoDuration,
) -> ApiResult<String> {
    let token = tokens::generate("");
    email_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user.id),
        purpose: Set(purpose.to_owned()),
        email: Set(user.email.clone()),
        token_hash: Set(tokens::digest(&token)),
        expires_at: Set(now() + valid),
        used_at: Set(None),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await?;
    Ok(token)
}

async fn send_verification(app: &App, user: &user::Model) -> ApiResult<()> {
    let token = new_email_token(app, user, VERIFY_EMAIL, ChronoDuration::days(2)).await?;
    let body = format!(
        "Welcome to TrackR, {}.\n\nConfirm your email address with this link:\n\n{}/verify-email?token={token}\n\nOr paste this token:\ntoken: {token}\n\nThe link expires in 48 hours.\n",
        user.username, app.settings.public_url
    );
    app.send_email_later(user.email.clone(), "Confirm your email address", body);
    Ok(())
}

async fn check_limit(
    app: &App,
    kind: &str,
    value: &str,
    limit: u32,
    window: Duration,
) -> ApiResult<()> {
    if app
        .limiter
        .allow(&app.limit_key(kind, value), limit, window)
        .await
    {
        Ok(())
    } else {
        Err(ApiError::RateLimited)
    }
}

async fn per_ip_email_limit(app: &App, meta: &RequestMeta, kind: &str) -> ApiResult<()> {
    if let Some(ip) = meta.client_ip {
        let limit = app.settings.limits.account_emails_per_ip_per_hour;
        check_limit(app, kind, &ip.to_string(), limit, Duration::from_secs(3600)).await?;
    }
    Ok(())
}

pub async fn sign_up(
    app: &App,
    meta: &RequestMeta,
    email: &str,
    username: &str,
    password: &str,
) -> ApiResult<(String, user::Model)> {
    let email = normalize_email(email)?;
    let username = validate_username(username)?;
    validate_password("password", password)?;
    per_ip_email_limit(app, meta, "signup-ip").await?;
    if user::Entity::find_by_email(&app.db, &email)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "an account with this email already exists".into(),
        ));
    }
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&app.db)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict("this username is taken".into()));
    }
    let password_hash = hash_password(password.to_owned()).await?;
    let user = user::ActiveModel {
        id: Set(new_id()),
        username: Set(username),
        email: Set(email),
        email_verified_at: Set(None),
        password_hash: Set(password_hash),
        name: Set(None),
        is_staff: Set(false),
        created_at: Set(now()),
        deleted_at: Set(None),
    }
    .insert(&app.db)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("this email or username is taken".into()),
        other => other,
    })?;
    let token = new_session(app, user.id).await?;
    send_verification(app, &user).await?;
    Ok((token, user))
}

pub async fn log_in(
    app: &App,
    meta: &RequestMeta,
    email: &str,
    password: &str,
) -> ApiResult<(String, user::Model)> {
    let email = email.trim().to_lowercase();
    let limits = &app.settings.limits;
    let window = Duration::from_secs(limits.login_window_seconds);
    check_limit(
        app,
        "login-account",
        &email,
        limits.login_attempts_per_account,
        window,
    )
    .await?;
    if let Some(ip) = meta.client_ip {
        check_limit(
            app,
            "login-ip",
            &ip.to_string(),
            limits.login_attempts_per_ip,
            window,
        )
        .await?;
    }
    let found = user::Entity::find_by_email(&app.db, &email).await?;
    let hash = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| tokens::dummy_hash().to_owned());
    let ok = verify_password(password.to_owned(), hash).await?;
    match found {
        Some(user) if ok => {
            app.metrics.logins.with_label_values(&["success"]).inc();
            let token = new_session(app, user.id).await?;
            Ok((token, user))
        }
        _ => {
            app.metrics.logins.with_label_values(&["failure"]).inc();
            Err(ApiError::WrongCredentials)
        }
    }
}

pub async fn log_out(app: &App, principal: &Principal) -> ApiResult<bool> {
    match principal {
        Principal::User { session_id, .. } => {
            session::Entity::delete_by_id(*session_id)
                .exec(&app.db)
                .await?;
            Ok(true)
        }
        other => other.user().map(|_| false),
    }
}

pub async fn request_password_reset(app: &App, meta: &RequestMeta, email: &str) -> ApiResult<bool> {
    per_ip_email_limit(app, meta, "reset-ip").await?;
    let email = email.trim().to_lowercase();
    let ip = meta
        .client_ip
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "an unknown address".into());
    // Everything that depends on whether the account exists happens after
    // the answer, so neither the answer nor its timing reveals it.
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset(&app, &email, &ip).await {
            tracing::error!(error = ?e, "password reset not sent");
        }
    });
    Ok(true)
}

async fn send_reset(app: &App, email: &str, ip: &str) -> ApiResult<()> {
    // Per account too, silently.
    if !app
        .limiter
        .allow(
            &app.limit_key("reset-account", email),
            5,
            Duration::from_secs(3600),
        )
        .await
    {
        return Ok(());
    }
    let Some(user) = user::Entity::find_by_email(&app.db, email).await? else {
        return Ok(());
    };
    let token = new_email_token(app, &user, RESET_PASSWORD, ChronoDuration::hours(1)).await?;
    let body = format!(
        "Someone asked to reset the password of your TrackR account ({}).\n\nThe request came from the IP address {ip}.\n\nTo choose a new password, open this link within one hour:\n\n{}/reset-password?token={token}\n\nOr paste this token:\ntoken: {token}\n\nIf it was not you, ignore this email: your password stays as it is.\n",
        user.username, app.settings.public_url
    );
    app.send_email(&user.email, "Reset your TrackR password", body)
        .await
}

pub async fn reset_password(
    app: &App,
    meta: &RequestMeta,
    token: &str,
    new_password: &str,
) -> ApiResult<bool> {
    validate_password("newPassword", new_password)?;
    // Guessing tokens costs attempts; hashing comes after the token holds.
    per_ip_email_limit(app, meta, "reset-confirm-ip").await?;
    let txn = app.db.begin().await?;
    let Some(t) =
        email_token::Entity::consume(&txn, RESET_PASSWORD, &tokens::digest(token.trim())).await?
    else {
        return Err(ApiError::bad_input("token", "is invalid, used or expired"));
    };
    let hash = hash_password(new_password.to_owned()).await?;
    // Only for the address the token was sent to, if the account still
    // uses it.
    let updated = user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .filter(user::Column::Id.eq(t.user_id))
        .filter(user::Column::Email.eq(t.email))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::bad_input(
            "token",
            "is for an address this account no longer uses",
        ));
    }
    // A reset ends every session: whoever knew the old password is out.
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(t.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

pub async fn verify_email(app: &App, token: &str) -> ApiResult<bool> {
    let txn = app.db.begin().await?;
    let Some(t) =
        email_token::Entity::consume(&txn, VERIFY_EMAIL, &tokens::digest(token.trim())).await?
    else {
        return Err(ApiError::bad_input("token", "is invalid, used or expired"));
    };
    // Only verifies the address the token was sent to, if it is still the
    // account's address.
    let updated = user::Entity::update_many()
        .col_expr(
            user::Column::EmailVerifiedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(user::Column::Id.eq(t.user_id))
        .filter(user::Column::Email.eq(t.email))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::bad_input(
            "token",
            "is for an address this account no longer uses",
        ));
    }
    txn.commit().await?;
    Ok(true)
}

pub async fn update_profile(
    app: &App,
    principal: &Principal,
    name: Option<String>,
    email: Option<String>,
) -> ApiResult<user::Model> {
    let current = principal.user()?.clone();
    let mut model: user::ActiveModel = current.clone().into();
    if let Some(name) = name {
        model.name = Set(validate_name(&name)?);
    }
    let mut email_changed = false;
    if let Some(email) = email {
        let email = normalize_email(&email)?;
        if email != current.email {
            if user::Entity::find_by_email(&app.db, &email)
                .await?
                .is_some()
            {
                return Err(ApiError::Conflict(
                    "an account with this email already exists".into(),
                ));
            }
            model.email = Set(email);
            model.email_verified_at = Set(None);
            email_changed = true;
        }
    }
    let user = model.update(&app.db).await?;
    if email_changed {
        send_verification(app, &user).await?;
    }
    Ok(user)
}

pub async fn delete_account(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    password: &str,
) -> ApiResult<bool> {
    let user = principal.user()?.clone();
    if !verify_password(password.to_owned(), user.password_hash.clone()).await? {
        return Err(ApiError::bad_input("password", "is wrong"));
    }
    let owned = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .filter(membership::Column::Role.eq(Role::Owner))
        .find_also_related(organization::Entity)
        .all(&app.db)
        .await?;
    for (m, org) in owned {
        if membership::Entity::count_owners(&app.db, m.organization_id).await? <= 1 {
            let name = org.map(|o| o.name).unwrap_or_default();
            return Err(ApiError::Conflict(format!(
                "you are the last owner of the organization {name:?}: make another member its owner, or delete it, before deleting your account"
            )));
        }
    }
    // Memberships, sessions and tokens go with the row (foreign keys).
    user::Entity::delete_by_id(user.id).exec(&app.db).await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("user.delete", "user").target(user.id),
    )
    .await?;
    Ok(true)
}

/// Resolves a bearer token to the caller.
pub async fn authenticate(app: &App, bearer: Option<&str>) -> ApiResult<Principal> {
    let Some(token) = bearer.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Principal::Anonymous);
    };
    let hash = tokens::digest(token);
    if token.starts_with(tokens::SESSION_PREFIX) {
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash))
            .filter(session::Column::ExpiresAt.gt(now()))
            .find_also_related(user::Entity)
            .one(&app.db)
            .await?;
        if let Some((session, Some(user))) = found {
            return Ok(Principal::User {
                user,
                session_id: session.id,
            });
        }
    } else if token.starts_with(tokens::API_KEY_PREFIX) {
        if let Some(key) = crate::api_keys::find_by_secret_hash(app, &hash).await? {
            return Ok(Principal::ApiKey(key));
        }
    }
    Ok(Principal::InvalidToken)
}

/// `trackr admin grant-staff <email>`.
pub async fn grant_staff(
    db: &sea_orm::DatabaseConnection,
    email: &str,
) -> Result<user::Model, String> {
    let user = user::Entity::find_by_email(db, email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user has the email {email}"))?;
    let mut model: user::ActiveModel = user.into();
    model.is_staff = Set(true);
    let user = model.update(db).await.map_err(|e| e.to_string())?;
    let mut entry = trackr_entity::audit_log::Entry::new("staff.grant", "user");
    entry.target_id = Some(user.id.to_string());
    entry.write(db).await.map_err(|e| e.to_string())?;
    Ok(user)
}
