//! Email reports and traffic alerts (issue 18).
//!
//! Every email owed is a row of `email_deliveries`, unique per recipient,
//! kind and period: whoever inserts it sends it, so two workers never send
//! the same report twice. A row is `claimed` while its email is prepared
//! (a worker that dies then leaves it to be taken over once its lease
//! ends), `sending` from the moment it is handed to the mail server (never
//! sent again, even if its sender died mid-handover: at most once, not
//! twice; such a row becomes `unknown` and is logged), then `sent`.
//!
//! Reports cover the last closed week (Monday to Sunday) or month in the
//! site's time zone, compared with the one before, read through the same
//! event store as the reports API; a recipient gets the periods that ended
//! after they confirmed. Alerts are rules per site, fired at most once per
//! `every_hours` by an atomic update of the rule, in the transaction that
//! owes the alert's emails.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, Utc};
use chrono_tz::Tz;
use lettre::message::{
    header::{HeaderName, HeaderValue},
    Mailbox, MultiPart,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use trackr_analytics::{Dimension, EventStore, GoalMatch, ReportQuery};
use trackr_config::Settings;
use trackr_entity::{
    email_delivery, email_recipient, goal, new_id, organization, site, traffic_alert,
};
use uuid::Uuid;

use crate::{email::Mailer, error::ApiResult, stats, ApiError, App};

/// How long a claimed email may be prepared before another worker takes
/// it over.
pub const LEASE: Duration = Duration::from_secs(600);
/// Tries at preparing and handing over one email before it is given up.
const MAX_ATTEMPTS: i32 = 5;
/// A spike alert counts the visitors of this many last minutes.
pub const SPIKE_MINUTES: i64 = 15;

/// What sends the emails: the database, the mailer, the event store.
#[derive(Clone)]
pub struct Notifier {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub mailer: Mailer,
    pub events: Arc<dyn EventStore>,
    /// Signs the unsubscribe links (`crate::recipients::signature`).
    pub key: Vec<u8>,
}

impl Notifier {
    pub fn of(app: &App) -> Notifier {
        Notifier {
            db: app.db.clone(),
            settings: app.settings.clone(),
            mailer: app.mailer.clone(),
            events: app.events.clone(),
            key: app.link_key().to_vec(),
        }
    }

    /// For a process without an `App` (`trackr worker`, `trackr jobs run`).
    pub async fn standalone(
        db: DatabaseConnection,
        settings: &Settings,
    ) -> Result<Notifier, String> {
        let events = trackr_worker::event_store(&db, settings).map_err(|e| e.to_string())?;
        Ok(Notifier {
            mailer: Mailer::from_settings(settings)?,
            settings: Arc::new(settings.clone()),
            events: Arc::new(events),
            key: crate::app::link_key(&db, settings)
                .await
                .map_err(|e| e.to_string())?
                .into_bytes(),
            db,
        })
    }
}

/// The kinds of email, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Weekly,
    Monthly,
    Spike,
    Silence,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Weekly => "weekly",
            Kind::Monthly => "monthly",
            Kind::Spike => "spike",
            Kind::Silence => "silence",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [Kind::Weekly, Kind::Monthly, Kind::Spike, Kind::Silence]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// What a recipient unsubscribes from to stop this kind.
    pub fn subscription(self) -> &'static str {
        match self {
            Kind::Weekly => "weekly",
            Kind::Monthly => "monthly",
            Kind::Spike | Kind::Silence => "alerts",
        }
    }
}

/// A report's period: its key, its first and last local days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub key: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period of the same length just before.
    fn previous(&self, kind: Kind) -> Period {
        match kind {
            Kind::Monthly => {
                let to = self.from - Days::days(1);
                let from = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap_or(to);
                Period {
                    key: to.format("%Y-%m").to_string(),
                    from,
                    to,
                }
            }
            _ => Period {
                key: String::new(),
                from: self.from - Days::days(7),
                to: self.to - Days::days(7),
            },
        }
    }
}

