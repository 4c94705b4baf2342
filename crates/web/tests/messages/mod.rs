//! 群众监督 over HTTP, the whole cycle: a citizen writes; nothing shows until the office
//! publishes it with a reply; a rejected one never shows; the target's unit reads it in the work
//! pages and cannot decide it; the contact never reaches a public page, feed or JSON; one address
//! is limited; a robot filling the honeypot is told "received" and nothing is kept.

use crate::common::Backend;
use crate::common::api::site_on;
use reqwest::{Method, StatusCode};
use serde_json::json;

const CONTACT: &str = "13800001111";

on_both!(a_message_waits_for_the_office_and_shows_with_its_reply);
async fn a_message_waits_for_the_office_and_shows_with_its_reply(backend: Backend) {
    let s = site_on(backend).await;
    let (reviewer, unit_a, unit_b) = (
        s.token("reviewer").await,
        s.token("unit_a").await,
        s.token("unit_b").await,
    );
    let thread = "/api/v1/targets/2023/39/messages";
    let (st, held) = s
        .call(
            Method::POST,
            thread,
            None,
            Some(json!({"body": "储备粮增加进度偏慢<script>alert(1)</script> http://example.com", "name": "王先生", "contact": CONTACT})),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{held}");
    assert_eq!(held["state"], "pending");
    let id = held["id"].as_i64().unwrap();

    // Hidden until decided.
    let (_, public) = s.call(Method::GET, thread, None, None).await;
    assert_eq!(public, json!([]));
    assert!(
        !s.text("/targets/2023/39")
            .await
            .contains("储备粮增加进度偏慢")
    );

    // 市发展改革委 (unit_a) leads target 39: it reads the message, without the contact, and
    // cannot decide it; unit_b is not on 39 and does not see it.
    let (_, page) = s
        .call(Method::GET, "/work/messages", unit_a.as_deref(), None)
        .await;
    let page = page.as_str().unwrap_or_default().to_owned();
    assert!(page.contains("储备粮增加进度偏慢"), "{page}");
    assert!(
        !page.contains(CONTACT) && !page.contains("value=\"publish\""),
        "{page}"
    );
    let (_, page) = s
        .call(Method::GET, "/work/messages", unit_b.as_deref(), None)
        .await;
    assert!(
        !page
            .as_str()
            .unwrap_or_default()
            .contains("储备粮增加进度偏慢")
    );
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{id}/publish"),
            unit_a.as_deref(),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The office sees it with the contact, and publishes it with a reply.
    let (st, queue) = s
        .call(Method::GET, "/api/v1/messages", reviewer.as_deref(), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(queue[0]["id"], id);
    assert_eq!(queue[0]["contact"], CONTACT);
    let (st, m) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{id}/publish"),
            reviewer.as_deref(),
            Some(json!({"reply": "已转市发展改革委，四季度完成轮换。"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["state"], "published");
    // Decided once.
    let (st, e) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{id}/reject"),
            reviewer.as_deref(),
            Some(json!({"note": "x"})),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("not_pending"))
    );

    // Public now, with the reply; as text, and without the contact.
    let (_, public) = s.call(Method::GET, thread, None, None).await;
    assert_eq!(public.as_array().unwrap().len(), 1);
    assert_eq!(public[0]["reply"], "已转市发展改革委，四季度完成轮换。");
    assert_eq!(public[0]["name"], "王先生");
    assert!(public[0].get("contact").is_none(), "{public}");
    let page = s.text("/targets/2023/39").await;
    assert!(
        page.contains("储备粮增加进度偏慢&#60;script&#62;")
            || page.contains("储备粮增加进度偏慢&lt;script&gt;"),
        "{page}"
    );
    assert!(
        !page.contains("<script>alert") && !page.contains("href=\"http://example.com"),
        "{page}"
    );
    assert!(
        page.contains("已转市发展改革委，四季度完成轮换。"),
        "{page}"
    );
    assert!(!page.contains(CONTACT));

    // A rejected one never shows; its reason stays with the office.
    let (_, other) = s
        .call(
            Method::POST,
            thread,
            None,
            Some(json!({"body": "广告：低价出售", "contact": CONTACT})),
        )
        .await;
    let other = other["id"].as_i64().unwrap();
    let (st, e) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{other}/reject"),
            reviewer.as_deref(),
            Some(json!({"note": " "})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection says why: {e}"
    );
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{other}/reject"),
            reviewer.as_deref(),
            Some(json!({"note": "广告"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, public) = s.call(Method::GET, thread, None, None).await;
    assert_eq!(public.as_array().unwrap().len(), 1);
    for path in [
        "/targets/2023/39",
        "/api/v1/targets/2023/39/messages",
        "/feeds/targets/2023/39.atom",
        "/tables/2023Q3",
    ] {
        let text = s.text(path).await;
        assert!(
            !text.contains("低价出售") && !text.contains(CONTACT),
            "{path}"
        );
    }

    // An unknown action on the work page is refused and changes nothing.
    let (_, third) = s
        .call(Method::POST, thread, None, Some(json!({"body": "第三条"})))
        .await;
    let third = third["id"].as_i64().unwrap();
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/work/messages/{third}"),
            reviewer.as_deref(),
            Some(json!({"action": "delete"})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (_, queue) = s
        .call(
            Method::GET,
            "/api/v1/messages?state=pending",
            reviewer.as_deref(),
            None,
        )
        .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);

    // No such target.
    let (st, _) = s
        .call(
            Method::POST,
            "/api/v1/targets/2023/999/messages",
            None,
            Some(json!({"body": "x"})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Every decision is in the audit log; the contact is not.
    let audit = s.store.audit(100).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
    for a in ["message.create", "message.publish", "message.reject"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
    assert!(!format!("{audit:?}").contains(CONTACT));
}

on_both!(the_form_keeps_text_limits_an_address_and_catches_robots);
async fn the_form_keeps_text_limits_an_address_and_catches_robots(backend: Backend) {
    let s = site_on(backend).await;
    let reviewer = s.token("reviewer").await;
    let form = "/targets/2023/39/messages";
    let pending = || async {
        let (_, q) = s
            .call(Method::GET, "/api/v1/messages", reviewer.as_deref(), None)
            .await;
        q.as_array().unwrap().len()
    };
    // The target page carries the form.
    let page = s.text("/targets/2023/39").await;
    assert!(page.contains(&format!("action=\"{form}\"")), "{page}");

    // Nothing written: refused on the same page, the name kept.
    let (st, page) = s
        .call(
            Method::POST,
            form,
            None,
            Some(json!({"body": "  ", "name": "李女士"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let page = page.as_str().unwrap_or_default().to_owned();
    assert!(
        page.contains("value=\"李女士\"") && page.contains("role=\"alert\""),
        "{page}"
    );
    // A robot fills the honeypot: told it was received; nothing kept.
    let (st, page) = s
        .call(
            Method::POST,
            form,
            None,
            Some(json!({"body": "buy now", "website": "http://spam"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.as_str().unwrap_or_default().contains("留言已收到"));
    assert_eq!(pending().await, 0);

    // Five an hour from one address, then 429, on the page (text kept) and in the API.
    for i in 0..5 {
        let (st, _) = s
            .call(
                Method::POST,
                form,
                None,
                Some(json!({"body": format!("第{i}条")})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "message {i}");
    }
    assert_eq!(pending().await, 5);
    let (st, page) = s
        .call(Method::POST, form, None, Some(json!({"body": "第六条"})))
        .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.as_str()
            .unwrap_or_default()
            .contains(">第六条</textarea>")
    );
    let (st, e) = s
        .call(
            Method::POST,
            "/api/v1/targets/2023/39/messages",
            None,
            Some(json!({"body": "第七条"})),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_messages"))
    );
    assert_eq!(pending().await, 5);
}
