//! 催办 by e-mail: reminders that reach people.
//!
//! Mail goes through the SMTP server the office configures (`duban serve --smtp URL`). Nothing
//! is sent from a request: a request (a report returned, a report submitted, the office pressing
//! 催办) queues mail in the database, and a background task of every instance ([`MailService`])
//! plans the reminders that follow from the calendar ([`plan`]: a round opened, three days
//! before its due date, overdue) and sends what is due ([`send`]). The queue is the store's
//! (`duban_store::Mail`): it survives a restart, a failed try is retried with backoff, each
//! reminder has a key so it is queued once however many instances plan it, and a lease keeps
//! two instances from sending the same mail.
//!
//! Without `--smtp` there is no service: nothing is queued or sent, and the office's pages say so.

pub(crate) mod plan;
mod send;

use duban_store::Store;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How an instance sends mail.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://HOST:PORT` (STARTTLS when the server offers it, `?tls=required` to insist),
    /// `smtps://HOST:PORT` (TLS from the start); user and password in the URL when the server
    /// wants them.
    pub smtp: String,
    /// The sender, e.g. `督办系统 <duban@gov.example>`.
    pub from: String,
    /// The site's address as people reach it (`https://duban.example.gov.cn`), for the links in
    /// mail; without it the mail names the page without a link.
    pub public_url: Option<String>,
    /// How often the calendar is read and due mail looked for (and the longest a queued mail
    /// waits when no request wakes the sender).
    pub every: Duration,
    /// The wait before the second try; each later try waits twice as long, up to an hour.
    pub retry_after: Duration,
    /// Tries before a mail is given up as failed.
    pub max_attempts: u32,
}

impl MailConfig {
    /// A configuration with the defaults: the calendar read every minute, retries after 1, 2,
    /// 4 … minutes, ten tries.
    pub fn new(smtp: &str, from: &str) -> MailConfig {
        MailConfig {
            smtp: smtp.to_owned(),
            from: from.to_owned(),
            public_url: None,
            every: Duration::from_secs(60),
            retry_after: Duration::from_secs(60),
            max_attempts: 10,
        }
    }
}

/// The wait before try `attempts + 1`, after `attempts` failed: doubling, at most an hour.
pub(crate) fn backoff(config: &MailConfig, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    config
        .retry_after
        .saturating_mul(factor)
        .min(Duration::from_secs(3600))
}

/// An instance's sender, running while the [`crate::AppState`] that holds it lives.
#[derive(Debug)]
pub struct MailService {
    pub(crate) config: MailConfig,
    /// Wakes the background task at once (after a request queued mail).
    wake: Arc<tokio::sync::Notify>,
    _task: AbortOnDrop,
}

#[derive(Debug)]
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the background task needs; it holds no [`crate::AppState`], so that dropping the
/// state stops it.
pub(crate) struct Sender {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: MailConfig,
    pub(crate) transport: AsyncSmtpTransport<Tokio1Executor>,
    pub(crate) from: Mailbox,
}

impl MailService {
    /// Checks the configuration and starts the background task (inside a tokio runtime). A bad
    /// URL or sender address is refused here, at start-up, not at the first mail.
    pub fn start(store: Arc<dyn Store>, config: MailConfig) -> Result<MailService, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp)
            .map_err(|e| format!("--smtp {}: {e}", config.smtp))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("--mail-from {}: {e}", config.from))?;
        let wake = Arc::new(tokio::sync::Notify::new());
        let sender = Sender {
            store,
            config: config.clone(),
            transport,
            from,
        };
        let task = tokio::spawn(run(sender, Arc::clone(&wake))).abort_handle();
        Ok(MailService {
            config,
            wake,
            _task: AbortOnDrop(task),
        })
    }

    /// Has the background task look at the queue now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Plans and sends, every `every` or when woken, until aborted.
async fn run(sender: Sender, wake: Arc<tokio::sync::Notify>) {
    loop {
        if let Err(e) = plan::calendar(&sender).await {
            tracing::warn!(error = %e, "planning reminders failed; trying again later");
        }
        send::due(&sender).await;
        // A wake-up during the work above is kept by Notify and ends this wait at once.
        let _ = tokio::time::timeout(sender.config.every, wake.notified()).await;
    }
}

/// Queues mail a request caused (nothing without a mail service) and wakes the sender. The
/// request has done its work by now: a queue that cannot be written is logged, not the
/// request's failure.
pub(crate) async fn queue(state: &crate::AppState, mails: Vec<duban_store::NewMail>) -> u64 {
    let Some(service) = &state.mail else {
        return 0;
    };
    match state.store.enqueue_mail(&mails).await {
        Ok(n) => {
            service.wake();
            n
        }
        Err(e) => {
            tracing::error!(error = %e, "queueing mail failed");
            0
        }
    }
}

/// After a report changed state: a return is mailed to its unit, a submission to the
/// reviewers.
pub(crate) async fn report_changed(state: &crate::AppState, report: &duban_store::ReportView) {
    let Some(service) = &state.mail else { return };
    let users = match state.store.users(Some(&report.government)).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "reading accounts for mail failed");
            return;
        }
    };
    let mails = match report.state {
        duban_core::ReportState::Returned => plan::returned(&service.config, report, &users),
        duban_core::ReportState::Submitted => plan::submitted(&service.config, report, &users),
        _ => return,
    };
    queue(state, mails).await;
}

/// After a round opened: the calendar's mail goes out now, not at the next reading.
pub(crate) fn round_opened(state: &crate::AppState) {
    if let Some(service) = &state.mail {
        service.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let c = MailConfig::new("smtp://localhost:25", "duban@localhost");
        assert_eq!(backoff(&c, 1), Duration::from_secs(60));
        assert_eq!(backoff(&c, 2), Duration::from_secs(120));
        assert_eq!(backoff(&c, 4), Duration::from_secs(480));
        assert_eq!(backoff(&c, 9), Duration::from_secs(3600));
        assert_eq!(backoff(&c, 40), Duration::from_secs(3600));
    }
}
