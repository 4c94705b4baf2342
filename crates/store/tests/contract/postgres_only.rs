//! What only the PostgreSQL backend has.

use crate::common::*;
use crate::harness::run;

/// PostgreSQL is backed up with its own tools; the store says which.
#[tokio::test(flavor = "multi_thread")]
async fn backup_points_to_pg_dump() {
    run(Backend::Postgres, |store, _db| async move {
        let dir = tempfile::tempdir().unwrap();
        let to = dir.path().join("backup");
        match store.backup(&to).await {
            Err(StoreError::Unsupported(message)) => {
                assert!(message.contains("pg_dump"), "{message}")
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        assert!(!to.exists());
    })
    .await;
}
