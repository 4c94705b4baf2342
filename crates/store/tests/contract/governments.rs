//! Several governments in one deployment: registering them, keeping their rounds, searches and
//! audit trails apart, a publication chain per government, and accounts that belong to one.

use crate::common::*;
use duban_core::{Government, GovernmentCode};
use duban_store::chain::publication_sha256;

/// The second government of these tests.
const YC: &str = "郓城县人民政府";

/// A text only 郓城's table has.
const YC_ONLY: &str = "郓城黄河滩区迁建";

/// 郓城's 2023 third-quarter table: 菏泽's, under 郓城's name, with its own first target.
fn yuncheng() -> Table {
    let mut t = heze();
    t.government = YC.into();
    t.title = t.title.replace(GOV, YC);
    t.targets[0].content = format!("{YC_ONLY}工程");
    t.targets[0].entries[0].progress = format!("{YC_ONLY}完成九成");
    t
}

fn code(s: &str) -> GovernmentCode {
    GovernmentCode::parse(s).unwrap()
}

fn government(code_: &str, name: &str) -> Government {
    Government {
        code: code(code_),
        name: name.into(),
    }
}

/// Opens 2023Q4 for a government, accepts its first report, and publishes it.
async fn publish_q4(store: &dyn Store, gov: &str, text: &str) -> PublicationSummary {
    let q4 = period("2023Q4");
    store
        .open_round(gov, q4, date("2099-01-10"), "user:office")
        .await
        .unwrap();
    let reports = store.reports(gov, q4).await.unwrap();
    accept(store, &reports[0], text).await;
    store.publish(gov, q4, "user:office").await.unwrap()
}

/// The SQL that lets a test change a publication behind the store's back.
fn unfreeze(db: &Db) -> &'static str {
    match db.backend() {
        Backend::Sqlite => "DROP TRIGGER publications_frozen",
        Backend::Postgres => "DROP TRIGGER publications_frozen ON publications",
    }
}

contract!(
    /// An import registers its government with a slug of its name, once; a code given
    /// explicitly is kept, and neither a name nor a code is given twice.
    importing_registers_the_government,
    |store, db| async move {
        assert!(store.governments().await.unwrap().is_empty());
        let heze_gov = government("heze", GOV);
        let first = store.import_table(&heze(), "test").await.unwrap();
        assert!(first.registered);
        assert_eq!(first.government, heze_gov);
        assert_eq!(
            store.governments().await.unwrap(),
            std::slice::from_ref(&heze_gov)
        );
        let again = store.import_table(&heze(), "test").await.unwrap();
        assert!(!again.registered);
        assert_eq!(again.government, heze_gov);
        assert_eq!(db.count("governments").await, 1);

        let registered = trail(&*store, "government:heze").await;
        assert_eq!(actions(&registered), ["government.register"]);
        assert_eq!(registered[0].government.as_deref(), Some(GOV));
        assert_eq!(registered[0].actor, "test");
        assert_eq!(
            registered[0].after,
            Some(serde_json::json!({"code": "heze", "name": GOV}))
        );

        // A registered name keeps its code: asking for another is a conflict; asking for the
        // same one, or for none, returns it unchanged.
        let division = code("371700");
        assert_conflict(
            store
                .register_government(GOV, Some(&division), "user:platform")
                .await,
            "government_code",
        );
        assert_eq!(
            store
                .register_government(GOV, Some(&code("heze")), "user:platform")
                .await
                .unwrap(),
            heze_gov
        );
        assert_eq!(
            store
                .register_government(GOV, None, "user:platform")
                .await
                .unwrap(),
            heze_gov
        );

        // A new name takes the code it is given; nobody else may then have it.
        let yc = store
            .register_government(YC, Some(&division), "user:platform")
            .await
            .unwrap();
        assert_eq!(yc, government("371700", YC));
        assert_conflict(
            store
                .register_government("牡丹区人民政府", Some(&division), "user:platform")
                .await,
            "government_code",
        );
        assert_conflict(
            store
                .register_government("牡丹区人民政府", Some(&code("heze")), "user:platform")
                .await,
            "government_code",
        );
        // Importing a registered government's table keeps the code it was given.
        let imported = store.import_table(&yuncheng(), "test").await.unwrap();
        assert!(!imported.registered);
        assert_eq!(imported.government, yc);

        // Slugs that collide are numbered: 菏泽县 and 菏泽区 read as heze too.
        let county = store
            .register_government("菏泽县人民政府", None, "user:platform")
            .await
            .unwrap();
        assert_eq!(county, government("heze-2", "菏泽县人民政府"));
        let district = store
            .register_government("菏泽区人民政府", None, "user:platform")
            .await
            .unwrap();
        assert_eq!(district, government("heze-3", "菏泽区人民政府"));
        assert_invalid(store.register_government("  ", None, "user:platform").await);

        // In the order they were registered.
        assert_eq!(
            store.governments().await.unwrap(),
            [heze_gov, yc, county, district]
        );
        assert_eq!(
            actions(
                &store
                    .audit_filtered(
                        &AuditFilter {
                            action: "government.".into(),
                            ..AuditFilter::default()
                        },
                        100
                    )
                    .await
                    .unwrap()
            ),
            ["government.register"; 4]
        );
    }
);

