//! The outgoing mail queue: a key is queued once, a taken mail is leased (no second taker
//! until the lease ends), a failure is retried or given up, and what was sent or given up is
//! audited. Two stores on one database (two instances) never take the same mail.

use crate::common::*;
use duban_store::{MailState, NewMail};
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(600);

fn mail(key: &str, to: &str) -> NewMail {
    NewMail {
        key: key.into(),
        government: Some(GOV.into()),
        kind: "chase".into(),
        recipient: to.into(),
        subject: "【催办】请报送".into(),
        body: "市财政局：请报送。".into(),
    }
}

contract!(
    /// Queued once per key; taken once per lease; retried after a failure; sent once, audited.
    mail_is_queued_once_and_sent_once,
    |store, _db| async move {
        let added = store
            .enqueue_mail(&[mail("chase:1", "a@example.cn"), mail("chase:1", "a@example.cn")])
            .await
            .unwrap();
        assert_eq!(added, 1);
        assert_eq!(store.enqueue_mail(&[mail("chase:1", "a@example.cn")]).await.unwrap(), 0);
        assert_eq!(store.enqueue_mail(&[]).await.unwrap(), 0);

        let taken = store.claim_mail(10, LEASE).await.unwrap();
        assert_eq!(taken.len(), 1);
        let m = &taken[0];
        assert_eq!((m.state, m.attempts), (MailState::Queued, 1));
        assert_eq!(m.recipient, "a@example.cn");
        // Leased: nobody else gets it meanwhile.
        assert!(store.claim_mail(10, LEASE).await.unwrap().is_empty());

        // A failure with a retry: due again at once here, counted as the second try.
        store.mail_failed(m.id, "451 try later", Some(Duration::ZERO)).await.unwrap();
        let again = store.claim_mail(10, LEASE).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        assert_eq!(again[0].last_error.as_deref(), Some("451 try later"));
        // A failure whose retry is later is not due.
        store.mail_failed(m.id, "451 try later", Some(Duration::from_secs(3600))).await.unwrap();
        assert!(store.claim_mail(10, LEASE).await.unwrap().is_empty());

        // Sent: listed as such, audited, never taken again, and only once.
        store.mail_sent(m.id).await.unwrap();
        assert_not_found(store.mail_sent(m.id).await);
        let listed = store.mails(Some(GOV), 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].state, MailState::Sent);
        assert!(listed[0].sent_at.is_some());
        assert!(store.mails(Some("郓城县人民政府"), 10).await.unwrap().is_empty());
        assert_eq!(store.mails(None, 10).await.unwrap().len(), 1);
        let log = store.audit(10).await.unwrap();
        assert!(
            log.iter().any(|r| r.action == "mail.sent"
                && r.subject == format!("mail:{}", m.id)
                && r.after.as_ref().unwrap()["to"] == "a@example.cn"),
            "{log:?}"
        );

        // Given up: failed, with its error, audited.
        store.enqueue_mail(&[mail("chase:2", "b@example.cn")]).await.unwrap();
        let b = store.claim_mail(10, LEASE).await.unwrap().pop().unwrap();
        store.mail_failed(b.id, "550 no such mailbox", None).await.unwrap();
        assert!(store.claim_mail(10, LEASE).await.unwrap().is_empty());
        let b = store.mails(None, 10).await.unwrap().into_iter().find(|x| x.id == b.id).unwrap();
        assert_eq!(b.state, MailState::Failed);
        assert_eq!(b.last_error.as_deref(), Some("550 no such mailbox"));
        assert!(store.audit(10).await.unwrap().iter().any(|r| r.action == "mail.failed"));
    }
);

contract!(
    /// A lease that ran out (its taker died) lets the mail be taken again.
    an_expired_lease_is_taken_again,
    |store, _db| async move {
        store.enqueue_mail(&[mail("opened:1", "a@example.cn")]).await.unwrap();
        assert_eq!(store.claim_mail(10, Duration::ZERO).await.unwrap().len(), 1);
        let again = store.claim_mail(10, LEASE).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
    }
);

contract!(
    /// Two instances taking mail at the same time between them take each mail once.
    two_instances_take_each_mail_once,
    |store, db| async move {
        let other = db.reopen().await;
        let mails: Vec<NewMail> = (0..60)
            .map(|i| mail(&format!("chase:{i}"), &format!("u{i}@example.cn")))
            .collect();
        store.enqueue_mail(&mails).await.unwrap();
        let take = |s: std::sync::Arc<dyn Store>| async move {
            let mut ids = Vec::new();
            loop {
                let batch = s.claim_mail(7, LEASE).await.unwrap();
                if batch.is_empty() {
                    return ids;
                }
                ids.extend(batch.iter().map(|m| m.id));
            }
        };
        let (a, b) = tokio::join!(take(store.clone()), take(other));
        let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 60);
        assert_eq!(a.len() + b.len(), 60, "a mail was taken twice");
    }
);
