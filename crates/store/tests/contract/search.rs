//! 检索: the same queries give the same hits on both backends.

use crate::common::*;
use crate::harness::run_on;
use duban_store::SearchHit;

/// Four rounds of two governments: 菏泽 2023Q2 (made up from Q3), 2023Q3 (corrected once,
/// so a superseded text exists), 2023Q4 (collected and published here), and a county's 2024H1.
async fn load(store: &dyn Store) {
    let mut q2 = heze();
    q2.period = period("2023Q2");
    q2.title = q2.title.replace("三季度", "二季度");
    q2.targets[38].entries[0].progress = "二季度完成储备粮轮换".into();
    q2.targets[0].entries[0].progress = "二季度推进养老服务".into();
    store.import_table(&q2, "test").await.unwrap();
    store.import_table(&heze(), "test").await.unwrap();
    store.import_table(&layouts(), "test").await.unwrap();
    let mut corrected = heze();
    corrected.targets[1].entries[0].progress = "更正后：一般公共预算收入增长7.0%".into();
    store.import_table(&corrected, "test").await.unwrap();

    let q4 = period("2023Q4");
    store
        .open_round(GOV, q4, date("2099-01-10"), "user:office")
        .await
        .unwrap();
    let reports = store.reports(GOV, q4).await.unwrap();
    accept(store, &reports[0], "四季度储备粮轮换完成，PM2.5浓度下降").await;
    accept(store, &reports[10], "智慧城市 青年 就业").await;
    store.publish(GOV, q4, "user:office").await.unwrap();
}

const QUERIES: &[&str] = &[
    // One character.
    "粮",
    "税",
    "县",
    "市",
    "5",
    // Two.
    "养老",
    "财政",
    "青年",
    "菏泽",
    "基站",
    // Three.
    "储备粮",
    "团市委",
    "李春英",
    "聂元科",
    // Four.
    "智慧城市",
    "市财政局",
    "税费支持",
    "老旧小区",
    // Two words, mixed scripts, letters in any case.
    "智慧 城市",
    "青年 就业",
    "PM2.5",
    "pm2.5",
    "5G基站",
    "5g",
    "PM2.5 浓度",
    // The superseded text and the correction.
    "增长6.9%",
    "增长7.0%",
    "更正后",
    // Nothing searchable, nothing there.
    "，。",
    "",
    "  ",
    "不存在的词语",
];

const PERIODS: &[Option<&str>] = &[
    None,
    Some("2023Q2"),
    Some("2023Q3"),
    Some("2023Q4"),
    Some("2024H1"),
    Some("2022"),
];

/// Every query in every period, with the publication hash checked to be the round's newest
/// and then left out (the hashes cover the publishing time, which differs between stores).
async fn answers(store: &dyn Store) -> Vec<(String, Option<&'static str>, Vec<SearchHit>)> {
    let mut out = Vec::new();
    for q in QUERIES {
        for p in PERIODS {
            let query = SearchQuery {
                text: (*q).to_owned(),
                government: None,
                period: p.map(period),
                limit: 50,
                ..Default::default()
            };
            let mut hits = store.search(&query).await.unwrap();
            for h in &mut hits {
                let newest = store.latest_sha256(&h.government, h.period).await.unwrap();
                assert_eq!(Some(&h.sha256), newest.as_ref(), "{q} {p:?}");
                h.sha256.clear();
            }
            out.push(((*q).to_owned(), *p, hits));
        }
    }
    // Filtered by unit or leader, with or without words, and pages further on.
    for (text, unit, leader, offset) in FILTERED {
        let query = SearchQuery {
            text: (*text).to_owned(),
            unit: unit.map(str::to_owned),
            leader: leader.map(str::to_owned),
            offset: *offset,
            limit: 5,
            ..Default::default()
        };
        let mut hits = store.search(&query).await.unwrap();
        assert!(!hits.is_empty(), "{query:?}");
        for h in &mut hits {
            assert!(unit.is_none_or(|u| h.units.iter().any(|n| n.as_str() == u)));
            assert!(leader.is_none_or(|l| h.leaders.iter().any(|n| n.as_str() == l)));
            h.sha256.clear();
        }
        out.push((format!("{query:?}"), None, hits));
    }
    out
}