contract!(
    /// Two governments with rounds of the same period: each reads its own publications, opens,
    /// closes and publishes its own rounds, and finds only its own hits and audit records when
    /// it asks for them.
    two_governments_keep_their_rounds_apart,
    |store, _db| async move {
        let (q3, q4) = (period("2023Q3"), period("2023Q4"));
        let h = store.import_table(&heze(), "test").await.unwrap();
        let y = store.import_table(&yuncheng(), "test").await.unwrap();
        assert!(h.registered && y.registered);
        assert_eq!(y.government, government("yuncheng", YC));
        assert_ne!(h.plan, y.plan);
        assert_eq!(y.targets_added, 39, "a plan of its own");

        // Both publications of 2023Q3, each with its own content.
        let published = store.published().await.unwrap();
        assert_eq!(
            published
                .iter()
                .map(|p| (p.government.as_str(), p.period))
                .collect::<Vec<_>>(),
            [(GOV, q3), (YC, q3)]
        );
        let (hp, yp) = (h.published.unwrap(), y.published.unwrap());
        assert_eq!(published, [hp.clone(), yp.clone()]);
        for (gov, table, summary) in [(GOV, heze(), &hp), (YC, yuncheng(), &yp)] {
            let p = store.latest_publication(gov, q3).await.unwrap().unwrap();
            assert_eq!(&p.summary, summary);
            assert_eq!(p.content, table.to_canonical_json());
            assert_eq!(
                store.latest_sha256(gov, q3).await.unwrap().as_ref(),
                Some(&summary.sha256)
            );
            assert_eq!(
                store.publications_of(gov, q3).await.unwrap(),
                std::slice::from_ref(summary)
            );
            assert_eq!(store.round_table(gov, q3).await.unwrap().unwrap(), table);
            let round = store.round(gov, q3).await.unwrap().unwrap();
            assert_eq!(
                (round.government.as_str(), round.state),
                (gov, RoundState::Published)
            );
        }
        assert_eq!(store.latest_publication("牡丹区人民政府", q3).await.unwrap(), None);
        assert_eq!(store.round("牡丹区人民政府", q3).await.unwrap(), None);

        // Opening 2023Q4 for one leaves the other without it.
        let opened = store
            .open_round(GOV, q4, date("2099-01-10"), "user:office")
            .await
            .unwrap();
        assert_eq!((opened.government.as_str(), opened.reports), (GOV, 40));
        assert_eq!(store.round(YC, q4).await.unwrap(), None);
        assert_not_found(store.reports(YC, q4).await);
        assert_not_found(store.close_round(YC, q4, "user:office").await);
        let yc_opened = store
            .open_round(YC, q4, date("2099-02-10"), "user:office")
            .await
            .unwrap();
        assert_eq!(
            (yc_opened.government.as_str(), yc_opened.due.as_deref()),
            (YC, Some("2099-02-10"))
        );
        assert!(yc_opened.title.starts_with(YC), "{}", yc_opened.title);
        let h_reports = store.reports(GOV, q4).await.unwrap();
        let y_reports = store.reports(YC, q4).await.unwrap();
        assert_eq!((h_reports.len(), y_reports.len()), (40, 40));
        assert!(h_reports.iter().all(|r| r.government == GOV));
        assert!(y_reports.iter().all(|r| r.government == YC));
        assert!(h_reports.iter().all(|r| y_reports.iter().all(|o| o.id != r.id)));
        assert_eq!(y_reports[0].target_content, yuncheng().targets[0].content);
        assert_eq!(
            y_reports[0].previous_progress.as_deref(),
            Some(yuncheng().targets[0].entries[0].progress.as_str()),
            "last round's text is its own government's"
        );

        // Work in one round leaves the other as it was.
        accept(&*store, &y_reports[0], &format!("{YC_ONLY}四季度完成")).await;
        assert_eq!(
            store.reports(GOV, q4).await.unwrap()[0].state,
            ReportState::Draft
        );
        let closed = store.close_round(GOV, q4, "user:office").await.unwrap();
        assert_eq!(closed.state, RoundState::Closed);
        assert_eq!(
            store.round(YC, q4).await.unwrap().unwrap().state,
            RoundState::Open
        );
        let yq4 = store.publish(YC, q4, "user:office").await.unwrap();
        assert_eq!(yq4.government, YC);
        assert_eq!(
            store.round(GOV, q4).await.unwrap().unwrap().state,
            RoundState::Closed
        );
        assert_eq!(store.latest_publication(GOV, q4).await.unwrap(), None);
        assert_eq!(
            store.round_table(YC, q4).await.unwrap().unwrap().targets[0].entries[0].progress,
            format!("{YC_ONLY}四季度完成")
        );
        // Each government's chain, oldest first, with none of the other's publications.
        let chain = store.chain_of(YC).await.unwrap();
        assert_eq!(
            chain.iter().map(|p| &p.summary).collect::<Vec<_>>(),
            [&yp, &yq4]
        );
        assert_eq!(chain[1].summary.previous_sha256.as_ref(), Some(&yp.sha256));
        assert_eq!(store.chain_head(YC).await.unwrap(), Some(yq4.sha256.clone()));
        assert_eq!(store.chain_head(GOV).await.unwrap(), Some(hp.sha256.clone()));
        assert_eq!(store.chain_of(GOV).await.unwrap().len(), 1);
        assert_eq!(store.chain_head("牡丹区人民政府").await.unwrap(), None);
        let mut rounds: Vec<_> = store
            .rounds()
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.government, r.period, r.state))
            .collect();
        rounds.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        assert_eq!(
            rounds,
            [
                (GOV.to_owned(), q3, RoundState::Published),
                (GOV.to_owned(), q4, RoundState::Closed),
                (YC.to_owned(), q3, RoundState::Published),
                (YC.to_owned(), q4, RoundState::Published),
            ]
        );

        // Search: one government's hits when one is asked for.
        let search = |text: &str, government: Option<&str>| {
            let store = store.clone();
            let query = SearchQuery {
                text: text.to_owned(),
                government: government.map(str::to_owned),
                period: None,
                limit: 100,
                ..Default::default()
            };
            async move { store.search(&query).await.unwrap() }
        };
        let governments = |hits: &[duban_store::SearchHit]| {
            let mut g: Vec<String> = hits.iter().map(|h| h.government.clone()).collect();
            g.dedup();
            g.sort();
            g.dedup();
            g
        };
        let both = search("储备粮", None).await;
        assert_eq!(governments(&both), [GOV, YC]);
        let only_h = search("储备粮", Some(GOV)).await;
        let only_y = search("储备粮", Some(YC)).await;
        assert_eq!(governments(&only_h), [GOV]);
        assert_eq!(governments(&only_y), [YC]);
        assert_eq!(only_h.len() + only_y.len(), both.len());
        assert_eq!(
            only_y
                .iter()
                .map(|h| (h.period.to_string(), h.target_no))
                .collect::<Vec<_>>(),
            [("2023Q4".to_owned(), 39), ("2023Q3".to_owned(), 39)]
        );
        for h in &only_y {
            assert_eq!(
                store.latest_sha256(YC, h.period).await.unwrap().as_ref(),
                Some(&h.sha256)
            );
        }
        let own = search(YC_ONLY, None).await;
        assert_eq!(governments(&own), [YC]);
        assert_eq!(own.len(), 2, "Q3 and Q4, target 1");
        assert_eq!(search(YC_ONLY, Some(YC)).await, own);
        assert!(search(YC_ONLY, Some(GOV)).await.is_empty());
        assert!(search("储备粮", Some("牡丹区人民政府")).await.is_empty());

        // Audit: one government's records, exactly, when one is asked for.
        let records = |government: Option<&str>, subject: &str| {
            let store = store.clone();
            let filter = AuditFilter {
                subject: subject.to_owned(),
                government: government.map(str::to_owned),
                ..AuditFilter::default()
            };
            async move { store.audit_filtered(&filter, 10_000).await.unwrap() }
        };
        let all = records(None, "").await;
        let of_h = records(Some(GOV), "").await;
        let of_y = records(Some(YC), "").await;
        assert!(of_h.iter().all(|r| r.government.as_deref() == Some(GOV)));
        assert!(of_y.iter().all(|r| r.government.as_deref() == Some(YC)));
        assert_eq!(of_h.len() + of_y.len(), all.len(), "each record names one");
        for (of, expect) in [(&of_h, "round.close"), (&of_y, "publication.create")] {
            for action in ["government.register", "round.import", "round.open", expect] {
                assert!(of.iter().any(|r| r.action == action), "{action}");
            }
        }
        // Only 郓城 saved, submitted and accepted a report of 2023Q4.
        for action in ["report.save", "report.submit", "report.accept"] {
            assert!(!of_h.iter().any(|r| r.action == action), "{action}");
            assert!(of_y.iter().any(|r| r.action == action), "{action}");
        }
        // The same subject in both governments: the filter tells them apart.
        let q4_h = records(Some(GOV), "round:2023Q4").await;
        let q4_y = records(Some(YC), "round:2023Q4").await;
        assert_eq!(actions(&q4_h), ["round.close", "round.open"]);
        assert!(actions(&q4_y).contains(&"round.open") && !actions(&q4_y).contains(&"round.close"));
        assert_eq!(records(None, "round:2023Q4").await.len(), q4_h.len() + q4_y.len());
        assert!(records(Some("牡丹区人民政府"), "").await.is_empty());
        assert!(records(Some("郓城"), "").await.is_empty(), "exactly, not a substring");
    }
);

