//! Fresh databases for tests, on SQLite or PostgreSQL (the `testing` feature; never in a
//! release build). The store's contract suite and the web tests that walk the 调度 cycle use
//! it to run one test body on each backend. A SQLite database is a file in a temporary
//! directory. A PostgreSQL database is made on the server that `DUBAN_TEST_POSTGRES` names
//! (default `postgres://postgres@127.0.0.1:5432/postgres`; the user must be allowed to create
//! databases): once per test process a template is created and migrated, and each test gets
//! `CREATE DATABASE … TEMPLATE` of it, named `duban_test_<host>_<pid>_<n>` and dropped when the
//! test ends ([`Fresh::finish`], or when the [`Fresh`] is dropped). A run drops what earlier
//! runs on the same machine left behind. When PostgreSQL cannot be reached a test fails, saying
//! how to start it — it never skips.

use crate::{PgStore, SqliteStore, Store};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// The variable naming the PostgreSQL server the tests create their databases on.
pub const POSTGRES_ENV: &str = "DUBAN_TEST_POSTGRES";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Every database the tests create is named `duban_test_<host>_<pid>_…`.
const PREFIX: &str = "duban_test_";
const START_POSTGRES: &str =
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/// Tests on PostgreSQL at once in this process: each store has a pool of up to 24 connections,
/// and the server's default limit is 100.
static PG_SLOTS: Semaphore = Semaphore::const_new(4);
/// The migrated template every PostgreSQL test database is copied from, made once per process
/// (or why it could not be).
static TEMPLATE: OnceCell<Result<String, String>> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Raw access to a test's database, for the few checks that look under the store.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite {
        url: String,
        pool: SqlitePool,
        dir: Arc<tempfile::TempDir>,
    },
    Postgres {
        url: String,
        pool: PgPool,
    },
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL `duban_store::open` takes for this database.
    pub fn url(&self) -> &str {
        match self {
            Db::Sqlite { url, .. } | Db::Postgres { url, .. } => url,
        }
    }

    /// The SQLite database's directory (for backups and the like).
    pub fn dir(&self) -> &std::path::Path {
        match self {
            Db::Sqlite { dir, .. } => dir.path(),
            Db::Postgres { .. } => panic!("a PostgreSQL database has no directory"),
        }
    }

    /// Another handle on the same database, as a second process (or instance) would open it.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite { url, .. } => Arc::new(SqliteStore::open(url).await.unwrap()),
            Db::Postgres { url, .. } => Arc::new(PgStore::open(url).await.unwrap()),
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.i64s(&sql).await[0]
    }

    /// The first column of every row, as integers (BIGINT on PostgreSQL).
    pub async fn i64s(&self, sql: &str) -> Vec<i64> {
        self.scalars(sql).await
    }

    /// The first column of every row, as text.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        self.scalars(sql).await
    }

    /// The first column of every row, as a type both backends decode.
    async fn scalars<T>(&self, sql: &str) -> Vec<T>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let query = AssertSqlSafe(sql.to_owned());
        match self {
            Db::Sqlite { pool, .. } => sqlx::query_scalar(query).fetch_all(pool).await,
            Db::Postgres { pool, .. } => sqlx::query_scalar(query).fetch_all(pool).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs statements (several, separated by `;`, are fine), in the backend's own dialect.
    pub async fn execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite { pool, .. } => sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await
                .map(drop),
            Db::Postgres { pool, .. } => sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(pool)
                .await
                .map(drop),
        }
    }

    /// Like [`Db::execute`], for statements that must work.
    pub async fn must(&self, sql: &str) {
        self.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// A fresh database with its store; [`Fresh::finish`] closes and removes it.
#[derive(Debug)]
pub struct Fresh {
    pub store: Arc<dyn Store>,
    pub db: Db,
    /// The PostgreSQL database to drop at the end, and the server URL to drop it through.
    pg: Option<(String, String)>,
    _slot: Option<tokio::sync::SemaphorePermit<'static>>,
}

impl Fresh {
    /// A fresh database with duban's schema and nothing else.
    pub async fn new(backend: Backend) -> Fresh {
        match backend {
            Backend::Sqlite => Fresh::sqlite(None).await,
            Backend::Postgres => {
                let template = TEMPLATE
                    .get_or_init(|| make_template(server_url()))
                    .await
                    .clone()
                    .unwrap_or_else(|e| panic!("{e}"));
                Fresh::postgres(&template).await
            }
        }
    }

    /// A fresh copy of what `seed` wrote into a database of its own, which is made once per
    /// process and backend: copying a database costs far less than an import and a few
    /// accounts, and a test that makes hundreds of sites (the permission matrix) pays the
    /// seeding once.
    pub async fn seeded<F>(backend: Backend, seed: &'static Seed, write: F) -> Fresh
    where
        F: AsyncFnOnce(Arc<dyn Store>),
    {
        match backend {
            Backend::Sqlite => {
                let file = seed
                    .sqlite
                    .get_or_init(|| async move {
                        let fresh = Fresh::sqlite(None).await;
                        write(fresh.store.clone()).await;
                        let file = fresh.db.dir().join("seed.db");
                        // One self-contained file (no WAL beside it) to copy from.
                        fresh.store.backup(&file).await.unwrap();
                        let Db::Sqlite { dir, .. } = &fresh.db else {
                            unreachable!()
                        };
                        (Arc::clone(dir), file)
                    })
                    .await;
                Fresh::sqlite(Some(&file.1)).await
            }
            Backend::Postgres => {
                let template = seed
                    .postgres
                    .get_or_init(|| async move {
                        let mut fresh = Fresh::new(Backend::Postgres).await;
                        write(fresh.store.clone()).await;
                        fresh.store.close().await;
                        // Kept until the process ends (a later run drops it): the template.
                        let (server, name) = fresh.pg.take().unwrap();
                        drop(fresh);
                        close_to_connections(&server, &name)
                            .await
                            .unwrap_or_else(|e| panic!("{e}"));
                        name
                    })
                    .await;
                Fresh::postgres(template).await
            }
        }
    }

    /// A SQLite database in a directory of its own, copied from `from` when given.
    async fn sqlite(from: Option<&std::path::Path>) -> Fresh {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("duban.db");
        if let Some(from) = from {
            std::fs::copy(from, &file).unwrap();
        }
        let url = format!("sqlite://{}", file.display());
        let store = SqliteStore::open(&url).await.unwrap();
        let pool = store.pool().clone();
        Fresh {
            store: Arc::new(store),
            db: Db::Sqlite {
                url,
                pool,
                dir: Arc::new(dir),
            },
            pg: None,
            _slot: None,
        }
    }

    /// A PostgreSQL database made from `template`.
    async fn postgres(template: &str) -> Fresh {
        let slot = PG_SLOTS.acquire().await.unwrap();
        let server = server_url();
        let name = next_name();
        if let Err(e) = create_from_template(&server, &name, template).await {
            panic!("{e}");
        }
        let url = with_database(&server, &name);
        let store = match PgStore::open(&url).await {
            Ok(store) => store,
            Err(e) => {
                drop_database(&server, &name).await;
                panic!("opening the test database {name}: {e}");
            }
        };
        let pool = store.pool().clone();
        Fresh {
            store: Arc::new(store),
            db: Db::Postgres { url, pool },
            pg: Some((server, name)),
            _slot: Some(slot),
        }
    }

    /// Closes the store and removes its database (best effort: a leftover is dropped by the
    /// next run).
    pub async fn finish(mut self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg.take() {
            drop_database(&server, &name).await;
        }
    }
}

/// What a seed function wrote, per backend, made on first use (see [`Fresh::seeded`]). Declare
/// one `static` per seed function.
#[derive(Debug)]
pub struct Seed {
    /// The seeded file (in a directory kept for the whole process).
    sqlite: OnceCell<(Arc<tempfile::TempDir>, std::path::PathBuf)>,
    /// The seeded template database's name.
    postgres: OnceCell<String>,
}

impl Seed {
    pub const fn new() -> Seed {
        Seed {
            sqlite: OnceCell::const_new(),
            postgres: OnceCell::const_new(),
        }
    }
}

impl Default for Seed {
    fn default() -> Seed {
        Seed::new()
    }
}

/// A `Fresh` dropped without [`Fresh::finish`] (a test that holds its site until it returns)
/// still removes its PostgreSQL database.
impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg.take() {
            drop_database_now(server, name);
        }
    }
}

