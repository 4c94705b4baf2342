//! The `contract!` macro that runs one test body on both backends, each on a fresh database
//! from `duban_store::testing` (where the databases are made and removed).

pub use duban_store::testing::{Backend, Db, run, run_on};

/// Writes one test for both backends: a module `$name` with the tests `sqlite` and `postgres`,
/// each running `$body` (`|store, db| async move { … }`) on a fresh database of its own.
macro_rules! contract {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                duban_store::testing::run(duban_store::testing::Backend::Sqlite, $body).await
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                duban_store::testing::run(duban_store::testing::Backend::Postgres, $body).await
            }
        }
    };
}
