//! Accounts: sign-up, log-in, sessions, email verification, password reset,
//! profile changes and account deletion.

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
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

/// Passwords are 10 to 256 characters, and not guessable: zxcvbn (which
/// knows common passwords, words, names, dates, keyboard walks and
/// repeats) must rate them at least 3 of 4, "safely unguessable" against
/// an attacker who can try about 10^8 guesses, with the account's own
/// email and username counted as known words.
pub fn validate_password(field: &'static str, password: &str, known: &[&str]) -> ApiResult<()> {
    let n = password.chars().count();
    if !(10..=256).contains(&n) {
        return Err(ApiError::bad_input(
            field,
            "must be 10 to 256 characters long",
        ));
    }
    // zxcvbn's cost grows with length; its verdict does not change past
    // the first 100 characters.
    let sample: String = password.chars().take(100).collect();
    let estimate = zxcvbn::zxcvbn(&sample, known);
    if u8::from(estimate.score()) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(ApiError::bad_input(
            field,
            format!("is too easy to guess{hint}: try a few unrelated words"),
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

/// Hashes a new password (off the async threads). Callers spend the
/// request's password check first (`RequestMeta::spend_password_check`).
pub(crate) async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || tokens::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Checks a password against a hash: this request's one password check.
pub(crate) async fn verify_password(
    meta: &RequestMeta,
    password: String,
    hash: String,
) -> ApiResult<bool> {
    meta.spend_password_check()?;
    tokio::task::spawn_blocking(move || tokens::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

/// The bearer token of a request, if any. The scheme is case-insensitive
/// (RFC 7235); this is the one place that reads it.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Counts one password attempt against `email`'s account from this
/// request's address, before any check: per account and address, per
/// address, and per account from addresses that never logged in to it.
/// An address the owner logged in from is exempt from the last, so a
/// guesser elsewhere cannot lock the owner out.
async fn password_attempt(app: &App, meta: &RequestMeta, email: &str) -> ApiResult<()> {
    let limits = &app.settings.limits;
    let window = Duration::from_secs(limits.login_window_seconds);
    let address = address(meta);
    // Per address first: one address trying many emails is stopped before
    // it makes a counter for each.
    if meta.client_ip.is_some() {
        check_limit(
            app,
            "login-ip",
            &address,
            limits.login_attempts_per_ip,
            window,
        )
        .await?;
    }
    let pair = format!("{email}\n{address}");
    check_limit(
        app,
        "login-pair",
        &pair,
        limits.login_attempts_per_account_and_ip,
        window,
    )
    .await?;
    if !app
        .limiter
        .remembered(&app.limit_key("login-known", &pair))
        .await
    {
        check_limit(
            app,
            "login-account",
            email,
            limits.login_attempts_per_account,
            window,
        )
        .await?;
    }
    Ok(())
}

/// The request's address as limits count it (an IPv6 address by its /64).
fn address(meta: &RequestMeta) -> String {
    meta.client_ip
        .map(crate::ratelimit::address_subject)
        .unwrap_or_default()
}

/// Notes that this request's address logged in to `email`'s account.
async fn remember_address(app: &App, meta: &RequestMeta, email: &str) {
    let days = app.settings.limits.login_known_address_days;
    app.limiter
        .remember(
            &app.limit_key("login-known", &format!("{email}\n{}", address(meta))),
            Duration::from_secs(u64::from(days) * 86_400),
        )
        .await;
}

/// The signed-in user's own password, checked under the log-in limits.
async fn confirm_password(
    app: &App,
    meta: &RequestMeta,
    user: &user::Model,
    field: &'static str,
    password: &str,
) -> ApiResult<()> {
    password_attempt(app, meta, &user.email).await?;
    if verify_password(meta, password.to_owned(), user.password_hash.clone()).await? {
        Ok(())
    } else {
        Err(ApiError::bad_input(field, "is wrong"))
    }
}

async fn new_session(app: &App, meta: &RequestMeta, user_id: Uuid) -> ApiResult<String> {
    let token = tokens::generate(tokens::SESSION_PREFIX);
    session::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id),
        token_hash: Set(tokens::digest(&token)),
        created_at: Set(now()),
        expires_at: Set(now() + ChronoDuration::days(app.settings.limits.session_days.into())),
        device: Set(meta.device.clone()),
        last_seen_at: Set(Some(now())),
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
        "Welcome to TrackR, {}.\n\nConfirm your email address within 48 hours with this token:\n\n{}",
        user.username,
        crate::email::token_instructions(
            &app.settings.public_url,
            &token,
            "verify-email",
            "mutation { verifyEmail(token: \"TOKEN\") }"
        )
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
        let address = crate::ratelimit::address_subject(ip);
        check_limit(app, kind, &address, limit, Duration::from_secs(3600)).await?;
    }
    Ok(())
}

/// Sends the caller a new email-verification link (the old one stays
/// valid until it expires). `false` when the address is verified already.
/// Counts against the same per-address limit as sign-ups and resets.
pub async fn resend_verification(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
) -> ApiResult<bool> {
    let user = principal.user()?;
    if user.email_verified_at.is_some() {
        return Ok(false);
    }
    per_ip_email_limit(app, meta, "verify-ip").await?;
    send_verification(app, user).await?;
    Ok(true)
}

/// Signs up a new account. An email that already has an account is
/// answered as a new one would be (a payload whose token opens nothing),
/// and its owner is told by email: the answer never reveals who has an
/// account. Usernames are public names, so a taken one is a conflict.
pub async fn sign_up(
    app: &App,
    meta: &RequestMeta,
    email: &str,
    username: &str,
    password: &str,
) -> ApiResult<(String, user::Model)> {
    let email = normalize_email(email)?;
    let username = validate_username(username)?;
    // Limits before any costly work: the strength estimate, then argon2.
    per_ip_email_limit(app, meta, "signup-ip").await?;
    meta.spend_password_check()?;
    validate_password("password", password, &[&email, &username])?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&app.db)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict("this username is taken".into()));
    }
    // Hashed either way, so both answers take about as long.
    let password_hash = hash(password.to_owned()).await?;
    let candidate = user::Model {
        id: new_id(),
        username,
        email,
        email_verified_at: None,
        password_hash,
        name: None,
        is_staff: false,
        is_finance: false,
        created_at: now(),
        deleted_at: None,
    };
    if let Some(owner) = user::Entity::find_by_email(&app.db, &candidate.email).await? {
        // A few a day per account: the owner's inbox is not a target.
        if !app
            .limiter
            .allow(
                &app.limit_key("signup-taken", &owner.email),
                3,
                Duration::from_secs(86_400),
            )
            .await
        {
            let unusable = tokens::generate(tokens::SESSION_PREFIX);
            return Ok((unusable, candidate));
        }
        let body = format!(
            "Someone tried to sign up for TrackR ({}) with your email address.\n\nYou already have an account, username {}: log in with it (the logIn mutation), or ask for a password reset (requestPasswordReset) if you have forgotten your password.\n\nIf it was not you, you need not do anything: no account was created.\n",
            app.settings.public_url, owner.username
        );
        app.send_email_later(owner.email, "Sign-up attempt with your address", body);
        let unusable = tokens::generate(tokens::SESSION_PREFIX);
        return Ok((unusable, candidate));
    }
    let user = user::ActiveModel::from(candidate)
        .insert(&app.db)
        .await
        .map_err(|e| match ApiError::from(e) {
            // Two sign-ups at once for the same name or email.
            ApiError::Conflict(_) => ApiError::Conflict("this email or username is taken".into()),
            other => other,
        })?;
    let token = new_session(app, meta, user.id).await?;
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
    password_attempt(app, meta, &email).await?;
    let found = user::Entity::find_by_email(&app.db, &email).await?;
    let hash = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| tokens::dummy_hash().to_owned());
    let ok = verify_password(meta, password.to_owned(), hash).await?;
    match found {
        Some(user) if ok => {
            app.metrics.logins.with_label_values(&["success"]).inc();
            remember_address(app, meta, &email).await;
            let token = new_session(app, meta, user.id).await?;
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
        "Someone asked to reset the password of your TrackR account ({}).\n\nThe request came from the IP address {ip}.\n\nIf it was not you, ignore this email: your password stays as it is.\n\nTo choose a new password within one hour, use this token:\n\n{}",
        user.username,
        crate::email::token_instructions(
            &app.settings.public_url,
            &token,
            "reset-password",
            "mutation { resetPassword(token: \"TOKEN\", newPassword: \"<your new password>\") }"
        )
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
    // Guessing tokens costs attempts; the costly work comes after the
    // token holds, and a refused password leaves the token unused (the
    // transaction is not committed).
    per_ip_email_limit(app, meta, "reset-confirm-ip").await?;
    let txn = app.db.begin().await?;
    let Some(t) =
        email_token::Entity::consume(&txn, RESET_PASSWORD, &tokens::digest(token.trim())).await?
    else {
        return Err(ApiError::bad_input("token", "is invalid, used or expired"));
    };
    let owner = user::Entity::find_by_id(t.user_id).one(&txn).await?;
    let known: Vec<&str> = owner
        .iter()
        .flat_map(|u| [u.email.as_str(), u.username.as_str()])
        .collect();
    meta.spend_password_check()?;
    validate_password("newPassword", new_password, &known)?;
    let hash = hash(new_password.to_owned()).await?;
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

/// Changes the name and, with the current password, the email. A new
/// email must be verified again; the old address is told, and every other
/// session ends (a stolen session cannot quietly move the account to an
/// address whose reset link its thief reads).
pub async fn update_profile(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    name: Option<String>,
    email: Option<String>,
    current_password: Option<&str>,
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
            let Some(password) = current_password else {
                return Err(ApiError::bad_input(
                    "currentPassword",
                    "is required to change the email address",
                ));
            };
            confirm_password(app, meta, &current, "currentPassword", password).await?;
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
    let txn = app.db.begin().await?;
    let user = model.update(&txn).await?;
    if email_changed {
        end_other_sessions(&txn, principal).await?;
    }
    txn.commit().await?;
    if email_changed {
        let body = format!(
            "The email address of your TrackR account ({}) was changed from this address to {}.\n\nOther sessions of the account were logged out.\n\nIf it was not you, reply to this email or contact the operator of {} at once.\n",
            user.username, user.email, app.settings.public_url
        );
        app.send_email_later(current.email, "Your TrackR email address was changed", body);
        send_verification(app, &user).await?;
    }
    Ok(user)
}

/// Deletes the user's sessions but the one making the request.
async fn end_other_sessions<C: sea_orm::ConnectionTrait>(
    db: &C,
    principal: &Principal,
) -> ApiResult<()> {
    let user = principal.user()?;
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user.id));
    if let Principal::User { session_id, .. } = principal {
        delete = delete.filter(session::Column::Id.ne(*session_id));
    }
    delete.exec(db).await?;
    Ok(())
}