/// (words, unit, leader, offset) of the filtered queries.
const FILTERED: &[(&str, Option<&str>, Option<&str>, usize)] = &[
    ("", Some("市发展改革委"), None, 0),
    ("", Some("市发展改革委"), None, 5),
    ("储备粮", Some("市发展改革委"), None, 0),
    ("", None, Some("李春英"), 2),
    ("", Some("市财政局"), Some("李春英"), 0),
];

/// (period, target, entry) of each hit.
fn places(hits: &[SearchHit]) -> Vec<(String, u32, u32)> {
    hits.iter()
        .map(|h| (h.period.to_string(), h.target_no, h.entry))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_queries_give_the_same_hits_on_both_backends() {
    run_on(&[Backend::Sqlite, Backend::Postgres], |stores| async move {
        let (sqlite, postgres) = (&stores[0].0, &stores[1].0);
        load(&**sqlite).await;
        load(&**postgres).await;
        let expected = answers(&**sqlite).await;
        let found = answers(&**postgres).await;
        let mut differ = Vec::new();
        for (e, f) in expected.iter().zip(&found) {
            if e != f {
                differ.push(format!(
                    "{:?} in {:?}: SQLite {:?}, PostgreSQL {:?}",
                    e.0,
                    e.1,
                    places(&e.2),
                    places(&f.2)
                ));
            }
        }
        assert!(differ.is_empty(), "{}", differ.join("\n"));
        // Not a comparison of two empty lists.
        let with_hits = expected.iter().filter(|(_, _, h)| !h.is_empty()).count();
        assert!(with_hits > 40, "{with_hits}");
    })
    .await;
}

contract!(
    /// Hits as a reader expects them: only each round's newest publication, newest round
    /// first, then by target and entry; the text must really be there.
    hits_come_from_the_newest_publications,
    |store, _db| async move {
        load(&*store).await;
        let search = |text: &'static str, p: Option<&'static str>, limit: usize| {
            let store = store.clone();
            async move {
                let query = SearchQuery {
                    text: text.to_owned(),
                    government: None,
                    period: p.map(period),
                    limit,
                    ..Default::default()
                };
                store.search(&query).await.unwrap()
            }
        };
        let at = |list: &[(&str, u32, u32)]| -> Vec<(String, u32, u32)> {
            list.iter().map(|(p, t, e)| ((*p).to_owned(), *t, *e)).collect()
        };

        // 储备粮 is in target 39's content, so in every 菏泽 round; Q4's report 1 says it too.
        let grain = search("储备粮", None, 50).await;
        assert_eq!(
            places(&grain),
            at(&[
                ("2023Q4", 1, 0),
                ("2023Q4", 39, 0),
                ("2023Q3", 39, 0),
                ("2023Q2", 39, 0)
            ])
        );
        let first = &grain[0];
        assert_eq!(
            (first.government.as_str(), first.deadline.as_str()),
            (GOV, "年底")
        );
        assert_eq!(first.content, heze().targets[0].content);
        assert_eq!(
            (first.progress.as_str(), first.on_schedule),
            ("四季度储备粮轮换完成，PM2.5浓度下降", Some(true))
        );
        assert_eq!(
            (first.leaders.as_slice(), &first.units),
            (
                heze().targets[0].entries[0].leaders(),
                &heze().targets[0].entries[0].units
            )
        );
        assert_eq!(
            Some(&first.sha256),
            store.latest_sha256(GOV, period("2023Q4")).await.unwrap().as_ref()
        );
        // Not accepted in Q4: published as not reported.
        assert_eq!((grain[1].progress.as_str(), grain[1].on_schedule), ("", None));
        assert_eq!(
            places(&search("储备粮", Some("2023Q3"), 50).await),
            at(&[("2023Q3", 39, 0)])
        );
        assert_eq!(places(&search("粮", None, 50).await), places(&grain));
        assert_eq!(
            places(&search("养老", None, 50).await),
            at(&[("2023Q3", 33, 0), ("2023Q2", 1, 0), ("2023Q2", 33, 0)])
        );
        // Leaders and units are searched; the limit cuts the list.
        assert_eq!(
            places(&search("李春英", None, 3).await),
            at(&[("2023Q4", 1, 0), ("2023Q4", 2, 0), ("2023Q4", 3, 0)])
        );
        assert_eq!(
            places(&search("市财政局", Some("2023Q3"), 50).await),
            at(&[
                ("2023Q3", 2, 0),
                ("2023Q3", 3, 0),
                ("2023Q3", 4, 0),
                ("2023Q3", 5, 0),
                ("2023Q3", 11, 0),
                ("2023Q3", 26, 0)
            ])
        );
        assert_eq!(
            places(&search("智慧城市", None, 50).await),
            at(&[
                ("2023Q4", 11, 0),
                ("2023Q4", 23, 0),
                ("2023Q3", 23, 0),
                ("2023Q2", 23, 0)
            ])
        );
        // Letters in any case; words of two scripts.
        let pm = at(&[("2023Q4", 1, 0), ("2023Q3", 10, 0), ("2023Q2", 10, 0)]);
        assert_eq!(places(&search("PM2.5", None, 50).await), pm);
        assert_eq!(places(&search("pm2.5", None, 50).await), pm);
        let county = search("5G基站", None, 50).await;
        assert_eq!(places(&county), at(&[("2024H1", 3, 0)]));
        assert_eq!(county[0].government, "某某县人民政府");
        // Two words, both anywhere in the entry: Q4's report 11 says "青年 就业", and target
        // 22 speaks of 青年 and of 就业 apart.
        assert_eq!(
            places(&search("青年 就业", None, 50).await),
            at(&[("2023Q4", 11, 0), ("2023Q3", 22, 0), ("2023Q2", 22, 0)])
        );
        assert_eq!(
            places(&search("张三", None, 50).await),
            at(&[("2024H1", 1, 0), ("2024H1", 2, 0), ("2024H1", 3, 0)])
        );
        assert!(search("张三", Some("2023Q3"), 50).await.is_empty());
        // The corrected text replaced the old one in Q3; Q2 still says it.
        assert_eq!(
            places(&search("增长6.9%", None, 50).await),
            at(&[("2023Q2", 2, 0)])
        );
        let corrected = search("更正后", None, 50).await;
        assert_eq!(places(&corrected), at(&[("2023Q3", 2, 0)]));
        assert_eq!(
            corrected[0].progress,
            "更正后：一般公共预算收入增长7.0%"
        );
        assert!(search("，。", None, 50).await.is_empty());
        assert!(search("", None, 50).await.is_empty());
        assert!(search("储备粮", Some("2022"), 50).await.is_empty());
    }
);

contract!(
    /// Several words mean all of them, each in any field of the entry (issue #14): the target's
    /// text, the progress, a leader, a unit; a word whose halves lie in two fields does not
    /// match, nor does an entry missing one word.
    several_words_mean_all_of_them,
    |store, _db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let places_of = |text: &'static str| {
            let store = store.clone();
            async move {
                let query = SearchQuery {
                    text: text.to_owned(),
                    government: None,
                    period: None,
                    limit: 50,
                    ..Default::default()
                };
                places(&store.search(&query).await.unwrap())
            }
        };
        let t39 = vec![("2023Q3".to_owned(), 39, 0)];
        // 储备粮 in the target, 万吨 in the progress.
        assert_eq!(places_of("储备粮 万吨").await, t39);
        assert_eq!(places_of("万吨  储备粮").await, t39);
        // A leader and a unit of the same entry.
        let leader_and_unit = places_of("李春英 市财政局").await;
        assert!(!leader_and_unit.is_empty());
        let alone = places_of("李春英").await;
        assert!(leader_and_unit.iter().all(|p| alone.contains(p)));
        // One word not there: nothing.
        assert!(places_of("储备粮 不存在的词语").await.is_empty());
        // 粮 ends one field and 万 begins none: "粮万" is in no single field of target 39.
        assert!(!places_of("粮万").await.contains(&t39[0]));
    }
);

