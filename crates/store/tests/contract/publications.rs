//! Importing published tables, the publication chain, reading publications back, verifying.

use crate::common::*;
use duban_store::chain::{content_sha256, publication_sha256};

/// Checks a summary's hashes the way anyone holding the JSON can.
#[track_caller]
fn assert_hashes(summary: &PublicationSummary, content: &str) {
    assert_eq!(summary.content_sha256, content_sha256(content));
    assert_eq!(
        summary.sha256,
        publication_sha256(
            &summary.period.to_string(),
            &summary.published_at,
            summary.previous_sha256.as_deref(),
            &summary.content_sha256
        )
    );
    let at: jiff::Timestamp = summary.published_at.parse().unwrap();
    assert!(summary.published_at.ends_with('Z') && summary.published_at.len() == 24);
    assert!(at <= jiff::Timestamp::now());
}

contract!(
    /// An imported table is published as it came, and comes back byte for byte.
    import_then_export_gives_the_same_json,
    |store, db| async move {
        let table = heze();
        let outcome = store.import_table(&table, "test").await.unwrap();
        assert_eq!(outcome.targets_added, 39);
        assert_eq!(outcome.targets_changed, 0);
        let published = outcome.published.expect("a first import publishes");
        assert_eq!(published.period.to_string(), "2023Q3");
        assert_eq!(published.government, GOV);
        assert_eq!(published.title, table.title);
        assert_eq!(published.previous_sha256, None);
        assert_eq!(published.supersedes, None);
        assert!(!published.superseded);

        let p = store
            .latest_publication(GOV, table.period)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.summary, published);
        assert_eq!(p.content, table.to_canonical_json(), "byte for byte");
        assert_hashes(&published, &p.content);
        let back: Table = serde_json::from_str(&p.content).unwrap();
        assert_eq!(back, table);
        assert_eq!(
            store.round_table(GOV, table.period).await.unwrap().unwrap(),
            table
        );
        let round = store.round(GOV, table.period).await.unwrap().unwrap();
        assert_eq!(
            (round.state, round.due, round.reports, round.title.as_str()),
            (RoundState::Published, None, 40, table.title.as_str())
        );
        for (t, n) in [
            ("plans", 1),
            ("targets", 39),
            ("entries", 40),
            ("reports", 40),
            ("rounds", 1),
            ("publications", 1),
        ] {
            assert_eq!(db.count(t).await, n, "{t}");
        }
        let created = trail(&*store, "round:2023Q3").await;
        assert_eq!(actions(&created[..2]), ["publication.create", "round.import"]);
        assert_eq!(
            actions(&created[2..]),
            ["report.import"; 40],
            "and each report, as /round:2023Q3 under its entry"
        );
        assert_eq!(
            created[0].after.as_ref().unwrap()["sha256"],
            published.sha256.as_str()
        );
    }
);

contract!(
    /// Importing the same table again changes nothing; a correction updates in place and
    /// publishes a new version that supersedes the old one.
    importing_again_updates_and_never_duplicates,
    |store, db| async move {
        let mut table = heze();
        let first = store.import_table(&table, "test").await.unwrap();
        let ids = (first.plan, first.round);
        let first = first.published.unwrap();
        let again = store.import_table(&table, "test").await.unwrap();
        assert_eq!(
            (
                again.targets_added,
                again.targets_changed,
                again.reports_changed
            ),
            (0, 0, 0)
        );
        assert!(
            again.published.is_none(),
            "nothing changed, nothing to publish"
        );
        assert_eq!((again.plan, again.round), ids);
        for (t, n) in [
            ("targets", 39),
            ("entries", 40),
            ("reports", 40),
            ("publications", 1),
            ("plans", 1),
            ("rounds", 1),
        ] {
            assert_eq!(db.count(t).await, n, "{t}");
        }

        // A correction: one narrative changes, one unit is added.
        table.targets[6].entries[0].progress.push_str("(更正)");
        table.targets[0].entries[0]
            .units
            .push(duban_core::Unit::parse("市信访局").unwrap());
        let fixed = store.import_table(&table, "test").await.unwrap();
        assert_eq!((fixed.targets_added, fixed.reports_changed), (0, 1));
        let new = fixed.published.unwrap();
        let history = store.publications_of(GOV, table.period).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0], new);
        assert_eq!(history[1].sha256, first.sha256);
        assert_eq!(new.supersedes.as_deref(), Some(first.sha256.as_str()));
        assert!(history[1].superseded && !history[0].superseded);
        assert_eq!(new.previous_sha256.as_deref(), Some(first.sha256.as_str()));
        let p = store
            .latest_publication(GOV, table.period)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serde_json::from_str::<Table>(&p.content).unwrap(), table);
        assert_hashes(&new, &p.content);
        assert_eq!(db.count("entries").await, 40);
        assert_eq!(db.count("publications").await, 2);

        let audit = store.audit(1000).await.unwrap();
        assert!(audit.iter().any(|a| {
            a.action == "report.import"
                && a.before
                    .as_ref()
                    .is_some_and(|b| b["progress"].as_str().is_some())
        }));
        assert!(audit.iter().any(|a| a.action == "entry.units"));
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == "publication.create")
                .count(),
            2
        );
    }
);

