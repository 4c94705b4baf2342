//! A site for tests: the real app on port 0 over a fresh database holding the 菏泽 table, one
//! account per role, and the round 2023Q4 open. [`site`] is on SQLite; [`site_on`] takes the
//! backend, and `on_both!(name)` turns `async fn name(backend: Backend)` into the tests
//! `name::sqlite` and `name::postgres` (the tests that walk the cycle run on each backend). A
//! site's server stops and its database is removed when the site is dropped.

#![allow(dead_code)]

pub mod api;

use duban_core::access::Role;
use duban_formats::twoup::{ReadOptions, read};
use duban_store::testing::{Fresh, Seed};
use duban_store::{NewUser, Store};
use duban_web::AppState;
use std::sync::{Arc, LazyLock};

pub use duban_store::testing::Backend;

/// Writes `async fn $name(backend: Backend)` as two tests, `$name::sqlite` and
/// `$name::postgres`.
#[allow(unused_macros)]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    };
}

pub const HEZE: &str = include_str!("../../../../fixtures/heze-2023-q3.txt");
pub const PASSWORD: &str = "correct horse 马";
/// Hashing is slow on purpose; every test account shares one hash.
pub static HASH: LazyLock<String> =
    LazyLock::new(|| duban_web::auth::hash_password(PASSWORD).unwrap());

pub struct Site {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    // Dropped in this order: the server first, then the database.
    _server: Server,
    _fresh: Fresh,
}

/// The serving task, stopped when dropped.
struct Server(tokio::task::JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A site on SQLite.
pub async fn site() -> Site {
    site_on(Backend::Sqlite).await
}

/// The site's data, written once per process and backend and copied for each site.
static SEED: Seed = Seed::new();

pub async fn site_on(backend: Backend) -> Site {
    let fresh = Fresh::seeded(backend, &SEED, seed).await;
    let store = fresh.store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = duban_web::app(AppState::new(store.clone()));
    let make = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let serving = tokio::spawn(async move {
        let _ = axum::serve(listener, make).await;
    });
    Site {
        base,
        store,
        backend,
        _server: Server(serving),
        _fresh: fresh,
    }
}

impl Site {
    /// The id of a 2023Q4 report by target number and entry.
    pub async fn report_id(&self, no: u32, entry: u32) -> i64 {
        let all = self.store.reports("2023Q4".parse().unwrap()).await.unwrap();
        all.iter()
            .find(|r| r.target_no == no && r.entry == entry)
            .unwrap()
            .id
    }
}

/// The 菏泽 table, one account per role and the round 2023Q4 open.
async fn seed(store: Arc<dyn Store>) {
    let table = read(HEZE, &ReadOptions::default()).unwrap();
    store.import_table(&table, "test").await.unwrap();
    let users: [(&str, Role, &[&str], Option<&str>); 5] = [
        ("unit_a", Role::Unit, &["市发展改革委"], None),
        ("unit_b", Role::Unit, &["市财政局"], None),
        ("reviewer", Role::Reviewer, &[], None),
        ("leader", Role::Leader, &[], Some("聂元科")),
        ("admin", Role::Admin, &[], None),
    ];
    for (name, role, units, leader) in users {
        let u = NewUser {
            username: name.into(),
            role,
            password_hash: HASH.clone(),
            units: units.iter().map(|s| (*s).to_owned()).collect(),
            leader: leader.map(str::to_owned),
        };
        store.add_user(&u, "test").await.unwrap();
    }
    let due = jiff::civil::Date::new(2099, 1, 10).unwrap();
    store
        .open_round("2023Q4".parse().unwrap(), due, "test")
        .await
        .unwrap();
}
