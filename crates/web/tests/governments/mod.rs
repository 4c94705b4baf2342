//! Several governments in one deployment, over HTTP: each government's pages, JSON, search and
//! downloads under its own prefix with none of the other's data; unprefixed paths refused with
//! the choices; the work pages and lists of an account bound to one government.

use crate::common::api::{site_on, two_site_on};
use crate::common::{Backend, HEZE_CODE, HEZE_GOV, YUNCHENG_CODE, YUNCHENG_GOV, YUNCHENG_ONLY};
use reqwest::{Method, StatusCode};

/// Text only 菏泽's table has: its target 39 (增加市级储备粮8.6万吨).
const HEZE_ONLY: &str = "增加市级储备粮8.6万吨";

on_both!(each_government_answers_under_its_own_prefix);
async fn each_government_answers_under_its_own_prefix(backend: Backend) {
    let s = two_site_on(backend).await;
    let (h, y) = (format!("/g/{HEZE_CODE}"), format!("/g/{YUNCHENG_CODE}"));

    // The home page lists both; each government's home lists its rounds under its prefix.
    let home = s.text("/").await;
    assert!(
        home.contains(HEZE_GOV) && home.contains(YUNCHENG_GOV),
        "{home}"
    );
    assert!(home.contains(&format!("href=\"{h}")) && home.contains(&format!("href=\"{y}")));
    let yh = s.text(&y).await;
    assert!(yh.contains(&format!("href=\"{y}/tables/2023Q3")), "{yh}");
    assert!(!yh.contains(&format!("{h}/")), "{yh}");

    // Tables: each its own data, its links under its own prefix.
    for (base, own, other) in [
        (&h, HEZE_ONLY, YUNCHENG_ONLY),
        (&y, YUNCHENG_ONLY, HEZE_ONLY),
    ] {
        let (st, page) = get(&s, &format!("{base}/tables/2023Q3")).await;
        assert_eq!(st, StatusCode::OK, "{base}: {page}");
        assert!(page.contains(own) && !page.contains(other), "{base}");
        assert!(
            page.contains(&format!("href=\"{base}/targets/2023/39")),
            "{base}"
        );
        assert!(page.contains(&format!("href=\"{base}/downloads/2023Q3/csv")));
        assert!(!page.contains("href=\"/tables/") && !page.contains("href=\"/targets/"));

        let (st, target) = get(&s, &format!("{base}/targets/2023/39")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(target.contains(own) && !target.contains(other), "{base}");

        let (_, csv) = get(&s, &format!("{base}/downloads/2023Q3/csv")).await;
        assert!(csv.contains(own) && !csv.contains(other), "{base}");

        let api = format!("/api/v1{base}");
        let (st, json) = get(&s, &format!("{api}/tables/2023Q3")).await;
        assert_eq!(st, StatusCode::OK);
        let (_, download) = get(&s, &format!("{base}/downloads/2023Q3/json")).await;
        assert_eq!(json, download, "the download is the API's bytes");
        assert!(json.contains(own) && !json.contains(other));

        let (_, periods) = s
            .call(Method::GET, &format!("{api}/periods"), None, None)
            .await;
        let periods = periods.as_array().unwrap();
        assert_eq!(periods.len(), 1, "{periods:?}");
        let gov = if base == &h { HEZE_GOV } else { YUNCHENG_GOV };
        assert_eq!(periods[0]["government"], gov);

        // Search finds what is this government's, and nothing of the other's.
        for (word, found) in [(own, true), (other, false)] {
            let (st, hits) = s
                .call(
                    Method::GET,
                    &format!("{api}/search?q={}", urlencode(word)),
                    None,
                    None,
                )
                .await;
            assert_eq!(st, StatusCode::OK);
            let hits = hits["hits"].as_array().unwrap();
            assert_eq!(!hits.is_empty(), found, "{base} {word}: {hits:?}");
            assert!(hits.iter().all(|h| h["government"] == gov));
        }
        let page = s.text(&format!("{base}/search?q={}", urlencode(own))).await;
        assert!(
            page.contains(&format!("href=\"{base}/tables/2023Q3")),
            "{page}"
        );
    }

    // A government may be named by its name too.
    let (st, _) = get(&s, &format!("/g/{}/tables/2023Q3", urlencode(YUNCHENG_GOV))).await;
    assert_eq!(st, StatusCode::OK);

    // Without a prefix, or with an unknown one: 404 naming the choices, as a page and as JSON.
    for path in ["/tables/2023Q3", "/g/999999/tables/2023Q3", "/search?q=x"] {
        let (st, page) = get(&s, path).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains(&h) && page.contains(&y), "{path}: {page}");
    }
    let (st, e) = s
        .call(Method::GET, "/api/v1/tables/2023Q3", None, None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(e["error"], "unknown_government");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&h) && message.contains(&y), "{message}");

    // The permalink of a publication links to its own government's pages.
    let sha = s
        .store
        .latest_publication(YUNCHENG_GOV, "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .summary
        .sha256;
    let (_, permalink) = get(&s, &format!("/publications/{sha}")).await;
    assert!(permalink.contains(&format!("href=\"{y}/targets/2023/39")));
}

