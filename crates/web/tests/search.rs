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
