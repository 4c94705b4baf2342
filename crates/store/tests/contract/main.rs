//! The storage contract: every test here runs against both backends, through `Arc<dyn Store>`,
//! each on a fresh database of its own. `contract!(name, |store, db| async move { … })` writes a
//! test once and makes it the module `name` with two tests, `name::sqlite` and
//! `name::postgres`; `db` ([`harness::Db`]) gives raw access to the database for the few checks
//! that must look under the store (row counts, a trigger to make a write fail, a tampered
//! publication). SQLite databases are files in a temporary directory. PostgreSQL databases are
//! made on the server that `DUBAN_TEST_POSTGRES` names (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; the user must be allowed to create databases):
//! once per test process a template database is created and migrated (opened with
//! `duban_store::open`, then closed), and each test gets `CREATE DATABASE … TEMPLATE` of it,
//! named `duban_test_<host>_<pid>_<n>` and dropped when the test ends, whether it passed or
//! panicked. A run drops the databases earlier runs on the same machine left behind (their
//! process is gone), including their templates (a run's own template stays until the next run).
//! When PostgreSQL cannot be reached the PostgreSQL tests fail, saying how to start it — they
//! never skip. What only one backend has (SQLite's WAL, `VACUUM INTO` backups, the search index
//! backfill; PostgreSQL's answer to a backup) is tested in `sqlite_only` and `postgres_only`.

#[macro_use]
mod harness;
mod common;

mod accounts;
mod audit;
mod changes;
mod comments;
mod extensions;
mod governments;
mod mail;
mod messages;
mod plans;
mod postgres_only;
mod publications;
mod search;
mod sqlite_only;
mod uploads;
mod workflow;

/// `open` takes SQLite and PostgreSQL URLs, nothing else.
#[tokio::test]
async fn open_refuses_other_urls() {
    for url in ["mysql://localhost/duban", "duban.db", ""] {
        let opened = duban_store::open(url).await;
        assert!(
            matches!(opened, Err(duban_store::StoreError::Invalid(_))),
            "{url}: {opened:?}"
        );
    }
}