/// The last closed week (Monday to Sunday) or month at `now` in `tz`.
pub fn last_period(kind: Kind, tz: Tz, now: DateTime<Utc>) -> Period {
    let today = now.with_timezone(&tz).date_naive();
    match kind {
        Kind::Monthly => {
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
            let to = first - Days::days(1);
            let from = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap_or(to);
            Period {
                key: to.format("%Y-%m").to_string(),
                from,
                to,
            }
        }
        _ => {
            let monday = today - Days::days(i64::from(today.weekday().num_days_from_monday()));
            let from = monday - Days::days(7);
            Period {
                key: from.format("%G-W%V").to_string(),
                from,
                to: monday - Days::days(1),
            }
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, serde::Serialize, PartialEq, Eq)]
pub struct NotifyReport {
    pub sent: u64,
    pub failed: u64,
    pub alerts_fired: u64,
    pub unknown: u64,
}

/// One run: sends every report due, fires the alerts whose condition holds
/// (and whose quiet period is over), and takes over emails whose sender
/// died while preparing them.
pub async fn run_once(n: &Notifier, now: DateTime<Utc>) -> ApiResult<NotifyReport> {
    let mut report = NotifyReport {
        unknown: sweep_unknown(n, now).await?,
        ..NotifyReport::default()
    };
    let recipients = email_recipient::Entity::find()
        .filter(email_recipient::Column::ConfirmedAt.is_not_null())
        .all(&n.db)
        .await?;
    // Reports, one claim and one email at a time: a worker that dies
    // leaves at most one email in flight.
    let sites = sites_of(n, recipients.iter().map(|r| r.site_id)).await?;
    for r in &recipients {
        let Some(site) = sites.iter().find(|s| s.id == r.site_id) else {
            continue;
        };
        let tz = timezone(site);
        for (kind, on) in [(Kind::Weekly, r.weekly), (Kind::Monthly, r.monthly)] {
            if !on {
                continue;
            }
            let period = last_period(kind, tz, now);
            // Only periods that ended after the address was confirmed.
            let ended = DateTime::from_timestamp_millis(trackr_analytics::time::midnight_ms(
                tz,
                trackr_analytics::time::day_number(period.to) + 1,
            ))
            .unwrap_or(now);
            if r.confirmed_at.is_none_or(|c| c >= ended) {
                continue;
            }
            if let Some(claim) = claim(n, r.id, kind, &period.key, now).await? {
                tally(&mut report, deliver(n, claim, now).await);
            }
        }
    }
    report.alerts_fired = fire_alerts(n, now).await?;
    for claim in claimed(n, now).await? {
        tally(&mut report, deliver(n, claim, now).await);
    }
    Ok(report)
}

fn tally(report: &mut NotifyReport, sent: ApiResult<bool>) {
    match sent {
        Ok(true) => report.sent += 1,
        Ok(false) => {}
        Err(e) => {
            report.failed += 1;
            tracing::error!(error = ?e, "an email report or alert was not sent");
        }
    }
}

async fn sites_of(n: &Notifier, ids: impl Iterator<Item = Uuid>) -> ApiResult<Vec<site::Model>> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            site::Entity::find()
                .filter(site::Column::Id.is_in(chunk.to_vec()))
                .all(&n.db)
                .await?,
        );
    }
    Ok(out)
}

fn timezone(site: &site::Model) -> Tz {
    site.timezone.parse().unwrap_or(Tz::UTC)
}

/// A claimed email: its row and the fencing token (`attempts`) its
/// claimer holds.
#[derive(Debug, Clone, Copy)]
struct Claim {
    id: Uuid,
    attempts: i32,
}

