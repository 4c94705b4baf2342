//! The 调度 cycle over the real API: roles, states, versions, throttling, and a permission
//! matrix over every route.

mod common;

use common::PASSWORD;
use duban_store::{Accounts, SqliteStore, Store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// The actors of the matrix, in its column order.
const ACTORS: [&str; 6] = [
    "anonymous",
    "unit_a",
    "unit_b",
    "reviewer",
    "leader",
    "admin",
];

/// The common test site, with an HTTP client that does not follow redirects (a redirect to the
/// login page, or after a form, is an answer the matrix checks).
struct Site {
    base: String,
    store: Arc<SqliteStore>,
    http: reqwest::Client,
    site: common::Site,
}

async fn site() -> Site {
    let site = common::site().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Site {
        base: site.base.clone(),
        store: site.store.clone(),
        http,
        site,
    }
}

impl Site {
    /// A bearer token for a user, made directly in storage (logging in is tested on its own).
    async fn token(&self, user: &str) -> Option<String> {
        if user == "anonymous" {
            return None;
        }
        let id = self.store.credentials(user).await.unwrap().unwrap().user_id;
        let (secret, hash) = duban_web::auth::new_secret().unwrap();
        self.store
            .create_token(
                id,
                &hash,
                duban_store::TokenKind::Api,
                std::time::Duration::from_secs(600),
            )
            .await
            .unwrap();
        Some(secret)
    }

    /// A token got by logging in through the API.
    async fn login(&self, user: &str) -> Option<String> {
        let r = self
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "{user}: {}", r.1);
        Some(r.1["token"].as_str().unwrap().to_owned())
    }

    async fn call(
        &self,
        m: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(m, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        // The work pages take HTML forms; the API takes JSON.
        let is_page = !path.starts_with("/api/");
        match body {
            Some(b) if is_page => {
                let pairs: Vec<(String, String)> = b
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect();
                req = req.form(&pairs);
            }
            Some(b) => req = req.json(&b),
            None => {}
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The id of a 2023Q4 report by target number and entry.
    async fn report_id(&self, no: u32, entry: u32) -> i64 {
        self.site.report_id(no, entry).await
    }
}

#[tokio::test]
async fn a_report_goes_round_the_whole_cycle() {
    let s = site().await;
    let unit = s.login("unit_a").await;
    let reviewer = s.login("reviewer").await;
    let admin = s.token("admin").await;
    let unit = unit.as_deref();

    // The unit sees only its own entries (市发展改革委 among the units), the reviewer all 40.
    let (st, mine) = s
        .call(Method::GET, "/api/v1/rounds/2023Q4/reports", unit, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let mine = mine.as_array().unwrap();
    assert!(mine.iter().all(|r| {
        r["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "市发展改革委")
    }));
    assert!(mine.len() > 10 && mine.len() < 40, "{}", mine.len());
    let (_, all) = s
        .call(
            Method::GET,
            "/api/v1/rounds/2023Q4/reports",
            reviewer.as_deref(),
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 40);

    let id = s.report_id(39, 0).await;
    let path = format!("/api/v1/reports/{id}");
    let (st, r) = s
        .call(
            Method::PUT,
            &path,
            unit,
            Some(
                json!({"progress": "全年增加市级储备粮2万吨", "on_schedule": false, "version": 1}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        (r["state"].as_str(), r["version"].as_i64()),
        (Some("draft"), Some(2))
    );
    assert_eq!(
        r["previous_progress"], "前三季度,增加市级储备粮1.71万吨",
        "last round's text, to start from"
    );
    // A second save based on the same version loses.
    let (st, e) = s
        .call(
            Method::PUT,
            &path,
            unit,
            Some(json!({"progress": "别的", "on_schedule": true, "version": 1})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(e["error"], "stale_version");

    let (st, r) = s
        .call(Method::POST, &format!("{path}/submit"), unit, None)
        .await;
    assert_eq!(
        (st, r["state"].as_str(), r["late"].as_bool()),
        (StatusCode::OK, Some("submitted"), Some(false))
    );
    let (st, e) = s
        .call(
            Method::PUT,
            &path,
            unit,
            Some(json!({"progress": "x", "on_schedule": true})),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("wrong_report_state"))
    );

    let (st, e) = s
        .call(
            Method::POST,
            &format!("{path}/return"),
            reviewer.as_deref(),
            Some(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {e}"
    );
    let (st, r) = s
        .call(
            Method::POST,
            &format!("{path}/return"),
            reviewer.as_deref(),
            Some(json!({"reason": "请说明与8.6万吨目标的差距"})),
        )
        .await;
    assert_eq!(
        (st, r["state"].as_str(), r["return_reason"].as_str()),
        (
            StatusCode::OK,
            Some("returned"),
            Some("请说明与8.6万吨目标的差距")
        )
    );

    let v = r["version"].as_i64().unwrap();
    let (st, _) = s.call(Method::PUT, &path, unit, Some(json!({"progress": "全年增加市级储备粮8.6万吨，已完成年度目标", "on_schedule": true, "version": v}))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        s.call(Method::POST, &format!("{path}/submit"), unit, None)
            .await
            .0,
        StatusCode::OK
    );
    let (st, r) = s
        .call(
            Method::POST,
            &format!("{path}/accept"),
            reviewer.as_deref(),
            None,
        )
        .await;
    assert_eq!(
        (st, r["state"].as_str()),
        (StatusCode::OK, Some("accepted"))
    );
    let (st, _) = s
        .call(
            Method::PUT,
            &path,
            unit,
            Some(json!({"progress": "改", "on_schedule": true})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "an accepted report cannot be edited"
    );

    // Nothing of the open round is public yet.
    assert_eq!(
        s.call(Method::GET, "/api/v1/tables/2023Q4", None, None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, periods) = s.call(Method::GET, "/api/v1/periods", None, None).await;
    assert_eq!(periods.as_array().unwrap().len(), 1);
    let home = s
        .http
        .get(format!("{}/", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("2023Q4"));

    assert_eq!(
        s.call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            reviewer.as_deref(),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(
            Method::POST,
            "/api/v1/rounds/2023Q4/close",
            admin.as_deref(),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    let other = s.report_id(6, 0).await;
    s.call(
        Method::PUT,
        &format!("/api/v1/reports/{other}"),
        unit,
        Some(json!({"progress": "晚了", "on_schedule": true})),
    )
    .await;
    let (st, e) = s
        .call(
            Method::POST,
            &format!("/api/v1/reports/{other}/submit"),
            unit,
            None,
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("wrong_round_state")),
        "no submissions to a closed round"
    );

    let (st, p) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
    assert!(
        p["previous_sha256"].is_string(),
        "chained to the 2023Q3 publication"
    );
    let (st, table) = s
        .call(Method::GET, "/api/v1/tables/2023Q4", None, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let t39 = table["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["no"] == 39)
        .unwrap();
    assert_eq!(
        t39["entries"][0]["progress"],
        "全年增加市级储备粮8.6万吨，已完成年度目标"
    );
    let t6 = table["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["no"] == 6)
        .unwrap();
    assert_eq!(
        t6["entries"][0]["progress"], "",
        "a draft never appears in public: 未报送"
    );
    assert_eq!(t6["entries"][0]["on_schedule"], Value::Null);
    let page = s
        .http
        .get(format!("{}/tables/2023Q4", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已完成年度目标") && !page.contains("晚了"));

    let actions: Vec<String> = s
        .store
        .audit(1000)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for a in [
        "report.save",
        "report.submit",
        "report.return",
        "report.accept",
        "round.close",
        "publication.create",
        "round.open",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn more_than_five_failed_logins_a_minute_get_429() {
    let s = site().await;
    for _ in 0..5 {
        let (st, e) = s
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"username": "unit_a", "password": "wrong"})),
            )
            .await;
        assert_eq!(
            (st, e["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        );
    }
    let (st, e) = s
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "unit_a", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "even the right password waits"
    );
    // Bad JSON gets the API's error format.
    let r = s
        .http
        .post(format!("{}/api/v1/login", s.base))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_json");
    // A made-up token is nobody.
    assert_eq!(
        s.call(
            Method::GET,
            "/api/v1/rounds/2023Q4/reports",
            Some("nonsense"),
            None
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
}

/// What each actor gets from each route. A route in `duban_web::route_table()` without a row
/// here fails this test.
#[tokio::test]
async fn permission_matrix() {
    use StatusCode as S;
    const OK: S = S::OK;
    let rows: Vec<(Method, &str, [S; 6])> = vec![
        (Method::GET, "/", [OK; 6]),
        (Method::GET, "/tables/{period}", [OK; 6]),
        (Method::GET, "/publications/{sha256}", [OK; 6]),
        (Method::GET, "/downloads/{period}/{format}", [OK; 6]),
        (Method::GET, "/api/v1/periods", [OK; 6]),
        (Method::GET, "/api/v1/tables/{period}", [OK; 6]),
        (Method::GET, "/login", [OK; 6]),
        (
            Method::POST,
            "/login",
            [
                S::UNAUTHORIZED,
                S::SEE_OTHER,
                S::SEE_OTHER,
                S::SEE_OTHER,
                S::SEE_OTHER,
                S::SEE_OTHER,
            ],
        ),
        (Method::POST, "/logout", [S::SEE_OTHER; 6]),
        (Method::GET, "/work", [S::SEE_OTHER, OK, OK, OK, OK, OK]),
        (
            Method::POST,
            "/work/rounds",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::GET,
            "/work/password",
            [S::SEE_OTHER, OK, OK, OK, OK, OK],
        ),
        (Method::POST, "/work/password", [S::SEE_OTHER; 6]),
        (
            Method::GET,
            "/work/audit",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::GET,
            "/work/audit.csv",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::GET,
            "/work/import",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        // A form body, not multipart: the admin is told the upload is unreadable.
        (
            Method::POST,
            "/work/import",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::UNPROCESSABLE_ENTITY,
            ],
        ),
        // {id} is a report's, not an upload's: nothing to confirm.
        (
            Method::POST,
            "/work/import/{id}/confirm",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::NOT_FOUND,
            ],
        ),
        (
            Method::GET,
            "/work/{period}",
            [S::SEE_OTHER, OK, OK, OK, OK, OK],
        ),
        (
            Method::POST,
            "/work/{period}/close",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::POST,
            "/work/{period}/publish",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::GET,
            "/work/{period}/dashboard",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::GET,
            "/work/{period}/chase.csv",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/work/reports/{id}",
            [
                S::SEE_OTHER,
                S::SEE_OTHER,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::POST,
            "/work/reports/{id}/review",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::NOT_FOUND,
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::POST,
            "/api/v1/login",
            [S::UNAUTHORIZED, OK, OK, OK, OK, OK],
        ),
        (
            Method::POST,
            "/api/v1/logout",
            [
                S::UNAUTHORIZED,
                S::NO_CONTENT,
                S::NO_CONTENT,
                S::NO_CONTENT,
                S::NO_CONTENT,
                S::NO_CONTENT,
            ],
        ),
        (
            Method::POST,
            "/api/v1/rounds",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::CREATED,
            ],
        ),
        (
            Method::GET,
            "/api/v1/rounds/{period}/reports",
            [S::UNAUTHORIZED, OK, OK, OK, OK, OK],
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/close",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/publish",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::PUT,
            "/api/v1/reports/{id}",
            [
                S::UNAUTHORIZED,
                OK,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/submit",
            [
                S::UNAUTHORIZED,
                OK,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/return",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::NOT_FOUND,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/accept",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::NOT_FOUND,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (Method::GET, "/api/openapi.json", [OK; 6]),
        (Method::GET, "/api/docs", [S::PERMANENT_REDIRECT; 6]),
        (Method::GET, "/api/docs/", [OK; 6]),
        (Method::GET, "/api/docs/{*file}", [OK; 6]),
    ];
    for (m, p) in duban_web::route_table() {
        assert!(
            rows.iter().any(|(rm, rp, _)| *rm == m && *rp == p),
            "route {m} {p} has no row in the permission matrix"
        );
    }
    assert_eq!(
        rows.len(),
        duban_web::route_table().len(),
        "a row for a route that no longer exists"
    );

    for (method, pattern, expected) in rows {
        for (actor, want) in ACTORS.iter().zip(expected) {
            // A fresh site per cell, so one actor's success cannot change another's answer.
            let s = site().await;
            let token = s.token(actor).await;
            // Entry 0 of target 6: led by 市发展改革委 (unit_a), leader 聂元科; unit_b is not on it.
            let id = s.report_id(6, 0).await;
            let unit_a = s.token("unit_a").await;
            if pattern.ends_with("/submit")
                || pattern.ends_with("/return")
                || pattern.ends_with("/accept")
                || pattern.ends_with("/review")
            {
                s.call(
                    Method::PUT,
                    &format!("/api/v1/reports/{id}"),
                    unit_a.as_deref(),
                    Some(json!({"progress": "进展", "on_schedule": true})),
                )
                .await;
            }
            if pattern.ends_with("/return")
                || pattern.ends_with("/accept")
                || pattern.ends_with("/review")
            {
                s.call(
                    Method::POST,
                    &format!("/api/v1/reports/{id}/submit"),
                    unit_a.as_deref(),
                    None,
                )
                .await;
            }
            let sha = s.store.published().await.unwrap()[0].sha256.clone();
            let is_q3_public = !pattern.contains("/rounds/") && !pattern.starts_with("/work/");
            let path = pattern
                .replace("{period}", if is_q3_public { "2023Q3" } else { "2023Q4" })
                .replace("{sha256}", &sha)
                .replace("{id}", &id.to_string())
                .replace("{*file}", "swagger-ui.css")
                .replace("{format}", "csv");
            let body = match (method.as_str(), pattern) {
                ("POST", "/login") => Some(
                    json!({"username": actor, "password": if *actor == "anonymous" { "x" } else { PASSWORD }}),
                ),
                ("POST", "/work/import") => Some(json!({"file": "x"})),
                ("POST", "/work/password") => {
                    Some(json!({"current": PASSWORD, "new": "a new password 2"}))
                }
                ("POST", "/work/rounds") => Some(json!({"period": "2023M10", "due": "2099-01-01"})),
                ("POST", "/work/reports/{id}") => {
                    Some(json!({"progress": "新的进展", "on_schedule": "是", "action": "save"}))
                }
                ("POST", "/work/reports/{id}/review") => Some(json!({"action": "accept"})),
                ("POST", "/api/v1/login") => Some(
                    json!({"username": actor, "password": if *actor == "anonymous" { "x" } else { PASSWORD }}),
                ),
                ("POST", "/api/v1/rounds") => {
                    Some(json!({"period": "2023M10", "due": "2099-01-01"}))
                }
                ("PUT", _) => Some(json!({"progress": "新的进展", "on_schedule": true})),
                ("POST", p) if p.ends_with("/return") => Some(json!({"reason": "请补充数据"})),
                _ => None,
            };
            let (got, text) = s.call(method.clone(), &path, token.as_deref(), body).await;
            assert_eq!(got, want, "{method} {pattern} as {actor}: {text}");
        }
    }
}
