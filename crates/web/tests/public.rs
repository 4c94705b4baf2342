//! The public site over real HTTP: the app on port 0, a fresh SQLite file per test.

use duban_core::Table;
use duban_formats::twoup::{ReadOptions, read};
use duban_store::Publications;
use duban_store::SqliteStore;
use duban_web::{AppState, cache::PageCache};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

const HEZE: &str = include_str!("../../../fixtures/heze-2023-q3.txt");

struct Site {
    base: String,
    store: Arc<SqliteStore>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// Starts the app on a free port over a fresh database holding the 菏泽 table.
async fn site(revalidate_after: Duration) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap(),
    );
    store.import_table(&heze(), "test").await.unwrap();
    let mut state = AppState::new(store.clone());
    state.cache = Arc::new(PageCache::new(revalidate_after));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, duban_web::app(state)).into_future());
    // No automatic decompression: the tests look at the bytes on the wire.
    let http = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    Site {
        base,
        store,
        http,
        _dir: dir,
    }
}

fn heze() -> Table {
    read(HEZE, &ReadOptions::default()).unwrap()
}

impl Site {
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut r = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().await.unwrap()
    }
}

fn gunzip(b: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(b)
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[tokio::test]
async fn the_table_page_shows_the_table_as_published() {
    let s = site(Duration::from_secs(2)).await;
    let r = s.get("/tables/2023Q3", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<h1>菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表</h1>")
    );
    assert!(html.contains("本表列出 39 项目标（文件称共 200 项），40 个承办条目；填报“是” 40 条，“否” 0 条，未报送 0 条。"));
    assert!(html.contains("<th scope=\"col\">三季度完成情况</th>"));
    // 26 spans its two entries; the second row carries only the entry's own cells.
    assert!(html.contains(
        "<td class=\"no\" rowspan=\"2\" data-label=\"序号\"><a href=\"/targets/2023/26\""
    ));
    let second = html
        .split("id=\"t26-1\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(second.contains("<span>肖友华</span>"));
    assert!(second.contains("<span>市自然资源和规划局</span><span>市住房城乡建设局</span>"));
    assert!(!second.contains("rowspan"));
    // 13 lost its text in the original; the page says so rather than showing an empty cell.
    let thirteen = html
        .split("id=\"t13\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(thirteen.contains("（原表此处无内容）"));
    // Escaped, not trusted: the narrative's quotes come through as text.
    assert!(html.contains("把“两案”办理工作作为"));
    assert!(html.contains("长期坚持"));
    assert!(!html.contains("<script"), "the page needs no JavaScript");

    let en = s
        .get("/tables/2023Q3?lang=en", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("39 targets listed (the document declares 200), 40 entries"));
}

#[tokio::test]
async fn public_tables_carry_the_automatic_checks_unless_turned_off() {
    let s = site(Duration::from_secs(2)).await;
    let html = s.get("/tables/2023Q3", &[]).await.text().await.unwrap();
    assert!(
        html.contains("自动核查：3 个填报“是”的条目与其自身数据不符"),
        "the round's summary"
    );
    let notes = |html: &str, no: u32| -> String {
        html.split(&format!("id=\"t{no}-checks\""))
            .nth(1)
            .map(|s| s.split("</tr>").next().unwrap().to_owned())
            .unwrap_or_default()
    };
    let n39 = notes(&html, 39);
    assert!(
        n39.contains("进度声明无数据支撑") && n39.contains("1.71万吨"),
        "{n39}"
    );
    assert!(notes(&html, 13).contains("内容缺失"));
    assert!(
        notes(&html, 28).is_empty(),
        "28 is ahead and is not accused"
    );
    assert!(notes(&html, 2).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    store.import_table(&heze(), "test").await.unwrap();
    let mut state = AppState::new(Arc::new(store));
    state.public_checks = false;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, duban_web::app(state)).into_future());
    let html = reqwest::get(format!("{base}/tables/2023Q3"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("自动核查"));
}

#[tokio::test]
async fn the_home_page_links_every_published_period() {
    let s = site(Duration::from_secs(2)).await;
    let html = s.get("/", &[]).await.text().await.unwrap();
    assert!(html.contains("<a href=\"/tables/2023Q3\">菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表</a>"));
    assert!(html.contains("2023年三季度"));
}

#[tokio::test]
async fn the_api_serves_the_json_exactly() {
    let s = site(Duration::from_secs(2)).await;
    let r = s.get("/api/v1/tables/2023Q3", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(r.text().await.unwrap(), heze().to_canonical_json());

    let periods: serde_json::Value = s.get("/api/v1/periods", &[]).await.json().await.unwrap();
    assert_eq!(periods[0]["period"], "2023Q3");
    assert_eq!(periods[0]["government"], "菏泽市人民政府");
    assert_eq!(periods[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(periods[0]["previous_sha256"], serde_json::Value::Null);

    let r = s.get("/api/v1/tables/2022Q3", &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"], "not_found");
    let r = s.get("/api/v1/tables/2023Q9", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_period");
    assert_eq!(
        s.get("/tables/2022Q3", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.get("/nowhere", &[]).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn gzip_brotli_and_304() {
    let s = site(Duration::from_secs(2)).await;
    let plain = s.get("/tables/2023Q3", &[]).await;
    let plain_etag = plain.headers()[ETAG].to_str().unwrap().to_owned();
    let plain = plain.text().await.unwrap();

    let gz = s
        .get("/tables/2023Q3", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(gz.headers()["vary"], "accept-encoding");
    let gz_etag = gz.headers()[ETAG].to_str().unwrap().to_owned();
    assert_ne!(gz_etag, plain_etag, "one strong ETag per encoding");
    let bytes = gz.bytes().await.unwrap();
    assert!(
        bytes.len() * 3 < plain.len(),
        "compressed {} vs {}",
        bytes.len(),
        plain.len()
    );
    assert_eq!(gunzip(&bytes), plain);

    let br = s
        .get(
            "/tables/2023Q3",
            &[(ACCEPT_ENCODING.as_str(), "gzip, deflate, br")],
        )
        .await;
    assert_eq!(br.headers()[CONTENT_ENCODING], "br");
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br.bytes().await.unwrap()[..], &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), plain);

    let r = s
        .get(
            "/tables/2023Q3",
            &[
                ("accept-encoding", "gzip"),
                (IF_NONE_MATCH.as_str(), &gz_etag),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()[ETAG].to_str().unwrap(), gz_etag);
    assert!(r.bytes().await.unwrap().is_empty());
    // The plain ETag does not validate the gzip representation.
    let r = s
        .get(
            "/tables/2023Q3",
            &[("accept-encoding", "gzip"), ("if-none-match", &plain_etag)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = s
        .get("/api/v1/tables/2023Q3", &[("accept-encoding", "gzip")])
        .await;
    let etag = r.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(
        gunzip(&r.bytes().await.unwrap()),
        heze().to_canonical_json()
    );
    let r = s
        .get(
            "/api/v1/tables/2023Q3",
            &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_correction_replaces_the_latest_and_keeps_the_old_at_its_permalink() {
    let s = site(Duration::ZERO).await;
    let first = s
        .get("/api/v1/periods", &[])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let old_sha = first[0]["sha256"].as_str().unwrap().to_owned();
    let old_page = s.get("/tables/2023Q3", &[]).await.text().await.unwrap();
    assert!(old_page.contains(&old_sha));

    // Published by another process sharing the database: the server is not told.
    let mut fixed = heze();
    fixed.targets[38].entries[0].progress = "前三季度,增加市级储备粮1.71万吨(更正稿)".into();
    s.store.import_table(&fixed, "other-process").await.unwrap();

    let page = s.get("/tables/2023Q3", &[]).await.text().await.unwrap();
    assert!(page.contains("1.71万吨(更正稿)"));
    assert!(!page.contains(&format!("SHA-256 <code>{old_sha}</code>")));
    let json = s
        .get("/api/v1/tables/2023Q3", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(json, fixed.to_canonical_json());

    let old = s.get(&format!("/publications/{old_sha}"), &[]).await;
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(
        old.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let old = old.text().await.unwrap();
    assert!(old.contains("本版本已被更正后的版本取代"));
    assert!(!old.contains("更正稿"));
    assert_eq!(
        s.get(&format!("/publications/{}", "0".repeat(64)), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn downloads_in_every_format() {
    let s = site(Duration::from_secs(2)).await;
    let page = s.get("/tables/2023Q3", &[]).await.text().await.unwrap();
    for f in ["xlsx", "pdf", "csv", "json"] {
        assert!(
            page.contains(&format!("href=\"/downloads/2023Q3/{f}\"")),
            "a link to {f}"
        );
    }
    let x = s
        .get("/downloads/2023Q3/xlsx", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    assert!(
        x.headers().get(CONTENT_ENCODING).is_none(),
        "a zip is not compressed again"
    );
    assert_eq!(
        x.headers()["content-disposition"],
        "attachment; filename=\"duban-2023Q3.xlsx\""
    );
    let etag = x.headers()[ETAG].to_str().unwrap().to_owned();
    let bytes = x.bytes().await.unwrap();
    let back = duban_formats::import(&bytes, Some("t.xlsx"), &Default::default()).unwrap();
    assert_eq!(
        back.table,
        heze(),
        "the XLSX reads back to the published table"
    );
    let again = s
        .get("/downloads/2023Q3/xlsx", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let pdf = s.get("/downloads/2023Q3/pdf", &[]).await;
    assert_eq!(pdf.headers()[CONTENT_TYPE], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Its first page: the round's counts and the status charts, what the checks found included.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.pdf"), &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "t.pdf", "-"])
        .current_dir(dir.path())
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    let first: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for needle in [
        "39项",
        "40条",
        "填报“是”但数据显示滞后",
        "各分管领导的条目状态",
        "各牵头单位的条目状态",
        "聂元科",
    ] {
        assert!(first.contains(needle), "{needle}: {first}");
    }
    let csv = s
        .get("/downloads/2023Q3/csv", &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let json = s
        .get("/downloads/2023Q3/json", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(json, heze().to_canonical_json());
    assert_eq!(
        s.get("/downloads/2023Q3/docx", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/downloads/2022Q3/xlsx", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The body of a feed, read by a real feed parser.
async fn feed_of(s: &Site, path: &str) -> feed_rs::model::Feed {
    let r = s.get(path, &[]).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(
        r.headers()[CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    feed_rs::parser::parse(r.bytes().await.unwrap().as_ref()).unwrap()
}

fn content_of(e: &feed_rs::model::Entry) -> String {
    e.content.as_ref().and_then(|c| c.body.clone()).unwrap()
}

#[tokio::test]
async fn feeds_follow_publications_targets_and_units() {
    // Revalidating every time: the correction below is seen through the chain's head.
    let s = site(Duration::ZERO).await;
    let sha = s
        .store
        .latest_sha256("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();

    // The pages offer their feeds.
    let home = s.get("/", &[]).await.text().await.unwrap();
    assert!(home.contains(
        r#"<link rel="alternate" type="application/atom+xml" title="新公开的一览表" href="/feeds/publications.atom">"#
    ), "{home}");
    let target = s.get("/targets/2023/39", &[]).await.text().await.unwrap();
    assert_eq!(
        target
            .matches(r#"<link rel="alternate" type="application/atom+xml""#)
            .count(),
        3,
        "{target}"
    );
    for href in [
        "/feeds/targets/2023/39.atom",
        // 市发展改革委 and 华瑞集团, the units of target 39, percent-encoded.
        "/feeds/units/%E5%B8%82%E5%8F%91%E5%B1%95%E6%94%B9%E9%9D%A9%E5%A7%94.atom",
        "/feeds/units/%E5%8D%8E%E7%91%9E%E9%9B%86%E5%9B%A2.atom",
    ] {
        assert!(
            target.contains(&format!("href=\"{href}\">")),
            "{href}: {target}"
        );
    }

    // New publications.
    let f = feed_of(&s, "/feeds/publications.atom").await;
    assert!(f.title.unwrap().content.contains("菏泽市人民政府"));
    assert_eq!(f.entries.len(), 1);
    let e = &f.entries[0];
    assert_eq!(e.id, format!("urn:duban:publication:{sha}"));
    assert!(
        e.title.as_ref().unwrap().content.contains("2023年三季度"),
        "{e:?}"
    );
    assert_eq!(e.links[0].href, format!("/publications/{sha}"));
    assert!(
        e.summary
            .as_ref()
            .unwrap()
            .content
            .contains("目标 39 项 · 是 40 · 否 0 · 未报送 0"),
        "{e:?}"
    );

    // One target: its text in the round, escaped HTML the reader shows.
    let f = feed_of(&s, "/feeds/targets/2023/39.atom").await;
    assert!(f.title.unwrap().content.contains("增加市级储备粮8.6万吨"));
    assert_eq!(f.entries.len(), 1);
    let body = content_of(&f.entries[0]);
    assert!(body.contains("前三季度,增加市级储备粮1.71万吨"), "{body}");
    assert!(
        body.contains("<strong>是</strong> · 聂元科 · 市发展改革委、华瑞集团"),
        "{body}"
    );

    // One unit: each target it is named on, linking to the target's page.
    let f = feed_of(&s, "/feeds/units/%E5%8D%8E%E7%91%9E%E9%9B%86%E5%9B%A2.atom").await;
    assert_eq!(f.entries.len(), 1);
    let body = content_of(&f.entries[0]);
    assert!(body.contains("href=\"/targets/2023/39\""), "{body}");
    assert!(
        !body.contains("/targets/2023/1\""),
        "only the unit's targets: {body}"
    );

    // English, on request.
    let f = feed_of(&s, "/feeds/publications.atom?lang=en").await;
    assert!(
        f.entries[0]
            .title
            .as_ref()
            .unwrap()
            .content
            .contains("Q3 2023"),
        "{:?}",
        f.entries[0].title
    );

    // What nothing published names is 404, and a feed is cached by ETag.
    for path in [
        "/feeds/units/%E4%B8%8D%E5%AD%98%E5%9C%A8.atom",
        "/feeds/targets/2023/999.atom",
        "/feeds/targets/2022/39.atom",
        "/feeds/targets/2023/39.rss",
    ] {
        assert_eq!(
            s.get(path, &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = s.get("/feeds/targets/2023/39.atom", &[]).await;
    let etag = r.headers()[ETAG].to_str().unwrap().to_owned();
    let again = s
        .get(
            "/feeds/targets/2023/39.atom",
            &[(IF_NONE_MATCH.as_str(), &etag)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A correction is a new entry, newest first, and says so.
    let mut corrected = heze();
    let t39 = corrected
        .targets
        .iter_mut()
        .find(|t| t.no.get() == 39)
        .unwrap();
    t39.entries[0].progress = "前三季度,增加市级储备粮2.5万吨".into();
    s.store.import_table(&corrected, "test").await.unwrap();
    let f = feed_of(&s, "/feeds/publications.atom").await;
    assert_eq!(f.entries.len(), 2);
    assert!(
        f.entries[0]
            .title
            .as_ref()
            .unwrap()
            .content
            .contains("（更正）")
    );
    let f = feed_of(&s, "/feeds/targets/2023/39.atom").await;
    assert_eq!(f.entries.len(), 2);
    assert!(content_of(&f.entries[0]).contains("2.5万吨"));
    assert!(content_of(&f.entries[1]).contains("1.71万吨"));
}

#[tokio::test]
async fn units_and_leaders_are_listed_with_links() {
    let s = site(Duration::from_secs(2)).await;
    let units: serde_json::Value = s.get("/api/v1/units", &[]).await.json().await.unwrap();
    let units = units.as_array().unwrap();
    // In table order: target 1's unit first.
    assert_eq!(units[0]["name"], "市政府办公室");
    let fgw = units.iter().find(|u| u["name"] == "市发展改革委").unwrap();
    assert_eq!(fgw["periods"], serde_json::json!(["2023Q3"]));
    let encoded = "%E5%B8%82%E5%8F%91%E5%B1%95%E6%94%B9%E9%9D%A9%E5%A7%94";
    assert_eq!(fgw["search"], format!("/search?unit={encoded}"));
    assert_eq!(fgw["feed"], format!("/feeds/units/{encoded}.atom"));
    // The count is what the links lead to.
    let entries = fgw["entries"].as_u64().unwrap();
    let found: serde_json::Value = s
        .get(&format!("/api/v1/search?unit={encoded}&limit=200"), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["hits"].as_array().unwrap().len() as u64, entries);
    assert!(entries > 5);
    assert_eq!(
        s.get(fgw["feed"].as_str().unwrap(), &[]).await.status(),
        StatusCode::OK
    );
    // Every unit is there once.
    let mut names: Vec<&str> = units.iter().map(|u| u["name"].as_str().unwrap()).collect();
    let all = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all);

    let leaders: serde_json::Value = s.get("/api/v1/leaders", &[]).await.json().await.unwrap();
    let li = leaders
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "李春英")
        .unwrap();
    assert_eq!(li["entries"], 5);
    assert!(li.get("feed").is_none(), "{li}");
    assert_eq!(li["search"], "/search?leader=%E6%9D%8E%E6%98%A5%E8%8B%B1");
    // Each has a page, listing what it carries: as many entries as the list says.
    assert_eq!(li["page"], "/leaders/%E6%9D%8E%E6%98%A5%E8%8B%B1");
    assert_eq!(fgw["page"], format!("/units/{encoded}"));
    let page = s
        .get(li["page"].as_str().unwrap(), &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("<li><a href=\"/targets/2023/").count(),
        5,
        "{page}"
    );
    assert!(
        page.contains("最新一期中分管 <strong>5</strong> 项"),
        "{page}"
    );
    assert!(page.contains("导入的一览表，报送时间未知"));
    let page = s
        .get(fgw["page"].as_str().unwrap(), &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("<li><a href=\"/targets/2023/").count() as u64,
        entries,
        "lead and assisting entries both listed"
    );
}

/// The targets a table page shows, and its continuation rows (`t39-1`), by their row ids.
fn shown_rows(page: &str) -> (Vec<u32>, Vec<String>) {
    let mut targets = Vec::new();
    let mut continued = Vec::new();
    for piece in page.split("<tr id=\"t").skip(1) {
        let id: String = piece.chars().take_while(|c| *c != '"').collect();
        match id.split_once('-') {
            Some((_, "checks")) => {}
            Some(_) => continued.push(id),
            None => targets.push(id.parse().unwrap()),
        }
    }
    (targets, continued)
}

#[tokio::test]
async fn the_table_filters_without_javascript_and_keeps_merged_targets_whole() {
    let s = site(Duration::from_secs(2)).await;
    let table = heze();
    let matching = |keep: &dyn Fn(&duban_core::TableEntry) -> bool| -> Vec<u32> {
        table
            .targets
            .iter()
            .filter(|t| t.entries.iter().any(keep))
            .map(|t| t.no.get())
            .collect()
    };

    // A unit, lead or assisting: exactly its targets, each with all its entries.
    let unit = "华瑞集团";
    let expected = matching(&|e| e.units.iter().any(|u| u.as_str() == unit));
    assert!(!expected.is_empty());
    let r = s.get(&format!("/tables/2023Q3?unit={unit}"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()[ETAG].to_str().unwrap().to_owned();
    let page = r.text().await.unwrap();
    let (targets, continued) = shown_rows(&page);
    assert_eq!(targets, expected);
    let entries_beyond_first: usize = table
        .targets
        .iter()
        .filter(|t| expected.contains(&t.no.get()))
        .map(|t| t.entries.len() - 1)
        .sum();
    assert_eq!(continued.len(), entries_beyond_first, "{continued:?}");
    assert!(
        page.contains(&format!(
            "显示 {} / {} 项目标",
            expected.len(),
            table.targets.len()
        )),
        "the count"
    );
    assert!(page.contains(&format!("<option selected>{unit}</option>")));
    // The filter's page is cached: the same ETag answers 304, whatever order the query had.
    let again = s
        .get(
            &format!("/tables/2023Q3?unit={unit}"),
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Answers and a leader together: every parameter holds, on one entry.
    let leader = table.targets[0].entries[0].leaders()[0].as_str().to_owned();
    let expected =
        matching(&|e| e.answer() == Some(true) && e.leaders().iter().any(|l| l.as_str() == leader));
    let page = s
        .get(
            &format!("/tables/2023Q3?answer=yes&leader={leader}&lang=en"),
            &[],
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(shown_rows(&page).0, expected);
    assert!(page.contains(&format!(
        "{} of {} targets",
        expected.len(),
        table.targets.len()
    )));

    // Flagged by the checks: the targets with a note beside them, notes included.
    let page = s
        .get("/tables/2023Q3?flagged=1", &[])
        .await
        .text()
        .await
        .unwrap();
    let (flagged, _) = shown_rows(&page);
    assert!(!flagged.is_empty() && flagged.len() < table.targets.len());
    for no in &flagged {
        assert!(
            page.contains(&format!("id=\"t{no}-checks\"")),
            "target {no} has its note"
        );
    }

    // The downloads offer the rows shown.
    assert!(page.contains("href=\"/downloads/2023Q3/csv?flagged=1\""));
    let csv = s
        .get(&format!("/downloads/2023Q3/csv?unit={unit}"), &[])
        .await
        .text()
        .await
        .unwrap();
    // After the title (read as the header): the intro when there is one, the column names,
    // then one record per entry.
    let records = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv.as_bytes())
        .records()
        .count()
        - usize::from(table.intro.is_some())
        - 1;
    let entries: usize = table
        .targets
        .iter()
        .filter(|t| {
            t.entries
                .iter()
                .any(|e| e.units.iter().any(|u| u.as_str() == unit))
        })
        .map(|t| t.entries.len())
        .sum();
    assert_eq!(records, entries);

    // A choice that is not one is refused, naming it; an unknown unit shows nothing.
    let r = s.get("/tables/2023Q3?answer=maybe", &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("answer"));
    let page = s
        .get("/tables/2023Q3?unit=不存在的单位", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(shown_rows(&page).0.is_empty());
    assert!(page.contains("显示 0 / "));

    // The unfiltered page offers the form and stays the pre-rendered one.
    let page = s.get("/tables/2023Q3", &[]).await.text().await.unwrap();
    assert!(page.contains("<form method=\"get\" action=\"/tables/2023Q3\" class=\"filters"));
    assert_eq!(shown_rows(&page).0.len(), table.targets.len());
}

#[tokio::test]
async fn the_home_page_shows_the_latest_round_at_a_glance() {
    let s = site(Duration::from_secs(2)).await;
    let table = heze();
    let checks = duban_checks::check_table(&table);
    let r = s.get("/", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()[ETAG].to_str().unwrap().to_owned();
    let page = r.text().await.unwrap();
    let c = table.schedule_counts();
    assert!(page.contains("最新一期概览"));
    for (n, words) in [
        (c.yes, "条填报“是”"),
        (c.no, "条填报“否”"),
        (c.missing, "条未报送"),
    ] {
        assert!(
            page.contains(&format!("<strong>{n}</strong> {words}")),
            "{n} {words}"
        );
    }
    assert!(page.contains(&format!(
        "<strong>{}</strong> 条填报“是”，但其自身数据显示进度滞后",
        checks.summary.claims_not_supported
    )));
    // Target 39 is among those behind, with its figures, linked to its page.
    assert!(page.contains("href=\"/targets/2023/39\""), "39 listed");
    assert!(page.contains("19.9%"));
    // Two charts, each an image with its numbers in words, and bars linking to the filtered table.
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 2);
    assert!(page.contains("role=\"img\" aria-label=\"各分管领导的条目状态。"));
    assert!(page.contains("href=\"/tables/2023Q3?leader="));
    // And the rounds below, as before.
    assert!(page.contains("href=\"/tables/2023Q3\""));
    // Made once per publication: a revalidation answers 304.
    let again = s.get("/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let en = s.get("/?lang=en", &[]).await.text().await.unwrap();
    assert!(en.contains("The latest round at a glance"));
}

#[tokio::test]
async fn the_target_page_shows_the_figures_the_checks_read() {
    let s = site(Duration::from_secs(2)).await;
    let page = s.get("/targets/2023/39", &[]).await.text().await.unwrap();
    assert!(page.contains("指标「增加市级储备粮8.6万吨」"), "{page}");
    assert!(
        page.contains("目标 8.6万吨 · 实际 1.71万吨 · 完成 19.9% · 按时间应达 75%"),
        "{page}"
    );
    assert!(page.contains("<strong class=\"verdict\">滞后</strong>"));
    // The bar: 20 of 100 done, the year's 75 marked; its words are its aria-label.
    assert!(page.contains("<rect class=\"done\" x=\"0\" y=\"1\" width=\"20\" height=\"8\"/>"));
    assert!(page.contains("<rect class=\"due\" x=\"75\""));
    assert!(page.contains("role=\"img\" aria-label=\"目标 8.6万吨"));
    // The figure against its target across the rounds: here one round, a column at 19.9%.
    assert!(
        page.contains("aria-label=\"指标进度：增加市级储备粮8.6万吨。目标 8.6万吨；2023年三季度：19.9%（按时间应达 75%）\""),
        "{page}"
    );
    let en = s
        .get("/targets/2023/39?lang=en", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("target 8.6万吨 · reported 1.71万吨 · done 19.9%"),
        "{en}"
    );
}

/// A table as another government publishes it (INTERFACES.md, "Any table").
fn any_table(bytes: &[u8]) -> Table {
    duban_formats::import(bytes, Some("t.csv"), &Default::default())
        .unwrap()
        .table
}

#[tokio::test]
async fn a_table_beyond_the_seven_columns_shows_every_column_it_has() {
    let s = site(Duration::from_secs(2)).await;
    let renwu = any_table(include_bytes!("../../formats/tests/data/renwu.csv"));
    let minsheng = any_table(include_bytes!("../../formats/tests/data/minsheng.csv"));
    for t in [&renwu, &minsheng] {
        s.store.import_table(t, "test").await.unwrap();
    }
    let base = |t: &Table| format!("/g/{}", urlencoding(&t.government));

    // 重点任务: groups as row headings, 配合单位 under the lead unit, what the report says
    // beyond its text under the text, the table's own column by its header.
    let html = s
        .get(&format!("{}/tables/2024Q2", base(&renwu)), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(
        "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"7\">一、优化营商环境</th></tr>\n<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"7\">（一）政务服务</th></tr>"
    ), "{html}");
    assert_eq!(html.matches("class=\"group\"").count(), 3);
    assert!(html.contains("<span class=\"assisting\">配合： 市发展改革委 市大数据局</span>"));
    assert!(
        html.contains("<p class=\"said\"><strong>存在问题</strong>：部分部门系统数据未打通</p>")
    );
    assert!(html.contains("<p class=\"said\"><strong>下步打算</strong>：7月底前完成系统对接</p>"));
    assert!(html.contains("<p class=\"said\"><strong>责任人</strong>：李四</p>"));
    let target = s
        .get(&format!("{}/targets/2024/1", base(&renwu)), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(target.contains("配合：<a href="), "{target}");
    assert!(target.contains("<strong>存在问题</strong>：部分部门系统数据未打通"));

    // 民生实事: no leaders, deadline or 是否 column at all, and no false 未报送.
    let html = s
        .get(&format!("{}/tables/2024Q3", base(&minsheng)), &[])
        .await
        .text()
        .await
        .unwrap();
    for absent in [
        "市政府领导</th>",
        "完成时限</th>",
        "是否按计划完成进度</th>",
    ] {
        assert!(!html.contains(absent), "{absent}");
    }
    let grep: Vec<&str> = html.lines().filter(|l| l.contains("未报送")).collect();
    assert!(grep.is_empty(), "{grep:?}");
    assert!(html.contains("<th scope=\"col\">三季度当前进度</th>"));
    assert!(html.contains("本表未设“是否按计划完成进度”一栏"));
    assert!(html.contains("<strong>备注</strong>：新区实验幼儿园因用地调整滞后"));
    assert!(html.contains("colspan=\"4\">一、教育</th>"));
    // Its home page counts no answers it never asked for, and charts what the figures say.
    let home = s.get(&base(&minsheng), &[]).await.text().await.unwrap();
    assert!(
        home.contains("本表未设“是否按计划完成进度”一栏，下图按数据核查结果统计。"),
        "{home}"
    );
    assert!(!home.contains("条填报“是”"), "{home}");
    assert!(!home.contains("各分管领导的条目状态"), "{home}");
    assert!(home.contains("各牵头单位的条目状态"), "{home}");

    // The JSON is the table exactly; the CSV download reads back to it.
    for t in [&renwu, &minsheng] {
        let period = t.period;
        let json = s
            .get(&format!("/api/v1{}/tables/{period}", base(t)), &[])
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(json, t.to_canonical_json());
        let csv = s
            .get(&format!("{}/downloads/{period}/csv", base(t)), &[])
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(any_table(&csv), *t);
    }
}

/// 核查 reads a 民生实事 table's declared percentages: a 是 with 60% past a year-end deadline is
/// noted under its target and counted in the summary; a 是 with 100% is not.
#[tokio::test]
async fn a_yes_with_a_declared_percentage_short_of_a_passed_deadline_is_noted() {
    let s = site(Duration::from_secs(2)).await;
    let t = any_table(
        "某某区人民政府2024年民生实事项目四季度推进情况一览表\n\
         序号,项目内容,完成时限,形象进度,牵头单位,是否按计划完成进度\n\
         1,新建城市书房10处,年底,60%（3处未开放）,区文旅局,是\n\
         2,改造老旧小区12个,年底,100%,区住建局,是\n"
            .as_bytes(),
    );
    assert_eq!(t.targets[0].entries[0].progress_percent, Some(60.into()));
    s.store.import_table(&t, "test").await.unwrap();
    let html = s
        .get(
            &format!("/g/{}/tables/2024Q4", urlencoding(&t.government)),
            &[],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(
            "完成时限为年底，至2024年四季度末已到期，形象进度为60%，尚未完成，但填报为“是”。"
        ),
        "{html}"
    );
    assert_eq!(html.matches("形象进度为").count(), 1, "{html}");
    assert!(
        html.contains("自动核查：1 个填报“是”的条目与其自身数据不符"),
        "{html}"
    );

    // The overview lists it among the targets whose figures say behind, the filter finds it,
    // and its page shows the figure read.
    let base = format!("/g/{}", urlencoding(&t.government));
    let home = s.get(&base, &[]).await.text().await.unwrap();
    assert!(
        home.contains("1. 新建城市书房10处</a> <span class=\"meta\">60% / 100%，完成 60%，按时间应达 100% · 填报为“是”</span>"),
        "{home}"
    );
    assert!(!home.contains("2. 改造老旧小区12个</a>"), "{home}");
    let behind = s
        .get(&format!("{base}/tables/2024Q4?verdict=behind"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(behind.contains("显示 1 / 2 项目标"), "{behind}");
    let page = s
        .get(&format!("{base}/targets/2024/1"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("指标「形象进度」：目标 100% · 实际 60% · 完成 60% · 按时间应达 100% · <strong class=\"verdict\">"),
        "{page}"
    );
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