/// A new PostgreSQL database with nothing in it, not even duban's schema — for what happens on
/// first open (several instances migrating at once) and for `duban db copy`'s empty target.
/// Dropped with the guard.
#[derive(Debug)]
pub struct EmptyPostgres {
    pub url: String,
    server: String,
    name: String,
}

impl EmptyPostgres {
    pub async fn new() -> EmptyPostgres {
        let server = server_url();
        let mut conn = admin(&server).await.unwrap_or_else(|e| panic!("{e}"));
        let name = next_name();
        exec(&mut conn, format!(r#"CREATE DATABASE "{name}""#))
            .await
            .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        let _ = conn.close().await;
        EmptyPostgres {
            url: with_database(&server, &name),
            server,
            name,
        }
    }
}

impl Drop for EmptyPostgres {
    fn drop(&mut self) {
        drop_database_now(self.server.clone(), self.name.clone());
    }
}

/// Drops a database before returning, on a thread of its own: `Drop` cannot await and may run
/// inside a test's runtime.
fn drop_database_now(server: String, name: String) {
    let dropping = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(runtime) = runtime {
            runtime.block_on(drop_database(&server, &name));
        }
    });
    let _ = dropping.join();
}

/// The next database name of this process: `duban_test_<host>_<pid>_<n>`, which a later run
/// on this machine drops if it is left behind.
fn next_name() -> String {
    format!(
        "{PREFIX}{}_{}_{}",
        host_tag(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs a test body on a fresh database of `backend`, then removes the database, also when the
/// body panics (the panic is passed on).
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Arc<dyn Store>, Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let fresh = Fresh::new(backend).await;
    let outcome = tokio::spawn(body(fresh.store.clone(), fresh.db.clone())).await;
    fresh.finish().await;
    pass_on(outcome);
}

/// Runs a test body on one fresh database of each backend listed, given in that order.
pub async fn run_on<F, Fut>(backends: &[Backend], body: F)
where
    F: FnOnce(Vec<(Arc<dyn Store>, Db)>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut all = Vec::new();
    for b in backends {
        all.push(Fresh::new(*b).await);
    }
    let handles = all
        .iter()
        .map(|f| (f.store.clone(), f.db.clone()))
        .collect();
    let outcome = tokio::spawn(body(handles)).await;
    for fresh in all {
        fresh.finish().await;
    }
    pass_on(outcome);
}

fn pass_on(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the test was cancelled: {e}"),
        }
    }
}