contract!(
    /// Each government's publications form a chain of their own, in one order of places over
    /// all; verify() checks each chain and names the government of what it finds.
    each_government_chains_its_own_publications,
    |store, db| async move {
        let h1 = store.import_table(&heze(), "test").await.unwrap().published.unwrap();
        let y1 = store.import_table(&yuncheng(), "test").await.unwrap().published.unwrap();
        let h2 = publish_q4(&*store, GOV, "菏泽四季度").await;
        let y2 = publish_q4(&*store, YC, "郓城四季度").await;
        let mut corrected = yuncheng();
        corrected.targets[1].entries[0].progress = "郓城更正后的进展".into();
        let y3 = store.import_table(&corrected, "test").await.unwrap().published.unwrap();

        assert_eq!((h1.previous_sha256.as_ref(), y1.previous_sha256.as_ref()), (None, None));
        assert_eq!(h2.previous_sha256.as_ref(), Some(&h1.sha256));
        assert_eq!(y2.previous_sha256.as_ref(), Some(&y1.sha256));
        assert_eq!(y3.previous_sha256.as_ref(), Some(&y2.sha256));
        assert_eq!(y3.supersedes.as_ref(), Some(&y1.sha256));
        assert_eq!(
            db.i64s("SELECT chain_position FROM publications ORDER BY chain_position").await,
            [0, 1, 2, 3, 4]
        );
        assert_eq!(
            db.strings("SELECT government FROM publications ORDER BY chain_position").await,
            [GOV, YC, GOV, YC, YC]
        );
        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (5, Vec::<String>::new()));

        // One of 郓城's publications changed behind the store's back: only 郓城 is named.
        db.must(unfreeze(&db)).await;
        db.must(&format!(
            "UPDATE publications SET content = replace(content, '郓城四季度', '改过的')
             WHERE sha256 = '{}'",
            y2.sha256
        ))
        .await;
        let report = store.verify().await.unwrap();
        assert_eq!(report.checked, 5);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let expected = format!("{YC}: publication 2023Q4 {}…", &y2.sha256[..12]);
        assert!(
            report.problems[0].starts_with(&expected)
                && report.problems[0].contains("content no longer matches"),
            "{:?}",
            report.problems
        );

        // A date moved on 郓城's newest: its hash no longer covers it. 菏泽's chain is sound.
        db.must(&format!(
            "UPDATE publications SET published_at = '2000-01-01T00:00:00.000Z'
             WHERE sha256 = '{}'",
            y3.sha256
        ))
        .await;
        let report = store.verify().await.unwrap();
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(
            report.problems.iter().all(|p| p.starts_with(&format!("{YC}: "))),
            "{:?}",
            report.problems
        );
        assert!(report.problems[1].contains("its hash does not match"), "{:?}", report.problems);
        assert!(!report.problems.iter().any(|p| p.contains(GOV)));

        // Linking 菏泽's Q4 to 郓城's Q3 (the rule of one chain over all) breaks 菏泽's chain.
        let relinked = publication_sha256(
            &h2.period.to_string(),
            &h2.published_at,
            Some(&y1.sha256),
            &h2.content_sha256,
        );
        db.must(&format!(
            "UPDATE publications SET previous_sha256 = '{}', sha256 = '{relinked}'
             WHERE sha256 = '{}'",
            y1.sha256, h2.sha256
        ))
        .await;
        let report = store.verify().await.unwrap();
        let of_h: Vec<&String> = report
            .problems
            .iter()
            .filter(|p| p.starts_with(&format!("{GOV}: ")))
            .collect();
        assert_eq!(of_h.len(), 1, "{:?}", report.problems);
        assert!(
            of_h[0].starts_with(&format!("{GOV}: publication 2023Q4 {}…", &relinked[..12]))
                && of_h[0].contains("does not link to the publication before it"),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
    }
);

