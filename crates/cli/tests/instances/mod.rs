//! Several `duban serve` processes on one PostgreSQL database behave as one site: what one
//! instance (or a command run beside them) publishes, the other serves at once; a logout
//! through one ends the token on the other; two saves of one report at one version through
//! both, exactly one wins; two publishes of one round at one moment do not fork the chain.
//! And `duban db copy` moves a SQLite deployment onto PostgreSQL, byte for byte.
//!
//! PostgreSQL's address comes from `DUBAN_TEST_POSTGRES` (default: the local server on
//! 127.0.0.1:5432, as `.ci/run` starts it). Without a server these tests fail; they never skip.

/// PostgreSQL stopped under load and started again.
mod fault;

use super::reliability::{PASSWORD, Server, duban, figure, http, login};
use duban_store::testing::EmptyPostgres;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long "at once" may take here: an announcement crosses two connections and a task
/// switch, milliseconds; the bound only keeps a broken build from hanging the test.
const PROPAGATION_BOUND: Duration = Duration::from_secs(5);

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/heze-2023-q3.txt")
        .display()
        .to_string()
}

/// Polls `probe` until it says yes; returns how long that took.
async fn within(what: &str, mut probe: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if probe().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < PROPAGATION_BOUND,
            "{what}: not seen within {PROPAGATION_BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn get_text(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_act_as_one_site() {
    let pg = EmptyPostgres::new().await;
    let dir = tempfile::tempdir().unwrap();
    let db = pg.url.as_str();
    // Both start on an empty database at the same moment: the migrations run once, under
    // PostgreSQL's advisory lock, and neither fails.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(dir.path(), db, 1));
        let b = s.spawn(|| Server::start(dir.path(), db, 2));
        (a.join().unwrap(), b.join().unwrap())
    });
    duban(db, &["import", &fixture()], None);
    let pw = format!("{PASSWORD}\n");
    duban(
        db,
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
    duban(
        db,
        &[
            "user",
            "add",
            "fgw",
            "--role",
            "unit",
            "--unit",
            "市发展改革委",
            "--password-stdin",
        ],
        Some(&pw),
    );

    // B renders and caches the table; a correction imported by a third process replaces it.
    let table_b = format!("{}/api/v1/tables/2023Q3", b.base);
    let (status, before) = get_text(&table_b, None).await;
    assert_eq!(status, 200, "{before}");
    let corrected = std::fs::read_to_string(fixture())
        .unwrap()
        .replacen("储备粮", "储备谷", 1);
    let file = dir.path().join("corrected.txt");
    std::fs::write(&file, corrected).unwrap();
    duban(db, &["import", file.to_str().unwrap()], None);
    let took = within("B serves the correction", async || {
        let (_, now) = get_text(&table_b, None).await;
        now != before
    })
    .await;
    figure(format_args!(
        "instances: a correction by another process served by B after {took:?}"
    ));
    let (_, after) = get_text(&table_b, None).await;
    assert!(after.contains("储备谷"), "{after}");

    // A opens and publishes 2023Q4; B serves it and lists it.
    let admin_a = login(&a.base, "admin").await;
    let opened = http()
        .post(format!("{}/api/v1/rounds", a.base))
        .bearer_auth(&admin_a)
        .json(&serde_json::json!({"period": "2023Q4", "due": "2099-01-10"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        opened.status().as_u16(),
        201,
        "{}",
        opened.text().await.unwrap()
    );
    let q4_b = format!("{}/api/v1/tables/2023Q4", b.base);
    assert_eq!(get_text(&q4_b, None).await.0, 404);

    // Two saves of one report at one version, one through each instance: one wins.
    let unit_a = login(&a.base, "fgw").await;
    let unit_b = login(&b.base, "fgw").await;
    let reports: Vec<serde_json::Value> = http()
        .get(format!("{}/api/v1/rounds/2023Q4/reports", b.base))
        .bearer_auth(&unit_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let report = &reports[0];
    let id = report["id"].as_i64().unwrap();
    let first = report["version"].as_i64().unwrap();
    for (attempt, version) in (first..first + 10).enumerate() {
        let save = |base: String, token: String, who: &'static str| async move {
            http()
                .put(format!("{base}/api/v1/reports/{id}"))
                .bearer_auth(token)
                .json(&serde_json::json!({
                    "progress": format!("第{attempt}次，经{who}保存"),
                    "on_schedule": true,
                    "version": version,
                }))
                .send()
                .await
                .unwrap()
        };
        let (ra, rb) = tokio::join!(
            save(a.base.clone(), unit_a.clone(), "A"),
            save(b.base.clone(), unit_b.clone(), "B")
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "attempt {attempt}");
        let winner = if ra.status().as_u16() == 200 { ra } else { rb };
        let body: serde_json::Value = winner.json().await.unwrap();
        assert_eq!(body["version"].as_i64(), Some(version + 1));
    }

    // Both instances publish 2023Q4 at the same moment: one publication, the chain intact.
    let admin_b = login(&b.base, "admin").await;
    let publish = |base: String, token: String| async move {
        http()
            .post(format!("{base}/api/v1/rounds/2023Q4/publish"))
            .bearer_auth(token)
            .json(&serde_json::json!({"confirm": true}))
            .send()
            .await
            .unwrap()
    };
    let (pa, pb) = tokio::join!(
        publish(a.base.clone(), admin_a.clone()),
        publish(b.base.clone(), admin_b.clone())
    );
    let (pa, pb): (serde_json::Value, serde_json::Value) =
        (pa.json().await.unwrap(), pb.json().await.unwrap());
    assert_eq!(pa["sha256"], pb["sha256"], "one publication: {pa} {pb}");
    let out = duban(db, &["verify"], None);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 个公开版本核验无误"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    within("B serves A's publication", async || {
        get_text(&q4_b, None).await.0 == 200
    })
    .await;

    // A logout through A ends the token on B, though B had it cached.
    let rounds_b = format!("{}/api/v1/rounds/2023Q4/reports", b.base);
    assert_eq!(get_text(&rounds_b, Some(&admin_a)).await.0, 200);
    let out = http()
        .post(format!("{}/api/v1/logout", a.base))
        .bearer_auth(&admin_a)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success(), "{}", out.status());
    let took = within("B refuses the ended token", async || {
        get_text(&rounds_b, Some(&admin_a)).await.0 == 401
    })
    .await;
    figure(format_args!(
        "instances: a logout on A refused by B after {took:?}"
    ));
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_a_sqlite_deployment_to_postgres() {
    let pg = EmptyPostgres::new().await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("city.db").display());
    duban(&sqlite, &["import", &fixture()], None);
    duban(
        &sqlite,
        &["open", "--period", "2023Q4", "--due", "2099-01-10"],
        None,
    );
    duban(&sqlite, &["publish", "--period", "2023Q4"], None);
    duban(
        &sqlite,
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );

    let out = duban(
        &sqlite,
        &["db", "copy", "--from", &sqlite, "--to", &pg.url],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("2 个公开版本核验无误"), "{said}");
    assert!(said.contains("publications 2"), "{said}");

    // Every export reads the same from both.
    for period in ["2023Q3", "2023Q4"] {
        for format in ["json", "csv"] {
            let args = ["export", "--period", period, "--format", format];
            let from = duban(&sqlite, &args, None).stdout;
            let to = duban(&pg.url, &args, None).stdout;
            assert_eq!(from, to, "{period} {format}");
        }
    }
    // The accounts came too: the admin logs in on a server of the copy.
    let server = Server::start(dir.path(), &pg.url, 3);
    let token = login(&server.base, "admin").await;
    let (status, audit) = get_text(&format!("{}/work/audit.csv", server.base), Some(&token)).await;
    assert_eq!(status, 200, "{audit}");
    assert!(audit.contains("database.copy"), "{audit}");

    // A second copy into the same, now filled, database is refused and changes nothing.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["db", "copy", "--from", &sqlite, "--to", &pg.url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