fn server_url() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

/// The server URL with another database in it.
fn with_database(server: &str, database: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// What to do when PostgreSQL does not answer; never a reason to skip.
fn unreachable_message(server: &str, error: &dyn std::fmt::Display) -> String {
    let at = PgConnectOptions::from_str(server).map_or_else(
        |_| "the URL in DUBAN_TEST_POSTGRES".to_owned(),
        |o| format!("{}@{}:{}", o.get_username(), o.get_host(), o.get_port()),
    );
    format!(
        "PostgreSQL at {at} is needed by the contract tests and failed: {error}\n\
         Every contract test runs on PostgreSQL too; none is skipped. Start the local server with\n\
         \n    {START_POSTGRES}\n\n\
         or point {POSTGRES_ENV} at one (postgres://USER@HOST:PORT/DATABASE; the user must be \
         allowed to create databases)."
    )
}

async fn admin(server: &str) -> Result<PgConnection, String> {
    let connecting = PgConnection::connect(server);
    match tokio::time::timeout(Duration::from_secs(10), connecting).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(unreachable_message(server, &e)),
        Err(_) => Err(unreachable_message(server, &"no answer within 10 s")),
    }
}

async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(drop)
}

/// A short tag of this machine, so that runs on several machines (or containers) sharing one
/// server never take each other's databases for leftovers.
fn host_tag() -> String {
    use sha2::{Digest, Sha256};
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    hex::encode(&Sha256::digest(host.trim().as_bytes())[..4])
}

