//! The whole cycle in a real browser (Debian's chromium + chromedriver, headless): a unit
//! fills in and submits a report, the reviewer returns it, the unit corrects and resubmits,
//! the reviewer accepts, the admin publishes, and the public page shows the new text.
//! On the way the unit asks for a later deadline, the target's leader comments for the
//! reviewer, and the office approves the request; the public table shows it, and the target's
//! own page follows it across rounds. The unit's home lists the returned report first, and
//! publishing the still-open round asks for confirmation first. Screenshots of the unit form,
//! the unit's home, the dashboard, the publishing confirmation, the extensions page and the
//! target page, at desktop width and at 390 px, are written to
//! `target/tmp/screenshots/` (the run on PostgreSQL: `screenshots/postgres/`). The test runs once
//! on each backend. Without chromedriver this test fails; it never skips.

#[macro_use]
mod common;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a free port and connects a headless Chromium to it.
async fn browser() -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
    let driver = Driver(driver);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage", "--window-size=1280,1400"
        ]}),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(c) = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return (driver, c);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not connect to chromedriver at {url}");
}

/// Clicks what `css` finds and waits until the browser has left the page (the old document's
/// root element goes stale), so the next step sees the page the click led to.
async fn click_through(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            c.wait().for_element(Locator::Css("body")).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("clicking {css} did not leave the page");
}

async fn login(c: &Client, base: &str, user: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(common::PASSWORD)
        .await
        .unwrap();
    click_through(c, "form[action='/login'] button").await;
    assert!(
        c.current_url().await.unwrap().path().starts_with("/work"),
        "{user} logged in"
    );
}

