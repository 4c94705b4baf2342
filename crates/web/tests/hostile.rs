//! What a hostile tester sends, kept as tests: every text field × every awkward value is saved
//! exactly or refused as documented, the published round still renders in every format, every
//! `/api` refusal is the JSON error, bodies are bounded per route, unknown form choices change
//! nothing, and every page carries the security headers.

mod common;

use common::api::{Site, site};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The awkward values, each with a name for the failure message. The last is over every cap.
fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("emoji", "进度正常😀，完成8.6万吨".into()),
        ("zwsp", "市财\u{200b}政局配合推进".into()),
        ("rlo", "已完成\u{202e}成完未".into()),
        ("bom", "\u{feff}前三季度完成".into()),
        ("nonchar", "完成\u{fffe}情况".into()),
        ("cjk_ext_b", "𠀀𠀁村道路硬化完成".into()),
        ("nul", "完成\u{0}情况".into()),
        ("script", "<script>alert(1)</script>完成".into()),
        (
            "formula",
            "=HYPERLINK(\"http://example.invalid\",\"点击\")".into(),
        ),
    ]
}

/// 2023Q4 reports led by the site's two unit accounts, with a deadline that can be extended.
async fn extendable(s: &Site, token: &str, unit: &str) -> Vec<Value> {
    let (_, all) = s
        .call(
            Method::GET,
            "/api/v1/rounds/2023Q4/reports",
            Some(token),
            None,
        )
        .await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["units"][0] == unit && r["deadline"] != "长期坚持")
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_text_field_takes_every_awkward_value_and_every_export_still_renders() {
    let s = site().await;
    let unit_a = s.token("unit_a").await.unwrap();
    let unit_b = s.token("unit_b").await.unwrap();
    let reviewer = s.token("reviewer").await.unwrap();
    let admin = s.token("admin").await.unwrap();
    let mut reports: Vec<(Value, &str)> = Vec::new();
    for (token, unit) in [(&unit_a, "市发展改革委"), (&unit_b, "市财政局")] {
        for r in extendable(&s, token, unit).await {
            reports.push((r, token.as_str()));
        }
    }
    let values = hostile();
    assert!(
        reports.len() >= values.len(),
        "only {} extendable reports",
        reports.len()
    );

    for ((name, text), (report, unit)) in values.iter().zip(&reports) {
        let path = format!("/api/v1/reports/{}", report["id"]);
        // One step of the cycle: it must answer `want`, and keep `text` in `field` if named.
        let step = |method: Method, call: String, token: &str, body: Option<Value>, want, field| {
            let s = &s;
            let token = token.to_owned();
            async move {
                let (st, r) = s.call(method, &call, Some(&token), body).await;
                assert_eq!(st, want, "{name} {call}: {r}");
                if let Some(field) = field {
                    assert_eq!(r[field], *text, "{name} {call}: {field} is kept exactly");
                }
                r
            }
        };
        let body = |key: &str| Some(json!({ key: text }));
        let progress = Some(json!({"progress": text, "on_schedule": true}));
        step(
            Method::PUT,
            path.clone(),
            unit,
            progress,
            StatusCode::OK,
            Some("progress"),
        )
        .await;
        let submit = format!("{path}/submit");
        step(
            Method::POST,
            submit.clone(),
            unit,
            None,
            StatusCode::OK,
            None,
        )
        .await;
        let ret = format!("{path}/return");
        step(
            Method::POST,
            ret,
            &reviewer,
            body("reason"),
            StatusCode::OK,
            Some("return_reason"),
        )
        .await;
        step(Method::POST, submit, unit, None, StatusCode::OK, None).await;
        let comment = format!("{path}/comments");
        step(
            Method::POST,
            comment,
            &admin,
            body("body"),
            StatusCode::CREATED,
            Some("body"),
        )
        .await;
        let ask = Some(json!({"deadline": "2099-12-31", "reason": text}));
        let extend = format!("{path}/extensions");
        let x = step(
            Method::POST,
            extend,
            unit,
            ask,
            StatusCode::CREATED,
            Some("reason"),
        )
        .await;
        let approve = format!("/api/v1/extensions/{}/approve", x["id"]);
        step(
            Method::POST,
            approve,
            &admin,
            body("note"),
            StatusCode::OK,
            Some("note"),
        )
        .await;
        let accept = format!("{path}/accept");
        step(Method::POST, accept, &reviewer, None, StatusCode::OK, None).await;
    }

    // Over-long text is refused with the field's name, and nothing changes.
    let (report, unit) = &reports[values.len()];
    let id = report["id"].as_i64().unwrap();
    let path = format!("/api/v1/reports/{id}");
    let long = |n: usize| "长".repeat(n + 1);
    for (method, call, token, body, field) in [
        (
            Method::PUT,
            path.clone(),
            *unit,
            json!({"progress": long(10_000)}),
            "progress",
        ),
        (
            Method::POST,
            format!("{path}/comments"),
            admin.as_str(),
            json!({"body": long(2_000)}),
            "body",
        ),
        (
            Method::POST,
            format!("{path}/extensions"),
            *unit,
            json!({"deadline": "2099-12-31", "reason": long(1_000)}),
            "reason",
        ),
        (
            Method::POST,
            format!("{path}/return"),
            reviewer.as_str(),
            json!({"reason": long(1_000)}),
            "reason",
        ),
        (
            Method::POST,
            "/api/v1/login".to_owned(),
            "",
            json!({"username": "admin", "password": long(256)}),
            "password",
        ),
    ] {
        let (st, e) = s.call(method, &call, Some(token), Some(body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{call}: {e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(field) && message.contains("at most"),
            "{call}: {message}"
        );
    }
    let (_, after) = s
        .call(Method::GET, &format!("{path}/comments"), Some(&admin), None)
        .await;
    assert_eq!(after, json!([]), "no comment was half-written");
    let extensions = s.store.extensions(None).await.unwrap();
    assert_eq!(
        extensions.len(),
        values.len(),
        "no extension was half-written"
    );

    // Publish, and every form of the round renders.
    let (st, p) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            Some(&admin),
            Some(json!({"confirm": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");

    let (st, table) = s
        .call(Method::GET, "/api/v1/tables/2023Q4", None, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let progress: Vec<&str> = table["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["entries"].as_array().unwrap())
        .filter_map(|e| e["progress"].as_str())
        .collect();
    for (name, text) in &values {
        assert!(
            progress.contains(&text.as_str()),
            "{name}: the JSON keeps the text exactly"
        );
    }

    let page = s
        .http
        .get(format!("{}/tables/2023Q4", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "escaped");
    assert!(html.contains("&#60;script&#62;alert(1)"), "shown as text");
    assert!(html.contains("😀") && html.contains("𠀀𠀁"), "kept");
    for hidden in ['\u{202e}', '\u{200b}', '\u{feff}', '\u{fffe}', '\u{0}'] {
        assert!(!html.contains(hidden), "{hidden:?} is shown, not hidden");
    }
    assert!(
        html.contains("已完成[U+202E]成完未"),
        "in the order it was typed"
    );
    for path in ["/targets/2023/1", "/search?q=完成情况"] {
        let r = s
            .http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(!r.text().await.unwrap().contains('\u{202e}'), "{path}");
    }

    for (format, magic) in [
        ("pdf", &b"%PDF"[..]),
        ("xlsx", &b"PK"[..]),
        ("csv", "\u{feff}".as_bytes()),
        ("json", &b"{"[..]),
    ] {
        let r = s
            .http
            .get(format!("{}/downloads/2023Q4/{format}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{format}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(magic), "{format}");
        if format == "csv" {
            let csv = String::from_utf8(bytes.to_vec()).unwrap();
            assert!(csv.contains("'=HYPERLINK("), "the formula is neutralised");
            assert!(!csv.contains(",=HYPERLINK("));
        }
    }
}

#[tokio::test]
async fn every_api_refusal_is_the_json_error() {
    use StatusCode as S;
    let s = site().await;
    let admin = s.token("admin").await.unwrap();
    let url = |p: &str| format!("{}{p}", s.base);
    let save = |id: &str| {
        s.http
            .put(url(&format!("/api/v1/reports/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"progress": "x"}))
    };
    let login = || s.http.post(url("/api/v1/login"));
    let cases = [
        // Ids that are not numbers in range.
        (
            "id 2^63",
            save("9223372036854775808"),
            S::UNPROCESSABLE_ENTITY,
            "invalid_path",
        ),
        (
            "id 1e3",
            save("1e3"),
            S::UNPROCESSABLE_ENTITY,
            "invalid_path",
        ),
        (
            "id abc",
            save("abc"),
            S::UNPROCESSABLE_ENTITY,
            "invalid_path",
        ),
        // A query parameter of the wrong type.
        (
            "limit",
            s.http.get(url("/api/v1/search?q=粮&limit=many")),
            S::UNPROCESSABLE_ENTITY,
            "invalid_query",
        ),
        // A cross-site post, as a browser on another site would send it.
        (
            "csrf",
            login()
                .header("sec-fetch-site", "cross-site")
                .header("origin", "http://evil.example.invalid")
                .json(&json!({"username": "admin", "password": "x"})),
            S::FORBIDDEN,
            "cross_site_request",
        ),
        // Too large for the route: a login is a few bytes, not a megabyte.
        (
            "413",
            login()
                .header("content-type", "application/json")
                .body(vec![b' '; 1024 * 1024]),
            S::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        // A method the route does not take, and a path that does not exist.
        (
            "405",
            s.http.delete(url("/api/v1/periods")),
            S::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "404",
            s.http.get(url("/api/v1/nothing-here")),
            S::NOT_FOUND,
            "not_found",
        ),
    ];
    for (what, request, status, code) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), status, "{what}");
        assert_eq!(r.headers()["content-type"], "application/json", "{what}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], code, "{what}: {e}");
        assert!(e["message"].is_string(), "{what}: {e}");
    }
}

#[tokio::test]
async fn an_unknown_form_choice_is_refused_and_changes_nothing() {
    let s = site().await;
    let unit = s.token("unit_a").await.unwrap();
    let reviewer = s.token("reviewer").await.unwrap();
    let admin = s.token("admin").await.unwrap();
    let id = s.report_id(39, 0).await;
    let api = format!("/api/v1/reports/{id}");
    let (st, _) = s
        .call(
            Method::PUT,
            &api,
            Some(&unit),
            Some(json!({"progress": "全年增加储备粮", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .call(Method::POST, &format!("{api}/submit"), Some(&unit), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, x) = s
        .call(
            Method::POST,
            &format!("{api}/extensions"),
            Some(&unit),
            Some(json!({"deadline": "2099-06-30", "reason": "等待指标"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{x}");
    let audit_before = s.store.audit(10_000).await.unwrap().len();

    for (token, path, form) in [
        (
            &reviewer,
            format!("/work/reports/{id}/review"),
            json!({"action": "retrun", "reason": "typo"}),
        ),
        (
            &reviewer,
            format!("/work/reports/{id}/review"),
            json!({"action": ""}),
        ),
        (
            &admin,
            format!("/work/extensions/{}/decide", x["id"]),
            json!({"action": "rejekt", "note": "typo"}),
        ),
        (
            &unit,
            format!("/work/reports/{id}"),
            json!({"action": "publish", "progress": "x"}),
        ),
        (
            &unit,
            format!("/work/reports/{id}"),
            json!({"action": "save", "progress": "x", "on_schedule": "maybe"}),
        ),
    ] {
        let (st, page) = s
            .call(Method::POST, &path, Some(token), Some(form.clone()))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{path} {form}: {page}");
        assert!(
            page.as_str().unwrap().contains("“"),
            "the page names the choice: {page}"
        );
    }
    // A page refusal says what it is: a unit may not review, and that is not a bad request.
    let review = format!("/work/reports/{id}/review");
    let (st, page) = s
        .call(
            Method::POST,
            &review,
            Some(&unit),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(page.as_str().unwrap().contains("无权进行此操作"), "{page}");
    let (_, r) = s
        .call(
            Method::GET,
            "/api/v1/rounds/2023Q4/reports",
            Some(&reviewer),
            None,
        )
        .await;
    let r = r
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(r["state"], "submitted", "neither returned nor accepted");
    assert_eq!(r["progress"], "全年增加储备粮");
    let x = s.store.extensions(None).await.unwrap();
    assert_eq!(
        x[0].state,
        duban_core::ExtensionState::Pending,
        "neither rejected nor approved"
    );
    assert_eq!(
        s.store.audit(10_000).await.unwrap().len(),
        audit_before,
        "nothing audited, nothing done"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_the_docs_work_under_them() {
    let s = site().await;
    for path in [
        "/",
        "/tables/2023Q3",
        "/login",
        "/api/docs/",
        "/no-such-page",
        "/static/duban.css",
        "/api/v1/periods",
    ] {
        let r = s
            .http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let html = h["content-type"].to_str().unwrap().starts_with("text/html");
        assert_eq!(h.contains_key("content-security-policy"), html, "{path}");
        if html {
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{path}: {csp}"
            );
            let body = r.text().await.unwrap();
            // Nothing inline that the policy would block.
            assert!(
                !body.contains("<style") && !body.contains(" style="),
                "{path}"
            );
            assert!(!body.contains("<script>"), "{path}: an inline script");
        }
    }
}
