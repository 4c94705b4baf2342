//! 检索 over HTTP: Chinese words of one, two or more characters find the published entries
//! that contain them, and nothing unpublished is ever found.

mod common;

use common::api::site;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn search(s: &common::api::Site, query: &str) -> (StatusCode, Value) {
    s.call(Method::GET, &format!("/api/v1/search?{query}"), None, None)
        .await
}

/// (period, target, entry) of each hit.
fn found(answer: &Value) -> Vec<(String, u64, u64)> {
    answer["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["period"].as_str().unwrap().to_owned(),
                h["target_no"].as_u64().unwrap(),
                h["entry"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn q3(no: u64) -> (String, u64, u64) {
    ("2023Q3".to_owned(), no, 0)
}

#[tokio::test]
async fn words_of_any_length_find_what_was_published() {
    let s = site().await;
    let (st, a) = search(&s, "q=储备粮").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(found(&a), [q3(39)]);
    let sha = s.store.published().await.unwrap()[0].sha256.clone();
    assert_eq!(a["hits"][0]["sha256"], sha.as_str());
    assert_eq!(a["hits"][0]["progress"], "前三季度,增加市级储备粮1.71万吨");
    assert_eq!(
        a["hits"][0]["snippet"],
        "前三季度,增加市级<mark>储备粮</mark>1.71万吨"
    );

    // The narrative 20 and 21 share: both.
    let (_, a) = search(&s, "q=儿童友好实践基地").await;
    assert_eq!(found(&a), [q3(20), q3(21)]);
    // Two characters, one character, a unit's name, a leader's name, Latin letters.
    let (_, a) = search(&s, "q=煤矿").await;
    assert_eq!(found(&a), [q3(38)]);
    let (_, a) = search(&s, "q=粮&limit=200").await;
    assert!(found(&a).contains(&q3(39)));
    let (_, a) = search(&s, "q=华瑞集团").await;
    assert_eq!(found(&a), [q3(39)]);
    let (_, a) = search(&s, "q=李春英&limit=200").await;
    assert_eq!(found(&a).len(), 5, "李春英 leads targets 1 to 5");
    let (_, a) = search(&s, "q=vocs").await;
    assert_eq!(found(&a), [q3(33)], "VOCs, whatever the case");
    // Pairs that occur apart are not a match: 储备 and 备粮 are both in 39, 粮储 is nowhere.
    let (_, a) = search(&s, "q=粮储备").await;
    assert!(found(&a).is_empty(), "{a}");
    let (_, a) = search(&s, "q=储备粮&period=2023Q4").await;
    assert!(found(&a).is_empty());

    for bad in ["", "q=", "q=%20", "q=x&period=2023Q9"] {
        let (st, e) = search(&s, bad).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
    // The page shows the same hits, linked to the table row.
    let page = s.text("/search?q=储备粮").await;
    assert!(page.contains("href=\"/tables/2023Q3#t39\""));
    // The words are marked where they occur, in the target and in the progress.
    assert!(
        page.contains("前三季度,增加市级<mark>储备粮</mark>1.71万吨"),
        "{page}"
    );
    assert!(page.contains("增加市级<mark>储备粮</mark>8.6万吨"));
    // Two words, each marked; a long narrative is cut around the first.
    let page = s.text("/search?q=儿童友好%20基地").await;
    assert!(page.contains("<mark>儿童友好</mark>") && page.contains("<mark>基地</mark>"));
    assert!(page.contains("…"), "long progress is cut to a snippet");
}

#[tokio::test]
async fn drafts_are_not_found_until_published_and_corrections_replace() {
    let s = site().await;
    let unit = s.token("unit_a").await;
    let admin = s.token("admin").await;
    let id = s.report_id(39, 0).await;
    let text = "全年增加市级储备粮5万吨，独一无二的说法";
    s.call(
        Method::PUT,
        &format!("/api/v1/reports/{id}"),
        unit.as_deref(),
        Some(json!({"progress": text, "on_schedule": false})),
    )
    .await;
    s.call(
        Method::POST,
        &format!("/api/v1/reports/{id}/submit"),
        unit.as_deref(),
        None,
    )
    .await;
    let (_, a) = search(&s, "q=独一无二").await;
    assert!(found(&a).is_empty(), "a submitted report is not public");
    s.call(
        Method::POST,
        &format!("/api/v1/reports/{id}/accept"),
        admin.as_deref(),
        None,
    )
    .await;
    let (_, a) = search(&s, "q=独一无二").await;
    assert!(found(&a).is_empty(), "accepted, but not yet published");
    s.store
        .publish(common::HEZE_GOV, "2023Q4".parse().unwrap(), "test")
        .await
        .unwrap();
    let (_, a) = search(&s, "q=独一无二").await;
    assert_eq!(found(&a), [("2023Q4".to_owned(), 39, 0)]);
    let (_, a) = search(&s, "q=储备粮").await;
    assert_eq!(found(&a), [("2023Q4".to_owned(), 39, 0), q3(39)]);

    // A corrected Q3 replaces what the search finds for Q3.
    let mut table = duban_formats::twoup::read(common::HEZE, &Default::default()).unwrap();
    let t39 = table.targets.iter_mut().find(|t| t.no.get() == 39).unwrap();
    t39.entries[0].progress = "前三季度,增加市级储备粮1.80万吨（更正）".into();
    s.store.import_table(&table, "test").await.unwrap();
    let (_, a) = search(&s, "q=1.71万吨").await;
    assert!(found(&a).is_empty(), "the superseded text is gone: {a}");
    let (_, a) = search(&s, "q=1.80万吨").await;
    assert_eq!(found(&a), [q3(39)]);
}

#[tokio::test]
async fn filters_by_unit_and_leader_and_pages_through() {
    let s = site().await;
    let (_, a) = search(&s, "unit=华瑞集团").await;
    assert_eq!(found(&a), [q3(39)], "a unit alone, no words");
    assert_eq!(a["unit"], "华瑞集团");
    let (_, a) = search(&s, "q=储备粮&unit=市发展改革委").await;
    assert_eq!(found(&a), [q3(39)]);
    let (_, a) = search(&s, "q=储备粮&unit=市财政局").await;
    assert!(found(&a).is_empty(), "39 is not 市财政局's: {a}");
    // A unit is its whole name; a part of it is a word to search for.
    let (_, a) = search(&s, "unit=发展改革").await;
    assert!(found(&a).is_empty(), "{a}");
    let (_, a) = search(&s, "q=发展改革&limit=200").await;
    assert!(found(&a).contains(&q3(39)));
    // Every hit of a unit names it, and every entry naming it is a hit.
    let (_, a) = search(&s, "unit=市发展改革委&limit=200").await;
    let table = s
        .store
        .latest_publication("菏泽市人民政府", "2023Q3".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let table: duban_core::Table = serde_json::from_str(&table.content).unwrap();
    let expected: Vec<(String, u64, u64)> = table
        .targets
        .iter()
        .flat_map(|t| {
            t.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.units.iter().any(|u| u.as_str() == "市发展改革委"))
                .map(move |(i, _)| ("2023Q3".to_owned(), u64::from(t.no.get()), i as u64))
        })
        .collect();
    assert!(expected.len() > 5, "{expected:?}");
    assert_eq!(found(&a), expected);
    assert_eq!(a["more"], false);

    // 李春英's five entries, two at a time.
    let (_, all) = search(&s, "leader=李春英").await;
    assert_eq!(found(&all).len(), 5);
    let mut paged = Vec::new();
    for (offset, more) in [(0, true), (2, true), (4, false)] {
        let (st, a) = search(&s, &format!("leader=李春英&limit=2&offset={offset}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            (a["offset"].as_u64(), a["more"].as_bool()),
            (Some(offset), Some(more))
        );
        paged.extend(found(&a));
    }
    assert_eq!(paged, found(&all));
    let (st, e) = search(&s, "q=储备粮&offset=5000").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The page: the filters in its form, the range shown and a link to the next page.
    let page = s.text("/search?leader=李春英&limit=2").await;
    assert!(page.contains("name=\"leader\" value=\"李春英\""), "{page}");
    assert!(
        page.contains("共 5 条结果（仅检索已公开内容），显示第 1–2 条"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/search?leader=%E6%9D%8E%E6%98%A5%E8%8B%B1&#38;offset=2&#38;limit=2\" rel=\"next\""),
        "{page}"
    );
    let page = s.text("/search?leader=李春英&offset=4&limit=2").await;
    assert!(
        page.contains("共 5 条结果（仅检索已公开内容），显示第 5–5 条"),
        "{page}"
    );
    assert!(
        page.contains("rel=\"prev\"") && !page.contains("rel=\"next\""),
        "{page}"
    );
    let page = s.text("/search?leader=李春英&limit=2&lang=en").await;
    assert!(
        page.contains("5 results (published content only); showing 1–2"),
        "{page}"
    );
}

#[tokio::test]
async fn short_names_and_the_offices_aliases_find_the_unit() {
    let s = site().await;
    let hits = |q: &'static str| {
        let s = &s;
        async move {
            let (st, a) = search(s, q).await;
            assert_eq!(st, StatusCode::OK, "{q}: {a}");
            found(&a)
        }
    };
    // 发改委 is 市发展改革委's short name: the same entries as the unit filter.
    let fgw = hits("unit=市发展改革委&limit=200").await;
    assert!(fgw.len() > 5);
    assert_eq!(hits("q=发改委&limit=200").await, fgw);
    assert_eq!(hits("q=储备粮%20发改委").await, [q3(39)]);
    assert_eq!(
        hits("q=住建局&limit=200").await,
        hits("unit=市住房城乡建设局&limit=200").await
    );
    // Not a short name of any unit here: a word like any other, found nowhere.
    assert!(hits("q=卫健委").await.is_empty());

    // The office's own alias.
    assert!(hits("q=粮食局").await.is_empty());
    s.store
        .add_alias("菏泽市人民政府", "粮食局", "市发展改革委", "user:office")
        .await
        .unwrap();
    assert_eq!(hits("q=粮食局&limit=200").await, fgw);
    // … added on the unit directory's page, as the office does it.
    let admin = s.token("admin").await;
    let add = |unit: &'static str, alias: &'static str| {
        let (s, admin) = (&s, admin.clone());
        async move {
            s.call(
                Method::POST,
                "/work/units/alias",
                admin.as_deref(),
                Some(json!({"unit": unit, "alias": alias})),
            )
            .await
        }
    };
    assert!(hits("q=发展委").await.is_empty());
    assert_eq!(add("市发展改革委", "发展委").await.0, StatusCode::SEE_OTHER);
    assert_eq!(hits("q=发展委&limit=200").await, fgw);
    let (st, page) = add("不存在的单位", "不存在").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(
        page.as_str().unwrap().contains("简称 Short name:"),
        "{page}"
    );
    assert_eq!(
        add("市发展改革委", " ").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let directory = s
        .call(Method::GET, "/work/units", admin.as_deref(), None)
        .await
        .1;
    assert!(
        directory.as_str().unwrap().contains("粮食局、发展委")
            || directory.as_str().unwrap().contains("发展委、粮食局"),
        "{directory}"
    );
    // The page too.
    let page = s.text("/search?q=储备粮%20发改委").await;
    assert!(page.contains("href=\"/tables/2023Q3#t39\""), "{page}");
}