contract!(
    /// An import that fails half-way leaves nothing behind: one transaction.
    a_failed_import_writes_nothing,
    |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let before = store.audit(10_000).await.unwrap().len();

        // Valid in itself, but it fails half-way: the audit log refuses the round's record,
        // after targets were already updated inside the transaction.
        db.must(match db.backend() {
            Backend::Sqlite => {
                "CREATE TRIGGER fail_late BEFORE INSERT ON audit_log
                 WHEN NEW.action = 'round.import' BEGIN SELECT RAISE(ABORT, 'boom'); END"
            }
            Backend::Postgres => {
                "CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.action = 'round.import' THEN RAISE EXCEPTION 'boom'; END IF;
                     RETURN NEW;
                 END $$;
                 CREATE TRIGGER fail_late BEFORE INSERT ON audit_log
                     FOR EACH ROW EXECUTE FUNCTION fail_late()"
            }
        })
        .await;
        let mut changed = heze();
        changed.targets[0].content = "改过的目标".into();
        changed.targets[1].entries[0].progress = "改过的进展".into();
        let failed = store.import_table(&changed, "test").await;
        assert!(
            matches!(failed, Err(StoreError::Database(_))),
            "{failed:?}"
        );

        let p = store
            .latest_publication(GOV, changed.period)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serde_json::from_str::<Table>(&p.content).unwrap(), heze());
        assert_eq!(
            store.round_table(GOV, changed.period).await.unwrap().unwrap(),
            heze()
        );
        assert_eq!(store.audit(10_000).await.unwrap().len(), before);
        assert_eq!(db.count("publications").await, 1);
        assert_eq!(
            db.strings("SELECT content FROM targets WHERE no = 1").await,
            [heze().targets[0].content.clone()]
        );
    }
);

contract!(
    /// An invalid table is refused before anything is written.
    an_invalid_table_is_refused,
    |store, db| async move {
        let mut table = heze();
        table.targets[3].entries[0].units.clear();
        assert_invalid(store.import_table(&table, "test").await);
        let mut table = heze();
        table.year = 2024;
        assert_invalid(store.import_table(&table, "test").await);
        assert_eq!(db.count("plans").await, 0);
        assert_eq!(db.count("audit_log").await, 0);
        assert!(store.published().await.unwrap().is_empty());
    }
);

contract!(
    /// verify() recomputes every hash and link, and names what no longer matches.
    verify_names_a_tampered_publication,
    |store, db| async move {
        let mut table = heze();
        store.import_table(&table, "test").await.unwrap();
        table.targets[0].entries[0].progress = "第二版".into();
        store.import_table(&table, "test").await.unwrap();
        let report = store.verify().await.unwrap();
        assert_eq!(
            (report.checked, report.problems.len()),
            (2, 0),
            "{:?}",
            report.problems
        );

        // The schema refuses to edit a publication, so a tamperer must go around it.
        let refused = db
            .execute("UPDATE publications SET content = 'x' WHERE chain_position = 0")
            .await;
        assert!(refused.is_err());
        db.must(match db.backend() {
            Backend::Sqlite => "DROP TRIGGER publications_frozen",
            Backend::Postgres => "DROP TRIGGER publications_frozen ON publications",
        })
        .await;
        db.must(
            "UPDATE publications SET content = replace(content, '李春英', '王某')
             WHERE chain_position = 0",
        )
        .await;
        let report = store.verify().await.unwrap();
        assert_eq!(report.checked, 2);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].starts_with(&format!("{GOV}: publication 2023Q3"))
                && report.problems[0].contains("content no longer matches"),
            "{:?}",
            report.problems
        );

        // A date moved: the hash no longer covers it.
        db.must(
            "UPDATE publications SET published_at = '2000-01-01T00:00:00.000Z'
             WHERE chain_position = 1",
        )
        .await;
        let report = store.verify().await.unwrap();
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        assert!(
            report.problems[1].contains("its hash does not match"),
            "{:?}",
            report.problems
        );
    }
);

