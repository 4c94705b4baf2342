//! A site for tests: the real app on port 0 over a fresh SQLite file holding the 菏泽 table,
//! one account per role, and the round 2023Q4 open.

#![allow(dead_code)]

pub mod api;

use duban_core::access::Role;
use duban_formats::twoup::{ReadOptions, read};
use duban_store::Publications;
use duban_store::{Accounts, NewUser, SqliteStore, Workflow};
use duban_web::AppState;
use std::sync::{Arc, LazyLock};

pub const HEZE: &str = include_str!("../../../../fixtures/heze-2023-q3.txt");
pub const PASSWORD: &str = "correct horse 马";
/// Hashing is slow on purpose; every test account shares one hash.
pub static HASH: LazyLock<String> =
    LazyLock::new(|| duban_web::auth::hash_password(PASSWORD).unwrap());

pub struct Site {
    pub base: String,
    pub store: Arc<SqliteStore>,
    pub _dir: tempfile::TempDir,
}

pub async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let store = Arc::new(SqliteStore::open(&url).await.unwrap());
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = duban_web::app(AppState::new(store.clone()));
    let make = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(axum::serve(listener, make).into_future());
    Site {
        base,
        store,
        _dir: dir,
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