/// Inserts the email owed; `None` when another worker already has.
async fn claim(
    n: &Notifier,
    recipient: Uuid,
    kind: Kind,
    period: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<Claim>> {
    let id = new_id();
    let inserted = email_delivery::Entity::insert(owed(id, recipient, kind, period, now))
        .on_conflict(
            OnConflict::columns([
                email_delivery::Column::RecipientId,
                email_delivery::Column::Kind,
                email_delivery::Column::Period,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&n.db)
        .await?;
    Ok((inserted == 1).then_some(Claim { id, attempts: 0 }))
}

fn owed(
    id: Uuid,
    recipient: Uuid,
    kind: Kind,
    period: &str,
    now: DateTime<Utc>,
) -> email_delivery::ActiveModel {
    email_delivery::ActiveModel {
        id: Set(id),
        recipient_id: Set(recipient),
        kind: Set(kind.as_str().to_owned()),
        period: Set(period.to_owned()),
        state: Set("claimed".into()),
        claimed_at: Set(now),
        attempts: Set(0),
        sent_at: Set(None),
        error: Set(None),
    }
}

/// Emails claimed by a worker that then stopped (their lease is over),
/// taken over by this one; and alert emails owed (fired) but not taken.
async fn claimed(n: &Notifier, now: DateTime<Utc>) -> ApiResult<Vec<Claim>> {
    let stale = now - Days::from_std(LEASE).unwrap_or_default();
    let rows = email_delivery::Entity::find()
        .filter(email_delivery::Column::State.eq("claimed"))
        .filter(email_delivery::Column::ClaimedAt.lt(stale))
        .filter(email_delivery::Column::Attempts.lt(MAX_ATTEMPTS))
        .all(&n.db)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let taken = email_delivery::Entity::update_many()
            .col_expr(email_delivery::Column::ClaimedAt, Expr::value(now))
            .col_expr(
                email_delivery::Column::Attempts,
                Expr::value(row.attempts + 1),
            )
            .filter(email_delivery::Column::Id.eq(row.id))
            .filter(email_delivery::Column::State.eq("claimed"))
            .filter(email_delivery::Column::Attempts.eq(row.attempts))
            .exec(&n.db)
            .await?
            .rows_affected;
        if taken == 1 {
            out.push(Claim {
                id: row.id,
                attempts: row.attempts + 1,
            });
        }
    }
    // Alerts owed this very run (fired by this worker) are taken at once.
    let fresh = email_delivery::Entity::find()
        .filter(email_delivery::Column::State.eq("claimed"))
        .filter(email_delivery::Column::ClaimedAt.eq(now))
        .filter(email_delivery::Column::Attempts.eq(0))
        .filter(email_delivery::Column::Kind.is_in([Kind::Spike.as_str(), Kind::Silence.as_str()]))
        .all(&n.db)
        .await?;
    out.extend(fresh.into_iter().map(|r| Claim {
        id: r.id,
        attempts: r.attempts,
    }));
    Ok(out)
}

/// Emails whose sender died while handing them over: marked `unknown`
/// (never sent again) and logged.
async fn sweep_unknown(n: &Notifier, now: DateTime<Utc>) -> ApiResult<u64> {
    let stale = now - Days::from_std(LEASE).unwrap_or_default();
    let swept = email_delivery::Entity::update_many()
        .col_expr(email_delivery::Column::State, Expr::value("unknown"))
        .col_expr(
            email_delivery::Column::Error,
            Expr::value("the sender stopped while handing it to the mail server: maybe sent, not sent again"),
        )
        .filter(email_delivery::Column::State.eq("sending"))
        .filter(email_delivery::Column::ClaimedAt.lt(stale))
        .exec(&n.db)
        .await?
        .rows_affected;
    if swept > 0 {
        tracing::warn!(
            emails = swept,
            "emails whose sender stopped mid-send are not sent again"
        );
    }
    Ok(swept)
}

/// Prepares and sends one claimed email; false when another worker took
/// it over meanwhile (or it is no longer owed).
async fn deliver(n: &Notifier, claim: Claim, now: DateTime<Utc>) -> ApiResult<bool> {
    let Some(row) = email_delivery::Entity::find_by_id(claim.id)
        .one(&n.db)
        .await?
    else {
        return Ok(false);
    };
    let Some(recipient) = email_recipient::Entity::find_by_id(row.recipient_id)
        .one(&n.db)
        .await?
    else {
        return Ok(false);
    };
    let Some(kind) = Kind::parse(&row.kind) else {
        return Ok(false);
    };
    let message = match compose(n, &recipient, kind, &row.period).await {
        Ok(Some(m)) => m,
        // No longer subscribed to it, or its site is gone: owed no more.
        Ok(None) => {
            finish(n, claim, "sent", Some("no longer owed".into()), None).await?;
            return Ok(false);
        }
        Err(e) => {
            note_error(n, claim, &format!("{e:?}")).await?;
            return Err(e);
        }
    };
    // From here the email may reach its reader: it is never sent again.
    let handing = email_delivery::Entity::update_many()
        .col_expr(email_delivery::Column::State, Expr::value("sending"))
        .col_expr(email_delivery::Column::ClaimedAt, Expr::value(now))
        .filter(email_delivery::Column::Id.eq(claim.id))
        .filter(email_delivery::Column::State.eq("claimed"))
        .filter(email_delivery::Column::Attempts.eq(claim.attempts))
        .exec(&n.db)
        .await?
        .rows_affected;
    if handing != 1 {
        return Ok(false);
    }
    match n.mailer.send_message(message).await {
        Ok(()) => {
            finish(n, claim, "sent", None, Some(Utc::now())).await?;
            Ok(true)
        }
        Err(e) => {
            // Refused before it was taken (the server said no, or could
            // not be reached): it may be tried again.
            email_delivery::Entity::update_many()
                .col_expr(email_delivery::Column::State, Expr::value("claimed"))
                .col_expr(email_delivery::Column::Error, Expr::value(e.to_string()))
                .filter(email_delivery::Column::Id.eq(claim.id))
                .filter(email_delivery::Column::State.eq("sending"))
                .exec(&n.db)
                .await?;
            Err(ApiError::Upstream(format!("mail server: {e}")))
        }
    }
}

async fn finish(
    n: &Notifier,
    claim: Claim,
    state: &str,
    error: Option<String>,
    sent_at: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    email_delivery::Entity::update_many()
        .col_expr(email_delivery::Column::State, Expr::value(state))
        .col_expr(email_delivery::Column::Error, Expr::value(error))
        .col_expr(email_delivery::Column::SentAt, Expr::value(sent_at))
        .filter(email_delivery::Column::Id.eq(claim.id))
        .exec(&n.db)
        .await?;
    Ok(())
}

async fn note_error(n: &Notifier, claim: Claim, error: &str) -> ApiResult<()> {
    email_delivery::Entity::update_many()
        .col_expr(email_delivery::Column::Error, Expr::value(error))
        .filter(email_delivery::Column::Id.eq(claim.id))
        .filter(email_delivery::Column::Attempts.eq(claim.attempts))
        .exec(&n.db)
        .await?;
    Ok(())
}

/// The email of `kind` for `period` to `recipient`; `None` when it is no
/// longer owed (unsubscribed since, site deleted).
async fn compose(
    n: &Notifier,
    recipient: &email_recipient::Model,
    kind: Kind,
    period: &str,
) -> ApiResult<Option<lettre::Message>> {
    let subscribed = match kind {
        Kind::Weekly => recipient.weekly,
        Kind::Monthly => recipient.monthly,
        Kind::Spike | Kind::Silence => recipient.alerts,
    };
    let Some(site) = site::Entity::find_by_id(recipient.site_id)
        .one(&n.db)
        .await?
    else {
        return Ok(None);
    };
    if !subscribed || recipient.confirmed_at.is_none() {
        return Ok(None);
    }
    let org = organization::Entity::find_by_id(site.organization_id)
        .one(&n.db)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let links = Links::new(n, &org, &site, recipient, kind);
    let (subject, text, html) = match kind {
        Kind::Weekly | Kind::Monthly => {
            let tz = timezone(&site);
            let period = period_of(kind, period).ok_or_else(|| {
                ApiError::Internal(format!("a report's period is unreadable: {period}"))
            })?;
            let figures = Figures::read(n, &site, tz, &period, kind).await?;
            figures.render(&site, kind, &period, &links)
        }
        Kind::Spike | Kind::Silence => alert_text(&site, kind, period, &links),
    };
    let from: Mailbox = n
        .settings
        .email_from
        .parse()
        .map_err(|_| ApiError::Internal("TRACKR_EMAIL_FROM is not an address".into()))?;
    let to: Mailbox = recipient
        .email
        .parse()
        .map_err(|_| ApiError::Internal("a recipient's address is unreadable".into()))?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{}>", links.unsubscribe),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".into(),
        ))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| ApiError::Internal(format!("email: {e}")))?;
    Ok(Some(message))
}

