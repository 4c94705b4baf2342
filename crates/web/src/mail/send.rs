//! Sending what the queue holds: take due mail under a lease, hand each to the SMTP server,
//! record the outcome. A refusal the server calls permanent (5xx: no such mailbox) is not
//! tried again; anything else is, after [`super::backoff`], until the tries run out.

use super::{Sender, backoff};
use duban_store::MailView;
use lettre::AsyncTransport;
use lettre::message::{Mailbox, Message, header::ContentType};
use std::time::Duration;

/// Mails taken at once. Small, so that a lease never outlives the sending of its batch.
const BATCH: u32 = 20;

/// How long a taken mail is ours: longer than a batch takes at the transport's timeout.
const LEASE: Duration = Duration::from_secs(15 * 60);

/// Sends every mail that is due now.
pub(super) async fn due(sender: &Sender) {
    loop {
        let batch = match sender.store.claim_mail(BATCH, LEASE).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "reading the mail queue failed");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        for mail in batch {
            let outcome = match message(&sender.from, &mail) {
                Ok(m) => sender
                    .transport
                    .send(m)
                    .await
                    .map(|_| ())
                    .map_err(|e| (e.is_permanent(), e.to_string())),
                // An address the office typed that no server could take.
                Err(e) => Err((true, e)),
            };
            let recorded = match outcome {
                Ok(()) => sender.store.mail_sent(mail.id).await,
                Err((permanent, error)) => {
                    let retry = (!permanent && mail.attempts < sender.config.max_attempts)
                        .then(|| backoff(&sender.config, mail.attempts));
                    tracing::warn!(mail = mail.id, to = %mail.recipient, %error, ?retry, "mail not sent");
                    sender.store.mail_failed(mail.id, &error, retry).await
                }
            };
            if let Err(e) = recorded {
                tracing::error!(mail = mail.id, error = %e, "recording a mail's outcome failed");
            }
        }
    }
}

/// The mail as the SMTP server gets it: plain text, UTF-8 (the subjects are Chinese; lettre
/// encodes them per RFC 2047).
fn message(from: &Mailbox, mail: &MailView) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("{}: {e}", mail.recipient))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())
}