contract!(
    /// Nobody edits or deletes an audit record, not even through SQL.
    the_audit_log_is_append_only,
    |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let n = db.count("audit_log").await;
        assert!(n > 40, "{n}");
        assert!(db.execute("DELETE FROM audit_log").await.is_err());
        assert!(db.execute("UPDATE audit_log SET actor = 'x'").await.is_err());
        assert_eq!(db.count("audit_log").await, n);
        assert!(
            db.strings("SELECT DISTINCT actor FROM audit_log")
                .await
                .iter()
                .all(|a| a == "test")
        );
    }
);

contract!(
    /// The database orders rounds (`period_rank`, for "last round's text") exactly as
    /// `duban_core::Period` does.
    rounds_sort_in_the_database_as_periods_do,
    |_store, db| async move {
        db.must("INSERT INTO plans (id, government, year) VALUES (1, '测试市人民政府', 2023)")
            .await;
        let mut periods: Vec<Period> = [
            "2023", "2023H2", "2023Q4", "2023M12", "2023M10", "2023Q3", "2023M09", "2023H1",
            "2023Q2", "2023M06", "2023M01", "2023Q1", "2023M03", "2022", "2024M01",
        ]
        .iter()
        .map(|p| period(p))
        .collect();
        for p in &periods {
            db.must(&format!(
                "INSERT INTO rounds (plan_id, period, title, state, created_at)
                 VALUES (1, '{p}', 't', 'open', 'now')"
            ))
            .await;
        }
        let by_rank = db
            .strings("SELECT period FROM rounds ORDER BY period_rank")
            .await;
        periods.sort();
        let by_rust: Vec<String> = periods.iter().map(ToString::to_string).collect();
        assert_eq!(by_rank, by_rust);
    }
);

contract!(
    /// Publications by hash, by period and newest per round, across two governments.
    publications_by_hash_period_and_round,
    |store, db| async move {
        let q3 = period("2023Q3");
        let h1 = period("2024H1");
        let first = store.import_table(&heze(), "test").await.unwrap();
        let first = first.published.unwrap();
        let county = store.import_table(&layouts(), "test").await.unwrap();
        let county = county.published.unwrap();
        assert_eq!(county.government, "某某县人民政府");
        let mut corrected = heze();
        corrected.targets[1].entries[0].progress = "更正后的进展".into();
        let second = store.import_table(&corrected, "test").await.unwrap();
        let second = second.published.unwrap();

        // A chain per government, across its rounds; one order of places over all.
        assert_eq!(county.previous_sha256, None);
        assert_eq!(second.previous_sha256.as_deref(), Some(first.sha256.as_str()));
        assert_eq!(second.supersedes.as_deref(), Some(first.sha256.as_str()));
        assert_eq!(county.supersedes, None);
        assert_eq!(
            db.i64s("SELECT chain_position FROM publications ORDER BY chain_position")
                .await,
            [0, 1, 2]
        );

        // The newest of each round, newest period first.
        let published = store.published().await.unwrap();
        assert_eq!(published, [county.clone(), second.clone()]);

        let old = store.publication(&first.sha256).await.unwrap().unwrap();
        assert_eq!(old.content, heze().to_canonical_json());
        assert!(old.summary.superseded);
        assert_eq!(
            PublicationSummary {
                superseded: false,
                ..old.summary.clone()
            },
            first
        );
        let new = store.publication(&second.sha256).await.unwrap().unwrap();
        assert_eq!(new.summary, second);
        assert_eq!(new.content, corrected.to_canonical_json());
        assert_eq!(store.publication(&"0".repeat(64)).await.unwrap(), None);
        assert_eq!(store.publication("").await.unwrap(), None);

        let history = store.publications_of(GOV, q3).await.unwrap();
        assert_eq!(
            history,
            [
                second.clone(),
                PublicationSummary {
                    superseded: true,
                    ..first.clone()
                }
            ]
        );
        assert_eq!(
            store.publications_of(COUNTY, h1).await.unwrap(),
            std::slice::from_ref(&county)
        );
        assert!(
            store
                .publications_of(GOV, period("2023Q1"))
                .await
                .unwrap()
                .is_empty()
        );

        assert_eq!(
            store.latest_sha256(GOV, q3).await.unwrap().as_deref(),
            Some(second.sha256.as_str())
        );
        assert_eq!(
            store.latest_sha256(COUNTY, h1).await.unwrap().as_deref(),
            Some(county.sha256.as_str())
        );
        assert_eq!(store.latest_sha256(GOV, period("2023Q1")).await.unwrap(), None);
        assert_eq!(
            store.latest_publication(GOV, period("2023Q1")).await.unwrap(),
            None
        );
        assert_eq!(
            store
                .latest_publication(COUNTY, h1)
                .await
                .unwrap()
                .unwrap()
                .content,
            layouts().to_canonical_json()
        );

        assert_eq!(store.round_table(COUNTY, h1).await.unwrap().unwrap(), layouts());
        assert_eq!(store.round_table(GOV, q3).await.unwrap().unwrap(), corrected);
        assert_eq!(store.round_table(GOV, period("2023Q1")).await.unwrap(), None);

        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (3, Vec::<String>::new()));
    }
);