/// A stored period key back as dates (`2026-W48`, `2026-11`).
pub fn period_of(kind: Kind, key: &str) -> Option<Period> {
    match kind {
        Kind::Monthly => {
            let from = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?;
            let next = if from.month() == 12 {
                NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)?
            };
            Some(Period {
                key: key.to_owned(),
                from,
                to: next - Days::days(1),
            })
        }
        _ => {
            let (year, week) = key.split_once("-W")?;
            let from = NaiveDate::from_isoywd_opt(
                year.parse().ok()?,
                week.parse().ok()?,
                chrono::Weekday::Mon,
            )?;
            Some(Period {
                key: key.to_owned(),
                from,
                to: from + Days::days(6),
            })
        }
    }
}

/// The links an email carries.
struct Links {
    dashboard: String,
    unsubscribe: String,
}

impl Links {
    fn new(
        n: &Notifier,
        org: &organization::Model,
        site: &site::Model,
        recipient: &email_recipient::Model,
        kind: Kind,
    ) -> Links {
        let base = n.settings.public_url.trim_end_matches('/');
        Links {
            dashboard: format!("{base}/orgs/{}/sites/{}", org.slug, site.id),
            // Signed, not a stored token: any email can carry it.
            unsubscribe: format!(
                "{base}/email-reports/unsubscribe?r={}&kind={}&sig={}",
                recipient.id,
                kind.subscription(),
                crate::recipients::signature(&n.key, recipient, kind.subscription())
            ),
        }
    }
}

