//! The SQLite store against real database files: import, re-import, publication chain, verify.

use duban_core::Table;
use duban_formats::twoup::{ReadOptions, read};
use duban_store::{Audit, Publications};
use duban_store::{SqliteStore, Store};
use sqlx::Row;

const HEZE: &str = include_str!("../../../fixtures/heze-2023-q3.txt");

fn heze() -> Table {
    read(HEZE, &ReadOptions::default()).unwrap()
}

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    (dir, store)
}

async fn count(store: &SqliteStore, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn import_then_export_gives_the_same_json() {
    let (_dir, store) = fresh().await;
    let table = heze();
    let outcome = store.import_table(&table, "test").await.unwrap();
    assert_eq!(outcome.targets_added, 39);
    let published = outcome.published.expect("a first import publishes");
    assert_eq!(published.period.to_string(), "2023Q3");
    assert_eq!(published.previous_sha256, None);

    let p = store
        .latest_publication(table.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.content, table.to_canonical_json(), "byte for byte");
    let back: Table = serde_json::from_str(&p.content).unwrap();
    assert_eq!(back, table);
    assert_eq!(
        store.round_table(table.period).await.unwrap().unwrap(),
        table
    );
    assert_eq!(count(&store, "entries").await, 40);
    assert_eq!(count(&store, "reports").await, 40);
}

#[tokio::test]
async fn importing_again_updates_and_never_duplicates() {
    let (_dir, store) = fresh().await;
    let mut table = heze();
    store.import_table(&table, "test").await.unwrap();
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
    for (t, n) in [
        ("targets", 39),
        ("entries", 40),
        ("reports", 40),
        ("publications", 1),
        ("plans", 1),
        ("rounds", 1),
    ] {
        assert_eq!(count(&store, t).await, n, "{t}");
    }

    // A correction: one narrative changes, one unit is added.
    table.targets[6].entries[0].progress.push_str("(更正)");
    table.targets[0].entries[0]
        .units
        .push(duban_core::Unit::parse("市信访局").unwrap());
    let fixed = store.import_table(&table, "test").await.unwrap();
    assert_eq!((fixed.targets_added, fixed.reports_changed), (0, 1));
    let new = fixed.published.unwrap();
    let history = store.publications_of(table.period).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(new.supersedes.as_deref(), Some(history[1].sha256.as_str()));
    assert!(history[1].superseded && !history[0].superseded);
    assert_eq!(
        new.previous_sha256.as_deref(),
        Some(history[1].sha256.as_str())
    );
    let p = store
        .latest_publication(table.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::from_str::<Table>(&p.content).unwrap(), table);
    assert_eq!(count(&store, "entries").await, 40);

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

#[tokio::test]
async fn a_failed_import_writes_nothing() {
    let (_dir, store) = fresh().await;
    store.import_table(&heze(), "test").await.unwrap();
    let before = store.audit(10_000).await.unwrap().len();

    // Valid in itself, but it fails half-way: the audit log refuses writes, after targets
    // were already updated inside the transaction.
    sqlx::query("CREATE TRIGGER fail_late BEFORE INSERT ON audit_log WHEN NEW.action = 'round.import' BEGIN SELECT RAISE(ABORT, 'boom'); END")
        .execute(store.pool())
        .await
        .unwrap();
    let mut changed = heze();
    changed.targets[0].content = "改过的目标".into();
    changed.targets[1].entries[0].progress = "改过的进展".into();
    assert!(store.import_table(&changed, "test").await.is_err());

    let p = store
        .latest_publication(changed.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::from_str::<Table>(&p.content).unwrap(), heze());
    assert_eq!(
        store.round_table(changed.period).await.unwrap().unwrap(),
        heze()
    );
    assert_eq!(store.audit(10_000).await.unwrap().len(), before);
}

#[tokio::test]
async fn verify_names_a_tampered_publication() {
    let (_dir, store) = fresh().await;
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
    let refused = sqlx::query("UPDATE publications SET content = 'x' WHERE chain_position = 0")
        .execute(store.pool())
        .await;
    assert!(refused.is_err());
    sqlx::query("DROP TRIGGER publications_frozen")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE publications SET content = replace(content, '李春英', '王某') WHERE chain_position = 0")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.verify().await.unwrap();
    assert_eq!(report.checked, 2);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("publication 2023Q3")
            && report.problems[0].contains("content no longer matches")
    );
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let (_dir, store) = fresh().await;
    store.import_table(&heze(), "test").await.unwrap();
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("UPDATE audit_log SET actor = 'x'")
            .execute(store.pool())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn backup_is_a_working_database() {
    let (dir, store) = fresh().await;
    store.import_table(&heze(), "test").await.unwrap();
    let copy = dir.path().join("copy.db");
    store.backup(&copy).await.unwrap();
    assert!(store.backup(&copy).await.is_err(), "never overwrites");
    let restored = SqliteStore::open(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    assert_eq!(restored.verify().await.unwrap().problems.len(), 0);
    assert_eq!(
        restored.round_table(heze().period).await.unwrap().unwrap(),
        heze()
    );
}

#[tokio::test]
async fn pragmas_are_set() {
    let (_dir, store) = fresh().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
}

/// A save is checked against the version it was based on: a stale `version` is refused, no
/// `version` means the last save wins, and the audit's "before" is always what was replaced.
#[tokio::test]
async fn saves_check_versions_and_audit_what_they_replace() {
    use duban_store::{ReportEdit, Review, StoreError, Workflow};
    let (_dir, store) = fresh().await;
    store.import_table(&heze(), "test").await.unwrap();
    let q4: duban_core::Period = "2023Q4".parse().unwrap();
    store
        .open_round(q4, jiff::civil::Date::new(2099, 1, 10).unwrap(), "test")
        .await
        .unwrap();
    let base = store.reports(q4).await.unwrap().remove(0);
    let edit = |text: &str, version: Option<i64>| ReportEdit {
        progress: duban_core::text::Progress::parse(text).unwrap(),
        on_schedule: Some(true),
        version,
    };
    // Two clients read version 1. The first saves; the second, naming version 1, is refused.
    let first = store
        .save_report(&base, &edit("第一稿", Some(1)), "user:a")
        .await
        .unwrap();
    assert_eq!(first.version, 2);
    let record = store.audit(1).await.unwrap().remove(0);
    assert_eq!(
        (record.action.as_str(), record.actor.as_str()),
        ("report.save", "user:a")
    );
    assert_eq!(record.before.unwrap()["progress"], "");
    assert_eq!(record.after.unwrap()["version"], 2);
    let stale = store
        .save_report(&base, &edit("第二稿", Some(1)), "user:b")
        .await;
    assert!(
        matches!(
            stale,
            Err(StoreError::Conflict {
                code: "stale_version",
                ..
            })
        ),
        "{stale:?}"
    );
    // Without a version it overwrites, and the audit says it replaced the first draft, not the
    // empty text the stale `base` held.
    let second = store
        .save_report(&base, &edit("第二稿", None), "user:b")
        .await
        .unwrap();
    assert_eq!((second.version, second.progress.as_str()), (3, "第二稿"));
    let last = store.audit(1).await.unwrap().remove(0);
    assert_eq!(last.action, "report.save");
    assert_eq!(last.before.unwrap()["progress"], "第一稿");
    assert_eq!(last.after.unwrap()["progress"], "第二稿");
    // Naming the current version works even from an old `base`.
    let third = store
        .save_report(&base, &edit("第三稿", Some(3)), "user:a")
        .await
        .unwrap();
    assert_eq!(third.version, 4);
    assert_eq!(
        store.audit(1).await.unwrap()[0].before.as_ref().unwrap()["progress"],
        "第二稿"
    );
    // Once accepted, no save goes through, with or without a version.
    store.submit_report(base.id, "user:a").await.unwrap();
    store
        .review_report(base.id, &Review::Accept, "user:r")
        .await
        .unwrap();
    for version in [None, Some(6)] {
        let e = store
            .save_report(&base, &edit("改", version), "user:a")
            .await;
        assert!(
            matches!(
                e,
                Err(StoreError::Conflict {
                    code: "wrong_report_state",
                    ..
                })
            ),
            "{e:?}"
        );
    }
    let now = store.report(base.id).await.unwrap().unwrap();
    assert_eq!(now.progress, "第三稿");
}

/// The database orders rounds (`period_rank`, for "last round's text") exactly as
/// `duban_core::Period` does.
#[tokio::test]
async fn rounds_sort_in_the_database_as_periods_do() {
    let (_dir, store) = fresh().await;
    sqlx::query("INSERT INTO plans (id, government, year) VALUES (1, '测试市人民政府', 2023)")
        .execute(store.pool())
        .await
        .unwrap();
    let mut periods: Vec<duban_core::Period> = [
        "2023", "2023H2", "2023Q4", "2023M12", "2023M10", "2023Q3", "2023M09", "2023H1", "2023Q2",
        "2023M06", "2023M01", "2023Q1", "2023M03", "2022", "2024M01",
    ]
    .iter()
    .map(|p| p.parse().unwrap())
    .collect();
    for p in &periods {
        sqlx::query(
            "INSERT INTO rounds (plan_id, period, title, state, created_at)
             VALUES (1, $1, 't', 'open', 'now')",
        )
        .bind(p.to_string())
        .execute(store.pool())
        .await
        .unwrap();
    }
    let by_rank: Vec<String> = sqlx::query_scalar("SELECT period FROM rounds ORDER BY period_rank")
        .fetch_all(store.pool())
        .await
        .unwrap();
    periods.sort();
    let by_rust: Vec<String> = periods.iter().map(ToString::to_string).collect();
    assert_eq!(by_rank, by_rust);
}

/// A database published before the search index existed is indexed when opened.
#[tokio::test]
async fn opening_indexes_what_was_published_before() {
    use duban_store::{Search, SearchQuery};
    let (dir, store) = fresh().await;
    store.import_table(&heze(), "test").await.unwrap();
    sqlx::query("DELETE FROM search_terms")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM search_docs")
        .execute(store.pool())
        .await
        .unwrap();
    let query = SearchQuery {
        text: "储备粮".into(),
        period: None,
        limit: 10,
    };
    assert!(store.search(&query).await.unwrap().is_empty());
    drop(store);
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let hits = store.search(&query).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.target_no).collect::<Vec<_>>(), [39]);
    assert_eq!(count(&store, "search_docs").await, 40);
}