contract!(
    /// The office's aliases: kept per government, only for units it has, added once, audited;
    /// a search by groups of units finds the entries naming one unit of each group.
    aliases_are_kept_and_groups_searched,
    |store, _db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let units = store.unit_names(GOV).await.unwrap();
        assert!(units.iter().any(|u| u == "市发展改革委") && units.iter().any(|u| u == "市财政局"));
        assert!(store.unit_names(COUNTY).await.unwrap().is_empty());

        assert_not_found(store.add_alias(GOV, "粮食局", "市粮食局", "user:office").await);
        assert_invalid(store.add_alias(GOV, " ", "市发展改革委", "user:office").await);
        for _ in 0..2 {
            store
                .add_alias(GOV, "粮食局", "市发展改革委", "user:office")
                .await
                .unwrap();
        }
        assert_eq!(
            store.aliases(GOV).await.unwrap(),
            [("粮食局".to_owned(), "市发展改革委".to_owned())]
        );
        assert!(store.aliases(COUNTY).await.unwrap().is_empty());
        let trail = trail(&*store, "unit:市发展改革委").await;
        assert_eq!(actions(&trail), ["alias.add", "alias.add"]);

        let group = |units: &[&str], text: &str| SearchQuery {
            text: text.to_owned(),
            unit_groups: vec![units.iter().map(|u| (*u).to_owned()).collect()],
            limit: 200,
            ..Default::default()
        };
        let one = store.search(&group(&["市发展改革委"], "")).await.unwrap();
        let either = store
            .search(&group(&["市发展改革委", "市财政局"], ""))
            .await
            .unwrap();
        let fiscal = store.search(&group(&["市财政局"], "")).await.unwrap();
        assert!(!one.is_empty() && !fiscal.is_empty());
        assert!(either.len() >= one.len().max(fiscal.len()), "{} {} {}", either.len(), one.len(), fiscal.len());
        assert!(either.iter().all(|h| h
            .units
            .iter()
            .any(|u| u.as_str() == "市发展改革委" || u.as_str() == "市财政局")));
        let grain = store.search(&group(&["市发展改革委"], "储备粮")).await.unwrap();
        assert_eq!(
            grain.iter().map(|h| h.target_no).collect::<Vec<_>>(),
            [39]
        );
    }
);