/// A report's figures for a period and the one before.
struct Figures {
    now: trackr_analytics::reports::StatsRow,
    before: trackr_analytics::reports::StatsRow,
    pages: Vec<(String, i64)>,
    sources: Vec<(String, i64)>,
    goals: Vec<(String, i64, i64)>,
}

impl Figures {
    async fn read(
        n: &Notifier,
        site: &site::Model,
        tz: Tz,
        period: &Period,
        kind: Kind,
    ) -> ApiResult<Figures> {
        let query = |p: &Period| ReportQuery {
            site: site.id,
            tz,
            from: p.from,
            to: p.to,
            filters: Vec::new(),
        };
        let now_ms = Utc::now().timestamp_millis();
        let previous = period.previous(kind);
        let rows = n
            .events
            .stats(&[query(period), query(&previous)], now_ms)
            .await?;
        let top = |d| {
            let q = query(period);
            async move {
                Ok::<_, ApiError>(
                    n.events
                        .breakdown(&q, d, 5, false, now_ms)
                        .await?
                        .into_iter()
                        .map(|r| (r.value, r.figures.visitors))
                        .collect::<Vec<_>>(),
                )
            }
        };
        // The site's goals in the order the API lists them.
        let goals_sorted = goal::Entity::find()
            .filter(goal::Column::SiteId.eq(site.id))
            .order_by_asc(goal::Column::CreatedAt)
            .order_by_asc(goal::Column::Id)
            .all(&n.db)
            .await?;
        let matchers: Vec<GoalMatch> = goals_sorted.iter().map(GoalMatch::of).collect();
        let conversions = if matchers.is_empty() {
            Vec::new()
        } else {
            n.events
                .goal_conversions(&query(period), &matchers, now_ms)
                .await?
        };
        Ok(Figures {
            now: rows.first().copied().unwrap_or_default(),
            before: rows.get(1).copied().unwrap_or_default(),
            pages: top(Dimension::Page).await?,
            sources: top(Dimension::Source).await?,
            goals: goals_sorted
                .into_iter()
                .zip(conversions)
                .map(|(g, c)| (g.name, c.visitors, c.events))
                .collect(),
        })
    }