contract!(
    /// Publications made before chains were per government (up to the place `chain_legacy`
    /// records) verify by the rule of one chain over all governments; later ones link to their
    /// own government's.
    publications_from_before_governments_verify_by_the_old_rule,
    |store, db| async move {
        let h1 = store.import_table(&heze(), "test").await.unwrap().published.unwrap();
        let y1 = store.import_table(&yuncheng(), "test").await.unwrap().published.unwrap();
        // As the single chain made it: 郓城's first linked to 菏泽's.
        let legacy = publication_sha256(
            &y1.period.to_string(),
            &y1.published_at,
            Some(&h1.sha256),
            &y1.content_sha256,
        );
        db.must(unfreeze(&db)).await;
        db.must(&format!(
            "UPDATE publications SET previous_sha256 = '{}', sha256 = '{legacy}'
             WHERE sha256 = '{}'",
            h1.sha256, y1.sha256
        ))
        .await;
        // Read by the new rule, it is broken …
        let report = store.verify().await.unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].starts_with(&format!("{YC}: ")), "{:?}", report.problems);
        // … made before the migration, it is sound.
        db.must("INSERT INTO chain_legacy (last_position) VALUES (1)").await;
        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (2, Vec::<String>::new()));

        // Later publications link to their own government's newest.
        let y2 = publish_q4(&*store, YC, "郓城四季度").await;
        let h2 = publish_q4(&*store, GOV, "菏泽四季度").await;
        assert_eq!(y2.previous_sha256.as_deref(), Some(legacy.as_str()));
        assert_eq!(h2.previous_sha256.as_ref(), Some(&h1.sha256));
        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (4, Vec::<String>::new()));
    }
);

