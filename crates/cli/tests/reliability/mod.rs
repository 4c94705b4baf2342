//! Crash safety: `kill -9` the real server under a load of report saves, restart it on the same
//! SQLite file, and check that no acknowledged save was lost and none was half-written.
//!
//! 64 clients save reports through `PUT /api/v1/reports/{id}` without a version. Each client owns
//! a disjoint set of reports and saves them one request at a time, so for every report the last
//! acknowledged (200) text is well defined, and at most one unacknowledged save (the one in
//! flight when the process died) may or may not have landed. After each kill and restart:
//!
//! - every report reads the last text acknowledged for it, at the version that save returned, or
//!   the text in flight at that version plus one; untouched reports are as they were;
//! - the audit log holds exactly one `report.save` record for every save that landed, acknowledged
//!   or not, and none for a save that did not (the save and its record are one transaction);
//! - `PRAGMA integrity_check` says `ok` and `duban verify` exits 0.
//!
//! CI runs 5 rounds of 0.5–2 s of load. For a long run: `bench/crash-safety.sh`
//! (`DUBAN_CRASH_ROUNDS`, `DUBAN_CRASH_SEED` to replay a run's random load times).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
pub(super) const PASSWORD: &str = "crash-safety-1";
/// In every text this test saves, so its audit records are told apart from the setup's.
const MARK: &str = "crash-safety";
/// No single request, start or check may take longer than this.
pub(super) const TIMEOUT: Duration = Duration::from_secs(60);