    /// Subject, text and HTML.
    fn render(
        &self,
        site: &site::Model,
        kind: Kind,
        period: &Period,
        links: &Links,
    ) -> (String, String, String) {
        let name = if kind == Kind::Monthly {
            "Monthly"
        } else {
            "Weekly"
        };
        let span = format!(
            "{} to {}",
            period.from.format("%a %-d %b %Y"),
            period.to.format("%a %-d %b %Y")
        );
        let before = if kind == Kind::Monthly {
            "the month before"
        } else {
            "the week before"
        };
        let (a, b) = (&self.now, &self.before);
        let duration = |r: &trackr_analytics::reports::StatsRow| {
            (stats::ratio(r.duration_ms, r.visits) / 10.0).round() / 100.0
        };
        let rows: Vec<(&str, String, String)> = vec![
            (
                "Visitors",
                a.visitors.to_string(),
                change(a.visitors as f64, b.visitors as f64),
            ),
            (
                "Page views",
                a.pageviews.to_string(),
                change(a.pageviews as f64, b.pageviews as f64),
            ),
            (
                "Bounce rate",
                format!("{}%", stats::percent(a.bounces, a.visits)),
                points(
                    stats::percent(a.bounces, a.visits),
                    stats::percent(b.bounces, b.visits),
                ),
            ),
            (
                "Visit duration",
                format!("{}s", duration(a)),
                change(duration(a), duration(b)),
            ),
        ];
        let subject = format!(
            "{name} report for {}: {} visitors ({})",
            site.domain,
            a.visitors,
            change(a.visitors as f64, b.visitors as f64)
        );
        let mut text = format!("{} — {span} ({})\n\n", site.domain, site.timezone);
        for (label, value, delta) in &rows {
            text.push_str(&format!("{label}: {value} ({delta} on {before})\n"));
        }
        let lists: [(&str, Vec<(String, String)>); 3] = [
            (
                "Top pages",
                self.pages
                    .iter()
                    .map(|(v, n)| (v.clone(), format!("{n} visitors")))
                    .collect(),
            ),
            (
                "Top sources",
                self.sources
                    .iter()
                    .map(|(v, n)| (v.clone(), format!("{n} visitors")))
                    .collect(),
            ),
            (
                "Goals",
                self.goals
                    .iter()
                    .map(|(g, v, c)| {
                        (
                            g.clone(),
                            format!(
                                "{v} converted, {c} conversions, {}% conversion rate",
                                stats::percent(*v, a.visitors)
                            ),
                        )
                    })
                    .collect(),
            ),
        ];
        for (title, items) in &lists {
            if items.is_empty() {
                continue;
            }
            text.push_str(&format!("\n{title}\n"));
            for (k, v) in items {
                text.push_str(&format!("  {k}: {v}\n"));
            }
        }
        text.push_str(&format!(
            "\nThe dashboard: {}?period=custom&from={}&to={}\n\nYou receive this because this address subscribed to {} reports for {}.\nUnsubscribe with one click: {}\n",
            links.dashboard,
            period.from,
            period.to,
            kind.as_str(),
            site.domain,
            links.unsubscribe
        ));
        let mut html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family:system-ui,sans-serif;color:#1a1a1a;max-width:40em\">\
             <h1 style=\"font-size:1.3em\">{} — {}</h1><p>{span} ({})</p><table>",
            escape(&subject),
            escape(&site.domain),
            name,
            escape(&site.timezone)
        );
        for (label, value, delta) in &rows {
            html.push_str(&format!(
                "<tr><th scope=\"row\" style=\"text-align:left;padding-right:1em\">{label}</th><td>{}</td><td style=\"color:#555\">{} on {before}</td></tr>",
                escape(value),
                escape(delta)
            ));
        }
        html.push_str("</table>");
        for (title, items) in &lists {
            if items.is_empty() {
                continue;
            }
            html.push_str(&format!("<h2 style=\"font-size:1.1em\">{title}</h2><ul>"));
            for (k, v) in items {
                html.push_str(&format!("<li>{}: {}</li>", escape(k), escape(v)));
            }
            html.push_str("</ul>");
        }
        html.push_str(&format!(
            "<p><a href=\"{}?period=custom&amp;from={}&amp;to={}\">Open the dashboard</a></p>\
             <p style=\"color:#555;font-size:0.9em\">You receive this because this address subscribed to {} reports for {}. \
             <a href=\"{}\">Unsubscribe</a>.</p></body></html>",
            escape(&links.dashboard),
            period.from,
            period.to,
            kind.as_str(),
            escape(&site.domain),
            escape(&links.unsubscribe)
        ));
        (subject, text, html)
    }
}

/// `+12%`, `-3%`, `no change`, or `new` (nothing before).
fn change(now: f64, before: f64) -> String {
    if before == 0.0 {
        return if now == 0.0 {
            "no change".into()
        } else {
            "new".into()
        };
    }
    let pct = ((now - before) / before * 100.0).round();
    if pct == 0.0 {
        "no change".into()
    } else {
        format!("{pct:+}%")
    }
}