contract!(
    /// A database whose plans name governments that were never registered (one from before
    /// governments were) has them registered when it is opened.
    opening_registers_the_governments_of_older_plans,
    |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        store.import_table(&yuncheng(), "test").await.unwrap();
        db.must("DELETE FROM governments").await;
        assert!(store.governments().await.unwrap().is_empty());
        let reopened = db.reopen().await;
        let mut found = reopened.governments().await.unwrap();
        found.sort_by(|a, b| a.code.cmp(&b.code));
        assert_eq!(found, [government("heze", GOV), government("yuncheng", YC)]);
        let registered = reopened
            .audit_filtered(
                &AuditFilter {
                    actor: "system:open".into(),
                    ..AuditFilter::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(actions(&registered), ["government.register"; 2]);
        // Opening again registers nothing more.
        reopened.close().await;
        let again = db.reopen().await;
        assert_eq!(again.governments().await.unwrap().len(), 2);
        assert_eq!(db.count("governments").await, 2);
        again.close().await;
    }
);

contract!(
    /// An account may belong to a registered government, and its actor says which; an account
    /// of a government that is not registered is refused.
    accounts_belong_to_a_government,
    |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let clerk = NewUser {
            government: Some(GOV.into()),
            ..new_user("clerk", Role::Unit, &["市财政局"], None)
        };
        let clerk = store.add_user(&clerk, "user:office").await.unwrap();
        let platform = store
            .add_user(&new_user("platform", Role::Admin, &[], None), "cli")
            .await
            .unwrap();

        let actor = store.actor(clerk).await.unwrap().unwrap();
        assert_eq!(actor.government.as_deref(), Some(GOV));
        assert_eq!((actor.username.as_str(), actor.role), ("clerk", Role::Unit));
        assert!(actor.reaches(GOV) && !actor.reaches(YC));
        let t = token("clerk-session");
        store
            .create_token(clerk, &t, TokenKind::Session, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            store.actor_by_token(&t, TokenKind::Session).await.unwrap(),
            Some(actor)
        );
        let platform = store.actor(platform).await.unwrap().unwrap();
        assert_eq!(platform.government, None);
        assert!(platform.reaches(GOV) && platform.reaches(YC));

        // The account's records are its government's.
        let created = trail(&*store, "user:clerk").await;
        assert_eq!(created[0].government.as_deref(), Some(GOV));
        assert_eq!(created[0].after.as_ref().unwrap()["government"], GOV);
        store
            .set_password(clerk, "$argon2id$new", "user:office")
            .await
            .unwrap();
        let changed = trail(&*store, "user:clerk").await;
        assert_eq!(actions(&changed), ["user.password", "user.create"]);
        assert_eq!(changed[0].government.as_deref(), Some(GOV));
        assert_eq!(trail(&*store, "user:platform").await[0].government, None);

        // A government that is not registered: refused, nothing written.
        let (users, records) = (db.count("users").await, db.count("audit_log").await);
        let stray = NewUser {
            government: Some(YC.into()),
            ..new_user("stray", Role::Unit, &["市财政局"], None)
        };
        assert_invalid(store.add_user(&stray, "user:office").await);
        assert_eq!(
            (db.count("users").await, db.count("audit_log").await),
            (users, records)
        );
        assert!(store.credentials("stray").await.unwrap().is_none());
        // Once it is registered, it may have accounts.
        store.register_government(YC, None, "user:platform").await.unwrap();
        let stray = store.add_user(&stray, "user:office").await.unwrap();
        assert_eq!(
            store.actor(stray).await.unwrap().unwrap().government.as_deref(),
            Some(YC)
        );
    }
);