/// Changes the password: the current one first. Every other session ends.
pub async fn change_password(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    current_password: &str,
    new_password: &str,
) -> ApiResult<bool> {
    let user = principal.user()?.clone();
    // The request's one password check is the verification; the new
    // password's strength and hash follow it.
    confirm_password(app, meta, &user, "currentPassword", current_password).await?;
    validate_password("newPassword", new_password, &[&user.email, &user.username])?;
    let hash = hash(new_password.to_owned()).await?;
    let txn = app.db.begin().await?;
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    end_other_sessions(&txn, principal).await?;
    txn.commit().await?;
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("user.password_change", "user").target(user.id),
    )
    .await?;
    Ok(true)
}

pub async fn delete_account(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    password: &str,
) -> ApiResult<bool> {
    let user = principal.user()?.clone();
    confirm_password(app, meta, &user, "password", password).await?;
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
            note_seen(app, &session).await?;
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

/// Stamps a session's `last_seen_at`, at most once per `LAST_SEEN_EVERY`.
async fn note_seen(app: &App, session: &session::Model) -> ApiResult<()> {
    let now = now();
    let fresh = session
        .last_seen_at
        .is_some_and(|seen| now - seen < session::LAST_SEEN_EVERY);
    if !fresh {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .exec(&app.db)
            .await?;
    }
    Ok(())
}

/// The user's open sessions, the most recently used first.
pub async fn sessions(app: &App, user: &user::Model) -> ApiResult<Vec<session::Model>> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user.id))
        .filter(session::Column::ExpiresAt.gt(now()))
        .order_by_desc(session::Column::LastSeenAt)
        .order_by_desc(session::Column::CreatedAt)
        .all(&app.db)
        .await?)
}

