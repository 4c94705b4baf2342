//! PostgreSQL goes away under load and comes back: the server stays up, answers 503 with the
//! JSON error while the database is gone (never hangs, never panics), serves again without a
//! restart, and every save it acknowledged is in the database afterwards.
//!
//! The test runs a PostgreSQL cluster of its own (`initdb` into a temporary folder, its own
//! port), so stopping it disturbs no other test. `initdb` refuses to run as root; as root the
//! cluster runs as the `postgres` account.

use super::super::reliability::{PASSWORD, Server, duban, figure, http, login};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// No request may take longer: the server's own limits (5 s to get a connection) are well
/// inside it, so reaching it means the server hung.
const REQUEST_BOUND: Duration = Duration::from_secs(20);

/// The PostgreSQL programs of this machine (Debian keeps them off PATH).
fn pg_bin(name: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("{name} not found under /usr/lib/postgresql: install postgresql"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL cluster in a temporary folder; stopped when dropped.
struct Cluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    log: PathBuf,
    port: u16,
}

impl Cluster {
    fn run(&self, program: &str, args: &[&str]) {
        run_pg(program, args);
    }

    fn new() -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("duban-pg-")
            .tempdir_in("/tmp")
            .unwrap();
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown of the cluster folder failed");
        }
        run_pg(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        // A port nobody listens on now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster {
            _dir: dir,
            data,
            log,
            port,
        };
        cluster.start();
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.data.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-l",
                self.log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }
}

/// A PostgreSQL program, run as the `postgres` account when this test runs as root.
fn pg_command(program: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_bin(program));
        c
    } else {
        Command::new(pg_bin(program))
    }
}