/// A database as the store left it before governments were (every migration before
/// `0007_governments` on SQLite, `0002_governments` on PostgreSQL), holding three publications
/// in one chain over two governments: 菏泽 2023Q3, 郓城 2023Q3, 菏泽 2023Q4. Returns its URL,
/// what keeps it alive, and the publications' hashes in chain order.
async fn before_governments(
    backend: Backend,
) -> (String, Box<dyn std::any::Any + Send>, Vec<String>) {
    use sqlx::migrate::Migrator;
    use std::str::FromStr;
    let (dir, last_old) = match backend {
        Backend::Sqlite => ("sqlite", 6),
        Backend::Postgres => ("postgres", 1),
    };
    let source = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut migrator = Migrator::new(source).await.unwrap();
    let old: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= last_old)
        .cloned()
        .collect();
    assert_eq!(old.len() as i64, last_old);
    migrator.migrations = old.into();
    let (url, db, guard): (String, Db, Box<dyn std::any::Any + Send>) = match backend {
        Backend::Sqlite => {
            let tmp = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", tmp.path().join("old.db").display());
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .unwrap()
                .create_if_missing(true)
                .foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            let tmp = std::sync::Arc::new(tmp);
            let db = Db::Sqlite {
                url: url.clone(),
                pool,
                dir: tmp.clone(),
            };
            (url, db, Box::new(tmp))
        }
        Backend::Postgres => {
            let empty = duban_store::testing::EmptyPostgres::new().await;
            let pool = sqlx::PgPool::connect(&empty.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            let db = Db::Postgres {
                url: empty.url.clone(),
                pool,
            };
            (empty.url.clone(), db, Box::new(empty))
        }
    };
    let mut q4 = heze();
    q4.period = period("2023Q4");
    q4.title = q4.title.replace("三季度", "四季度");
    let mut previous: Option<String> = None;
    let mut hashes = Vec::new();
    for (i, table) in [heze(), yuncheng(), q4].iter().enumerate() {
        let (gov, p) = (&table.government, table.period);
        if i < 2 {
            db.must(&format!(
                "INSERT INTO plans (government, year) VALUES ('{gov}', 2023)"
            ))
            .await;
        }
        db.must(&format!(
            "INSERT INTO rounds (plan_id, period, title, state, created_at)
             SELECT id, '{p}', '{}', 'published', '2023-10-30T00:00:00.000Z'
             FROM plans WHERE government = '{gov}'",
            table.title
        ))
        .await;
        let content = table.to_canonical_json();
        let content_sha = duban_store::chain::content_sha256(&content);
        let at = format!("2023-10-3{i}T00:00:00.000Z");
        let sha = publication_sha256(&p.to_string(), &at, previous.as_deref(), &content_sha);
        let previous_sql = previous.map_or("NULL".to_owned(), |s| format!("'{s}'"));
        db.must(&format!(
            "INSERT INTO publications (round_id, period, chain_position, sha256, content_sha256,
                 previous_sha256, published_at, content)
             SELECT r.id, '{p}', {i}, '{sha}', '{content_sha}', {previous_sql}, '{at}', '{}'
             FROM rounds r JOIN plans pl ON pl.id = r.plan_id
             WHERE pl.government = '{gov}' AND r.period = '{p}'",
            content.replace('\'', "''")
        ))
        .await;
        previous = Some(sha.clone());
        hashes.push(sha);
    }
    match db {
        Db::Sqlite { pool, .. } => pool.close().await,
        Db::Postgres { pool, .. } => pool.close().await,
    }
    (url, guard, hashes)
}

