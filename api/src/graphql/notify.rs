//! Email reports and traffic alerts (issue 18): recipients and alert rules
//! (`Site.emailRecipients` and `Site.trafficAlerts` are fields of `Site`).

use async_graphql::{Context, Enum, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use trackr_entity::{email_recipient, traffic_alert};

use super::{parse_id, Ctx};
use crate::{
    access::{self, Action},
    error::ApiResult,
    recipients::{self, Kinds},
};

#[derive(InputObject)]
pub struct AddEmailRecipientInput {
    site_id: ID,
    /// A member's or anyone's address; it receives nothing until it
    /// confirms through the link emailed to it.
    email: String,
    #[graphql(default)]
    weekly: bool,
    #[graphql(default)]
    monthly: bool,
    #[graphql(default)]
    alerts: bool,
}

#[derive(InputObject)]
pub struct EmailKindsInput {
    weekly: bool,
    monthly: bool,
    alerts: bool,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TrafficAlertKind {
    /// More visitors in the last 15 minutes than the threshold.
    Spike,
    /// No event for `threshold` hours, though the site had traffic the
    /// week before (the tracking is probably broken).
    Silence,
}

impl TrafficAlertKind {
    fn as_str(self) -> &'static str {
        match self {
            TrafficAlertKind::Spike => "spike",
            TrafficAlertKind::Silence => "silence",
        }
    }
}

#[derive(InputObject)]
pub struct SetTrafficAlertInput {
    site_id: ID,
    kind: TrafficAlertKind,
    /// Visitors in 15 minutes (spike), or hours without an event (silence).
    threshold: i32,
    /// Sent at most once per this many hours (1 to 720).
    every_hours: i32,
}

#[derive(Default)]
pub struct NotifyMutation;

async fn managed_site(ctx: &Context<'_>, id: &ID) -> ApiResult<trackr_entity::site::Model> {
    let site_id = parse_id(id, "site")?;
    Ok(access::site(
        ctx.app(),
        ctx.principal(),
        ctx.meta(),
        site_id,
        Action::ManageSites,
    )
    .await?
    .0)
}

#[Object]
impl NotifyMutation {
    /// Adds a recipient of a site's email reports and alerts (its owners
    /// and admins); at most 50 a site. A confirmation email goes out.
    async fn add_email_recipient(
        &self,
        ctx: &Context<'_>,
        input: AddEmailRecipientInput,
    ) -> ApiResult<EmailRecipient> {
        let site = managed_site(ctx, &input.site_id).await?;
        let r = recipients::add(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            &input.email,
            Kinds {
                weekly: input.weekly,
                monthly: input.monthly,
                alerts: input.alerts,
            },
        )
        .await?;
        Ok(EmailRecipient(r))
    }

    /// Changes what a recipient receives.
    async fn update_email_recipient(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: EmailKindsInput,
    ) -> ApiResult<EmailRecipient> {
        let id = parse_id(&id, "recipient")?;
        Ok(EmailRecipient(
            recipients::update(
                ctx.app(),
                ctx.principal(),
                ctx.meta(),
                id,
                Kinds {
                    weekly: input.weekly,
                    monthly: input.monthly,
                    alerts: input.alerts,
                },
            )
            .await?,
        ))
    }

    /// Removes a recipient.
    async fn remove_email_recipient(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "recipient")?;
        recipients::remove(ctx.app(), ctx.principal(), ctx.meta(), id).await?;
        Ok(true)
    }

    /// Sets (adds or changes) a site's traffic alert of one kind.
    async fn set_traffic_alert(
        &self,
        ctx: &Context<'_>,
        input: SetTrafficAlertInput,
    ) -> ApiResult<TrafficAlert> {
        let site = managed_site(ctx, &input.site_id).await?;
        Ok(TrafficAlert(
            recipients::set_alert(
                ctx.app(),
                &site,
                input.kind.as_str(),
                input.threshold,
                input.every_hours,
            )
            .await?,
        ))
    }

    /// Removes a site's traffic alert of one kind; false when it had none.
    async fn delete_traffic_alert(
        &self,
        ctx: &Context<'_>,
        site_id: ID,
        kind: TrafficAlertKind,
    ) -> ApiResult<bool> {
        let site = managed_site(ctx, &site_id).await?;
        recipients::delete_alert(ctx.app(), &site, kind.as_str()).await
    }
}

pub struct EmailRecipient(pub email_recipient::Model);

#[Object]
impl EmailRecipient {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn weekly(&self) -> bool {
        self.0.weekly
    }
    async fn monthly(&self) -> bool {
        self.0.monthly
    }
    async fn alerts(&self) -> bool {
        self.0.alerts
    }
    /// Whether the address confirmed (nothing is sent before).
    async fn confirmed(&self) -> bool {
        self.0.confirmed_at.is_some()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct TrafficAlert(pub traffic_alert::Model);

#[Object]
impl TrafficAlert {
    async fn kind(&self) -> TrafficAlertKind {
        if self.0.kind == "spike" {
            TrafficAlertKind::Spike
        } else {
            TrafficAlertKind::Silence
        }
    }
    async fn threshold(&self) -> i32 {
        self.0.threshold
    }
    async fn every_hours(&self) -> i32 {
        self.0.every_hours
    }
    async fn last_fired_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_fired_at
    }
}