contract!(
    /// A renamed unit (机构改革): the plan and its accounts take the new name, each name answers
    /// for the other, what was published keeps the old one, and a taken name is refused.
    a_renamed_unit_keeps_its_history,
    |store, _db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        store
            .add_user(&new_user("clerk", Role::Unit, &["市财政局"], None), "cli")
            .await
            .unwrap();
        let clerk = NewUser {
            government: Some(GOV.into()),
            ..new_user("clerk_gov", Role::Unit, &["市财政局"], None)
        };
        let clerk = store.add_user(&clerk, "cli").await.unwrap();
        store.add_alias(GOV, "财政局", "市财政局", "user:office").await.unwrap();

        assert_not_found(store.rename_unit(GOV, "市粮食局", "市粮储局", "user:office").await);
        assert_conflict(
            store.rename_unit(GOV, "市财政局", "市发展改革委", "user:office").await,
            "unit_exists",
        );
        assert_invalid(store.rename_unit(GOV, "市财政局", " ", "user:office").await);
        store
            .rename_unit(GOV, "市财政局", "市财政事务中心", "user:office")
            .await
            .unwrap();

        let units = store.unit_names(GOV).await.unwrap();
        assert!(units.iter().any(|u| u == "市财政事务中心"));
        assert!(!units.iter().any(|u| u == "市财政局"));
        // The government's account follows; the platform's own is another government's affair.
        let actor = store.actor(clerk).await.unwrap().unwrap();
        assert_eq!(actor.units.iter().map(|u| u.as_str()).collect::<Vec<_>>(), ["市财政事务中心"]);
        let aliases = store.aliases(GOV).await.unwrap();
        for pair in [("财政局", "市财政事务中心"), ("市财政局", "市财政事务中心"), ("市财政事务中心", "市财政局")] {
            assert!(
                aliases.contains(&(pair.0.to_owned(), pair.1.to_owned())),
                "{pair:?} not in {aliases:?}"
            );
        }
        // Published as it was.
        let chain = store.chain_of(GOV).await.unwrap();
        assert_eq!(chain.len(), 1);
        assert!(chain[0].content.contains("市财政局") && !chain[0].content.contains("市财政事务中心"));
        // Newest first: the rename, after the alias added under the old name.
        let trail = trail(&*store, "unit:市财政局").await;
        assert_eq!(actions(&trail), ["unit.rename", "alias.add"]);
    }
);