/// Opening a database from before governments: its governments are registered, its
/// publications keep verifying by the rule they were made under, and new ones chain per
/// government.
async fn an_older_database_is_migrated(backend: Backend) {
    let (url, _guard, old) = before_governments(backend).await;
    let store = duban_store::open(&url).await.unwrap();
    let mut found = store.governments().await.unwrap();
    found.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(found, [government("heze", GOV), government("yuncheng", YC)]);

    // Each publication knows its government.
    let (q3, q4) = (period("2023Q3"), period("2023Q4"));
    let y = store.publications_of(YC, q3).await.unwrap();
    assert_eq!(y.len(), 1);
    assert_eq!(
        (y[0].sha256.as_str(), y[0].government.as_str()),
        (old[1].as_str(), YC)
    );
    assert_eq!(
        y[0].previous_sha256.as_ref(),
        Some(&old[0]),
        "as the one chain made it"
    );
    assert_eq!(
        store.latest_sha256(GOV, q4).await.unwrap().as_ref(),
        Some(&old[2])
    );
    assert_eq!(store.latest_sha256(YC, q4).await.unwrap(), None);
    let report = store.verify().await.unwrap();
    assert_eq!((report.checked, report.problems), (3, Vec::<String>::new()));

    // The search index, emptied by the migration that keys it, was refilled on opening: each
    // government's newest publications are found, within that government.
    let search = |government: Option<&str>| SearchQuery {
        text: YC_ONLY.into(),
        government: government.map(str::to_owned),
        period: None,
        limit: 20,
        ..Default::default()
    };
    let hits = store.search(&search(Some(YC))).await.unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h.government == YC));
    assert!(store.search(&search(Some(GOV))).await.unwrap().is_empty());

    // New publications link to their own government's newest, not to the newest over all.
    let mut corrected = yuncheng();
    corrected.targets[1].entries[0].progress = "郓城更正后的进展".into();
    let y2 = store.import_table(&corrected, "test").await.unwrap();
    assert!(!y2.registered);
    let y2 = y2.published.unwrap();
    assert_eq!(y2.previous_sha256.as_ref(), Some(&old[1]));
    assert_eq!(y2.supersedes.as_ref(), Some(&old[1]));
    let mut h_corrected = heze();
    h_corrected.targets[1].entries[0].progress = "菏泽更正后的进展".into();
    let h2 = store
        .import_table(&h_corrected, "test")
        .await
        .unwrap()
        .published
        .unwrap();
    assert_eq!(h2.previous_sha256.as_ref(), Some(&old[2]));
    let report = store.verify().await.unwrap();
    assert_eq!((report.checked, report.problems), (5, Vec::<String>::new()));
    store.close().await;

    // Opened again, nothing changes.
    let store = duban_store::open(&url).await.unwrap();
    assert_eq!(store.governments().await.unwrap().len(), 2);
    assert!(store.verify().await.unwrap().problems.is_empty());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_sqlite_database_is_migrated() {
    an_older_database_is_migrated(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_postgres_database_is_migrated() {
    an_older_database_is_migrated(Backend::Postgres).await;
}

contract!(
    /// The 菏泽 fixture publishes the bytes it did before governments were (INTERFACES.md pins
    /// their SHA-256), so an existing deployment re-importing it makes no correction.
    the_fixture_publishes_the_bytes_it_always_did,
    |store, _db| async move {
        let outcome = store.import_table(&heze(), "test").await.unwrap();
        let published = outcome.published.unwrap();
        assert_eq!(
            published.content_sha256,
            "adfdbb2d60418baa67429c91739da647fb7ae12ce5bdf613131a4c00da6754d8"
        );
        let again = store.import_table(&heze(), "test").await.unwrap();
        assert!(again.published.is_none(), "no correction for the same table");
    }
);
