//! 催办 mail through a real SMTP server: Python's aiosmtpd, started by each test on a port of
//! its own, writing what it receives into a maildir that the test reads back as a mail client
//! would. `.ci/run` installs aiosmtpd into a venv and names its Python in `DUBAN_TEST_PYTHON`;
//! without aiosmtpd these tests fail, saying so.
//!
//! What is proven: a round opening mails each unit account with an address once, however often
//! the calendar is read; a submission mails the reviewers and a return the unit; the office's
//! 催办 press mails the units that owe; with the server down the mail waits, is retried and
//! arrives once; two instances sending from one queue send each mail once; without SMTP
//! configured nothing is queued and the pages say so.

use crate::common::Backend;
use crate::common::api::{site_on, site_with_mail};
use crate::common::smtpd::{Smtpd, config};
use duban_store::{MailState, UserChange};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// Gives an account an e-mail address, as the accounts page does.
async fn set_email(store: &dyn duban_store::Store, user: &str, email: &str) {
    let id = store.credentials(user).await.unwrap().unwrap().user_id;
    let u = store.user(id).await.unwrap().unwrap();
    store
        .change_user(
            id,
            &UserChange {
                units: u.units,
                leader: u.leader,
                email: Some(email.into()),
            },
            "test",
        )
        .await
        .unwrap();
}

fn to(mails: &[(String, String, String)], address: &str) -> Vec<String> {
    mails
        .iter()
        .filter(|m| m.0.contains(address))
        .map(|m| m.1.clone())
        .collect()
}