contract!(
    /// An empty database verifies, and has nothing published.
    an_empty_database_has_nothing,
    |store, _db| async move {
        assert_eq!(
            store.verify().await.unwrap(),
            duban_store::VerifyReport::default()
        );
        assert!(store.published().await.unwrap().is_empty());
        assert!(store.rounds().await.unwrap().is_empty());
        assert!(store.audit(10).await.unwrap().is_empty());
        assert_eq!(store.round(GOV, period("2023Q3")).await.unwrap(), None);
    }
);

contract!(
    /// A table with columns beyond the 菏泽 seven is stored in rows and published back byte for
    /// byte: absent keys stay absent, and a change in what only the new columns say is a change.
    any_table_is_published_as_it_came,
    |store, _db| async move {
        for name in ["minsheng", "renwu"] {
            let table = any_table(name);
            let outcome = store.import_table(&table, "test").await.unwrap();
            let published = outcome.published.expect("a first import publishes");
            let p = store
                .latest_publication(&table.government, table.period)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(p.content, table.to_canonical_json(), "{name}: byte for byte");
            assert_eq!(p.summary, published);
            assert_eq!(
                store
                    .round_table(&table.government, table.period)
                    .await
                    .unwrap()
                    .unwrap(),
                table
            );
            // The same table again changes nothing and publishes nothing.
            let again = store.import_table(&table, "test").await.unwrap();
            assert_eq!(
                (again.targets_changed, again.reports_changed, again.published),
                (0, 0, None),
                "{name}"
            );
        }

        // 存在问题 alone changes: the report changes, audited, and a new publication says so.
        let mut table = any_table("renwu");
        table.targets[2].entries[0].problems = Some("用工需求回落，已对接重点企业".into());
        table.targets[0].group = vec!["一、营商环境".into()];
        table.targets[1].entries[0].assisting_units.clear();
        let outcome = store.import_table(&table, "test").await.unwrap();
        assert_eq!((outcome.targets_changed, outcome.reports_changed), (1, 1));
        let p = store
            .latest_publication(&table.government, table.period)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.content, table.to_canonical_json());
        let report = trail(&*store, "target:某某市人民政府/2024/3/entry:0/round:2024Q2").await;
        assert_eq!(report[0].action, "report.import");
        assert_eq!(
            report[0].after.as_ref().unwrap()["details"]["problems"],
            "用工需求回落，已对接重点企业"
        );
        let entry = trail(&*store, "target:某某市人民政府/2024/2/entry:0").await;
        assert!(entry.iter().any(|r| r.action == "entry.details"), "{entry:?}");
        let target = trail(&*store, "target:某某市人民政府/2024/1").await;
        assert_eq!(target[0].action, "target.update");
        assert_eq!(target[0].after.as_ref().unwrap()["group"][0], "一、营商环境");
    }
);