/// Writes a screenshot at `width`; the PostgreSQL run's go to `screenshots/postgres/`.
async fn screenshot(c: &Client, backend: common::Backend, name: &str, width: u32) {
    c.set_window_size(width, 1400).await.unwrap();
    let png = c.screenshot().await.unwrap();
    let mut dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    if backend == common::Backend::Postgres {
        dir.push("postgres");
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    c.set_window_size(1280, 1400).await.unwrap();
}

/// Fails when the page at the window's width scrolls sideways.
async fn assert_no_sideways_scroll(c: &Client, what: &str) {
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(wide, json!(false), "{what} scrolls sideways");
}

/// Fills in a report's form and presses one of its buttons ("save" or "submit").
async fn fill(c: &Client, id: i64, text: &str, yes: bool, button: &str) {
    let card = format!("#r{id}");
    let area = c
        .find(Locator::Css(&format!("{card} textarea[name=progress]")))
        .await
        .unwrap();
    area.clear().await.unwrap();
    area.send_keys(text).await.unwrap();
    let value = if yes { "是" } else { "否" };
    c.find(Locator::Css(&format!(
        "{card} input[name=on_schedule][value='{value}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click_through(c, &format!("{card} button[value={button}]")).await;
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

on_both!(the_cycle_in_a_browser);
/// The whole cycle, on a deployment holding two governments: 菏泽's accounts work on 菏泽's
/// round under its prefix, and the public finds 菏泽 from the home page that lists both.
async fn the_cycle_in_a_browser(backend: common::Backend) {
    let smtp = common::smtpd::Smtpd::start();
    let site = common::two_site_with_mail(backend, common::smtpd::config(&smtp)).await;
    let base = site.base.clone();
    let id = site.report_id(39, 0).await;
    let g = format!("/g/{}", common::HEZE_CODE);
    let (_driver, c) = browser().await;

    // The home page lists the governments; a citizen chooses 菏泽.
    c.goto(&format!("{base}/")).await.unwrap();
    let home = text_of(&c, "main").await;
    assert!(
        home.contains(common::HEZE_GOV) && home.contains(common::YUNCHENG_GOV),
        "{home}"
    );
    screenshot(&c, backend, "governments", 1280).await;
    screenshot(&c, backend, "governments", 390).await;
    click_through(&c, &format!("a[href='{g}']")).await;
    assert_eq!(c.current_url().await.unwrap().path(), g);
    assert!(text_of(&c, "main").await.contains("2023"));

    // The unit writes and submits.
    login(&c, &base, "unit_a").await;
    c.goto(&format!("{base}{g}/work/2023Q4")).await.unwrap();
    assert!(
        text_of(&c, &format!("#r{id} .prev"))
            .await
            .contains("1.71万吨"),
        "last round's text is shown"
    );
    // Submitted without 是/否: refused on the same page, the text kept, the problem beside it.
    let area = c
        .find(Locator::Css(&format!("#r{id} textarea[name=progress]")))
        .await
        .unwrap();
    area.clear().await.unwrap();
    area.send_keys("全年增加市级储备粮（未选是否）")
        .await
        .unwrap();
    click_through(&c, &format!("#r{id} button[value=submit]")).await;
    assert!(
        text_of(&c, &format!("#r{id} .problem"))
            .await
            .contains("请选择“是否按计划完成进度”"),
        "the problem is shown beside the form"
    );
    let kept = c
        .find(Locator::Css(&format!("#r{id} textarea[name=progress]")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("全年增加市级储备粮（未选是否）"));
    assert!(
        text_of(&c, "header.site").await.contains("Work"),
        "in the site's chrome"
    );
    screenshot(&c, backend, "unit-refused", 390).await;
    fill(&c, id, "全年增加市级储备粮2万吨", false, "save").await;
    screenshot(&c, backend, "unit-form", 1280).await;
    screenshot(&c, backend, "unit-form", 390).await;
    // It asks for more time: the form folds open under the report.
    c.find(Locator::Css(&format!("#r{id} details.extend summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // A date field's typed form follows the browser's locale; its value is ISO everywhere.
    c.execute(
        "document.querySelector(arguments[0]).value = '2024-06-30'",
        vec![json!(format!("#r{id} input[name=deadline]"))],
    )
    .await
    .unwrap();
    c.find(Locator::Css(&format!(
        "#r{id} details.extend textarea[name=reason]"
    )))
    .await
    .unwrap()
    .send_keys("收储计划调整，待省级下达指标")
    .await
    .unwrap();
    click_through(&c, &format!("#r{id} details.extend button")).await;
    assert!(
        text_of(&c, &format!("#r{id} .ext"))
            .await
            .contains("待审批"),
        "the request shows as pending"
    );

    // The leader of the target comments for the reviewers.
    login(&c, &base, "leader").await;
    c.goto(&format!("{base}{g}/work/2023Q4")).await.unwrap();
    c.find(Locator::Css(&format!("#r{id} textarea[name=body]")))
        .await
        .unwrap()
        .send_keys("请重点核实全年能否完成")
        .await
        .unwrap();
    click_through(&c, &format!("#r{id} form[action$='/comments'] button")).await;

    // The office approves the extension.
    login(&c, &base, "admin").await;
    c.goto(&format!("{base}/work/extensions")).await.unwrap();
    screenshot(&c, backend, "extensions", 1280).await;
    screenshot(&c, backend, "extensions", 390).await;
    click_through(&c, "button[value=approve]").await;
    assert!(text_of(&c, "section.card").await.contains("已批准"));

    login(&c, &base, "unit_a").await;
    c.goto(&format!("{base}{g}/work/2023Q4")).await.unwrap();
    assert!(
        !text_of(&c, &format!("#r{id}")).await.contains("请重点核实"),
        "units do not see the leaders' comments"
    );
    fill(
        &c,
        id,
        "全年增加市级储备粮2万吨，因粮源紧张滞后",
        false,
        "submit",
    )
    .await;
    assert!(text_of(&c, &format!("#r{id}")).await.contains("待审核"));

    // The reviewer returns it with a reason.
    login(&c, &base, "reviewer").await;
    c.goto(&format!("{base}{g}/work/2023Q4?state=submitted"))
        .await
        .unwrap();
    c.find(Locator::Css(&format!("#r{id} textarea[name=reason]")))
        .await
        .unwrap()
        .send_keys("请说明与8.6万吨目标的差距及补救措施")
        .await
        .unwrap();
    click_through(&c, &format!("#r{id} button[value=return]")).await;

    // The unit's home puts the returned report first, with the reason; the unit follows it,
    // corrects and resubmits.
    login(&c, &base, "unit_a").await;
    c.goto(&format!("{base}/work")).await.unwrap();
    let todo = text_of(&c, ".todo").await;
    assert!(todo.contains("请说明与8.6万吨目标的差距"), "{todo}");
    screenshot(&c, backend, "unit-home", 1280).await;
    screenshot(&c, backend, "unit-home", 390).await;
    click_through(&c, &format!(".todo a[href='{g}/work/2023Q4#r{id}']")).await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{g}/work/2023Q4")
    );
    assert!(
        text_of(&c, &format!("#r{id} .reason"))
            .await
            .contains("请说明与8.6万吨目标的差距")
    );
    fill(
        &c,
        id,
        "全年增加市级储备粮8.6万吨，完成年度目标",
        true,
        "submit",
    )
    .await;
    let card = text_of(&c, &format!("#r{id}")).await;
    assert!(card.contains("待审核"), "resubmitted: {card}");

    // The reviewer accepts; the admin publishes.
    login(&c, &base, "reviewer").await;
    c.goto(&format!("{base}{g}/work/2023Q4?state=submitted"))
        .await
        .unwrap();
    assert!(
        text_of(&c, &format!("#r{id} .comments"))
            .await
            .contains("请重点核实全年能否完成"),
        "the reviewer sees the leader's comment"
    );
    click_through(&c, &format!("#r{id} button[value=accept]")).await;
    c.goto(&format!("{base}{g}/work/2023Q4/dashboard"))
        .await
        .unwrap();
    screenshot(&c, backend, "dashboard", 1280).await;
    screenshot(&c, backend, "dashboard", 390).await;

    // 市发展改革委's clerk gets an e-mail address; the office opens the next round, and the
    // reminder reaches the clerk's mailbox (with the open 2023Q4's, which it had not had).
    let fgw = site
        .store
        .credentials("unit_a")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let change = duban_store::UserChange {
        units: vec!["市发展改革委".into()],
        leader: None,
        email: Some("fgw@test.example".into()),
    };
    site.store.change_user(fgw, &change, "test").await.unwrap();
    login(&c, &base, "admin").await;
    c.goto(&format!("{base}/work")).await.unwrap();
    let form = format!("form[action='{g}/work/rounds']");
    c.find(Locator::Css(&format!("{form} input[name=period]")))
        .await
        .unwrap()
        .send_keys("2023M12")
        .await
        .unwrap();
    // A date input's typing order depends on the browser's locale; its value does not.
    c.execute(
        &format!("document.querySelector(\"{form} input[name=due]\").value = '2099-02-01'"),
        vec![],
    )
    .await
    .unwrap();
    click_through(&c, &format!("{form} button")).await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{g}/work/2023M12")
    );
    let mail = smtp.wait_for(2).await;
    assert!(
        mail.iter().all(|m| m.0.contains("fgw@test.example")),
        "{mail:#?}"
    );
    assert!(
        mail.iter()
            .any(|m| m.1.contains("已开始报送") && m.1.contains("2099年2月1日")),
        "{mail:#?}"
    );

    c.goto(&format!("{base}{g}/work/2023Q4")).await.unwrap();
    // The round is still open with entries not accepted: the office is shown what would go
    // public as 未报送 and confirms.
    click_through(
        &c,
        &format!("form[action='{g}/work/2023Q4/publish'] button"),
    )
    .await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{g}/work/2023Q4/publish")
    );
    let warning = text_of(&c, ".warning").await;
    assert!(
        warning.contains("未报送") && warning.contains("仍在报送中"),
        "{warning}"
    );
    screenshot(&c, backend, "publish-confirm", 1280).await;
    screenshot(&c, backend, "publish-confirm", 390).await;
    click_through(&c, "input[name=confirm] ~ p button").await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{g}/tables/2023Q4")
    );
    let row = text_of(&c, "#t39").await;
    assert!(
        row.contains("全年增加市级储备粮8.6万吨，完成年度目标"),
        "{row}"
    );

    assert!(row.contains("延期至 2024-06-30"), "{row}");

    // The office reads what happened, field by field, on a page that fits a phone.
    c.goto(&format!("{base}/work/audit")).await.unwrap();
    let log = text_of(&c, "table.audit").await;
    assert!(
        log.contains("退回") && log.contains("请说明与8.6万吨目标的差距"),
        "{log}"
    );
    c.set_window_size(390, 1400).await.unwrap();
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide,
        json!(false),
        "the audit log does not scroll sideways at 390 px"
    );
    screenshot(&c, backend, "audit", 1280).await;
    screenshot(&c, backend, "audit", 390).await;

    // The accounts page: the office creates a clerk's account and is shown its temporary
    // password once; the mail page lists what was sent.
    c.goto(&format!("{base}/work/users")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys("wang_czj")
        .await
        .unwrap();
    c.find(Locator::Css("select[name=role] option[value=unit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("textarea[name=units]"))
        .await
        .unwrap()
        .send_keys("市财政局")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys("wang@czj.example")
        .await
        .unwrap();
    click_through(&c, "form[action='/work/users'] button.primary").await;
    let notice = text_of(&c, ".notice.ok").await;
    assert!(
        notice.contains("wang_czj") && notice.contains("临时密码"),
        "{notice}"
    );
    assert!(
        text_of(&c, "table.users")
            .await
            .contains("wang@czj.example")
    );
    screenshot(&c, backend, "accounts", 1280).await;
    screenshot(&c, backend, "accounts", 390).await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{base}/work/mail")).await.unwrap();
    let listed = text_of(&c, "table.mail").await;
    assert!(
        listed.contains("fgw@test.example") && listed.contains("已发送"),
        "{listed}"
    );
    screenshot(&c, backend, "mail", 1280).await;

    // The public sees it without logging in: the government's overview first, then the table
    // filtered to one unit with the form, then the target across rounds.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}{g}")).await.unwrap();
    let overview = text_of(&c, "section.overview").await;
    assert!(overview.contains("最新一期概览"), "{overview}");
    assert_eq!(
        c.find_all(Locator::Css("section.overview svg.chart"))
            .await
            .unwrap()
            .len(),
        2
    );
    click_through(&c, &format!("a[href='{g}/scorecards/2023']")).await;
    assert!(text_of(&c, "table.scorecard").await.contains("市财政局"));
    screenshot(&c, backend, "scorecard", 1280).await;
    screenshot(&c, backend, "scorecard", 390).await;
    c.set_window_size(390, 1400).await.unwrap();
    assert_no_sideways_scroll(&c, "the scorecard").await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{base}{g}")).await.unwrap();
    screenshot(&c, backend, "overview", 1280).await;
    screenshot(&c, backend, "overview", 390).await;
    c.set_window_size(390, 1400).await.unwrap();
    assert_no_sideways_scroll(&c, "the overview").await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{base}{g}/tables/2023Q4")).await.unwrap();
    c.execute(
        "const s = document.querySelector('form.filters select[name=unit]'); s.value = '市财政局';",
        vec![],
    )
    .await
    .unwrap();
    click_through(&c, "form.filters button[type=submit]").await;
    let url = c.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").contains("unit="), "{url}");
    let shown = text_of(&c, "p.filtered").await;
    assert!(shown.contains("项目标"), "{shown}");
    let units = text_of(&c, "table.yilan tbody").await;
    assert!(units.contains("市财政局"));
    screenshot(&c, backend, "filtered-table", 1280).await;
    screenshot(&c, backend, "filtered-table", 390).await;
    c.set_window_size(390, 1400).await.unwrap();
    assert_no_sideways_scroll(&c, "a filtered table").await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{base}{g}/tables/2023Q4")).await.unwrap();
    assert!(text_of(&c, "#t39").await.contains("完成年度目标"));
    click_through(&c, "#t39 td.no a").await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{g}/targets/2023/39")
    );
    let page = text_of(&c, "main").await;
    assert!(
        page.contains("1.71万吨") && page.contains("完成年度目标"),
        "{page}"
    );
    // What the checks read, as a bar, and what changed since the third quarter.
    assert!(
        c.find_all(Locator::Css(".indicator svg.progress"))
            .await
            .unwrap()
            .len()
            >= 2
    );
    c.find(Locator::Css("details.diff summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The figure against its target across the third and fourth quarters.
    let chart = c
        .find(Locator::Css("figure.chart.rounds svg"))
        .await
        .unwrap()
        .attr("aria-label")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        chart.contains("2023年三季度：19.9%") && chart.contains("2023年四季度"),
        "{chart}"
    );
    let diff = text_of(&c, "details.diff").await;
    assert!(diff.contains("完成年度目标"), "{diff}");
    screenshot(&c, backend, "target", 1280).await;
    screenshot(&c, backend, "target", 390).await;
    c.set_window_size(390, 1400).await.unwrap();
    assert_no_sideways_scroll(&c, "a target's page").await;
    // The lead unit's page: every entry it carries in the year's rounds, with timeliness.
    c.set_window_size(1280, 1400).await.unwrap();
    click_through(
        &c,
        &format!("a[href^='{g}/units/%E5%B8%82%E5%8F%91%E5%B1%95%E6%94%B9%E9%9D%A9%E5%A7%94']"),
    )
    .await;
    let unit = text_of(&c, "main").await;
    assert!(
        unit.starts_with("市发展改革委")
            && unit.contains("牵头")
            && unit.contains("导入的一览表，报送时间未知"),
        "{unit}"
    );
    assert!(
        c.find(Locator::Css(&format!("a[href^='{g}/targets/2023/39']")))
            .await
            .is_ok()
    );
    screenshot(&c, backend, "unit", 1280).await;
    screenshot(&c, backend, "unit", 390).await;
    c.set_window_size(390, 1400).await.unwrap();
    assert_no_sideways_scroll(&c, "a unit's page").await;
    c.set_window_size(1280, 1400).await.unwrap();

    // 群众监督: a citizen searches two words, follows the hit and leaves a message; the office
    // publishes it with a reply; the citizen sees both on the target's page.
    c.goto(&format!("{base}{g}/search")).await.unwrap();
    let q = c.find(Locator::Css("input[name=q]")).await.unwrap();
    q.send_keys("储备粮 万吨").await.unwrap();
    click_through(&c, "form.search button[type=submit]").await;
    let hits = text_of(&c, "main").await;
    assert!(hits.contains("增加市级储备粮8.6万吨"), "{hits}");
    let marked = c.find_all(Locator::Css("main mark")).await.unwrap();
    assert!(marked.len() >= 2, "both words are marked");
    screenshot(&c, backend, "search", 1280).await;
    screenshot(&c, backend, "search", 390).await;
    click_through(&c, &format!("a[href='{g}/targets/2023/39']")).await;
    c.find(Locator::Css("form.message textarea[name=body]"))
        .await
        .unwrap()
        .send_keys("储备粮增加进度偏慢，请说明原因。")
        .await
        .unwrap();
    c.find(Locator::Css("form.message input[name=name]"))
        .await
        .unwrap()
        .send_keys("王先生")
        .await
        .unwrap();
    c.find(Locator::Css("form.message input[name=contact]"))
        .await
        .unwrap()
        .send_keys("13800001111")
        .await
        .unwrap();
    click_through(&c, "form.message button[type=submit]").await;
    assert!(text_of(&c, "main").await.contains("留言已收到"));
    c.goto(&format!("{base}{g}/targets/2023/39")).await.unwrap();
    assert!(
        !text_of(&c, "main").await.contains("储备粮增加进度偏慢"),
        "not public before the office decides"
    );
    login(&c, &base, "reviewer").await;
    c.goto(&format!("{base}/work/messages")).await.unwrap();
    assert!(
        text_of(&c, "main").await.contains("13800001111"),
        "the office sees the contact"
    );
    c.find(Locator::Css("form textarea[name=text]"))
        .await
        .unwrap()
        .send_keys("已转市发展改革委，四季度完成轮换。")
        .await
        .unwrap();
    screenshot(&c, backend, "messages-queue", 1280).await;
    click_through(&c, "form button[value=publish]").await;
    let after = text_of(&c, "main").await;
    assert!(after.contains("已公开 Published"), "{after}");
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}{g}/targets/2023/39#messages"))
        .await
        .unwrap();
    let thread = text_of(&c, "#messages").await;
    assert!(
        thread.contains("储备粮增加进度偏慢，请说明原因。")
            && thread.contains("王先生")
            && thread.contains("已转市发展改革委，四季度完成轮换。"),
        "{thread}"
    );
    assert!(!thread.contains("13800001111"), "a contact is never public");
    screenshot(&c, backend, "messages", 1280).await;
    screenshot(&c, backend, "messages", 390).await;

    // The pages keep their look under a Content-Security-Policy that refuses inline styles:
    // the stylesheet is a file, so the header still has its red rule.
    let border = c
        .execute(
            "return getComputedStyle(document.querySelector('header.site')).borderBottomStyle",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(border, "solid", "the stylesheet applies");

    // Swagger UI renders under the same policy: its script is a file of its own.
    c.goto(&format!("{base}/api/docs/")).await.unwrap();
    let title = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".swagger-ui .info .title"))
        .await
        .expect("Swagger UI renders under the CSP")
        .text()
        .await
        .unwrap();
    assert!(title.contains("duban"), "{title}");
    screenshot(&c, backend, "api-docs", 1280).await;
    c.close().await.unwrap();
}

/// Types `text` into the field `css` finds, replacing what it held.
async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

on_both!(the_plan_in_a_browser);
/// Plan editing as the office does it: it adds a target on the plan page, then moves its lead
/// unit to 市发展改革委; that unit's clerk finds the report on the open round's page and
/// submits it. Then the office makes next year's plan from the rollover form. Screenshots of
/// the target form and the plan page at 1280 and 390 px.
async fn the_plan_in_a_browser(backend: common::Backend) {
    let site = common::site_on(backend).await;
    let base = site.base.clone();
    let next = common::heze_table()
        .targets
        .iter()
        .map(|t| t.no.get())
        .max()
        .unwrap()
        + 1;
    let (_driver, c) = browser().await;

    login(&c, &base, "admin").await;
    c.goto(&format!("{base}/work/plan")).await.unwrap();
    click_through(&c, "a[href='/work/plan/2023/targets/new']").await;
    type_into(&c, "textarea[name=content]", "新建城市书房10处").await;
    type_into(&c, "input[name=deadline]", "11月底").await;
    type_into(&c, "input[name='units.0']", "市财政局 市审计局").await;
    type_into(&c, "input[name='leaders.0']", "聂元科").await;
    screenshot(&c, backend, "plan-target", 1280).await;
    screenshot(&c, backend, "plan-target", 390).await;
    assert_no_sideways_scroll(&c, "the target form").await;
    click_through(&c, "form.plan-target button.primary").await;
    let notice = text_of(&c, "p.notice").await;
    assert!(
        notice.contains(&format!("已保存第 {next} 项目标")),
        "{notice}"
    );

    // The lead moves to 市发展改革委.
    click_through(&c, &format!("a[href='/work/plan/2023/targets/{next}']")).await;
    assert_eq!(
        c.find(Locator::Css("input[name='units.0']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("市财政局 市审计局")
    );
    type_into(&c, "input[name='units.0']", "市发展改革委").await;
    click_through(&c, "form.plan-target button.primary").await;
    assert!(text_of(&c, "p.notice").await.contains("已保存"));
    screenshot(&c, backend, "plan", 1280).await;

    // The new lead unit's clerk sees the report at once and submits it.
    let id = site.report_id(next, 0).await;
    login(&c, &base, "unit_a").await;
    c.goto(&format!("{base}/work/2023Q4")).await.unwrap();
    assert!(
        text_of(&c, &format!("#r{id}"))
            .await
            .contains("新建城市书房10处"),
        "the clerk sees the new target"
    );
    fill(&c, id, "已完成选址8处，年底前建成。", true, "submit").await;
    let report = site.store.report(id).await.unwrap().unwrap();
    assert_eq!(report.state, duban_core::ReportState::Submitted);
    assert_eq!(report.units[0].as_str(), "市发展改革委");

    // Next year's plan from the rollover form, the 长期坚持 targets ticked.
    login(&c, &base, "admin").await;
    c.goto(&format!("{base}/work/plan")).await.unwrap();
    let ticked = c
        .find_all(Locator::Css("input[name=pick]:checked"))
        .await
        .unwrap()
        .len();
    assert!(ticked >= 2, "{ticked} ticked");
    click_through(&c, "form[action='/work/plan/rollover'] button.primary").await;
    let made = text_of(&c, "p.notice").await;
    assert!(
        made.contains(&format!("已建立 2024 年计划，结转 {ticked} 项目标")),
        "{made}"
    );
    assert_eq!(
        site.store.plan(common::HEZE_GOV, 2024).await.unwrap().len(),
        ticked
    );
    c.close().await.unwrap();
}
