//! Outgoing email: SMTP when `TRACKR_SMTP_URL` is set, otherwise `.eml`
//! files in `<data dir>/outbox/`.

use lettre::{
    message::header::ContentType, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message,
    Tokio1Executor,
};
use secrecy::ExposeSecret;
use trackr_config::Settings;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address")]
    Address,
    #[error("could not build the message: {0}")]
    Build(String),
    #[error("could not send: {0}")]
    Send(String),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        match &settings.smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                .map(|b| Mailer::Smtp(b.build()))
                // The URL may carry a password: never echo it.
                .map_err(|_| "TRACKR_SMTP_URL could not be used".to_owned()),
            None => {
                let dir = settings.outbox_dir();
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Outbox(AsyncFileTransport::new(dir)))
            }
        }
    }

    pub async fn send(
        &self,
        from: &str,
        to: &str,
        subject: &str,
        body: String,
    ) -> Result<(), MailError> {
        let message = Message::builder()
            .from(from.parse().map_err(|_| MailError::Address)?)
            .to(to.parse().map_err(|_| MailError::Address)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.send_message(message).await
    }

    /// Sends a message built elsewhere (multipart, extra headers).
    pub async fn send_message(&self, message: Message) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
            Mailer::Outbox(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
        }
    }
}

/// How an email asks its reader to use a single-use token: a link to the
/// web app's page for it (the token in the fragment, which browsers send
/// to no server and no `Referer`), and for API clients the one GraphQL
/// mutation that spends it, ready to send.
pub fn token_instructions(public_url: &str, token: &str, page: &str, mutation: &str) -> String {
    instructions(public_url, token, page, mutation, false)
}

/// Like `token_instructions`, for a mutation that also needs the reader's
/// session (accepting an invitation: logged in as the invited address).
pub fn session_token_instructions(
    public_url: &str,
    token: &str,
    page: &str,
    mutation: &str,
) -> String {
    instructions(public_url, token, page, mutation, true)
}

fn instructions(
    public_url: &str,
    token: &str,
    page: &str,
    mutation: &str,
    session: bool,
) -> String {
    let base = public_url.trim_end_matches('/');
    let query = mutation.replace("TOKEN", token);
    let body = serde_json::json!({ "query": query }).to_string();
    let (auth, note) = if session {
        (
            " -H 'authorization: Bearer <your session token>'",
            ", logged in (your session token is what signUp or logIn answered)",
        )
    } else {
        ("", "")
    };
    format!(
        "token: {token}\n\nOpen this link:\n\n    {base}/{page}#token={token}\n\nOr send the token to TrackR's API ({base}/graphql){note} with this mutation:\n\n    {query}\n\nfor example with curl:\n\n    curl -s {base}/graphql -H 'content-type: application/json'{auth} -d '{body}'\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn instructions_carry_the_token_and_a_mutation_ready_to_send() {
        let text = super::token_instructions(
            "https://t.example/",
            "abc123",
            "verify-email",
            "mutation { verifyEmail(token: \"TOKEN\") }",
        );
        assert!(text.starts_with("token: abc123\n"), "{text}");
        assert!(
            text.contains("https://t.example/verify-email#token=abc123\n"),
            "{text}"
        );
        assert!(text.contains("mutation { verifyEmail(token: \"abc123\") }"));
        assert!(text.contains(
            r#"curl -s https://t.example/graphql -H 'content-type: application/json' -d '{"query":"mutation { verifyEmail(token: \"abc123\") }"}'"#
        ));
        assert!(!text.contains("authorization"));
        let invitation = super::session_token_instructions(
            "https://t.example",
            "inv",
            "invitations/accept",
            "mutation { acceptInvitation(token: \"TOKEN\") { id } }",
        );
        assert!(
            invitation.contains("-H 'authorization: Bearer <your session token>'"),
            "{invitation}"
        );
    }
}
