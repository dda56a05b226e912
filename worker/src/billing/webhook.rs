//! `Stripe-Signature` verification, by async-stripe's webhook crate: any
//! `v1` signature may match, the timestamp must be within 300 s, and each
//! configured secret is tried in turn (rotation).

use stripe_webhook::{Webhook, WebhookError};
use trackr_config::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("no signature matches a configured webhook secret")]
    NoMatch,
    #[error("the signature's timestamp is outside the 300 s tolerance")]
    Stale,
}

/// Verifies `payload` against the header at time `now` (Unix seconds).
pub fn verify(
    payload: &str,
    header: Option<&str>,
    secrets: &[SecretString],
    now: i64,
) -> Result<(), Refusal> {
    let header = header
        .filter(|h| !h.trim().is_empty())
        .ok_or(Refusal::Missing)?;
    let mut refusal = Refusal::NoMatch;
    for secret in secrets {
        match Webhook::construct_event_with_timestamp(payload, header, secret.expose_secret(), now)
        {
            // The signature holds; the typed parse is not ours to need
            // (events are read by `snapshot`, whatever their API version).
            Ok(_) | Err(WebhookError::BadParse(_)) => return Ok(()),
            Err(WebhookError::BadTimestamp(_)) => refusal = Refusal::Stale,
            Err(WebhookError::BadHeader(_)) => return Err(Refusal::Malformed),
            Err(WebhookError::BadSignature | WebhookError::BadKey) => {}
        }
    }
    Err(refusal)
}

/// A `Stripe-Signature` header for `payload`, as Stripe computes it (for
/// tests and the local tooling).
pub fn sign(payload: &str, secret: &str, timestamp: i64) -> String {
    Webhook::generate_test_header(payload, secret, Some(timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(s: &[&str]) -> Vec<SecretString> {
        s.iter()
            .map(|s| SecretString::from(s.to_string()))
            .collect()
    }

    #[test]
    fn accepts_any_configured_secret_and_refuses_the_rest() {
        let body = r#"{"id":"evt_1","object":"event"}"#;
        let now = 1_800_000_000;
        let header = sign(body, "whsec_new", now);
        assert_eq!(
            verify(
                body,
                Some(&header),
                &secrets(&["whsec_old", "whsec_new"]),
                now
            ),
            Ok(())
        );
        assert_eq!(
            verify(body, Some(&header), &secrets(&["whsec_old"]), now),
            Err(Refusal::NoMatch)
        );
        assert_eq!(
            verify(body, Some(&header), &secrets(&["whsec_new"]), now + 301),
            Err(Refusal::Stale)
        );
        assert_eq!(
            verify("{}", Some(&header), &secrets(&["whsec_new"]), now),
            Err(Refusal::NoMatch)
        );
        assert_eq!(
            verify(body, None, &secrets(&["whsec_new"]), now),
            Err(Refusal::Missing)
        );
    }
}