/// Whether a process of this machine is still running; when that cannot be known, it is.
fn alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Creates the template: a database migrated by opening it with `duban_store::open`, closed,
/// and then closed to connections, which `CREATE DATABASE … TEMPLATE` requires. Drops what
/// earlier runs on this machine left behind first.
async fn make_template(server: String) -> Result<String, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    let mut conn = admin(&server).await?;
    let tag = host_tag();
    let ours = format!("{PREFIX}{tag}_");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(&ours)
            .fetch_all(&mut conn)
            .await
            .map_err(|e| fail("listing old test databases", &e))?;
    for name in names {
        let pid = name[ours.len()..]
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !alive(pid)
        {
            // Another run may be dropping it too: best effort.
            let _ = exec(
                &mut conn,
                format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
            )
            .await;
        }
    }
    let name = format!("{PREFIX}{tag}_{}_template", std::process::id());
    exec(
        &mut conn,
        format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
    )
    .await
    .map_err(|e| fail("dropping an old template", &e))?;
    exec(&mut conn, format!(r#"CREATE DATABASE "{name}""#))
        .await
        .map_err(|e| fail("creating the template database", &e))?;
    let store = crate::open(&with_database(&server, &name))
        .await
        .map_err(|e| fail("migrating the template database", &e))?;
    store.close().await;
    drop(store);
    let _ = conn.close().await;
    close_to_connections(&server, &name).await?;
    Ok(name)
}

/// Makes a database usable as a template: `CREATE DATABASE … TEMPLATE` requires that nobody
/// is connected to it.
async fn close_to_connections(server: &str, name: &str) -> Result<(), String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what} {name}: {e}");
    let mut conn = admin(server).await?;
    exec(
        &mut conn,
        format!(r#"ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false"#),
    )
    .await
    .map_err(|e| fail("closing to connections", &e))?;
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&mut conn)
    .await
    .map_err(|e| fail("ending the connections to", &e))?;
    let _ = conn.close().await;
    Ok(())
}

async fn create_from_template(server: &str, name: &str, template: &str) -> Result<(), String> {
    let mut conn = admin(server).await?;
    let mut attempt = 0;
    loop {
        let created = exec(
            &mut conn,
            format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#),
        )
        .await;
        match created {
            Ok(()) => break,
            // "source database is being accessed by other users": a connection to the template
            // is still going away.
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("55006") && attempt < 50 =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(format!("creating {name} from {template}: {e}")),
        }
    }
    // Commits need not wait for the disk here: what they make visible, and when, is the same.
    exec(
        &mut conn,
        format!(r#"ALTER DATABASE "{name}" SET synchronous_commit = off"#),
    )
    .await
    .map_err(|e| format!("setting up {name}: {e}"))?;
    let _ = conn.close().await;
    Ok(())
}

async fn drop_database(server: &str, name: &str) {
    if let Ok(mut conn) = admin(server).await {
        let _ = exec(
            &mut conn,
            format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
        )
        .await;
        let _ = conn.close().await;
    }
}

#[cfg(test)]
#[test]
fn urls_get_another_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5433", "x"),
        "postgres://h:5433/x"
    );
    assert_eq!(
        with_database("postgres:///db?host=/run/postgresql", "x"),
        "postgres:///x?host=/run/postgresql"
    );
}