on_both!(reminders_reach_units_and_reviewers_once);
async fn reminders_reach_units_and_reviewers_once(backend: Backend) {
    let smtp = Smtpd::start();
    let s = site_with_mail(backend, config(&smtp)).await;
    // 2023Q4 is open (due 2099): once the units have addresses, each hears of it once.
    set_email(s.store.as_ref(), "unit_a", "fgw@test.example").await;
    set_email(s.store.as_ref(), "unit_b", "czj@test.example").await;
    set_email(s.store.as_ref(), "reviewer", "review@test.example").await;
    let got = smtp.wait_for(2).await;
    assert_eq!(to(&got, "fgw@").len(), 1, "{got:#?}");
    assert_eq!(to(&got, "czj@").len(), 1, "{got:#?}");
    let (_, subject, body) = got.iter().find(|m| m.0.contains("fgw@")).unwrap();
    assert!(subject.contains("已开始报送"), "{subject}");
    assert!(
        body.contains("市发展改革委") && body.contains("2099年1月10日"),
        "{body}"
    );
    assert!(body.contains("https://duban.test.example/work"), "{body}");

    // A submission mails the reviewer; a return mails the unit, with the reason.
    let unit_a = s.token("unit_a").await;
    let reviewer = s.token("reviewer").await;
    let id = s.report_id(39, 0).await;
    let (st, r) = s
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{id}"),
            unit_a.as_deref(),
            Some(json!({"progress": "已增加市级储备粮 5 万吨。", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let submit = format!("/api/v1/reports/{id}/submit");
    assert_eq!(
        s.call(Method::POST, &submit, unit_a.as_deref(), None)
            .await
            .0,
        StatusCode::OK
    );
    let got = smtp.wait_for(3).await;
    let review = to(&got, "review@");
    assert_eq!(review.len(), 1, "{got:#?}");
    assert!(review[0].contains("请审核") && review[0].contains("第39项"));
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/reports/{id}/return"),
            reviewer.as_deref(),
            Some(json!({"reason": "请补充与计划的对比"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let got = smtp.wait_for(4).await;
    let back = got
        .iter()
        .find(|m| m.0.contains("fgw@") && m.1.contains("被退回"))
        .unwrap_or_else(|| panic!("{got:#?}"));
    assert!(back.2.contains("请补充与计划的对比"), "{}", back.2);

    // The office presses 催办 for 市财政局: its account gets one more mail, no one else.
    let admin = s.token("admin").await;
    let (st, chased) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/chase",
            admin.as_deref(),
            Some(json!({"unit": "市财政局"})),
        )
        .await;
    assert_eq!(
        (st, chased["queued"].as_u64()),
        (StatusCode::ACCEPTED, Some(1))
    );
    let got = smtp.wait_for(5).await;
    let czj = to(&got, "czj@");
    assert_eq!(czj.len(), 2, "{got:#?}");
    assert!(czj.iter().any(|s| s.starts_with("【催办】")), "{czj:?}");

    // However often the calendar is read, nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.received().len(), 5, "{:#?}", smtp.received());

    // Every mail is listed and audited as sent.
    let (_, listed) = s
        .call(Method::GET, "/api/v1/mail", admin.as_deref(), None)
        .await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|m| m["state"] == "sent"), "{listed:?}");
    let sent = s
        .store
        .audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "mail.sent")
        .count();
    assert_eq!(sent, 5);
    let (_, page) = s
        .call(Method::GET, "/work/mail", admin.as_deref(), None)
        .await;
    let page = page.as_str().unwrap().to_owned();
    assert!(
        page.contains("czj@test.example") && page.contains("已发送"),
        "{page}"
    );
    assert!(!page.contains("未配置邮件服务器"));
    // A unit clerk does not read the office's mail list.
    assert_eq!(
        s.call(Method::GET, "/api/v1/mail", unit_a.as_deref(), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

on_both!(mail_waits_for_a_stopped_server_and_arrives_once);
async fn mail_waits_for_a_stopped_server_and_arrives_once(backend: Backend) {
    let mut smtp = Smtpd::stopped();
    let s = site_with_mail(backend, config(&smtp)).await;
    set_email(s.store.as_ref(), "unit_b", "czj@test.example").await;
    // Tried and failed: still queued, with the error and a later try. A try counts
    // when the mail is leased, before the server is reached, so wait for its error.
    let mut failed = None;
    for _ in 0..100 {
        let mails = s.store.mails(None, 10).await.unwrap();
        if let Some(m) = mails
            .into_iter()
            .find(|m| m.attempts >= 1 && m.last_error.is_some())
        {
            failed = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed = failed.expect("the mail was never tried and refused");
    assert_eq!(failed.state, MailState::Queued);
    assert!(smtp.received().is_empty());

    smtp.restart();
    let got = smtp.wait_for(1).await;
    assert_eq!(got.len(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(smtp.received().len(), 1, "sent once");
    let m = s.store.mails(None, 10).await.unwrap().pop().unwrap();
    assert_eq!(m.state, MailState::Sent);
    assert!(m.attempts >= 2, "{m:?}");
}

on_both!(two_instances_send_each_mail_once);
async fn two_instances_send_each_mail_once(backend: Backend) {
    let smtp = Smtpd::start();
    let s = site_with_mail(backend, config(&smtp)).await;
    let _other = s.site.another_instance(Some(config(&smtp))).await;
    set_email(s.store.as_ref(), "unit_a", "fgw@test.example").await;
    set_email(s.store.as_ref(), "unit_b", "czj@test.example").await;
    let admin = s.token("admin").await;
    // Ten presses: twenty mails, planned and sent by whichever instance gets there first.
    for _ in 0..10 {
        let (st, _) = s
            .call(
                Method::POST,
                "/api/v1/rounds/2023Q4/chase",
                admin.as_deref(),
                Some(json!({})),
            )
            .await;
        assert_eq!(st, StatusCode::ACCEPTED);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // And the round-opened mail of each unit, planned by both instances' calendars.
    smtp.wait_for(22).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = smtp.received();
    assert_eq!(got.len(), 22, "{got:#?}");
    assert_eq!(got.iter().filter(|m| m.1.contains("已开始报送")).count(), 2);
}

on_both!(without_smtp_nothing_is_queued_and_the_pages_say_so);
async fn without_smtp_nothing_is_queued_and_the_pages_say_so(backend: Backend) {
    let s = site_on(backend).await;
    set_email(s.store.as_ref(), "unit_a", "fgw@test.example").await;
    let admin = s.token("admin").await;
    let (st, body) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/chase",
            admin.as_deref(),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(body["error"], "mail_not_configured");
    let (_, page) = s
        .call(Method::GET, "/work/mail", admin.as_deref(), None)
        .await;
    assert!(page.as_str().unwrap().contains("未配置邮件服务器"));
    let (_, page) = s
        .call(
            Method::GET,
            "/work/2023Q4/dashboard",
            admin.as_deref(),
            None,
        )
        .await;
    assert!(page.as_str().unwrap().contains("未配置邮件服务器"));
    assert!(s.store.mails(None, 10).await.unwrap().is_empty());
}