/// Ends one of the caller's own sessions (any other id is not found).
pub async fn end_session(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<bool> {
    let user = principal.user()?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::UserId.eq(user.id))
        .exec(&app.db)
        .await?;
    if ended.rows_affected == 0 {
        return Err(ApiError::NotFound("session"));
    }
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("session.end", "session").target(id),
    )
    .await?;
    Ok(true)
}

/// Everything TrackR keeps about the caller, as one JSON document
/// (privacy promise 13): the profile, memberships, open sessions (without
/// their secrets) and the audit entries by or about the user. The export
/// is itself audited.
pub async fn my_data(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
) -> ApiResult<serde_json::Value> {
    use sea_orm::Condition;
    use serde_json::json;
    let user = principal.user()?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .find_also_related(organization::Entity)
        .order_by_asc(membership::Column::CreatedAt)
        .all(&app.db)
        .await?;
    let sessions = sessions(app, user).await?;
    let audit = audit_log::Entity::find()
        .filter(
            Condition::any()
                .add(audit_log::Column::ActorUserId.eq(user.id))
                .add(
                    Condition::all()
                        .add(audit_log::Column::TargetType.eq("user"))
                        .add(audit_log::Column::TargetId.eq(user.id.to_string())),
                ),
        )
        .order_by_asc(audit_log::Column::At)
        .all(&app.db)
        .await?;
    let document = json!({
        "exportedAt": now(),
        "profile": {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "name": user.name,
            "emailVerified": user.email_verified_at.is_some(),
            "isStaff": user.is_staff,
            "createdAt": user.created_at,
        },
        "memberships": memberships.iter().map(|(m, org)| json!({
            "organizationId": m.organization_id,
            "organization": org.as_ref().map(|o| o.name.clone()),
            "role": format!("{:?}", m.role).to_uppercase(),
            "since": m.created_at,
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id,
            "device": s.device,
            "createdAt": s.created_at,
            "lastSeenAt": s.last_seen_at,
            "expiresAt": s.expires_at,
        })).collect::<Vec<_>>(),
        "auditEntries": audit.iter().map(|e| json!({
            "action": e.action,
            "by": if e.actor_user_id == Some(user.id) { "you" } else if e.actor_user_id.is_some() { "another user or staff" } else { "the system" },
            "targetType": e.target_type,
            "targetId": e.target_id,
            "organizationId": e.organization_id,
            "details": e.details,
            "at": e.at,
        })).collect::<Vec<_>>(),
    });
    access::audit(
        app,
        principal,
        meta,
        audit_log::Entry::new("user.export", "user").target(user.id),
    )
    .await?;
    Ok(document)
}

