//! The `duban` binary as a user runs it: real files, real SQLite, exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Kill -9 under load, restart, nothing acknowledged lost (one test binary keeps linking cheap).
mod reliability;

/// Several `duban serve` processes on one PostgreSQL database, and `duban db copy`.
mod instances;

const HEZE: &str = include_str!("../../../fixtures/heze-2023-q3.txt");

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("duban.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_duban"))
            .args(args)
            .env("DUBAN_DB", format!("sqlite://{}", self.db_path().display()))
            .env_remove("DUBAN_LOG")
            .output()
            .unwrap()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn export(&self) -> String {
        let out = self.run(&["export", "--period", "2023Q3", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn heze_json() -> String {
    duban_formats_json()
}

/// The fixture's JSON as the snapshot in the formats crate records it.
fn duban_formats_json() -> String {
    let snap = include_str!(
        "../../formats/tests/snapshots/heze__the_json_is_what_a_citizen_downloads.snap"
    );
    // insta stores a YAML-ish header, then the value after the second `---` line.
    let body = snap.splitn(3, "---\n").nth(2).unwrap();
    format!("{}\n", body.trim_end())
}

#[test]
fn import_then_export_gives_back_the_same_json() {
    let env = Env::new();
    let file = env.file("heze.txt", HEZE);
    let out = env.run(&["import", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("菏泽市人民政府 2023Q3，39 项目标（文件称共 200 项），40 个承办条目"),
        "{said}"
    );
    assert!(said.contains("已公开 / published 2023Q3 sha256 "), "{said}");
    assert_eq!(env.export(), heze_json());

    // Again: nothing changes, nothing is published twice.
    let out = env.run(&["import", &file]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增目标 0，修改目标 0，更新报告 0"));
    let out = env.run(&["verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 publications verified"));

    let target = env.dir.path().join("out.json");
    let out = env.run(&[
        "export",
        "--period",
        "2023Q3",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(target).unwrap(), heze_json());
}

#[test]
fn a_dry_run_writes_nothing_not_even_the_database_file() {
    let env = Env::new();
    let out = env.run(&["import", "--dry-run", &env.file("heze.txt", HEZE)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("dry run: nothing written"));
    assert!(!env.db_path().exists());
}

/// Each bad file: a non-zero exit, a message naming where, and the database as it was.
#[test]
fn bad_files_are_refused_and_change_nothing() {
    let env = Env::new();
    assert!(
        env.run(&["import", &env.file("heze.txt", HEZE)])
            .status
            .success()
    );
    let before = env.export();
    let db_before = std::fs::read(env.db_path()).unwrap();

    let lines: Vec<&str> = HEZE.lines().collect();
    let with_line = |i: usize, new: String| {
        let mut v: Vec<String> = lines.iter().map(|s| (*s).to_owned()).collect();
        v[i] = new;
        // Every bad file also changes a good row, to show that nothing of it is written.
        v[9] = v[9].replace("依法接受", "不该写入");
        v.join("\n")
    };
    let no_header = HEZE.replace("序号", "编 码");
    let short = with_line(11, lines[11].split_once('\t').unwrap().1.to_owned());
    let not_a_number = with_line(12, lines[12].replacen("4\t", "4x\t", 1));
    let bad_period = with_line(8, lines[8].replace("三季度完成情况", "五季度完成情况"));
    let cases = [
        (
            no_header,
            "no header row found: expected 序号, 市政府领导, 责任目标内容",
        ),
        (
            short,
            "line 12, left table: 13 fields, expected 14 (left table has 6 cells, expected 7)",
        ),
        (
            not_a_number,
            "line 13, left table, column 序号: “4x” is not a target number",
        ),
        (
            bad_period,
            "line 9, column 五季度完成情况: “五季度” is not a period word",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let out = env.run(&["import", &env.file(&format!("bad{i}.txt"), text)]);
        assert!(!out.status.success(), "case {i} should fail");
        let err = stderr(&out);
        assert!(err.contains(want), "case {i}: {err}\nwanted: {want}");
        assert!(err.starts_with("错误 / error: "), "{err}");
    }
    assert_eq!(env.export(), before);
    // Not a byte of the database changed (the WAL is checkpointed on close).
    assert_eq!(std::fs::read(env.db_path()).unwrap(), db_before);
}

#[test]
fn overrides_and_helpful_errors() {
    let env = Env::new();
    let file = env.file("heze.txt", HEZE);
    let out = env.run(&[
        "import",
        "--dry-run",
        "--period",
        "2023M09",
        "--government",
        "某市人民政府",
        &file,
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("某市人民政府 2023M09"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["import", "--period", "2023Q5", &file]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("“2023Q5” is not a period"));
    let out = env.run(&["export", "--period", "2023Q3"]);
    assert!(!out.status.success());
    // An empty database has no government to export from, and says so.
    assert!(
        stderr(&out).contains("no government is registered here yet"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&[
        "import",
        &Path::new("/nonexistent/x.txt").display().to_string(),
    ]);
    assert!(stderr(&out).contains("cannot read /nonexistent/x.txt"));
    let help = env.run(&["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("导入一览表") && help.contains("import a progress table"));
}

#[test]
fn check_reads_the_numbers() {
    let env = Env::new();
    assert!(
        env.run(&["import", &env.file("heze.txt", HEZE)])
            .status
            .success()
    );
    let out = env.run(&["check", "--period", "2023Q3", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let with_rule = |rule: &str| -> Vec<u64> {
        let mut v: Vec<u64> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["target_no"].as_u64().unwrap())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(with_rule("claim_not_supported"), [7, 16, 39]);
    assert_eq!(with_rule("empty_content"), [13]);
    let sixteen = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["target_no"] == 16)
        .unwrap();
    assert_eq!(
        (
            sixteen["target"].as_str(),
            sixteen["actual"].as_str(),
            sixteen["verdict"].as_str()
        ),
        (Some("100"), Some("33"), Some("behind"))
    );

    let out = env.run(&["check", "--period", "2023Q3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("数据不支持进度声明的条目：3 个"), "{text}");
}

#[test]
fn exports_every_format_and_reimports_xlsx_and_csv_to_the_same_json() {
    let env = Env::new();
    assert!(
        env.run(&["import", &env.file("heze.txt", HEZE)])
            .status
            .success()
    );
    let json = env.export();
    for format in ["xlsx", "csv", "pdf"] {
        let out = env.dir.path().join(format!("heze.{format}"));
        let run = env.run(&[
            "export",
            "--period",
            "2023Q3",
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(run.status.success(), "{format}: {}", stderr(&run));
        let bytes = std::fs::read(&out).unwrap();
        match format {
            "xlsx" => assert!(bytes.starts_with(b"PK"), "a zip container"),
            "csv" => assert!(
                bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
                "UTF-8 with a BOM for Excel"
            ),
            _ => assert!(bytes.starts_with(b"%PDF-"), "a PDF"),
        }
        if format != "pdf" {
            // Into a second database: the same JSON comes out.
            let other = Env::new();
            let copy = other.dir.path().join(format!("heze.{format}"));
            std::fs::copy(&out, &copy).unwrap();
            let run = other.run(&["import", copy.to_str().unwrap()]);
            assert!(run.status.success(), "{format}: {}", stderr(&run));
            assert!(
                String::from_utf8_lossy(&run.stdout).contains("→ 序号"),
                "the column mapping is reported"
            );
            assert_eq!(other.export(), json, "{format} round trip");
        }
    }
}

/// Two governments in one file: each registered with the id given, each its own chain, and
/// `duban verify` naming the government whose publication was tampered with.
#[test]
fn verify_names_the_government_of_a_tampered_publication() {
    let env = Env::new();
    let file = env.file("heze.txt", HEZE);
    let out = env.run(&["import", "--code", "371700", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("registered a new government: 菏泽市人民政府 (编码 / id 371700)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = env.run(&[
        "import",
        "--government",
        "郓城县人民政府",
        "--code",
        "371725",
        &file,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["government", "list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("371700       菏泽市人民政府")
            && list.contains("371725       郓城县人民政府"),
        "{list}"
    );
    // With two, a command must say which; by id or by name.
    let out = env.run(&["export", "--period", "2023Q3"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("371700 (菏泽市人民政府)"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["export", "--government", "371725", "--period", "2023Q3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"government\": \"郓城县人民政府\""));
    let out = env.run(&["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 publications verified"));
    // 郓城's open-data bundle: its own chain only, checked offline.
    let whole = env.dir.path().join("whole.zip").display().to_string();
    let out = env.run(&["export", "--government", "371725", "--bundle", &whole]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["verify", "--bundle", &whole]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("✓ 郓城县人民政府: 1 个公开版本核验无误"),
        "{said}"
    );

    // One byte of 郓城's publication changed under the store (its guard trigger dropped first).
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(env.db_path())
            .connect()
            .await
            .unwrap();
        for sql in [
            "DROP TRIGGER publications_frozen",
            "UPDATE publications SET content = replace(content, '储备粮', '储备油')
             WHERE government = '郓城县人民政府'",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    });
    let out = env.run(&["verify"]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("郓城县人民政府: publication 2023Q3"),
        "{said}"
    );
    assert!(!said.contains("菏泽市人民政府:"), "{said}");

    // A bundle made from the damaged record says so, offline, naming the publication; the
    // bundle taken before still verifies.
    let damaged = env.dir.path().join("damaged.zip").display().to_string();
    let out = env.run(&["export", "--government", "371725", "--bundle", &damaged]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["verify", "--bundle", &damaged]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("✗ publication 1 (2023Q3, ")
            && said.contains("does not match its content_sha256"),
        "{said}"
    );
    assert!(env.run(&["verify", "--bundle", &whole]).status.success());
    let out = env.run(&["verify", "--bundle", &file]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a zip archive"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn next_years_plan_from_this_years_ongoing_targets() {
    let env = Env::new();
    let file = env.file("heze.txt", HEZE);
    assert!(env.run(&["import", &file]).status.success());
    let out = env.run(&["plan", "rollover", "--from", "2023", "--to", "2024"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("已建立 菏泽市人民政府 2024 年计划"), "{said}");
    assert!(said.contains("  2023 第"), "{said}");
    let carried = said.lines().filter(|l| l.contains(" → 2024 第")).count();
    assert!(
        carried > 0 && carried < 39,
        "only the 长期坚持 ones: {said}"
    );

    // Again: the 2024 plan has targets, so nothing is duplicated, and the message says why.
    let out = env.run(&[
        "plan", "rollover", "--from", "2023", "--to", "2024", "--all",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("plan already has"),
        "{}",
        stderr(&out)
    );
    // --all carries every target.
    let out = env.run(&[
        "plan", "rollover", "--from", "2023", "--to", "2025", "--all",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(" → 2025 第"))
            .count(),
        39
    );
    let out = env.run(&["plan", "rollover", "--from", "2020", "--to", "2021"]);
    assert!(!out.status.success());
}
