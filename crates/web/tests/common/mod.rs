//! A site for tests: the real app on port 0 over a fresh database holding the 菏泽 table, one
//! account per role, and the round 2023Q4 open. [`site`] is on SQLite; [`site_on`] takes the
//! backend, and `on_both!(name)` turns `async fn name(backend: Backend)` into the tests
//! `name::sqlite` and `name::postgres` (the tests that walk the cycle run on each backend). A
//! site's server stops and its database is removed when the site is dropped.

#![allow(dead_code)]

pub mod api;
pub mod smtpd;

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
/// The fixture's government, as its table prints it.
pub const HEZE_GOV: &str = "菏泽市人民政府";
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

/// The second government of a two-government site, and the ids both are registered with.
pub const YUNCHENG_GOV: &str = "郓城县人民政府";
pub const HEZE_CODE: &str = "371700";
pub const YUNCHENG_CODE: &str = "371725";
/// Text only 郓城's table has: target 39's content there.
pub const YUNCHENG_ONLY: &str = "郓城县黄河滩区迁建社区配套提升";

/// A site on SQLite.
pub async fn site() -> Site {
    site_on(Backend::Sqlite).await
}

/// The site's data, written once per process and backend and copied for each site.
static SEED: Seed = Seed::new();

/// The two-government site's data, written once per process and backend.
static TWO_SEED: Seed = Seed::new();

/// A site holding two governments: 菏泽 (371700) and 郓城 (371725), each with its 2023Q3 table
/// published and 2023Q4 open, and one account per role bound to each (菏泽's named as on
/// [`site_on`], 郓城's with a `y_` prefix), plus `platform`, an admin of neither (of both).
pub async fn two_site_on(backend: Backend) -> Site {
    serve(
        Fresh::seeded(backend, &TWO_SEED, two_seed).await,
        backend,
        None,
    )
    .await
}

/// [`two_site_on`], sending 催办 mail through `mail`'s SMTP server.
pub async fn two_site_with_mail(backend: Backend, mail: duban_web::mail::MailConfig) -> Site {
    serve(
        Fresh::seeded(backend, &TWO_SEED, two_seed).await,
        backend,
        Some(mail),
    )
    .await
}

pub async fn site_on(backend: Backend) -> Site {
    serve(Fresh::seeded(backend, &SEED, seed).await, backend, None).await
}

/// A site that sends 催办 mail through `mail`'s SMTP server.
pub async fn site_with_mail(backend: Backend, mail: duban_web::mail::MailConfig) -> Site {
    serve(
        Fresh::seeded(backend, &SEED, seed).await,
        backend,
        Some(mail),
    )
    .await
}

/// Serves `store` on port 0; the address, and the server, stopped when dropped.
async fn serve_store(
    store: Arc<dyn Store>,
    mail: Option<duban_web::mail::MailConfig>,
) -> (String, Server) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = AppState::new(store);
    if let Some(mail) = mail {
        state = state.with_mail(mail).unwrap();
    }
    let app = duban_web::app(state);
    let make = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let serving = tokio::spawn(async move {
        let _ = axum::serve(listener, make).await;
    });
    (base, Server(serving))
}

async fn serve(fresh: Fresh, backend: Backend, mail: Option<duban_web::mail::MailConfig>) -> Site {
    let store = fresh.store.clone();
    let (base, server) = serve_store(store.clone(), mail).await;
    Site {
        base,
        store,
        backend,
        _server: server,
        _fresh: fresh,
    }
}

/// A second instance of a site: its own store on the same database, its own server.
pub struct Instance {
    pub base: String,
    pub store: Arc<dyn Store>,
    _server: Server,
}

impl Site {
    /// Another instance on the same database, as a second `duban serve` behind the same proxy.
    pub async fn another_instance(&self, mail: Option<duban_web::mail::MailConfig>) -> Instance {
        let store = self._fresh.db.reopen().await;
        let (base, server) = serve_store(store.clone(), mail).await;
        Instance {
            base,
            store,
            _server: server,
        }
    }

    /// The id of a 2023Q4 report by target number and entry.
    pub async fn report_id(&self, no: u32, entry: u32) -> i64 {
        let all = self
            .store
            .reports(HEZE_GOV, "2023Q4".parse().unwrap())
            .await
            .unwrap();
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
    government_accounts(store.as_ref(), HEZE_GOV, "").await;
    open_q4(store.as_ref(), HEZE_GOV).await;
}

/// The accounts of one government: one per role, named with `prefix`.
async fn government_accounts(store: &dyn Store, government: &str, prefix: &str) {
    let users: [(&str, Role, &[&str], Option<&str>); 5] = [
        ("unit_a", Role::Unit, &["市发展改革委"], None),
        ("unit_b", Role::Unit, &["市财政局"], None),
        ("reviewer", Role::Reviewer, &[], None),
        ("leader", Role::Leader, &[], Some("聂元科")),
        ("admin", Role::Admin, &[], None),
    ];
    for (name, role, units, leader) in users {
        let u = NewUser {
            username: format!("{prefix}{name}"),
            role,
            password_hash: HASH.clone(),
            units: units.iter().map(|s| (*s).to_owned()).collect(),
            leader: leader.map(str::to_owned),
            government: Some(government.to_owned()),
            email: None,
        };
        store.add_user(&u, "test").await.unwrap();
    }
}

async fn open_q4(store: &dyn Store, government: &str) {
    let due = jiff::civil::Date::new(2099, 1, 10).unwrap();
    store
        .open_round(government, "2023Q4".parse().unwrap(), due, "test")
        .await
        .unwrap();
}

/// 菏泽's 2023 third-quarter table, as the fixture reads.
pub fn heze_table() -> duban_core::Table {
    read(HEZE, &ReadOptions::default()).unwrap()
}

/// 郓城's table: 菏泽's, renamed, with text of its own in every target (so a page showing the
/// other's data is caught) and a target 39 only it has.
pub fn yuncheng_table() -> duban_core::Table {
    let mut t = read(HEZE, &ReadOptions::default()).unwrap();
    t.government = YUNCHENG_GOV.to_owned();
    t.title = t.title.replace("菏泽市人民政府", YUNCHENG_GOV);
    for target in &mut t.targets {
        target.content = target.content.replace("菏泽", "郓城");
        if target.no.get() == 39 {
            target.content = YUNCHENG_ONLY.to_owned();
        }
    }
    t
}

/// Both governments, registered with their division codes; each one's accounts and 2023Q4.
async fn two_seed(store: Arc<dyn Store>) {
    for (name, code) in [(HEZE_GOV, HEZE_CODE), (YUNCHENG_GOV, YUNCHENG_CODE)] {
        let code = duban_core::GovernmentCode::parse(code).unwrap();
        store
            .register_government(name, Some(&code), "test")
            .await
            .unwrap();
    }
    let heze = read(HEZE, &ReadOptions::default()).unwrap();
    store.import_table(&heze, "test").await.unwrap();
    store.import_table(&yuncheng_table(), "test").await.unwrap();
    government_accounts(store.as_ref(), HEZE_GOV, "").await;
    government_accounts(store.as_ref(), YUNCHENG_GOV, "y_").await;
    let platform = NewUser {
        username: "platform".into(),
        role: Role::Admin,
        password_hash: HASH.clone(),
        units: Vec::new(),
        leader: None,
        government: None,
        email: None,
    };
    store.add_user(&platform, "test").await.unwrap();
    open_q4(store.as_ref(), HEZE_GOV).await;
    open_q4(store.as_ref(), YUNCHENG_GOV).await;
}