/// A rate's change in points.
fn points(now: f64, before: f64) -> String {
    let d = ((now - before) * 10.0).round() / 10.0;
    if d == 0.0 {
        "no change".into()
    } else {
        format!("{d:+} points")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An alert's subject, text and HTML; `period` is `<fired ms>:<measure>`.
fn alert_text(
    site: &site::Model,
    kind: Kind,
    period: &str,
    links: &Links,
) -> (String, String, String) {
    let (at, measure) = period.split_once(':').unwrap_or((period, "0"));
    let at = at
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let (subject, what) = match kind {
        Kind::Spike => (
            format!("Traffic spike on {}: {measure} visitors in {SPIKE_MINUTES} minutes", site.domain),
            format!("{measure} visitors came to {} in the {SPIKE_MINUTES} minutes up to {at}.", site.domain),
        ),
        _ => (
            format!("No events from {} for {measure} hours", site.domain),
            format!(
                "{} sent no event for {measure} hours up to {at}, though it had traffic the week before: the tracking script may be missing or broken.",
                site.domain
            ),
        ),
    };
    let text = format!(
        "{what}\n\nThe dashboard: {}\n\nYou receive this because this address subscribed to traffic alerts for {}.\nUnsubscribe with one click: {}\n",
        links.dashboard, site.domain, links.unsubscribe
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head><body style=\"font-family:system-ui,sans-serif\"><p>{}</p><p><a href=\"{}\">Open the dashboard</a></p><p style=\"color:#555;font-size:0.9em\">You receive this because this address subscribed to traffic alerts for {}. <a href=\"{}\">Unsubscribe</a>.</p></body></html>",
        escape(&subject),
        escape(&what),
        escape(&links.dashboard),
        escape(&site.domain),
        escape(&links.unsubscribe)
    );
    (subject, text, html)
}

/// Fires the alerts whose condition holds and whose quiet period is over;
/// each firing owes one email to each confirmed alert recipient, in the
/// transaction that records it.
async fn fire_alerts(n: &Notifier, now: DateTime<Utc>) -> ApiResult<u64> {
    let rules = traffic_alert::Entity::find().all(&n.db).await?;
    let mut fired = 0;
    for rule in rules {
        let Some(kind) = Kind::parse(&rule.kind) else {
            continue;
        };
        if rule
            .last_fired_at
            .is_some_and(|t| now - t < Days::hours(i64::from(rule.every_hours)))
        {
            continue;
        }
        let Some(measure) = condition(n, &rule, kind, now).await? else {
            continue;
        };
        let recipients = email_recipient::Entity::find()
            .filter(email_recipient::Column::SiteId.eq(rule.site_id))
            .filter(email_recipient::Column::Alerts.eq(true))
            .filter(email_recipient::Column::ConfirmedAt.is_not_null())
            .all(&n.db)
            .await?;
        let txn = n.db.begin().await?;
        let quiet_since = now - Days::hours(i64::from(rule.every_hours));
        let won = traffic_alert::Entity::update_many()
            .col_expr(traffic_alert::Column::LastFiredAt, Expr::value(now))
            .filter(traffic_alert::Column::Id.eq(rule.id))
            .filter(
                sea_orm::Condition::any()
                    .add(traffic_alert::Column::LastFiredAt.is_null())
                    .add(traffic_alert::Column::LastFiredAt.lte(quiet_since)),
            )
            .exec(&txn)
            .await?
            .rows_affected;
        if won != 1 {
            txn.rollback().await?;
            continue;
        }
        let period = format!("{}:{measure}", now.timestamp_millis());
        for r in &recipients {
            email_delivery::Entity::insert(owed(new_id(), r.id, kind, &period, now))
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        tracing::info!(site_id = %rule.site_id, kind = kind.as_str(), measure, "traffic alert fired");
        fired += 1;
    }
    Ok(fired)
}

/// The alert's measure when its condition holds: visitors of the last 15
/// minutes above the threshold (spike); the hours without an event, when
/// there were events in the week before them (silence).
async fn condition(
    n: &Notifier,
    rule: &traffic_alert::Model,
    kind: Kind,
    now: DateTime<Utc>,
) -> ApiResult<Option<i64>> {
    let now_ms = now.timestamp_millis();
    match kind {
        Kind::Spike => {
            let visitors = n
                .events
                .visitors_since(rule.site_id, now_ms - SPIKE_MINUTES * 60_000)
                .await?;
            Ok((visitors > i64::from(rule.threshold)).then_some(visitors))
        }
        _ => {
            let hours = i64::from(rule.threshold);
            let silent_from = now_ms - hours * 3_600_000;
            let recent = n.events.visitors_since(rule.site_id, silent_from).await?;
            if recent > 0 {
                return Ok(None);
            }
            let week = n
                .events
                .visitors_since(rule.site_id, silent_from - 7 * 86_400_000)
                .await?;
            Ok((week > 0).then_some(hours))
        }
    }
}

/// Runs `run_once` every minute until `shutdown` resolves (every worker
/// may: the deliveries' rows make each email go once).
pub async fn run_loop(
    n: Notifier,
    clock: trackr_config::Clock,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = every.tick() => {
                if let Err(e) = run_once(&n, clock.now()).await {
                    tracing::error!(job = "notify", error = ?e, "email reports and alerts failed");
                }
            }
        }
    }
}