on_both!(one_government_keeps_its_unprefixed_urls);
/// A deployment holding one government: today's URLs answer, and the prefixed ones (by slug)
/// answer the same.
async fn one_government_keeps_its_unprefixed_urls(backend: Backend) {
    let s = site_on(backend).await;
    for path in [
        "/tables/2023Q3",
        "/targets/2023/39",
        "/api/v1/tables/2023Q3",
        "/downloads/2023Q3/csv",
    ] {
        let (st, plain) = get(&s, path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        let prefixed = match path.strip_prefix("/api/v1") {
            Some(rest) => format!("/api/v1/g/heze{rest}"),
            None => format!("/g/heze{path}"),
        };
        let (st, same) = get(&s, &prefixed).await;
        assert_eq!(st, StatusCode::OK, "{prefixed}");
        assert_eq!(plain, same, "{prefixed}");
    }
    // A prefix that names no government is not taken for the only one.
    for path in ["/g/nowhere/tables/2023Q3", "/api/v1/g/%FF/tables/2023Q3"] {
        let (st, _) = get(&s, path).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
    }
    // Every page names the site's icon and says what the site is; the icon is served.
    let page = s.text("/tables/2023Q3?lang=en").await;
    assert!(page.contains("<link rel=\"icon\" href=\"/favicon.ico\""));
    assert!(page.contains("<meta name=\"description\" content=\"Quarterly progress"));
    let icon = s
        .http
        .get(format!("{}/favicon.ico", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
    // An error page is in the site's chrome, in Chinese and English, with a way back.
    let (st, page) = get(&s, "/tables/1999Q1").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(page.contains("<header class=\"site\">"), "{page}");
    assert!(
        page.contains("页面不存在或尚未公开") && page.contains("Not found, or not published yet")
    );
    assert!(page.contains("href=\"/work\"") && page.contains("返回首页"));
    // Links stay as they were.
    let page = s.text("/tables/2023Q3").await;
    assert!(page.contains("href=\"/targets/2023/39"));
    let home = s.text("/").await;
    assert!(home.contains("href=\"/tables/2023Q3"), "{home}");
}

on_both!(accounts_stay_within_their_government);
/// An account of one government sees and changes nothing of the other's, through the lists
/// (which are not per government) as through the paths (which are).
async fn accounts_stay_within_their_government(backend: Backend) {
    let s = two_site_on(backend).await;
    let heze_admin = s.token("admin").await;
    let y_admin = s.token("y_admin").await;
    let y_unit = s.token("y_unit_a").await;
    let platform = s.token("platform").await;
    let h = format!("/g/{HEZE_CODE}");
    let y = format!("/g/{YUNCHENG_CODE}");

    // Each lists its own government's rounds; the platform admin both, by government.
    let (_, page) = get_as(&s, "/work", y_admin.as_deref()).await;
    assert!(page.contains(&format!("{y}/work/2023Q4")), "{page}");
    assert!(!page.contains(&format!("{h}/work/")), "{page}");
    let (_, page) = get_as(&s, "/work", platform.as_deref()).await;
    assert!(
        page.contains(&format!("{y}/work/2023Q4")) && page.contains(&format!("{h}/work/2023Q4"))
    );
    assert!(page.contains(&format!("action=\"{h}/work/rounds\"")));

    // 郓城's clerk reads 郓城's 市发展改革委 reports and none of 菏泽's, though the unit's name
    // is the same in both.
    let (st, mine) = s
        .call(
            Method::GET,
            &format!("/api/v1{y}/rounds/2023Q4/reports"),
            y_unit.as_deref(),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(!mine.as_array().unwrap().is_empty());
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|r| r["government"] == YUNCHENG_GOV)
    );
    let (st, _) = s
        .call(
            Method::GET,
            &format!("/api/v1{h}/rounds/2023Q4/reports"),
            y_unit.as_deref(),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let heze_report = s.report_id(39, 0).await;
    let (st, _) = s
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{heze_report}"),
            y_unit.as_deref(),
            Some(serde_json::json!({"progress": "越权", "on_schedule": true})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // 菏泽's request for more time is not in 郓城's list, nor 郓城's to decide.
    let unit_a = s.token("unit_a").await;
    let (st, x) = s
        .call(
            Method::POST,
            &format!("/api/v1/reports/{heze_report}/extensions"),
            unit_a.as_deref(),
            Some(serde_json::json!({"deadline": "2024-06-30", "reason": "项目审批未完成"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{x}");
    let (_, list) = s
        .call(Method::GET, "/api/v1/extensions", y_admin.as_deref(), None)
        .await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let (_, list) = s
        .call(
            Method::GET,
            "/api/v1/extensions",
            heze_admin.as_deref(),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/extensions/{}/approve", x["id"]),
            y_admin.as_deref(),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Opening and publishing another government's round is refused; its own works.
    let open = serde_json::json!({"period": "2023M10", "due": "2099-01-01"});
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/v1{h}/rounds"),
            y_admin.as_deref(),
            Some(open.clone()),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, r) = s
        .call(
            Method::POST,
            &format!("/api/v1{y}/rounds"),
            y_admin.as_deref(),
            Some(open),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(r["government"], YUNCHENG_GOV);

    // The audit log of a government's office holds its own government's records only.
    let (_, audit) = get_as(&s, "/work/audit.csv", y_admin.as_deref()).await;
    assert!(
        audit.contains("round.open") && !audit.contains("extension.request"),
        "{audit}"
    );
    let (_, audit) = get_as(&s, "/work/audit.csv", heze_admin.as_deref()).await;
    assert!(audit.contains("extension.request"), "{audit}");
}

async fn get(s: &crate::common::api::Site, path: &str) -> (StatusCode, String) {
    get_as(s, path, None).await
}

async fn get_as(
    s: &crate::common::api::Site,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut req = s.http.get(format!("{}{path}", s.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

on_both!(each_government_has_its_own_bundle);
/// The open-data bundle of each government holds its own chain and verifies offline; it is
/// linked from the government's home and revalidates by ETag.
async fn each_government_has_its_own_bundle(backend: Backend) {
    let s = two_site_on(backend).await;
    for (code, gov) in [(HEZE_CODE, HEZE_GOV), (YUNCHENG_CODE, YUNCHENG_GOV)] {
        let base = format!("/g/{code}");
        let home = s.text(&base).await;
        assert!(
            home.contains(&format!("href=\"{base}/downloads/bundle.zip\"")),
            "{home}"
        );
        let r = s
            .http
            .get(format!("{}{base}/downloads/bundle.zip", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/zip");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!("duban-{code}-bundle.zip"))
        );
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let bytes = r.bytes().await.unwrap();
        let report = duban_formats::bundle::verify(&bytes).unwrap();
        assert_eq!(report.problems, Vec::<String>::new());
        assert_eq!((report.government.as_str(), report.checked), (gov, 1));
        let latest = s
            .store
            .latest_publication(gov, "2023Q3".parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(report.head.as_deref(), Some(latest.summary.sha256.as_str()));

        let r = s
            .http
            .get(format!("{}{base}/downloads/bundle.zip", s.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    }
    let (st, _) = get(&s, "/downloads/bundle.zip").await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "unprefixed, with two governments"
    );
}
