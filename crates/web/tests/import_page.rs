//! The office's import page over real HTTP: upload → preview → confirm, and a bad file that
//! changes nothing.

mod common;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

async fn admin_client(base: &str) -> reqwest::Client {
    client_of(base, "admin").await
}

async fn client_of(base: &str, user: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/login"))
        .form(&[("username", user), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

/// The confirmation form's action, under `/work/import/`: `{id}/confirm`.
fn confirm_action(html: &str) -> String {
    html.split("action=\"/work/import/")
        .skip(1)
        .map(|a| a.split('"').next().unwrap())
        .find(|a| a.ends_with("/confirm"))
        .unwrap_or_else(|| panic!("no confirmation form: {html}"))
        .to_owned()
}

#[tokio::test]
async fn upload_preview_confirm() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let mut table = duban_formats::twoup::read(common::HEZE, &Default::default()).unwrap();
    table.targets[38].entries[0].progress = "前三季度,增加市级储备粮1.71万吨(CSV 更正)".into();
    let csv = duban_formats::export::csv(&table);

    let form = Form::new().part("file", Part::bytes(csv).file_name("heze.csv"));
    let r = c
        .post(format!("{}/work/import", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("39 项目标（文件称共 200 项），40 个承办条目"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"name\">是否按计划完成进度</td>"),
        "the column mapping is shown"
    );
    assert!(html.contains("(CSV 更正)") || html.contains("增加市级储备粮8.6万吨"));
    // Nothing is imported before the office confirms.
    let before = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!before.content.contains("CSV 更正"));

    let action = confirm_action(&html);
    let r = c
        .post(format!("{}/work/import/{action}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/tables/2023Q3");
    let after = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(after.content.contains("(CSV 更正)"));
    assert_eq!(
        after.summary.supersedes.as_deref(),
        Some(before.summary.sha256.as_str())
    );
    // The upload is gone once used.
    let again = c
        .post(format!("{}/work/import/{action}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

/// A government's office cannot import another government's table; a platform admin can,
/// and is told beforehand that it registers a new government, and with which id.
#[tokio::test]
async fn a_new_governments_table_registers_it_and_only_the_platform_may() {
    let site = common::site().await;
    let platform = duban_store::NewUser {
        username: "platform".into(),
        role: duban_core::access::Role::Admin,
        password_hash: common::HASH.clone(),
        units: Vec::new(),
        leader: None,
        government: None,
        email: None,
    };
    site.store.add_user(&platform, "test").await.unwrap();
    let csv = duban_formats::export::csv(&common::yuncheng_table());
    let upload = |c: reqwest::Client| {
        let csv = csv.clone();
        let base = site.base.clone();
        async move {
            let form = Form::new().part("file", Part::bytes(csv).file_name("yuncheng.csv"));
            let r = c
                .post(format!("{base}/work/import"))
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = upload(admin_client(&site.base).await).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("郓城县人民政府的一览表"), "{html}");

    let c = client_of(&site.base, "platform").await;
    let (st, html) = upload(c.clone()).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(
        html.contains("导入时将登记，网址编码为 <code>yuncheng</code>"),
        "{html}"
    );
    let action = confirm_action(&html);
    let r = c
        .post(format!("{}/work/import/{action}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Two governments now: the table is under its prefix.
    assert_eq!(r.headers()["location"], "/g/yuncheng/tables/2023Q3");
    let r = c
        .get(format!("{}/g/yuncheng/tables/2023Q3", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains(common::YUNCHENG_ONLY));
}

#[tokio::test]
async fn a_bad_file_is_explained_and_nothing_changes() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let before = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let bad = "序号,分管市领导,目标任务,完成时限,三季度完成情况,是否按计划完成进度,牵头单位\n1x,甲,目标,年底,进展,是,市一局\n";
    let title = "某市人民政府2023年责任目标三季度工作推进情况一览表\n";
    let form = Form::new().part(
        "file",
        Part::bytes(format!("{title}{bad}").into_bytes()).file_name("bad.csv"),
    );
    let r = c
        .post(format!("{}/work/import", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("row 3") && html.contains("序号") && html.contains("1x"),
        "{html}"
    );
    let after = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_audit_log_page_filters_and_exports() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let html = c
        .get(format!("{}/work/audit?action=round.open", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("round:2023Q4"),
        "the round opened by the test setup"
    );
    assert!(!html.contains("target.create"), "filtered by action");
    // Field by field, in words, in Beijing time: the round's due date and its count of reports.
    assert!(html.contains("开启调度"), "the action in words");
    assert!(
        html.contains("<dt>截止日期 due</dt><dd><ins>2099-01-10</ins></dd>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>报告数 reports</dt><dd><ins>40</ins></dd>"),
        "{html}"
    );
    assert!(html.contains("北京时间"));
    // By day, as people in China count them: the setup ran today.
    let today = duban_core::time::date_in_china(jiff::Timestamp::now());
    let on = |from: String, to: String| {
        let c = c.clone();
        let base = site.base.clone();
        async move {
            c.get(format!(
                "{base}/work/audit.csv?action=round.open&from={from}&to={to}"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .lines()
            .count()
        }
    };
    let yesterday = today.yesterday().unwrap().to_string();
    let tomorrow = today.tomorrow().unwrap().to_string();
    assert_eq!(
        on(today.to_string(), today.to_string()).await,
        2,
        "header and the opening"
    );
    assert_eq!(
        on(yesterday.clone(), yesterday).await,
        1,
        "nothing the day before"
    );
    assert_eq!(
        on(tomorrow, String::new()).await,
        1,
        "nothing from tomorrow"
    );
    let bad = c
        .get(format!("{}/work/audit?from=yesterday", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("from: “yesterday” is not a date")
    );
    let csv = c
        .get(format!("{}/work/audit.csv?action=user.create", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert_eq!(
        text.lines().count(),
        6,
        "a header and the five accounts: {text}"
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_session() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let wrong = c
        .post(format!("{}/work/password", site.base))
        .form(&[("current", "nope"), ("new", "another password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(format!("{}/work/password", site.base))
        .form(&[("current", common::PASSWORD), ("new", "another password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The old session is gone, the old password no longer works, the new one does.
    let r = c.get(format!("{}/work", site.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login?next=/work");
    let old = c
        .post(format!("{}/login", site.base))
        .form(&[("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = c
        .post(format!("{}/login", site.base))
        .form(&[("username", "admin"), ("password", "another password")])
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
}

/// A page saved from the government's site imports like any table (the preview names the
/// format and the table chosen), and a hostile one is refused with the database unchanged.
#[tokio::test]
async fn a_saved_web_page_is_previewed_and_a_hostile_one_changes_nothing() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let page = include_str!("../../formats/tests/data/yilan-saved-page.html");
    let form = Form::new().part(
        "file",
        Part::bytes(page.as_bytes().to_vec()).file_name("yilan.html"),
    );
    let r = c
        .post(format!("{}/work/import", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("网页 web page (.html)"), "{html}");
    assert!(html.contains("表格2 / table 2"), "{html}");
    assert!(html.contains("4 项目标"), "{html}");
    assert!(
        !html.contains("alert("),
        "nothing of the page's scripts: {html}"
    );

    let before = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut laughs =
        String::from("<!DOCTYPE html [<!ENTITY a \"aaaaaaaaaa\">]><html><body><table>");
    laughs.push_str(&"<tr><td rowspan=\"65534\" colspan=\"1000\">&a;</td></tr>".repeat(2_000));
    let form = Form::new().part(
        "file",
        Part::bytes(laughs.into_bytes()).file_name("laughs.html"),
    );
    let r = c
        .post(format!("{}/work/import", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let after = site
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after);
}

/// A header in words no synonym knows: the page says it cannot read the file and offers the
/// likely header's columns; mapped by hand and read again, the preview shows the targets, and
/// confirming imports them with the mapping kept.
#[tokio::test]
async fn an_unusual_header_is_mapped_by_hand() {
    let site = common::site().await;
    let c = admin_client(&site.base).await;
    let csv = "菏泽市人民政府2024年重点事项推进情况一览表\n\
               序号,事项名称,推进情况说明,主责部门\n\
               1,新建城市书房10处,已建成8处,市文化和旅游局\n\
               2,改造老旧小区20个,已开工15个,市住房城乡建设局\n";
    let form = Form::new()
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("zhongdian.csv"),
        )
        .text("period", "2024M11");
    let r = c
        .post(format!("{}/work/import", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("无法导入"), "{html}");
    assert!(
        html.contains("<td class=\"name\">推进情况说明</td>"),
        "the columns are offered: {html}"
    );
    let action = html
        .split("action=\"/work/import/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(action.ends_with("/columns"), "{action}");
    let mapping = [
        ("header.0", "序号"),
        ("role.0", "no"),
        ("header.1", "事项名称"),
        ("role.1", "content"),
        ("header.2", "推进情况说明"),
        ("role.2", "progress"),
        ("header.3", "主责部门"),
        ("role.3", "units"),
    ];
    let r = c
        .post(format!("{}/work/import/{action}", site.base))
        .form(&mapping)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("2 项目标"), "{html}");
    assert!(html.contains("新建城市书房10处"));
    // A role no one knows is refused with the field named.
    let bad = c
        .post(format!(
            "{}/work/import/{}",
            site.base,
            confirm_action(&html).replace("/confirm", "/columns")
        ))
        .form(&[("header.0", "序号"), ("role.0", "nothing")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("role.0"));

    let r = c
        .post(format!(
            "{}/work/import/{}",
            site.base,
            confirm_action(&html)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let table = site
        .store
        .latest_publication("菏泽市人民政府", "2024M11".parse().unwrap())
        .await
        .unwrap()
        .expect("imported");
    let json: serde_json::Value = serde_json::from_str(&table.content).unwrap();
    assert_eq!(json["targets"][1]["entries"][0]["progress"], "已开工15个");
    assert_eq!(
        json["targets"][1]["entries"][0]["units"][0],
        "市住房城乡建设局"
    );
}
