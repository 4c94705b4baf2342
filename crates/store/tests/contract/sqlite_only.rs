//! What only the SQLite backend has: its file, WAL and pragmas, `VACUUM INTO` backups, and
//! the search index backfilled on open.

use crate::common::*;
use crate::harness::run;
use duban_store::SqliteStore;

fn pool(db: &Db) -> &sqlx::SqlitePool {
    match db {
        Db::Sqlite { pool, .. } => pool,
        Db::Postgres { .. } => unreachable!("SQLite only"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pragmas_are_set() {
    run(Backend::Sqlite, |_store, db| async move {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool(&db))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool(&db))
            .await
            .unwrap();
        assert_eq!(fk, 1);
        // FULL (2): a commit is on disk before it is acknowledged.
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(pool(&db))
            .await
            .unwrap();
        assert_eq!(sync, 2);
    })
    .await;
}

/// A backup is a complete database of its own, and never overwrites a file.
#[tokio::test(flavor = "multi_thread")]
async fn backup_is_a_working_database() {
    run(Backend::Sqlite, |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let copy = db.dir().join("copy.db");
        store.backup(&copy).await.unwrap();
        assert_conflict(store.backup(&copy).await, "exists");
        let restored = SqliteStore::open(&format!("sqlite://{}", copy.display()))
            .await
            .unwrap();
        assert_eq!(restored.verify().await.unwrap().problems.len(), 0);
        assert_eq!(
            restored
                .round_table(GOV, heze().period)
                .await
                .unwrap()
                .unwrap(),
            heze()
        );
        restored.close().await;
    })
    .await;
}

/// close() folds the write-ahead log into the database file, so the file alone is the whole
/// database.
#[tokio::test(flavor = "multi_thread")]
async fn close_leaves_everything_in_the_database_file() {
    run(Backend::Sqlite, |store, db| async move {
        let base = round_q4(&*store).await.remove(0);
        store
            .save_report(&base, &edit("草稿", None), "user:clerk")
            .await
            .unwrap();
        let wal = db.dir().join("duban.db-wal");
        store.close().await;
        let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(left, 0, "the WAL still holds {left} bytes");
        // The file alone, copied elsewhere, holds it all.
        let alone = db.dir().join("alone.db");
        std::fs::copy(db.dir().join("duban.db"), &alone).unwrap();
        let reopened = SqliteStore::open(&format!("sqlite://{}", alone.display()))
            .await
            .unwrap();
        assert_eq!(
            reopened.report(base.id).await.unwrap().unwrap().progress,
            "草稿"
        );
        reopened.close().await;
    })
    .await;
}

/// A database published before the search index existed is indexed when opened.
#[tokio::test(flavor = "multi_thread")]
async fn opening_indexes_what_was_published_before() {
    run(Backend::Sqlite, |store, db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        db.must("DELETE FROM search_terms").await;
        db.must("DELETE FROM search_docs").await;
        let query = SearchQuery {
            text: "储备粮".into(),
            government: None,
            period: None,
            limit: 10,
            ..Default::default()
        };
        assert!(store.search(&query).await.unwrap().is_empty());
        store.close().await;
        let store = SqliteStore::open(db.url()).await.unwrap();
        let hits = store.search(&query).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.target_no).collect::<Vec<_>>(), [39]);
        assert_eq!(
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM search_docs")
                .fetch_one(store.pool())
                .await
                .unwrap(),
            40
        );
        store.close().await;
    })
    .await;
}
