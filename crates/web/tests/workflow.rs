//! The 调度 cycle over the real API: roles, states, versions, throttling, and a permission
//! matrix over every route.

#[macro_use]
mod common;
mod governments;
/// 催办 mail through a real SMTP server.
mod mail;
/// 群众监督 messages through HTTP.
mod messages;

use common::Backend;
use common::PASSWORD;
use common::api::{site_on, two_site_on};
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

on_both!(a_report_goes_round_the_whole_cycle);
async fn a_report_goes_round_the_whole_cycle(backend: Backend) {
    let s = site_on(backend).await;
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
    // The report says what stands in the way and what comes next beside its text (INTERFACES.md,
    // "Any table"); a blank one is none.
    let (st, saved) = s.call(Method::PUT, &path, unit, Some(json!({"progress": "全年增加市级储备粮8.6万吨，已完成年度目标", "on_schedule": true, "problems": "仓容紧张", "next_steps": "  ", "version": v}))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (&saved["problems"], &saved["next_steps"]),
        (&json!("仓容紧张"), &Value::Null)
    );
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
    let home = s.text("/").await;
    assert!(!home.contains("2023Q4"));
    // The target's page follows published rounds only: the accepted Q4 text waits.
    let target = s.text("/targets/2023/39").await;
    assert!(target.contains("增加市级储备粮1.71万吨") && !target.contains("已完成年度目标"));

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

    // Closed with entries not accepted: the office confirms what goes public as 未报送.
    let (st, p) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(
        (st, p["error"].as_str()),
        (StatusCode::CONFLICT, Some("needs_confirmation"))
    );
    let (st, p) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            admin.as_deref(),
            Some(json!({"confirm": true})),
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
    assert_eq!(t39["entries"][0]["problems"], "仓容紧张");
    assert!(
        t39["entries"][0].get("next_steps").is_none(),
        "blank is absent"
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
    assert!(t6["entries"][0].get("problems").is_none());
    let page = s.text("/tables/2023Q4").await;
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

/// A login attempt from a loopback address of its own (127.0.0.0/8 all reach the server).
async fn login_from(
    s: &common::api::Site,
    from: [u8; 4],
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    let http = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .unwrap();
    let r = http
        .post(format!("{}/api/v1/login", s.base))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

on_both!(a_guessing_address_slows_only_itself);
async fn a_guessing_address_slows_only_itself(backend: Backend) {
    let s = site_on(backend).await;
    let attacker = [127, 0, 0, 2];
    // Ten wrong guesses, at ten names so that no name's own delay comes into it.
    for i in 0..10 {
        let (st, e) = login_from(&s, attacker, &format!("nobody{i}"), "wrong").await;
        assert_eq!(
            (st, e["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        );
    }
    let (st, e) = login_from(&s, attacker, "unit_a", PASSWORD).await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "that address waits, even with the right password"
    );
    // Everyone else is untouched.
    let (st, _) = login_from(&s, [127, 0, 0, 1], "unit_a", PASSWORD).await;
    assert_eq!(st, StatusCode::OK);

    // Guesses at one name from another address: the name's owner waits a little, and gets in.
    for _ in 0..5 {
        let (st, _) = login_from(&s, [127, 0, 0, 3], "reviewer", "wrong").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let started = std::time::Instant::now();
    let (st, e) = login_from(&s, [127, 0, 0, 1], "reviewer", PASSWORD).await;
    assert_eq!(st, StatusCode::OK, "never locked out by a stranger: {e}");
    // A lower bound, so no slow machine can fail it: five failures make the sixth wait 1 s.
    assert!(
        started.elapsed() >= duban_web::auth::name_delay(5),
        "the attempt waited {:?}",
        started.elapsed()
    );
    // Every login is in the audit log with the address it came from, failed or not.
    let audit = s.store.audit(1_000).await.unwrap();
    let logged = |action: &str, subject: &str, address: &str| {
        audit.iter().any(|r| {
            r.action == action
                && r.subject == subject
                && r.after.as_ref().unwrap()["address"] == address
        })
    };
    assert!(logged("login_failed", "user:nobody0", "127.0.0.2"));
    assert!(logged("login_failed", "user:reviewer", "127.0.0.3"));
    assert!(logged("login", "user:reviewer", "127.0.0.1"));
    assert!(logged("login", "user:unit_a", "127.0.0.1"));

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

on_both!(permission_matrix);
/// What each actor gets from each route, on a deployment holding one government: the paths
/// as they were before governments (a government's paths under its prefix are the
/// [`government_matrix`]'s). A route in `duban_web::route_table()` without a row here fails
/// this test.
async fn permission_matrix(backend: Backend) {
    let rows = matrix_rows();
    // Every route has its row; a government's route under its prefix is judged by its row.
    let cells = cells_of(&rows);
    assert_eq!(
        rows.len(),
        duban_web::route_table()
            .iter()
            .filter(|(_, p)| !is_prefixed(p))
            .count(),
        "a row for a route that no longer exists"
    );
    let cells = cells
        .into_iter()
        .filter(|(_, route, ..)| !is_prefixed(route))
        .flat_map(|(method, route, pattern, expected)| {
            ACTORS
                .into_iter()
                .zip(expected)
                .map(move |(actor, want)| Cell {
                    method: method.clone(),
                    route: route.clone(),
                    pattern,
                    actor: actor.to_owned(),
                    want: Want::Exactly(want),
                    two_governments: false,
                })
        })
        .collect();
    run_cells(cells, backend).await;
}

on_both!(government_matrix);
/// Every route × {same government, other government} × each role, on a deployment holding
/// two governments, acting on 菏泽's things under its prefix: 菏泽's accounts get what the
/// [`permission_matrix`] says; 郓城's (`y_…`) get the same from what is not about one
/// government (logging in, their own lists, the public pages) and a refusal (403 or 404) from
/// everything of 菏泽's. Without a prefix, a government's path answers 404 for everyone.
async fn government_matrix(backend: Backend) {
    let rows = matrix_rows();
    let mut cells = Vec::new();
    let mut unresolved = Vec::new();
    for (method, route, pattern, expected) in cells_of(&rows) {
        let scoped = duban_web::route_table()
            .iter()
            .any(|(m, p)| *m == method && is_prefixed(p) && unprefixed(p) == Some(route.as_str()));
        if scoped {
            unresolved.push((method, route));
            continue;
        }
        // What anyone may do, anonymous included (read a page, leave a message), any
        // government's account may do too.
        let public = expected[0].is_success() && expected.iter().all(|s| *s == expected[0]);
        let of_one_government = is_prefixed(&route) || route.contains("{id}");
        for (actor, want) in ACTORS.into_iter().zip(expected) {
            cells.push(Cell {
                method: method.clone(),
                route: route.clone(),
                pattern,
                actor: actor.to_owned(),
                want: Want::Exactly(want),
                two_governments: true,
            });
            if actor == "anonymous" {
                continue;
            }
            cells.push(Cell {
                method: method.clone(),
                route: route.clone(),
                pattern,
                actor: format!("y_{actor}"),
                want: if of_one_government && !public {
                    Want::Refused
                } else {
                    Want::Exactly(want)
                },
                two_governments: true,
            });
        }
    }
    // Unprefixed, a government's path cannot be resolved between two: 404 before anything.
    let s = two_site_on(backend).await;
    for (method, route) in unresolved {
        for actor in ACTORS {
            let token = s.token(actor).await;
            let path = route
                .replace("{period}", "2023Q4")
                .replace("{format}", "csv")
                .replace("{file}", "6.atom")
                .replace("{year}", "2023")
                .replace("{no}", "6");
            let (got, text) = s.call(method.clone(), &path, token.as_deref(), None).await;
            assert_eq!(
                got,
                StatusCode::NOT_FOUND,
                "{method} {route} as {actor}: {text}"
            );
        }
    }
    run_cells(cells, backend).await;
}

/// The permission matrix's rows: each route (without a government's prefix) and what each of
/// [`ACTORS`] gets from it.
fn matrix_rows() -> Vec<(Method, &'static str, [StatusCode; 6])> {
    use StatusCode as S;
    const OK: S = S::OK;
    vec![
        (Method::GET, "/", [OK; 6]),
        (Method::GET, "/g/{gov}", [OK; 6]),
        (Method::GET, "/static/duban.css", [OK; 6]),
        (Method::GET, "/favicon.ico", [OK; 6]),
        (Method::GET, "/tables/{period}", [OK; 6]),
        (Method::GET, "/publications/{sha256}", [OK; 6]),
        (Method::GET, "/downloads/{period}/{format}", [OK; 6]),
        (Method::GET, "/downloads/bundle.zip", [OK; 6]),
        (Method::GET, "/feeds/publications.atom", [OK; 6]),
        (Method::GET, "/feeds/targets/{year}/{file}", [OK; 6]),
        (Method::GET, "/feeds/units/{file}", [OK; 6]),
        (Method::GET, "/api/v1/units", [OK; 6]),
        (Method::GET, "/scorecards/{file}", [OK; 6]),
        (Method::GET, "/units/{name}", [OK; 6]),
        (Method::GET, "/leaders/{name}", [OK; 6]),
        (Method::GET, "/api/v1/leaders", [OK; 6]),
        (Method::GET, "/targets/{year}/{no}", [OK; 6]),
        (Method::GET, "/search", [OK; 6]),
        (Method::GET, "/api/v1/search", [OK; 6]),
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
        // {id} is a report's, not an upload's: nothing to confirm or to read again.
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
            Method::POST,
            "/work/import/{id}/columns",
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
            Method::POST,
            "/work/{period}/reopen",
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
            "/work/mail",
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
            "/api/v1/mail",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        // The test site has no SMTP server: the office is told so (409).
        (
            Method::POST,
            "/work/{period}/chase",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::CONFLICT,
                S::FORBIDDEN,
                S::CONFLICT,
            ],
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/chase",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::CONFLICT,
                S::FORBIDDEN,
                S::CONFLICT,
            ],
        ),
        (
            Method::GET,
            "/work/plan",
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
            Method::POST,
            "/work/plan/rollover",
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
            "/work/plan/{year}/targets/new",
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
            Method::POST,
            "/work/plan/{year}/targets",
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
            "/work/plan/{year}/targets/{no}",
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
            Method::POST,
            "/work/plan/{year}/targets/{no}",
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
            "/work/plan/{year}/targets/{no}/restore",
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
            "/work/plan/{year}/targets/{no}/retire",
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
            "/api/v1/plans/{year}/targets",
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
            "/api/v1/plans/{year}/targets",
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
            "/api/v1/plans/{year}/targets/{no}",
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
            "/api/v1/plans/{year}/targets/{no}",
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
            "/api/v1/plans/{year}/targets/{no}/restore",
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
            Method::DELETE,
            "/api/v1/plans/{year}/targets/{no}",
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
            Method::GET,
            "/work/units",
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
            Method::POST,
            "/work/units/rename",
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
            "/work/units/alias",
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
            "/work/users",
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
            Method::POST,
            "/work/users",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::CREATED,
            ],
        ),
        (
            Method::GET,
            "/work/users/{id}",
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
            Method::POST,
            "/work/users/{id}",
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
            Method::POST,
            "/api/v1/rounds/{period}/reopen",
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
        // A request for a later deadline, for target 6 (年底), as a form and through the API.
        (
            Method::POST,
            "/work/reports/{id}/extension",
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
            "/api/v1/reports/{id}/extensions",
            [
                S::UNAUTHORIZED,
                S::CREATED,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::CREATED,
            ],
        ),
        (
            Method::GET,
            "/work/extensions",
            [S::SEE_OTHER, OK, OK, OK, OK, OK],
        ),
        // 群众监督: anyone writes; the office decides; {id} is a citizen's pending message.
        (Method::POST, "/targets/{year}/{no}/messages", [OK; 6]),
        (Method::GET, "/api/v1/targets/{year}/{no}/messages", [OK; 6]),
        (
            Method::POST,
            "/api/v1/targets/{year}/{no}/messages",
            [S::ACCEPTED; 6],
        ),
        (
            Method::GET,
            "/work/messages",
            [S::SEE_OTHER, OK, OK, OK, OK, OK],
        ),
        (
            Method::GET,
            "/api/v1/messages",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/work/messages/{id}",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::POST,
            "/api/v1/messages/{id}/publish",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::POST,
            "/api/v1/messages/{id}/reject",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
                S::FORBIDDEN,
                OK,
            ],
        ),
        (
            Method::GET,
            "/api/v1/extensions",
            [S::UNAUTHORIZED, OK, OK, OK, OK, OK],
        ),
        // {id} is a pending request of unit_a's here.
        (
            Method::POST,
            "/work/extensions/{id}/decide",
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
            "/api/v1/extensions/{id}/approve",
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
            "/api/v1/extensions/{id}/reject",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
                OK,
            ],
        ),
        // Leaders comment for the reviewers: units do not read them.
        (
            Method::POST,
            "/work/reports/{id}/comments",
            [
                S::SEE_OTHER,
                S::FORBIDDEN,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::SEE_OTHER,
                S::SEE_OTHER,
            ],
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/comments",
            [
                S::UNAUTHORIZED,
                S::FORBIDDEN,
                S::NOT_FOUND,
                S::FORBIDDEN,
                S::CREATED,
                S::CREATED,
            ],
        ),
        (
            Method::GET,
            "/api/v1/reports/{id}/comments",
            [S::UNAUTHORIZED, S::FORBIDDEN, S::NOT_FOUND, OK, OK, OK],
        ),
        (Method::GET, "/api/openapi.json", [OK; 6]),
        (Method::GET, "/api/docs", [S::PERMANENT_REDIRECT; 6]),
        (Method::GET, "/api/docs/", [OK; 6]),
        (Method::GET, "/api/docs/{*file}", [OK; 6]),
    ]
}

/// Whether a route is a government's route under its prefix.
fn is_prefixed(path: &str) -> bool {
    path.starts_with("/g/{gov}/") || path.starts_with("/api/v1/g/{gov}/")
}

/// The route without its government's prefix: the pattern its row is written for.
fn unprefixed(path: &str) -> Option<&'static str> {
    let rest = path
        .strip_prefix("/g/{gov}")
        .filter(|r| r.starts_with('/'))
        .map(str::to_owned)
        .or_else(|| {
            path.strip_prefix("/api/v1/g/{gov}")
                .map(|r| format!("/api/v1{r}"))
        })?;
    Some(Box::leak(rest.into_boxed_str()))
}

/// Every route of the route table with the row it is judged by: (method, the route as
/// called, the row's pattern, the row's statuses).
fn cells_of(
    rows: &[(Method, &'static str, [StatusCode; 6])],
) -> Vec<(Method, String, &'static str, [StatusCode; 6])> {
    duban_web::route_table()
        .into_iter()
        .map(|(m, route)| {
            let pattern = if is_prefixed(&route) {
                unprefixed(&route).unwrap()
            } else {
                rows.iter()
                    .find(|(rm, rp, _)| *rm == m && *rp == route)
                    .map(|(_, p, _)| *p)
                    .unwrap_or_else(|| {
                        panic!("route {m} {route} has no row in the permission matrix")
                    })
            };
            let (_, _, expected) = rows
                .iter()
                .find(|(rm, rp, _)| *rm == m && *rp == pattern)
                .unwrap_or_else(|| panic!("route {m} {route} has no row in the permission matrix"));
            (m, route, pattern, *expected)
        })
        .collect()
}

/// What a cell must answer.
#[derive(Debug, Clone, Copy)]
enum Want {
    Exactly(StatusCode),
    /// A refusal that says nothing of what is there: 403 or 404.
    Refused,
}

/// One cell of a matrix.
#[derive(Debug, Clone)]
struct Cell {
    method: Method,
    /// The route as the table has it, perhaps under `/g/{gov}`.
    route: String,
    /// Its row's pattern (without the prefix).
    pattern: &'static str,
    actor: String,
    want: Want,
    /// On a site of two governments, acting on 菏泽's (371700) things.
    two_governments: bool,
}

/// Runs the cells four at a time: each makes its own site, and on PostgreSQL most of a cell's
/// time is the server copying a database. (On this thread: a cell's future is not `Send`.)
async fn run_cells(cells: Vec<Cell>, backend: Backend) {
    let at_once = Arc::new(tokio::sync::Semaphore::new(4));
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut running = tokio::task::JoinSet::new();
            for cell in cells {
                let permit = Arc::clone(&at_once).acquire_owned().await.unwrap();
                running.spawn_local(async move {
                    matrix_cell(backend, cell).await;
                    drop(permit);
                });
            }
            while let Some(done) = running.join_next().await {
                if let Err(e) = done {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        })
        .await;
}

/// One cell of a matrix: the cell's actor calls its route on a fresh site and gets what it
/// must.
async fn matrix_cell(backend: Backend, cell: Cell) {
    let Cell {
        method,
        route,
        pattern,
        actor,
        want,
        two_governments,
    } = cell;
    let actor = actor.as_str();
    // A fresh site per cell, so one actor's success cannot change another's answer.
    let s = if two_governments {
        two_site_on(backend).await
    } else {
        site_on(backend).await
    };
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
    if pattern.ends_with("/return") || pattern.ends_with("/accept") || pattern.ends_with("/review")
    {
        s.call(
            Method::POST,
            &format!("/api/v1/reports/{id}/submit"),
            unit_a.as_deref(),
            None,
        )
        .await;
    }
    // The decisions act on a pending request of unit_a's for the same entry.
    let id = if pattern.contains("/extensions/{id}") {
        let (st, x) = s
            .call(
                Method::POST,
                &format!("/api/v1/reports/{id}/extensions"),
                unit_a.as_deref(),
                Some(json!({"deadline": "2024-06-30", "reason": "项目审批未完成"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{x}");
        x["id"].as_i64().unwrap()
    } else if pattern.contains("/users/{id}") {
        // 菏泽's unit_b account.
        s.store
            .credentials("unit_b")
            .await
            .unwrap()
            .unwrap()
            .user_id
    } else if pattern.contains("/messages/{id}") {
        // A pending message on target 6 (of 菏泽), from a citizen.
        let (st, m) = s
            .call(
                Method::POST,
                "/api/v1/g/371700/targets/2023/6/messages",
                None,
                Some(json!({"body": "请公开进展数据"})),
            )
            .await;
        let (st, m) = if st == StatusCode::NOT_FOUND {
            // A site of one government: no prefix.
            s.call(
                Method::POST,
                "/api/v1/targets/2023/6/messages",
                None,
                Some(json!({"body": "请公开进展数据"})),
            )
            .await
        } else {
            (st, m)
        };
        assert_eq!(st, StatusCode::ACCEPTED, "{m}");
        m["id"].as_i64().unwrap()
    } else {
        id
    };
    // Only a published round reopens.
    if pattern.ends_with("/reopen") {
        s.store
            .publish(common::HEZE_GOV, "2023Q4".parse().unwrap(), "test")
            .await
            .unwrap();
    }
    // Only a retired target can be restored.
    if pattern.ends_with("/restore") {
        s.store
            .retire_target(
                common::HEZE_GOV,
                2023,
                duban_core::TargetNo::new(6).unwrap(),
                "test",
            )
            .await
            .unwrap();
    }
    let sha = s
        .store
        .latest_publication(common::HEZE_GOV, "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .summary
        .sha256;
    let is_q3_public = !pattern.contains("/rounds/") && !pattern.starts_with("/work/");
    // 菏泽 is `heze` on a site of its own, 371700 beside 郓城.
    let gov = if two_governments {
        common::HEZE_CODE
    } else {
        "heze"
    };
    let path = route
        .replace("{gov}", gov)
        .replace("{period}", if is_q3_public { "2023Q3" } else { "2023Q4" })
        .replace("{sha256}", &sha)
        .replace("{id}", &id.to_string())
        .replace("{*file}", "swagger-ui.css")
        .replace(
            "{file}",
            if pattern.contains("/units/") {
                "市发展改革委.atom"
            } else if pattern.contains("/scorecards/") {
                "2023"
            } else {
                "6.atom"
            },
        )
        .replace(
            "{name}",
            if pattern.contains("/units/") {
                "市发展改革委"
            } else {
                "李春英"
            },
        )
        .replace("{format}", "csv")
        .replace("{year}", "2023")
        .replace("{no}", "6");
    let path = if pattern.ends_with("/search") {
        format!("{path}?q=储备粮")
    } else {
        path
    };
    let body = match (method.as_str(), pattern) {
        ("POST", "/login") => Some(
            json!({"username": actor, "password": if actor == "anonymous" { "x" } else { PASSWORD }}),
        ),
        ("POST", "/work/import") => Some(json!({"file": "x"})),
        ("POST", "/work/password") => Some(json!({"current": PASSWORD, "new": "a new password 2"})),
        ("POST", "/work/rounds") => Some(json!({"period": "2023M10", "due": "2099-01-01"})),
        ("POST", "/work/reports/{id}") => {
            Some(json!({"progress": "新的进展", "on_schedule": "是", "action": "save"}))
        }
        ("POST", "/work/reports/{id}/review") => Some(json!({"action": "accept"})),
        // Confirmed: 2023Q4 is still open (what an unconfirmed publish gets is tested on its own).
        ("POST", "/work/{period}/publish") => Some(json!({"confirm": "yes"})),
        ("POST", "/api/v1/rounds/{period}/publish") => Some(json!({"confirm": true})),
        ("POST", "/api/v1/login") => Some(
            json!({"username": actor, "password": if actor == "anonymous" { "x" } else { PASSWORD }}),
        ),
        ("POST", "/api/v1/rounds") => Some(json!({"period": "2023M10", "due": "2099-01-01"})),
        ("POST" | "PUT", "/api/v1/plans/{year}/targets" | "/api/v1/plans/{year}/targets/{no}") => {
            Some(json!({"content": "新建城市书房10处", "deadline": "年底",
                        "entries": [{"units": ["市文化和旅游局"], "leaders": ["李春英"]}]}))
        }
        ("POST", "/work/plan/{year}/targets" | "/work/plan/{year}/targets/{no}") => Some(
            json!({"content": "新建城市书房10处", "deadline": "年底", "units.0": "市文化和旅游局 市财政局"}),
        ),
        ("POST", "/work/plan/{year}/targets/{no}/retire") => Some(json!({"confirm": "yes"})),
        ("POST", "/work/import/{id}/columns") => Some(json!({"header.0": "序号", "role.0": "no"})),
        ("PUT", _) => Some(json!({"progress": "新的进展", "on_schedule": true})),
        ("POST", p) if p.ends_with("/extension") || p.ends_with("/extensions") => {
            Some(json!({"deadline": "2024-06-30", "reason": "项目审批未完成"}))
        }
        ("POST", p) if p.ends_with("/comments") => Some(json!({"body": "请核实储备粮数据"})),
        ("POST", p) if p.ends_with("/messages") => Some(json!({"body": "储备粮进度偏慢，请说明"})),
        ("POST", "/work/messages/{id}") => Some(json!({"action": "publish", "text": "已答复"})),
        ("POST", "/work/units/rename") => Some(json!({"from": "市财政局", "to": "市财政事务中心"})),
        ("POST", "/work/plan/rollover") => {
            Some(json!({"from": "2023", "to": "2024", "pick": "36"}))
        }
        ("POST", "/work/units/alias") => Some(json!({"unit": "市财政局", "alias": "财政"})),
        ("POST", "/work/users") => {
            Some(json!({"username": "new_clerk", "role": "unit", "units": "市财政局"}))
        }
        ("POST", "/work/users/{id}") => {
            Some(json!({"action": "save", "units": "市财政局", "email": "czj@test.example"}))
        }
        ("POST", "/work/{period}/chase") => Some(json!({"unit": "市财政局"})),
        ("POST", "/api/v1/rounds/{period}/chase") => Some(json!({})),
        ("POST", "/api/v1/messages/{id}/publish") => Some(json!({"reply": "已答复"})),
        ("POST", "/api/v1/messages/{id}/reject") => Some(json!({"note": "与目标无关"})),
        ("POST", "/work/extensions/{id}/decide") => Some(json!({"action": "approve"})),
        ("POST", "/api/v1/extensions/{id}/reject") => Some(json!({"note": "理由不充分"})),
        ("POST", p) if p.ends_with("/return") => Some(json!({"reason": "请补充数据"})),
        _ => None,
    };
    let (got, text) = s.call(method.clone(), &path, token.as_deref(), body).await;
    match want {
        Want::Exactly(want) => assert_eq!(got, want, "{method} {route} as {actor}: {text}"),
        Want::Refused => assert!(
            got == StatusCode::FORBIDDEN || got == StatusCode::NOT_FOUND,
            "{method} {route} as {actor}, of the other government: {got} {text}"
        ),
    }
}

on_both!(an_approved_extension_is_published_beside_the_original_deadline);
/// 延期申请 from request to the public table: the lead unit asks, the office decides, and the
/// next publication shows the original deadline, the new one and the reason.
async fn an_approved_extension_is_published_beside_the_original_deadline(backend: Backend) {
    let s = site_on(backend).await;
    let unit = s.token("unit_a").await;
    let admin = s.token("admin").await;
    let (unit, admin) = (unit.as_deref(), admin.as_deref());
    // Target 39, 增加市级储备粮8.6万吨, 年底, led by 市发展改革委 (unit_a).
    let id = s.report_id(39, 0).await;
    let ask = |deadline: &str, reason: &str| json!({"deadline": deadline, "reason": reason});
    let path = format!("/api/v1/reports/{id}/extensions");

    // Not later than 年底 (31 December 2023), not a date, or without a reason: refused.
    for (body, code) in [
        (ask("2023-12-31", "x"), "invalid"),
        (ask("2023-11-30", "x"), "invalid"),
        (ask("明年六月", "x"), "invalid_deadline"),
        (ask("2024-06-30", "  "), "invalid"),
    ] {
        let (st, e) = s.call(Method::POST, &path, unit, Some(body.clone())).await;
        assert_eq!(
            (st, e["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{body}: {e}"
        );
    }
    // 长期坚持 has no deadline to move (target 17, also 市发展改革委's).
    let ongoing = s.report_id(17, 0).await;
    let (st, e) = s
        .call(
            Method::POST,
            &format!("/api/v1/reports/{ongoing}/extensions"),
            unit,
            Some(ask("2024-06-30", "x")),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let reason = "收储计划调整，待省粮食和物资储备局下达指标";
    let (st, x) = s
        .call(Method::POST, &path, unit, Some(ask("2024-06-30", reason)))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{x}");
    assert_eq!(
        (
            x["state"].as_str(),
            x["original_deadline"].as_str(),
            x["deadline"].as_str(),
            x["requested_by"].as_str()
        ),
        (
            Some("pending"),
            Some("年底"),
            Some("2024-06-30"),
            Some("unit_a")
        )
    );
    let xid = x["id"].as_i64().unwrap();
    // One pending request per entry.
    let (st, e) = s
        .call(Method::POST, &path, unit, Some(ask("2024-09-30", "又一次")))
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("extension_pending"))
    );
    // Units do not decide; a rejection needs a note.
    let approve = format!("/api/v1/extensions/{xid}/approve");
    assert_eq!(
        s.call(Method::POST, &approve, unit, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, e) = s
        .call(
            Method::POST,
            &format!("/api/v1/extensions/{xid}/reject"),
            admin,
            Some(json!({"note": " "})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, x) = s.call(Method::POST, &approve, admin, None).await;
    assert_eq!(
        (st, x["state"].as_str(), x["decided_by"].as_str()),
        (StatusCode::OK, Some("approved"), Some("admin"))
    );
    let (st, e) = s.call(Method::POST, &approve, admin, None).await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::CONFLICT, Some("extension_decided"))
    );
    // The next request must go past the new deadline.
    let (st, _) = s
        .call(Method::POST, &path, unit, Some(ask("2024-05-31", "x")))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // unit_b (市财政局) sees none of 市发展改革委's requests; the office sees them all.
    let unit_b = s.token("unit_b").await;
    let (_, list) = s
        .call(Method::GET, "/api/v1/extensions", unit_b.as_deref(), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    let (_, list) = s.call(Method::GET, "/api/v1/extensions", admin, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Publish 2023Q4 with this report accepted: the table carries the extension; the target's
    // own deadline stays 年底 as the plan wrote it.
    s.call(
        Method::PUT,
        &format!("/api/v1/reports/{id}"),
        unit,
        Some(json!({"progress": "全年增加市级储备粮2万吨", "on_schedule": false})),
    )
    .await;
    s.call(
        Method::POST,
        &format!("/api/v1/reports/{id}/submit"),
        unit,
        None,
    )
    .await;
    s.call(
        Method::POST,
        &format!("/api/v1/reports/{id}/accept"),
        admin,
        None,
    )
    .await;
    let (st, _) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            admin,
            Some(json!({"confirm": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, table) = s
        .call(Method::GET, "/api/v1/tables/2023Q4", None, None)
        .await;
    let t39 = table["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["no"] == 39)
        .unwrap();
    assert_eq!(t39["deadline"], "年底");
    assert_eq!(t39["entries"][0]["extension"]["deadline"], "2024-06-30");
    assert_eq!(t39["entries"][0]["extension"]["reason"], reason);
    // Entries without one carry no extension key at all, so older tables hash as before.
    assert!(table["targets"][0]["entries"][0].get("extension").is_none());
    // Q3 was published before the approval and stays as it was.
    let (_, q3) = s
        .call(Method::GET, "/api/v1/tables/2023Q3", None, None)
        .await;
    assert!(!q3.to_string().contains("2024-06-30"));

    let page = s.text("/tables/2023Q4").await;
    assert!(
        page.contains(&format!("延期至 2024-06-30（理由：{reason}）")),
        "the public table shows the extension"
    );
    // The target's own page: both rounds in order, and the extension beside the deadline.
    let target = s.text("/targets/2023/39").await;
    let (q3, q4) = (
        target.find("增加市级储备粮1.71万吨").expect("Q3's text"),
        target.find("全年增加市级储备粮2万吨").expect("Q4's text"),
    );
    assert!(q3 < q4, "oldest round first");
    assert!(target.contains("延期至 2024-06-30"));
    let audit = s.store.audit(200).await.unwrap();
    for action in ["extension.request", "extension.approve"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
}

on_both!(leaders_comment_for_reviewers_only);
/// Leaders comment for the reviewers; units, and the public, never see the comments.
async fn leaders_comment_for_reviewers_only(backend: Backend) {
    let s = site_on(backend).await;
    let leader = s.token("leader").await; // 聂元科
    let reviewer = s.token("reviewer").await;
    let unit = s.token("unit_a").await;
    let admin = s.token("admin").await;
    let id = s.report_id(39, 0).await; // 聂元科's target
    let path = format!("/api/v1/reports/{id}/comments");
    let body = "储备粮进度明显滞后，请审核时重点核实";
    let (st, c) = s
        .call(
            Method::POST,
            &path,
            leader.as_deref(),
            Some(json!({"body": body})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["author"].as_str(), c["leader"].as_str()),
        (Some("leader"), Some("聂元科"))
    );
    let (st, e) = s
        .call(
            Method::POST,
            &path,
            leader.as_deref(),
            Some(json!({"body": "  "})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // Target 1 is 李春英's: not this leader's to read or comment on.
    let other = s.report_id(1, 0).await;
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/reports/{other}/comments"),
            leader.as_deref(),
            Some(json!({"body": "x"})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, list) = s.call(Method::GET, &path, reviewer.as_deref(), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list[0]["body"], body);
    assert_eq!(
        s.call(Method::GET, &path, unit.as_deref(), None).await.0,
        StatusCode::FORBIDDEN
    );
    // The reviewer's page shows it; the unit's page does not.
    let page = |token: Option<String>| {
        let req = s.http.get(format!("{}/work/2023Q4", s.base));
        async move {
            req.bearer_auth(token.unwrap())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(page(reviewer.clone()).await.contains(body));
    assert!(!page(unit.clone()).await.contains(body));
    // Nor does any public page after publishing.
    let (st, _) = s
        .call(
            Method::POST,
            "/api/v1/rounds/2023Q4/publish",
            admin.as_deref(),
            Some(json!({"confirm": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    for p in [
        "/tables/2023Q4",
        "/api/v1/tables/2023Q4",
        "/downloads/2023Q4/csv",
    ] {
        let text = s.text(p).await;
        assert!(!text.contains(body), "{p}");
    }
    let audit = s.store.audit(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "comment.add" && a.actor == "user:leader")
    );
}

on_both!(logout_and_password_change_end_tokens_at_once);
/// A token stops working the moment it is logged out, or its account's password changes, even
/// though the server remembers recent tokens for a few seconds.
async fn logout_and_password_change_end_tokens_at_once(backend: Backend) {
    let s = site_on(backend).await;
    let reports = "/api/v1/rounds/2023Q4/reports";
    let token = s.login("unit_a").await;
    let token = token.as_deref();
    assert_eq!(
        s.call(Method::GET, reports, token, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.call(Method::POST, "/api/v1/logout", token, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(Method::GET, reports, token, None).await.0,
        StatusCode::UNAUTHORIZED
    );

    let api = s.login("unit_a").await;
    let session = s.login("unit_a").await;
    assert_eq!(
        s.call(Method::GET, reports, api.as_deref(), None).await.0,
        StatusCode::OK
    );
    let (st, _) = s
        .call(
            Method::POST,
            "/work/password",
            session.as_deref(),
            Some(json!({"current": PASSWORD, "new": "a new password 2"})),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        s.call(Method::GET, reports, api.as_deref(), None).await.0,
        StatusCode::UNAUTHORIZED,
        "every token of the account ends with the password change"
    );
}

on_both!(publishing_early_needs_confirmation_and_a_published_round_reopens);
/// Issue #15: publishing a round that is open, or has entries not accepted, says what would go
/// public as 未报送 and waits for a confirmation (409 with the counts; the page asks). After
/// publication the office reopens the round, a unit corrects, the reviewer accepts, and
/// publishing again makes a correction while the first publication keeps its permanent link.
/// A published round takes no extension requests.
async fn publishing_early_needs_confirmation_and_a_published_round_reopens(backend: Backend) {
    let s = site_on(backend).await;
    let admin = s.token("admin").await;
    let unit = s.token("unit_a").await;
    let reviewer = s.token("reviewer").await;
    let (admin, unit, reviewer) = (admin.as_deref(), unit.as_deref(), reviewer.as_deref());
    let publish = "/api/v1/rounds/2023Q4/publish";
    let q4 = "2023Q4".parse().unwrap();

    // All 40 entries are drafts: refused, with the counts, and nothing published.
    let (st, refusal) = s.call(Method::POST, publish, admin, None).await;
    assert_eq!(st, StatusCode::CONFLICT, "{refusal}");
    assert_eq!(refusal["error"], "needs_confirmation");
    assert_eq!(
        (refusal["missing"].as_u64(), refusal["pending"].as_u64()),
        (Some(40), Some(0))
    );
    assert!(
        refusal["message"].as_str().unwrap().contains("未报送"),
        "{refusal}"
    );
    let (st, _) = s
        .call(
            Method::POST,
            publish,
            admin,
            Some(json!({"confirm": false})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        s.store
            .publications_of(common::HEZE_GOV, q4)
            .await
            .unwrap()
            .is_empty()
    );

    // One report submitted: 39 missing, 1 pending.
    let id = s.report_id(39, 0).await;
    let report = format!("/api/v1/reports/{id}");
    let (st, r) = s
        .call(
            Method::PUT,
            &report,
            unit,
            Some(json!({"progress": "全年增加市级储备粮2万吨", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let submit = format!("{report}/submit");
    assert_eq!(
        s.call(Method::POST, &submit, unit, None).await.0,
        StatusCode::OK
    );
    let (_, refusal) = s.call(Method::POST, publish, admin, None).await;
    assert_eq!(
        (refusal["missing"].as_u64(), refusal["pending"].as_u64()),
        (Some(39), Some(1))
    );

    // The page asks first, in the site's chrome, with the counts; an unknown answer is refused.
    let page = format!("{}/work/2023Q4/publish", s.base);
    let asked = s
        .http
        .post(&page)
        .bearer_auth(admin.unwrap())
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let text = asked.text().await.unwrap();
    assert!(
        text.contains("确认公开") && text.contains("<strong>39</strong>"),
        "{text}"
    );
    assert!(
        text.contains("<strong>1</strong>") && text.contains("仍在报送中"),
        "{text}"
    );
    assert!(
        s.store
            .publications_of(common::HEZE_GOV, q4)
            .await
            .unwrap()
            .is_empty()
    );
    let (st, _) = s
        .call(
            Method::POST,
            "/work/2023Q4/publish",
            admin,
            Some(json!({"confirm": "sure"})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        s.store
            .publications_of(common::HEZE_GOV, q4)
            .await
            .unwrap()
            .is_empty()
    );

    // The reviewer returns the report; the office publishes anyway.
    let (st, _) = s
        .call(
            Method::POST,
            &format!("{report}/return"),
            reviewer,
            Some(json!({"reason": "请写明完成比例"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, first) = s
        .call(Method::POST, publish, admin, Some(json!({"confirm": true})))
        .await;
    assert_eq!(st, StatusCode::OK, "{first}");
    let first_sha = first["sha256"].as_str().unwrap().to_owned();

    // Published: the returned report cannot be corrected, nor a later deadline asked for.
    let (st, _) = s
        .call(
            Method::PUT,
            &report,
            unit,
            Some(json!({"progress": "更正", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, x) = s
        .call(
            Method::POST,
            &format!("{report}/extensions"),
            unit,
            Some(json!({"deadline": "2024-06-30", "reason": "项目审批未完成"})),
        )
        .await;
    assert_eq!(
        (st, x["error"].as_str()),
        (StatusCode::CONFLICT, Some("wrong_round_state"))
    );
    // Publishing a published round again needs no confirmation: nothing changed, it stands.
    let (st, again) = s.call(Method::POST, publish, admin, None).await;
    assert_eq!(
        (st, again["sha256"].as_str()),
        (StatusCode::OK, Some(first_sha.as_str()))
    );

    // Reopened for corrections: only the admin, only a published round.
    let reopen = "/api/v1/rounds/2023Q4/reopen";
    assert_eq!(
        s.call(Method::POST, reopen, unit, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, round) = s.call(Method::POST, reopen, admin, None).await;
    assert_eq!(
        (st, round["state"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    let (st, x) = s.call(Method::POST, reopen, admin, None).await;
    assert_eq!(
        (st, x["error"].as_str()),
        (StatusCode::CONFLICT, Some("wrong_round_state"))
    );

    // The unit corrects and resubmits, the reviewer accepts, the office publishes a correction.
    let (st, r) = s
        .call(
            Method::PUT,
            &report,
            unit,
            Some(json!({"progress": "前三季度增加市级储备粮1.71万吨，占全年目标19.9%", "on_schedule": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        s.call(Method::POST, &submit, unit, None).await.0,
        StatusCode::OK
    );
    let (st, _) = s
        .call(Method::POST, &format!("{report}/accept"), reviewer, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.call(Method::POST, publish, admin, None).await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "reopened, the round is open again"
    );
    let (st, correction) = s
        .call(Method::POST, publish, admin, Some(json!({"confirm": true})))
        .await;
    assert_eq!(st, StatusCode::OK, "{correction}");
    assert_eq!(correction["supersedes"].as_str(), Some(first_sha.as_str()));

    // The public table shows the correction; the first publication stays at its link.
    let table = s.text("/tables/2023Q4").await;
    assert!(
        table.contains("占全年目标19.9%"),
        "the correction is public"
    );
    let old = s.text(&format!("/publications/{first_sha}")).await;
    assert!(
        !old.contains("占全年目标19.9%") && old.contains("2023Q4"),
        "{old}"
    );
    let records = s.store.audit(10_000).await.unwrap();
    assert!(
        records
            .iter()
            .any(|r| r.action == "round.reopen" && r.actor == "user:admin")
    );
}

on_both!(a_units_home_counts_its_own_reports_and_puts_returned_ones_first);
/// Issue #15: `/work` shows a unit its own reports of each round ("已提交 1 / 17"), not the
/// round's 40, and lists a returned report with its reason before anything else.
async fn a_units_home_counts_its_own_reports_and_puts_returned_ones_first(backend: Backend) {
    let s = site_on(backend).await;
    let unit = s.token("unit_a").await;
    let reviewer = s.token("reviewer").await;
    let (unit, reviewer) = (unit.as_deref(), reviewer.as_deref());
    let home = |token: Option<&str>| {
        let req = s.http.get(format!("{}/work", s.base));
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    // What unit_a leads in 2023Q4, as the API lists it.
    let (_, all) = s
        .call(Method::GET, "/api/v1/rounds/2023Q4/reports", unit, None)
        .await;
    let led = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["units"][0] == "市发展改革委")
        .count();
    assert!(led > 10 && led < 40, "{led}");
    let page = home(unit).await;
    assert!(
        page.contains(&format!("<strong>0 / {led}</strong>")),
        "{page}"
    );
    assert!(!page.contains("待办"), "nothing returned yet");

    // One submitted, then returned with a reason: counted, and listed first with the reason.
    let id = s.report_id(39, 0).await;
    let report = format!("/api/v1/reports/{id}");
    s.call(
        Method::PUT,
        &report,
        unit,
        Some(json!({"progress": "增加储备粮", "on_schedule": true})),
    )
    .await;
    s.call(Method::POST, &format!("{report}/submit"), unit, None)
        .await;
    assert!(
        home(unit)
            .await
            .contains(&format!("<strong>1 / {led}</strong>"))
    );
    let (st, _) = s
        .call(
            Method::POST,
            &format!("{report}/return"),
            reviewer,
            Some(json!({"reason": "请写明占全年目标的比例"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let page = home(unit).await;
    assert!(
        page.contains(&format!("<strong>0 / {led}</strong>")),
        "{page}"
    );
    assert!(page.contains("退回 Returned 1"), "{page}");
    let todo = page.split("待办").nth(1).expect("a to-do list");
    assert!(
        todo.contains(&format!("/work/2023Q4#r{id}")) && todo.contains("请写明占全年目标的比例"),
        "{todo}"
    );
    // The reviewer sees the whole round and has no unit's to-do list.
    let page = home(reviewer).await;
    assert!(page.contains("<strong>0 / 40</strong>"), "{page}");
    assert!(!page.contains("待办"));
}

on_both!(the_dashboard_says_each_state_in_words_and_groups_by_leader_too);
/// Issue #15: each row of the dashboard says its state in words beside the colour, and the
/// same table can be viewed per leader in charge (a report counts under each of its leaders).
async fn the_dashboard_says_each_state_in_words_and_groups_by_leader_too(backend: Backend) {
    let s = site_on(backend).await;
    let reviewer = s.token("reviewer").await;
    let unit = s.token("unit_b").await;
    let (reviewer, unit) = (reviewer.as_deref(), unit.as_deref());
    let page = |query: &'static str| {
        let req = s
            .http
            .get(format!("{}/work/2023Q4/dashboard{query}", s.base))
            .bearer_auth(reviewer.unwrap());
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // 市财政局 (unit_b) submits all it leads: its row is done; the others are in progress
    // (the round is due in 2099).
    let (_, all) = s
        .call(Method::GET, "/api/v1/rounds/2023Q4/reports", reviewer, None)
        .await;
    let all = all.as_array().unwrap().clone();
    for r in all.iter().filter(|r| r["units"][0] == "市财政局") {
        let path = format!("/api/v1/reports/{}", r["id"]);
        let body = json!({"progress": "已完成", "on_schedule": true});
        assert_eq!(
            s.call(Method::PUT, &path, unit, Some(body)).await.0,
            StatusCode::OK
        );
        let submit = format!("{path}/submit");
        assert_eq!(
            s.call(Method::POST, &submit, unit, None).await.0,
            StatusCode::OK
        );
    }
    let (st, by_unit) = page("").await;
    assert_eq!(st, StatusCode::OK);
    let row = |html: &str, name: &str| -> String {
        let at = html
            .find(&format!(">{name}<"))
            .unwrap_or_else(|| panic!("no row {name}"));
        let end = at + html[at..].find("</tr>").unwrap();
        html[at..end].to_owned()
    };
    let finance = row(&by_unit, "市财政局");
    assert!(finance.contains("已齐 Done"), "{finance}");
    let fgw = row(&by_unit, "市发展改革委");
    assert!(fgw.contains("报送中 In progress"), "{fgw}");

    // By leader: 聂元科's row counts exactly the reports that name him.
    let (st, by_leader) = page("?by=leader").await;
    assert_eq!(st, StatusCode::OK);
    assert!(by_leader.contains("<strong>按分管领导 By leader</strong>"));
    let nie = all
        .iter()
        .filter(|r| {
            r["leaders"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "聂元科")
        })
        .count();
    assert!(nie > 0);
    let nie_row = row(&by_leader, "聂元科");
    assert!(
        nie_row.contains(&format!("<td>{nie}</td>")) && nie_row.contains("报送中"),
        "{nie_row}"
    );
    // The 催办 text still names units, not leaders.
    assert!(by_leader.contains("市发展改革委："), "{by_leader}");
    // An unknown grouping is refused.
    assert_eq!(page("?by=weather").await.0, StatusCode::BAD_REQUEST);
}

on_both!(a_leaders_home_shows_their_targets_and_what_the_checks_say);
/// 聂元科's home lists the entries of his targets in the open round, each linked to its
/// report, with the 核查 findings on the text as it stands (a draft is checked once written).
async fn a_leaders_home_shows_their_targets_and_what_the_checks_say(backend: Backend) {
    let s = site_on(backend).await;
    let unit = s.token("unit_a").await;
    let leader = s.token("leader").await;
    let id = s.report_id(39, 0).await;
    // Last quarter's words in this quarter's report: the checks say the period is wrong.
    let (st, _) = s
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{id}"),
            unit.as_deref(),
            Some(json!({"progress": "前三季度,增加市级储备粮1.71万吨", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let r = s
        .http
        .get(format!("{}/work", s.base))
        .bearer_auth(leader.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("我分管的目标"), "{page}");
    let row = page
        .split(&format!("href=\"/work/2023Q4#r{id}\""))
        .nth(1)
        .expect("target 39's entry links to its report")
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains("市发展改革委") && row.contains("时段不符"),
        "{row}"
    );
    // Only his: target 1 (聂元科 is not its leader) is not there.
    let (_, mine) = s
        .call(
            Method::GET,
            "/api/v1/rounds/2023Q4/reports",
            leader.as_deref(),
            None,
        )
        .await;
    let listed = page.matches("href=\"/work/2023Q4#r").count();
    assert_eq!(listed, mine.as_array().unwrap().len());
    // Other roles have no such section.
    let admin = s.token("admin").await;
    let page = s
        .http
        .get(format!("{}/work", s.base))
        .bearer_auth(admin.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("我分管的目标"));
}

on_both!(a_refused_form_comes_back_with_what_was_typed);
/// The unit's form, refused (no 是/否 on submit; a version someone else moved on), comes
/// back on the round page with the text as typed and the problem beside it.
async fn a_refused_form_comes_back_with_what_was_typed(backend: Backend) {
    let s = site_on(backend).await;
    let unit = s.token("unit_a").await;
    let id = s.report_id(39, 0).await;
    let post = |body: Value| {
        let s = &s;
        let unit = unit.clone();
        async move {
            s.call(
                Method::POST,
                &format!("/work/reports/{id}"),
                unit.as_deref(),
                Some(body),
            )
            .await
        }
    };
    let typed = "全年增加市级储备粮2万吨（待选是否）";
    let (st, page) = post(json!({"progress": typed, "action": "submit", "version": "1"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let page = page.as_str().unwrap_or_default().to_owned();
    assert!(page.contains("请选择“是否按计划完成进度”"), "{page}");
    assert!(page.contains(&format!(">{typed}</textarea>")), "{page}");
    assert!(
        page.contains(&format!("href=\"#r{id}\"")),
        "the notice links to the report"
    );
    // Saved as a draft all the same; not submitted.
    let r = s.store.report(id).await.unwrap().unwrap();
    assert_eq!((r.progress.as_str(), r.state.as_str()), (typed, "draft"));

    // A save over a version someone else moved on: refused, the text kept on the page.
    let mine = "我的版本";
    let (st, page) =
        post(json!({"progress": mine, "action": "save", "version": "1", "on_schedule": "是"}))
            .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let page = page.as_str().unwrap_or_default().to_owned();
    assert!(page.contains(&format!(">{mine}</textarea>")), "{page}");
    assert!(page.contains("该报告已被他人修改"), "{page}");
    assert_eq!(s.store.report(id).await.unwrap().unwrap().progress, typed);
}

on_both!(the_office_manages_accounts_on_the_accounts_page);
/// Issue #15 part 5: the office creates an account (a temporary password, shown once, to be
/// changed at the first login), a refused form keeps what was typed, disabling an account ends
/// its token at once, and an unknown action changes nothing.
async fn the_office_manages_accounts_on_the_accounts_page(backend: Backend) {
    let s = site_on(backend).await;
    let admin = s.token("admin").await;
    let admin = admin.as_deref();

    // A unit account without its unit: refused on the same page, with the input kept.
    let (st, page) = s
        .call(
            Method::POST,
            "/work/users",
            admin,
            Some(json!({"username": "zhang_czj", "role": "unit", "units": "", "email": "zhang@czj.example"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let page = page.as_str().unwrap().to_owned();
    assert!(page.contains("单位账户须绑定责任单位"), "{page}");
    assert!(page.contains("value=\"zhang_czj\"") && page.contains("zhang@czj.example"));
    assert!(s.store.credentials("zhang_czj").await.unwrap().is_none());

    let (st, page) = s
        .call(
            Method::POST,
            "/work/users",
            admin,
            Some(json!({"username": "zhang_czj", "role": "unit", "units": "市财政局", "email": "zhang@czj.example"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let page = page.as_str().unwrap().to_owned();
    let password = page
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("no temporary password on {page}"))
        .to_owned();
    assert_eq!(password.chars().count(), 12);
    // The temporary password logs in only to be changed.
    let (st, body) = s
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "zhang_czj", "password": password})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "password_change_required");
    let r = s
        .http
        .post(format!("{}/login", s.base))
        .form(&[("username", "zhang_czj"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/work/password?reset=1");

    // Disabled: its token stops at once, and the login is refused.
    let unit_a = s.login("unit_a").await;
    let reports = "/api/v1/rounds/2023Q4/reports";
    assert_eq!(
        s.call(Method::GET, reports, unit_a.as_deref(), None)
            .await
            .0,
        StatusCode::OK
    );
    let id = s
        .store
        .credentials("unit_a")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let account = format!("/work/users/{id}");
    // An unknown action is refused and changes nothing.
    let (st, _) = s
        .call(
            Method::POST,
            &account,
            admin,
            Some(json!({"action": "delete"})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        s.store
            .user(id)
            .await
            .unwrap()
            .unwrap()
            .disabled_at
            .is_none()
    );
    let (st, page) = s
        .call(
            Method::POST,
            &account,
            admin,
            Some(json!({"action": "disable"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("已停用"));
    assert_eq!(
        s.call(Method::GET, reports, unit_a.as_deref(), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "a disabled account's token ends at once"
    );
    let (st, body) = s
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "unit_a", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );
    // The office cannot lock itself out.
    let me = s.store.credentials("admin").await.unwrap().unwrap().user_id;
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/work/users/{me}"),
            admin,
            Some(json!({"action": "disable"})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // Every change is in the audit log.
    let actions: Vec<String> = s
        .store
        .audit(50)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in ["user.create", "user.reset_password", "user.disable"] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
    let (_, list) = s.call(Method::GET, "/work/users", admin, None).await;
    let list = list.as_str().unwrap();
    assert!(
        list.contains("zhang_czj") && list.contains("待改密"),
        "{list}"
    );
}

on_both!(the_scorecard_ranks_units_by_how_their_reports_came_in);
/// Issue #13 part 4: a round walked through the API — 市财政局 on time in 2023Q4 and late in
/// 2023M12 (due in the past), 市发展改革委 returned twice then accepted, the rest missing — and
/// the year's scorecard counts exactly that, from what the publications froze.
async fn the_scorecard_ranks_units_by_how_their_reports_came_in(backend: Backend) {
    let s = site_on(backend).await;
    let (unit_a, unit_b, reviewer, admin) = (
        s.token("unit_a").await,
        s.token("unit_b").await,
        s.token("reviewer").await,
        s.token("admin").await,
    );
    let (st, r) = s
        .call(
            Method::POST,
            "/api/v1/rounds",
            admin.as_deref(),
            Some(json!({"period": "2023M12", "due": "2000-01-01"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let report = |period: &'static str, no: u32| {
        let store = s.store.clone();
        async move {
            store
                .reports(common::HEZE_GOV, period.parse().unwrap())
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.target_no == no && r.entry == 0)
                .unwrap()
                .id
        }
    };
    let write = |id: i64, token: Option<String>| {
        let s = &s;
        async move {
            let (st, r) = s
                .call(
                    Method::PUT,
                    &format!("/api/v1/reports/{id}"),
                    token.as_deref(),
                    Some(json!({"progress": "推进中，已完成阶段任务。", "on_schedule": true})),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{r}");
            let (st, r) = s
                .call(
                    Method::POST,
                    &format!("/api/v1/reports/{id}/submit"),
                    token.as_deref(),
                    None,
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{r}");
        }
    };
    // 市财政局 leads target 2: on time in 2023Q4, late in 2023M12.
    for period in ["2023Q4", "2023M12"] {
        let id = report(period, 2).await;
        write(id, unit_b.clone()).await;
        let (st, _) = s
            .call(
                Method::POST,
                &format!("/api/v1/reports/{id}/accept"),
                reviewer.as_deref(),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    // 市发展改革委 leads target 39: returned twice in 2023Q4, then accepted.
    let id = report("2023Q4", 39).await;
    for _ in 0..2 {
        write(id, unit_a.clone()).await;
        let (st, _) = s
            .call(
                Method::POST,
                &format!("/api/v1/reports/{id}/return"),
                reviewer.as_deref(),
                Some(json!({"reason": "请补充数据"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    write(id, unit_a.clone()).await;
    s.call(
        Method::POST,
        &format!("/api/v1/reports/{id}/accept"),
        reviewer.as_deref(),
        None,
    )
    .await;
    for period in ["2023Q4", "2023M12"] {
        let (st, r) = s
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{period}/publish"),
                admin.as_deref(),
                Some(json!({"confirm": true})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{period}: {r}");
    }

    // How many entries each unit leads in a round (the plan is the same in the three).
    let table = common::heze_table();
    let leads = |unit: &str| {
        table
            .targets
            .iter()
            .flat_map(|t| &t.entries)
            .filter(|e| e.units[0].as_str() == unit)
            .count()
    };
    let csv = s.text("/scorecards/2023.csv").await;
    let rows: Vec<Vec<String>> =
        csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
    let row = |unit: &str| rows.iter().find(|r| r[1] == unit).unwrap().clone();
    // entries, on time, late, missing, returned: over 2023Q3 (imported: no timeliness), Q4, M12.
    let (n, m) = (leads("市财政局"), leads("市发展改革委"));
    let czj = row("市财政局");
    assert_eq!(
        czj[2..6],
        [
            (3 * n).to_string(),
            "1".into(),
            "1".into(),
            (2 * n - 2).to_string()
        ],
        "{czj:?}"
    );
    assert_eq!(czj[7], "0");
    let fgw = row("市发展改革委");
    assert_eq!(
        fgw[2..8],
        [
            (3 * m).to_string(),
            "1".into(),
            "0".into(),
            (2 * m - 1).to_string(),
            {
                let p = (1000 + m) / (2 * m);
                format!("{}.{}%", p / 10, p % 10)
            },
            "2".into()
        ],
        "{fgw:?}"
    );
    // Ranked by on-time rate: 市财政局 (1 of 2n) above 市发展改革委 (1 of 2m) when n < m.
    if n < m {
        let pos = |u: &str| rows.iter().position(|r| r[1] == u).unwrap();
        assert!(pos("市财政局") < pos("市发展改革委"));
    }
    // The page says its rule and links each unit to its entries.
    let page = s.text("/scorecards/2023").await;
    assert!(page.contains("排名规则"));
    assert!(
        page.contains("/tables/2023M12?unit=") || page.contains("/tables/2023Q4?unit="),
        "links to a round of the year's end: {page}"
    );
    assert_eq!(
        s.call(Method::GET, "/scorecards/1999", None, None).await.0,
        StatusCode::NOT_FOUND
    );

    // Each unit's page says the same, entry by entry: frozen in the publications, round by
    // round, newest first; the imported round says it knows nothing of timeliness.
    let page = s.text("/units/市发展改革委").await;
    assert!(
        page.contains(&format!(
            "按时报送 <strong>1</strong> 条，迟报 <strong>0</strong> 条，未报送 <strong>{}</strong> 条，被退回 <strong>2</strong> 次",
            2 * m - 1
        )),
        "{page}"
    );
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("2023年12月") < at("2023年三季度") && at("2023年四季度") < at("2023年三季度"));
    assert!(page.contains("导入的一览表，报送时间未知"));
    let q4 = &page[at("2023年四季度")..at("2023年三季度")];
    let t39 = &q4[q4.find("/targets/2023/39").unwrap()..];
    let t39 = &t39[..t39.find("</li>").unwrap()];
    assert!(t39.contains("牵头") && t39.contains("按时 · 2"), "{t39}");
    assert!(t39.contains("退回 2 次"), "{t39}");
    assert!(page.contains("配合"), "it also assists somewhere");
    let czj = s.text("/units/市财政局").await;
    assert!(czj.contains("迟报 <strong>1</strong>"), "{czj}");
    assert!(czj.contains("<span class=\"when late\">迟报 · "), "{czj}");
    // A leader's page lists every entry in the leader's charge, with the lead unit.
    let leader = table
        .targets
        .iter()
        .find(|t| t.no.get() == 39)
        .unwrap()
        .entries[0]
        .leaders()[0]
        .as_str()
        .to_owned();
    let charge = table
        .targets
        .iter()
        .flat_map(|t| &t.entries)
        .filter(|e| e.leaders().iter().any(|l| l.as_str() == leader))
        .count();
    let page = s.text(&format!("/leaders/{leader}")).await;
    assert!(
        page.contains(&format!("最新一期中分管 <strong>{charge}</strong> 项")),
        "{page}"
    );
    assert!(page.contains("牵头 市发展改革委"), "{page}");
    let en = s
        .text(&format!("/leaders/{leader}?year=2023&lang=en"))
        .await;
    assert!(en.contains("entries are in this leader's charge"), "{en}");
    for missing in [
        "/units/不存在的单位",
        "/units/市财政局?year=1999",
        "/units/市财政局?year=abc",
    ] {
        assert_eq!(
            s.call(Method::GET, missing, None, None).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

on_both!(the_office_starts_next_years_plan_from_the_plan_page);
/// `/work/plan`: the year's targets with the 长期坚持 ones ticked; carrying them over makes the
/// next year's plan, and carrying over again is refused on the page with the ticks kept.
async fn the_office_starts_next_years_plan_from_the_plan_page(backend: Backend) {
    let s = site_on(backend).await;
    let admin = s.token("admin").await;
    let page = |path: &str| {
        let (s, admin) = (&s, admin.clone());
        let path = path.to_owned();
        async move {
            s.http
                .get(format!("{}{path}", s.base))
                .bearer_auth(admin.as_deref().unwrap())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let plan = page("/work/plan").await;
    assert!(plan.contains("年度计划 · Plan 2023"), "{plan}");
    let ticked = plan.matches(" checked>").count();
    let ongoing: Vec<u32> = common::heze_table()
        .targets
        .iter()
        .filter(|t| t.deadline == duban_core::Deadline::Ongoing)
        .map(|t| t.no.get())
        .collect();
    assert_eq!(ticked, ongoing.len(), "the 长期坚持 targets are ticked");
    assert!(plan.contains(&format!(
        "value=\"{}\" id=\"pick-{}\" checked",
        ongoing[0], ongoing[0]
    )));

    let carry = json!({"from": "2023", "to": "2024", "pick": ongoing[0].to_string()});
    let (st, _) = s
        .call(
            Method::POST,
            "/work/plan/rollover",
            admin.as_deref(),
            Some(carry.clone()),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let made = page("/work/plan?year=2024&made=1").await;
    assert!(made.contains("已建立 2024 年计划，结转 1 项目标"), "{made}");
    let content = &common::heze_table()
        .targets
        .iter()
        .find(|t| t.no.get() == ongoing[0])
        .unwrap()
        .content
        .clone();
    assert!(made.contains(&format!(
        "<label for=\"pick-1\">1</label></td><td>{content}"
    )));
    let before = page("/work/plan?year=2023").await;
    assert_eq!(before.matches("已结转 carried").count(), 1);

    // Once 2024 has a table, the target's public pages link each other across the years.
    s.store
        .open_round(
            common::HEZE_GOV,
            "2024Q1".parse().unwrap(),
            "2099-04-10".parse().unwrap(),
            "test",
        )
        .await
        .unwrap();
    s.store
        .publish(common::HEZE_GOV, "2024Q1".parse().unwrap(), "test")
        .await
        .unwrap();
    let old = page(&format!("/targets/2023/{}", ongoing[0])).await;
    assert!(
        old.contains("<a href=\"/targets/2024/1\">结转为 2024 年第 1 项</a>"),
        "{old}"
    );
    let new = page("/targets/2024/1?lang=en").await;
    assert!(
        new.contains(&format!(
            "<a href=\"/targets/2023/{0}?lang=en\">Carried over from No. {0} of 2023</a>",
            ongoing[0]
        )),
        "{new}"
    );

    // Again: the 2024 plan has its target; the page says why and keeps the ticks.
    let (st, _) = s
        .call(
            Method::POST,
            "/work/plan/rollover",
            admin.as_deref(),
            Some(carry),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = s
        .call(
            Method::POST,
            "/work/plan/rollover",
            admin.as_deref(),
            Some(json!({"from": "2023", "to": "2023", "pick": "1"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let actions: Vec<String> = s
        .store
        .audit(50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.iter().any(|a| a == "plan.rollover"));
}

on_both!(the_office_edits_the_plan_and_the_new_lead_unit_reports);
/// Plan editing through the pages and the API while 2023Q4 is open: a target added on the
/// form gets a report its lead unit's clerk sees at once; a new lead unit set through the API
/// takes the report over (the old unit no longer sees it, the new one saves it); a bad form
/// comes back with the field named and what was typed; retiring ends it, once.
async fn the_office_edits_the_plan_and_the_new_lead_unit_reports(backend: Backend) {
    let s = site_on(backend).await;
    let admin = s.token("admin").await;
    let unit_a = s.token("unit_a").await; // 市发展改革委
    let unit_b = s.token("unit_b").await; // 市财政局
    let next = common::heze_table()
        .targets
        .iter()
        .map(|t| t.no.get())
        .max()
        .unwrap()
        + 1;

    let form = json!({"content": "新建城市书房10处", "deadline": "11月底",
                      "group": "一、民生实事", "units.0": "市财政局、市审计局", "leaders.0": "聂元科",
                      "units.1": "", "leaders.1": "", "assisting.1": ""});
    let (st, _) = s
        .call(
            Method::POST,
            "/work/plan/2023/targets",
            admin.as_deref(),
            Some(form),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let plan = s
        .http
        .get(format!("{}/work/plan?year=2023&saved={next}", s.base))
        .bearer_auth(admin.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(plan.contains(&format!("已保存第 {next} 项目标")), "{plan}");
    assert!(plan.contains(&format!("/work/plan/2023/targets/{next}\"")));

    let reports_of = |token: Option<String>| {
        let s = &s;
        async move {
            let (st, v) = s
                .call(
                    Method::GET,
                    "/api/v1/rounds/2023Q4/reports",
                    token.as_deref(),
                    None,
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{v}");
            v.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["target_no"] == next)
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    let seen = reports_of(unit_b.clone()).await;
    assert_eq!(
        seen.len(),
        1,
        "市财政局 leads the new target and sees its report"
    );
    assert_eq!(seen[0]["units"], json!(["市财政局", "市审计局"]));
    assert!(reports_of(unit_a.clone()).await.is_empty());

    // The API moves the lead to 市发展改革委: the report follows at once.
    let (st, target) = s
        .call(
            Method::GET,
            &format!("/api/v1/plans/2023/targets/{next}"),
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{target}");
    assert_eq!(target["deadline"], "2023-11-30");
    assert_eq!(target["group"], json!(["一、民生实事"]));
    let mut draft = target.clone();
    draft.as_object_mut().unwrap().remove("no");
    draft["entries"][0]["units"] = json!(["市发展改革委"]);
    let (st, edited) = s
        .call(
            Method::PUT,
            &format!("/api/v1/plans/2023/targets/{next}"),
            admin.as_deref(),
            Some(draft),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{edited}");
    assert!(
        reports_of(unit_b.clone()).await.is_empty(),
        "the old unit lost it"
    );
    let mine = reports_of(unit_a.clone()).await;
    assert_eq!(mine.len(), 1);
    let (id, version) = (
        mine[0]["id"].as_i64().unwrap(),
        mine[0]["version"].as_i64().unwrap(),
    );
    let save = json!({"progress": "已完成选址8处", "on_schedule": true, "version": version});
    let (st, _) = s
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{id}"),
            unit_b.as_deref(),
            Some(save.clone()),
        )
        .await;
    assert!(
        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
        "{st}"
    );
    let (st, saved) = s
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{id}"),
            unit_a.as_deref(),
            Some(save),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");

    // A bad form names the field and keeps what was typed; nothing changes.
    let page = s
        .http
        .post(format!("{}/work/plan/2023/targets/{next}", s.base))
        .bearer_auth(admin.as_deref().unwrap())
        .form(&[
            ("content", "新建城市书房12处"),
            ("deadline", "明年"),
            ("units.0", "市发展改革委"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("deadline: “明年” is not a deadline"),
        "{page}"
    );
    assert!(page.contains("新建城市书房12处"), "what was typed is kept");
    let (_, unchanged) = s
        .call(
            Method::GET,
            &format!("/api/v1/plans/2023/targets/{next}"),
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(unchanged["content"], "新建城市书房10处");
    // JSON refusals name the field too.
    let (st, e) = s
        .call(
            Method::POST,
            "/api/v1/plans/2023/targets",
            admin.as_deref(),
            Some(json!({"content": "x", "entries": [{"units": []}]})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("entries[0].units:"),
        "{e}"
    );

    // Retire: the draft is withdrawn, the target listed as retired; a second time is refused.
    let path = format!("/api/v1/plans/2023/targets/{next}");
    let (st, retired) = s.call(Method::DELETE, &path, admin.as_deref(), None).await;
    assert_eq!(st, StatusCode::OK, "{retired}");
    assert!(retired["retired_at"].is_string());
    assert!(reports_of(unit_a.clone()).await.is_empty());
    let (st, again) = s.call(Method::DELETE, &path, admin.as_deref(), None).await;
    assert_eq!(
        (st, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("target_retired"))
    );
    let actions: Vec<String> = s
        .store
        .audit(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.subject == format!("target:{}/2023/{next}", common::HEZE_GOV))
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["target.retire", "target.update", "target.create"]);

    // Restored through its page: back on the plan, and its lead unit is asked again.
    let (st, page) = s
        .call(
            Method::GET,
            &format!("/work/plan/2023/targets/{next}"),
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("/restore\""), "{page}");
    let back = s
        .http
        .post(format!("{}/work/plan/2023/targets/{next}/restore", s.base))
        .bearer_auth(admin.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let plan = s
        .http
        .get(format!(
            "{}{}",
            s.base,
            back.headers()["location"].to_str().unwrap()
        ))
        .bearer_auth(admin.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(plan.contains(&format!("已恢复第 {next} 项目标")), "{plan}");
    assert_eq!(reports_of(unit_a.clone()).await.len(), 1);
    let (st, again) = s
        .call(
            Method::POST,
            &format!("{path}/restore"),
            admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(
        (st, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("target_not_retired"))
    );

    // A target typed into a year with no plan makes that plan: the plan page lists the year
    // and shows it first, though no round of it is open.
    let (st, made) = s
        .call(
            Method::POST,
            "/api/v1/plans/2031/targets",
            admin.as_deref(),
            Some(json!({"content": "建成口袋公园20处", "deadline": "年底",
                        "entries": [{"units": ["市财政局"]}]})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let (st, page) = s
        .call(Method::GET, "/work/plan", admin.as_deref(), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let page = page.as_str().unwrap();
    assert!(page.contains("建成口袋公园20处"), "{page}");
    assert!(
        page.contains("<option selected>2031</option><option>2023</option>"),
        "the other years stay listed: {page}"
    );
}
