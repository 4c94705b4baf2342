//! Announced changes: on PostgreSQL every instance hears every publication and ended token;
//! SQLite hears no other process and says so.

use crate::common::*;
use duban_store::Change;
use duban_store::changes::CHANNEL;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

const WAIT: Duration = Duration::from_secs(10);

/// A marker sent straight through PostgreSQL, as if a store had announced it.
async fn probe(db: &Db, n: u32) {
    db.must(&format!(
        r#"SELECT pg_notify('{CHANNEL}', '{{"change":"published","government":"probe","period":"probe-{n}"}}')"#
    ))
    .await;
}

fn probe_number(change: &Change) -> Option<u32> {
    match change {
        Change::Published { period, .. } => period.strip_prefix("probe-")?.parse().ok(),
        _ => None,
    }
}

/// Waits until every receiver's store is listening: a store starts listening in the
/// background after it opens, and what is announced before that is not heard.
async fn until_listening(db: &Db, receivers: &mut [&mut Receiver<Change>]) {
    let start = tokio::time::Instant::now();
    let mut ready = vec![false; receivers.len()];
    let mut n = 0;
    while !ready.iter().all(|r| *r) {
        assert!(start.elapsed() < WAIT, "the stores never heard a NOTIFY");
        n += 1;
        probe(db, n).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        for (rx, ready) in receivers.iter_mut().zip(&mut ready) {
            while let Ok(change) = rx.try_recv() {
                *ready |= probe_number(&change).is_some();
            }
        }
    }
}

/// The next real announcement.
async fn next(rx: &mut Receiver<Change>) -> Change {
    loop {
        let change = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("nothing was announced within 10 s")
            .unwrap();
        if probe_number(&change).is_none() {
            return change;
        }
    }
}

/// Checks that nothing was announced since the last real announcement: a marker sent now is
/// the next thing heard.
async fn nothing_announced(db: &Db, rx: &mut Receiver<Change>) {
    const LAST: u32 = 1_000_000;
    probe(db, LAST).await;
    loop {
        let change = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("the marker was not heard within 10 s")
            .unwrap();
        match probe_number(&change) {
            Some(LAST) => return,
            Some(_) => {}
            None => panic!("announced {change:?} for a change that did not happen"),
        }
    }
}

contract!(
    /// PostgreSQL announces publications and ended tokens to every instance, the one that made
    /// them too, and only what committed; SQLite does not hear other processes and says so.
    changes_reach_every_instance,
    |store, db| async move {
        let other = db.reopen().await;
        match db.backend() {
            Backend::Sqlite => {
                assert!(!store.announces_every_change());
                assert!(!other.announces_every_change());
                let mut rx = store.changes();
                other.import_table(&heze(), "another process").await.unwrap();
                assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
            }
            Backend::Postgres => {
                assert!(store.announces_every_change());
                let mut heard = other.changes();
                let mut own = store.changes();
                until_listening(&db, &mut [&mut heard, &mut own]).await;

                // An import that publishes (a round from elsewhere, or a correction).
                // Its government is new: registering it is announced first.
                store.import_table(&heze(), "test").await.unwrap();
                assert_eq!(next(&mut heard).await, Change::Government);
                assert_eq!(next(&mut own).await, Change::Government);
                let q3 = Change::Published {
                    government: GOV.into(),
                    period: "2023Q3".into(),
                };
                assert_eq!(next(&mut heard).await, q3);
                assert_eq!(next(&mut own).await, q3);

                // A round collected and published.
                let q4 = period("2023Q4");
                store
                    .open_round(GOV, q4, date("2099-01-10"), "user:office")
                    .await
                    .unwrap();
                let reports = store.reports(GOV, q4).await.unwrap();
                accept(&*store, &reports[0], "四季度进展").await;
                store.publish(GOV, q4, "user:office").await.unwrap();
                let q4_published = Change::Published {
                    government: GOV.into(),
                    period: "2023Q4".into(),
                };
                assert_eq!(next(&mut heard).await, q4_published);
                assert_eq!(next(&mut own).await, q4_published);

                // A logout, and a new password.
                let user = store
                    .add_user(&new_user("a", Role::Reviewer, &[], None), "cli")
                    .await
                    .unwrap();
                let t = token("session");
                store
                    .create_token(user, &t, TokenKind::Session, Duration::from_secs(3600))
                    .await
                    .unwrap();
                store.delete_token(&t).await.unwrap();
                assert_eq!(
                    next(&mut heard).await,
                    Change::TokenEnded { token_sha256: t }
                );
                store
                    .set_password(user, "$argon2id$new", "user:office")
                    .await
                    .unwrap();
                assert_eq!(
                    next(&mut heard).await,
                    Change::UserTokensEnded { user_id: user }
                );

                // What failed is not announced.
                assert_not_found(store.publish(GOV, period("2023Q1"), "user:office").await);
                nothing_announced(&db, &mut heard).await;
            }
        }
        other.close().await;
    }
);