fn run_pg(program: &str, args: &[&str]) {
    let out = pg_command(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = pg_command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

/// What one client did: its acknowledged saves per report in order, the saves that got no
/// clear answer (they may or may not have landed), and the 503s it met.
#[derive(Debug, Default)]
struct Log {
    acked: Vec<(i64, String)>,
    unclear: Vec<(i64, String)>,
    unavailable: usize,
    failure: Option<String>,
}

async fn client(
    base: String,
    token: String,
    no: usize,
    own: Vec<i64>,
    stop: Arc<AtomicBool>,
) -> Log {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_BOUND)
        .no_proxy()
        .build()
        .unwrap();
    let mut log = Log::default();
    for n in 0usize.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let id = own[n % own.len()];
        let text = format!("（故障测试）第{no}号客户第{n}次保存：按计划推进。fault c{no} n{n}");
        let started = Instant::now();
        let sent = http
            .put(format!("{base}/api/v1/reports/{id}"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"progress": text, "on_schedule": true}))
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == reqwest::StatusCode::OK => log.acked.push((id, text)),
            Ok(resp) if resp.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                let body: serde_json::Value = resp.json().await.unwrap_or_default();
                if body["error"] != "database_unavailable" {
                    log.failure = Some(format!("a 503 without the JSON error: {body}"));
                    break;
                }
                log.unavailable += 1;
                // A 503 may follow a commit whose answer was lost with the connection.
                log.unclear.push((id, text));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(resp) => {
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                // 500 while PostgreSQL shuts down mid-statement is an answer, but not the
                // one promised.
                log.failure = Some(format!("PUT {id}: {status} {body}"));
                break;
            }
            Err(e) => {
                log.failure = Some(format!(
                    "PUT {id} got no answer after {:?}: {e}",
                    started.elapsed()
                ));
                break;
            }
        }
    }
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_under_load_and_started_again() {
    let cluster = Cluster::new();
    let db = cluster.url();
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/heze-2023-q3.txt");
    duban(&db, &["import", fixture.to_str().unwrap()], None);
    duban(
        &db,
        &["open", "--period", "2023Q4", "--due", "2099-01-10"],
        None,
    );
    let pw = format!("{PASSWORD}\n");
    duban(
        &db,
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&pw),
    );
    let server = Server::start(dir.path(), &db, 10);
    let admin = login(&server.base, "admin").await;
    let reports: Vec<serde_json::Value> = http()
        .get(format!("{}/api/v1/rounds/2023Q4/reports", server.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut add = vec!["user", "add", "unit", "--role", "unit", "--password-stdin"];
    let leads: std::collections::BTreeSet<String> = reports
        .iter()
        .map(|r| r["units"][0].as_str().unwrap().to_owned())
        .collect();
    for lead in &leads {
        add.extend(["--unit", lead.as_str()]);
    }
    duban(&db, &add, Some(&pw));
    let unit = login(&server.base, "unit").await;
    let ids: Vec<i64> = reports.iter().map(|r| r["id"].as_i64().unwrap()).collect();

    const CLIENTS: usize = 16;
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|no| {
            let own: Vec<i64> = ids.iter().copied().skip(no).step_by(CLIENTS).collect();
            tokio::spawn(client(
                server.base.clone(),
                unit.clone(),
                no,
                own,
                Arc::clone(&stop),
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.stop();
    let stopped_at = Instant::now();
    // While it is gone: a read answers 503 with the JSON error, within the bound.
    let started = Instant::now();
    let resp = http()
        .get(format!("{}/api/v1/rounds/2023Q4/reports", server.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(resp.status().as_u16(), 503);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "database_unavailable", "{body}");
    figure(format_args!(
        "fault: with PostgreSQL stopped, a read answered 503 after {waited:?}"
    ));
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.start();
    // Serves again without a restart.
    let back = Instant::now();
    loop {
        let status = http()
            .get(format!("{}/api/v1/rounds/2023Q4/reports", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .status();
        if status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "not serving again: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    figure(format_args!(
        "fault: serving again {:?} after PostgreSQL started ({:?} after it stopped)",
        back.elapsed(),
        stopped_at.elapsed()
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(t.await.unwrap());
    }
    for log in &logs {
        assert!(log.failure.is_none(), "{:?}", log.failure);
    }
    let mut server = server;
    assert!(
        server.is_running(),
        "the server died: {}",
        server.log_tail()
    );
    assert!(
        !server.log_tail().contains("panicked"),
        "{}",
        server.log_tail()
    );

    // Every acknowledged save is in the audit log (the save and its record are one
    // transaction), and each report holds its last acknowledged text or a later unclear one.
    let after = reports_now(&server.base, &admin).await;
    let audited = audited_saves(&db).await;
    let (mut acked, mut unavailable) = (0, 0);
    for log in &logs {
        acked += log.acked.len();
        unavailable += log.unavailable;
        for (id, text) in &log.acked {
            assert!(
                audited.contains(text),
                "acknowledged save of {id} missing: {text}"
            );
        }
        let mut last: HashMap<i64, usize> = HashMap::new();
        for (i, (id, _)) in log.acked.iter().enumerate() {
            last.insert(*id, i);
        }
        for (id, i) in last {
            let text = &log.acked[i].1;
            let now = &after[&id];
            let later_unclear = log.unclear.iter().any(|(uid, t)| *uid == id && t == now);
            assert!(
                now == text || later_unclear,
                "report {id}: {now} (acknowledged {text})"
            );
        }
    }
    assert!(
        acked > 0 && unavailable > 0,
        "{acked} acknowledged, {unavailable} refused"
    );
    figure(format_args!(
        "fault: {acked} saves acknowledged, all in the database; {unavailable} answered 503 while it was down"
    ));
}

async fn reports_now(base: &str, admin: &str) -> HashMap<i64, String> {
    let list: Vec<serde_json::Value> = http()
        .get(format!("{base}/api/v1/rounds/2023Q4/reports"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["progress"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The texts of every `report.save` in the audit log, read straight from the database.
async fn audited_saves(db: &str) -> std::collections::HashSet<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(db).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'report.save' AND after IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.iter()
        .filter_map(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .filter_map(|v| v["progress"].as_str().map(str::to_owned))
        .collect()
}