/// The server process; killed (SIGKILL) and reaped when dropped, whatever the test did.
pub(super) struct Server {
    child: Child,
    pub(super) base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `duban serve` on a free loopback port and waits for the address it prints.
    pub(super) fn start(dir: &Path, db: &str, n: usize) -> Server {
        let log = dir.join(format!("serve-{n}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DUBAN_DB", db)
            .env_remove("DUBAN_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads to the end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or_default().to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            log,
        };
        match rx.recv_timeout(TIMEOUT) {
            Ok(addr) => {
                assert!(addr.starts_with("127.0.0.1:"), "{addr}");
                server.base = format!("http://{addr}");
            }
            Err(e) => panic!("the server did not start ({e}): {}", server.log_tail()),
        }
        server
    }

    pub(super) fn kill(&mut self) {
        // Child::kill is SIGKILL on Unix: no destructor, no checkpoint, no flush.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running (it has not exited or been killed).
    pub(super) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub(super) fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(super) fn duban(db: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .env("DUBAN_DB", db)
        .env_remove("DUBAN_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "duban {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub(super) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .unwrap()
}

pub(super) async fn login(base: &str, user: &str) -> String {
    let answer: serde_json::Value = http()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap().to_owned()
}

/// One report as the API lists it: what this test compares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    progress: String,
    version: i64,
}

/// Every report of the given rounds, by id, as the admin reads them.
async fn reports(
    base: &str,
    admin: &str,
    periods: &[&str],
) -> BTreeMap<i64, (Seen, String, String)> {
    let mut all = BTreeMap::new();
    for period in periods {
        let list: Vec<serde_json::Value> = http()
            .get(format!("{base}/api/v1/rounds/{period}/reports"))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        for r in list {
            let seen = Seen {
                progress: r["progress"].as_str().unwrap().to_owned(),
                version: r["version"].as_i64().unwrap(),
            };
            let subject = format!(
                "report:{}/{}/{}",
                r["period"].as_str().unwrap(),
                r["target_no"],
                r["entry"]
            );
            let lead = r["units"][0].as_str().unwrap().to_owned();
            all.insert(r["id"].as_i64().unwrap(), (seen, subject, lead));
        }
    }
    all
}

/// What one client saw: its acknowledged saves in order, and the save it was waiting on when the
/// server died, if any.
#[derive(Debug, Default)]
struct ClientLog {
    acked: Vec<(i64, String, i64)>,
    in_flight: Option<(i64, String)>,
    /// A refusal or an error while the server was still up: always a failure.
    failure: Option<String>,
}

async fn client(
    base: String,
    token: String,
    round: usize,
    no: usize,
    own: Vec<i64>,
    killed: Arc<AtomicBool>,
) -> ClientLog {
    let http = http();
    let mut log = ClientLog::default();
    let started = Instant::now();
    for n in 0usize.. {
        if started.elapsed() > TIMEOUT {
            log.failure = Some("the server was not killed in time".into());
            break;
        }
        let id = own[n % own.len()];
        // The mark ends in "r{round} c" so that each round's audit records are found apart.
        let text = format!(
            "（崩溃测试）第{round}轮第{no}号客户第{n}次保存：按计划推进。{MARK} r{round} c{no} n{n}"
        );
        let sent = http
            .put(format!("{base}/api/v1/reports/{id}"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"progress": text, "on_schedule": true}))
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == reqwest::StatusCode::OK => {
                match resp.json::<serde_json::Value>().await {
                    Ok(body) => {
                        assert_eq!(body["progress"].as_str(), Some(text.as_str()));
                        log.acked
                            .push((id, text, body["version"].as_i64().unwrap()));
                    }
                    // The 200 came, the body did not: the save landed, but count it in flight.
                    Err(_) => {
                        log.in_flight = Some((id, text));
                        break;
                    }
                }
            }
            Ok(resp) => {
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                log.failure = Some(format!("PUT /api/v1/reports/{id}: {status} {body}"));
                break;
            }
            Err(e) => {
                if !killed.load(Ordering::SeqCst) {
                    log.failure = Some(format!("PUT /api/v1/reports/{id} before the kill: {e}"));
                }
                log.in_flight = Some((id, text));
                break;
            }
        }
    }
    log
}

/// A small xorshift, so that the load times vary without another dependency.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn knob(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: {v}")))
}

/// The audit log's `report.save` records whose text holds `mark` (one round's saves), as subject
/// and text, and the database's own opinion of its integrity; read-only, beside the running server.
async fn audit_and_integrity(path: &Path, mark: &str) -> (Vec<(String, String)>, Vec<String>) {
    use sqlx::{ConnectOptions, Row};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT subject, json_extract(after, '$.progress') FROM audit_log
         WHERE action = 'report.save' AND instr(after, $1) > 0",
    )
    .bind(mark)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let audited = rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
    let integrity = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    (audited, integrity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_save() {
    let rounds = knob("DUBAN_CRASH_ROUNDS").unwrap_or(5) as usize;
    let mut seed = knob("DUBAN_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    figure(format_args!(
        "crash-safety: {rounds} rounds, DUBAN_CRASH_SEED={seed}"
    ));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let db = format!("sqlite://{}", path.display());
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/heze-2023-q3.txt");
    duban(&db, &["import", fixture.to_str().unwrap()], None);
    // The fixture has 40 entries, so a round has 40 reports: a second open round of the same
    // year gives 80, enough for 64 clients to own disjoint sets.
    let periods = ["2023Q4", "2023M12"];
    for period in periods {
        duban(
            &db,
            &["open", "--period", period, "--due", "2099-01-10"],
            None,
        );
    }
    let pw = format!("{PASSWORD}\n");
    duban(
        &db,
        &[
            "user",
            "add",
            "crash-admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&pw),
    );

    let mut server = Server::start(dir.path(), &db, 0);
    let admin = login(&server.base, "crash-admin").await;
    let mut expected: BTreeMap<i64, Seen> = BTreeMap::new();
    let mut subjects: HashMap<i64, String> = HashMap::new();
    let mut leads = BTreeSet::new();
    for (id, (seen, subject, lead)) in reports(&server.base, &admin, &periods).await {
        expected.insert(id, seen);
        subjects.insert(id, subject);
        leads.insert(lead);
    }
    assert!(expected.len() >= CLIENTS, "{} reports", expected.len());
    // One account speaking for every lead unit, added while the server runs, as an office would.
    let mut add = vec![
        "user",
        "add",
        "crash-unit",
        "--role",
        "unit",
        "--password-stdin",
    ];
    for lead in &leads {
        add.extend(["--unit", lead.as_str()]);
    }
    duban(&db, &add, Some(&pw));
    let unit = login(&server.base, "crash-unit").await;

    let ids: Vec<i64> = expected.keys().copied().collect();
    let (mut total_acked, mut total_in_flight, mut total_landed, mut total_audited) = (0, 0, 0, 0);
    let whole = Instant::now();
    for round in 1..=rounds {
        let load = Duration::from_millis(500 + next(&mut seed) % 1500);
        let killed = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for no in 0..CLIENTS {
            let own: Vec<i64> = ids.iter().copied().skip(no).step_by(CLIENTS).collect();
            tasks.push(tokio::spawn(client(
                server.base.clone(),
                unit.clone(),
                round,
                no,
                own,
                killed.clone(),
            )));
        }
        tokio::time::sleep(load).await;
        killed.store(true, Ordering::SeqCst);
        server.kill();
        let mut logs = Vec::new();
        for t in tasks {
            logs.push(tokio::time::timeout(TIMEOUT, t).await.unwrap().unwrap());
        }
        let failures: Vec<&String> = logs.iter().filter_map(|l| l.failure.as_ref()).collect();
        assert!(
            failures.is_empty(),
            "round {round}: {failures:#?}\n{}",
            server.log_tail()
        );

        let restart = Instant::now();
        server = Server::start(dir.path(), &db, round);
        let restarted = restart.elapsed();
        let now = reports(&server.base, &admin, &periods).await;

        let (mut acked, mut in_flight, mut round_landed) = (0, 0, 0);
        // Every save of this round that landed, acknowledged or not: the audit log must hold
        // exactly these records with this round's mark.
        let mut landed: BTreeSet<(String, String)> = BTreeSet::new();
        let mut problems = Vec::new();
        for log in &logs {
            // The client's reports are disjoint from every other's and it saves one at a time,
            // so its acknowledgements are each report's history, in order.
            let mut last: HashMap<i64, (&str, i64)> = HashMap::new();
            for (id, text, version) in &log.acked {
                let before = last.get(id).map_or(expected[id].version, |l| l.1);
                if *version != before + 1 {
                    problems.push(format!(
                        "report {id}: save acknowledged at version {version} after {before}"
                    ));
                }
                last.insert(*id, (text, *version));
                landed.insert((subjects[id].clone(), text.clone()));
                acked += 1;
            }
            for (id, (text, version)) in last {
                expected.insert(
                    id,
                    Seen {
                        progress: text.to_owned(),
                        version,
                    },
                );
            }
            if let Some((id, text)) = &log.in_flight {
                in_flight += 1;
                let was = &expected[id];
                let seen = &now[id].0;
                if seen.progress == *text && seen.version == was.version + 1 {
                    round_landed += 1;
                    landed.insert((subjects[id].clone(), text.clone()));
                    expected.insert(*id, seen.clone());
                }
            }
        }
        for (id, want) in &expected {
            let seen = &now[id].0;
            if seen != want {
                problems.push(format!("report {id}: {seen:?}, expected {want:?}"));
            }
        }
        let (audited, integrity) = audit_and_integrity(&path, &format!("{MARK} r{round} c")).await;
        let audited_set: BTreeSet<(String, String)> = audited.iter().cloned().collect();
        if audited.len() != audited_set.len() {
            problems.push(format!(
                "{} duplicate audit records",
                audited.len() - audited_set.len()
            ));
        }
        for missing in landed.difference(&audited_set) {
            problems.push(format!(
                "no audit record for a save that landed: {missing:?}"
            ));
        }
        for extra in audited_set.difference(&landed) {
            problems.push(format!(
                "an audit record for a save that did not land: {extra:?}"
            ));
        }
        if integrity != ["ok"] {
            problems.push(format!("integrity_check: {integrity:?}"));
        }
        let verify = duban(&db, &["verify"], None);
        assert!(verify.status.success());
        assert!(
            problems.is_empty(),
            "round {round}: {} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
        figure(format_args!(
            "crash-safety round {round}/{rounds}: {acked} saves acknowledged, {in_flight} in flight ({round_landed} landed), \
             load {:.2} s, restart {:.2} s, 0 lost",
            load.as_secs_f64(),
            restarted.as_secs_f64()
        ));
        total_acked += acked;
        total_in_flight += in_flight;
        total_landed += round_landed;
        total_audited += audited.len();
    }
    figure(format_args!(
        "crash-safety total: {rounds} kills, {total_acked} saves acknowledged, {total_in_flight} in flight \
         ({total_landed} landed), {} audit records checked, 0 lost, {:.1} s",
        total_audited,
        whole.elapsed().as_secs_f64()
    ));
}

/// Prints a figure where CI's log shows it: the test harness captures `println!` of a passing
/// test, but not a direct write to the process's standard error.
pub(super) fn figure(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