/// A staff role `trackr admin grant-staff` gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StaffRole {
    /// Reads any organization (audited) to help its users.
    Operator,
    /// Reads billing across organizations (audited), nothing else.
    Finance,
}

/// `trackr admin grant-staff <email> [--role operator|finance]`.
pub async fn grant_staff(
    db: &sea_orm::DatabaseConnection,
    email: &str,
    role: StaffRole,
) -> Result<user::Model, String> {
    let user = user::Entity::find_by_email(db, email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user has the email {email}"))?;
    let mut model: user::ActiveModel = user.into();
    match role {
        StaffRole::Operator => model.is_staff = Set(true),
        StaffRole::Finance => model.is_finance = Set(true),
    }
    let user = model.update(db).await.map_err(|e| e.to_string())?;
    let mut entry = trackr_entity::audit_log::Entry::new("staff.grant", "user");
    entry.target_id = Some(user.id.to_string());
    entry.details = serde_json::json!({ "role": format!("{role:?}").to_lowercase() });
    entry.write(db).await.map_err(|e| e.to_string())?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_passwords_are_refused_and_passphrases_accepted() {
        for weak in [
            "password12",
            "1234567890",
            "          ",
            "qwertyuiop",
            "ada@example.com1",
        ] {
            let e = validate_password("password", weak, &["ada@example.com", "ada"]).unwrap_err();
            assert!(
                matches!(
                    e,
                    ApiError::BadInput {
                        field: "password",
                        ..
                    }
                ),
                "{weak:?}"
            );
        }
        for strong in [
            "correct horse battery",
            "long enough password",
            "a brand new password",
        ] {
            validate_password("password", strong, &["ada@example.com", "ada"]).expect(strong);
        }
        let long = "x".repeat(257);
        assert!(
            validate_password("password", &long, &[]).is_err(),
            "at most 256"
        );
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let mut headers = axum::http::HeaderMap::new();
        for (value, expected) in [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("BEARER  abc ", Some("abc")),
            ("Basic abc", None),
            ("Bearer", None),
            ("Bearer ", None),
        ] {
            headers.insert(axum::http::header::AUTHORIZATION, value.parse().unwrap());
            assert_eq!(bearer(&headers), expected, "{value:?}");
        }
    }
}
