//! `duban`: the one binary. Thin on purpose: it parses the command line, opens storage and
//! hands over to the library crates.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use duban_core::Period;
use duban_core::access::Role;
use duban_formats::twoup;
use duban_store::{NewUser, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Demo accounts, one per role (the password is printed at start; the database is thrown away).
const DEMO_ACCOUNTS: &[(&str, Role, &[&str], Option<&str>)] = &[
    ("admin", Role::Admin, &[], None),
    ("reviewer", Role::Reviewer, &[], None),
    ("fgw", Role::Unit, &["市发展改革委"], None),
    ("czj", Role::Unit, &["市财政局"], None),
    ("nieyk", Role::Leader, &[], Some("聂元科")),
];
const DEMO_PASSWORD: &str = "duban-demo";

/// The real 菏泽 2023 Q3 table, bundled for `duban demo`.
const HEZE_2023_Q3: &str = include_str!("../../../fixtures/heze-2023-q3.txt");

#[derive(Debug, Parser)]
#[command(
    name = "duban",
    version,
    about = "督办 duban：责任目标调度、核查与公开 / register targets, collect progress, publish the table",
    long_about = None
)]
struct Cli {
    /// 数据库地址 / database URL: sqlite://FILE (created on first use) or postgres://USER@HOST/DATABASE
    #[arg(
        long,
        env = "DUBAN_DB",
        default_value = "sqlite://duban.db",
        global = true
    )]
    db: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 演示：用内置的菏泽市2023年三季度一览表启动一个临时站点 / serve a throw-away database preloaded with the bundled 菏泽 2023 Q3 table
    Demo {
        /// 监听地址 / address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// 启动网站与接口 / serve the public site and the API
    Serve {
        /// 监听地址 / address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// 公开页面不显示“自动核查”提示 / do not show the automatic-check notes on public tables
        #[arg(long, env = "DUBAN_NO_PUBLIC_CHECKS")]
        no_public_checks: bool,
        /// 运行在反向代理之后：客户端地址取自 X-Forwarded-For 的最后一项 / behind a reverse proxy: the client address is the last X-Forwarded-For entry
        #[arg(long, env = "DUBAN_TRUST_PROXY")]
        trust_proxy: bool,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// 导入一览表（PDF 提取的文本、CSV/TSV（UTF-8 或 GBK）、XLSX、Word（.docx）、网页（.html））/ import a progress table (text from the PDF, CSV/TSV in UTF-8 or GBK, XLSX, Word .docx, a saved web page)
    Import {
        /// 文件 / the file to read
        file: PathBuf,
        /// 工作表名称（XLSX，默认为含表头的工作表）/ the sheet to read (XLSX; default: the one with a header)
        #[arg(long)]
        sheet: Option<String>,
        /// 调度期次，如 2023Q3（覆盖文件中的期次）/ the period, e.g. 2023Q3 (overrides the file)
        #[arg(long)]
        period: Option<Period>,
        /// 政府（名称，或已登记政府的编码；覆盖标题中的名称）/ the government (a name, or the id of a registered one; overrides the title)
        #[arg(long)]
        government: Option<String>,
        /// 新政府的编码：6 位行政区划代码（GB/T 2260），缺省由名称生成 / the id of a government this import registers: its 6-digit division code (default: a slug of its name)
        #[arg(long)]
        code: Option<String>,
        /// 手工指定列：表头=含义，可重复（no, leaders, content, deadline, progress, on_schedule, units, assisting_units, problems, next_steps, remarks，或 own 保留为表格自有列）/ map a column by hand: HEADER=ROLE, repeatable (one of the roles above, or own to keep it as the table's own column)
        #[arg(long = "column", value_name = "HEADER=ROLE", value_parser = duban_formats::columns::header_choice)]
        columns: Vec<(String, Option<duban_formats::columns::Role>)>,
        /// 只检查不写入 / validate and show, write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// 导出一轮调度的一览表 / export a round's table
    Export {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
        /// 调度期次，如 2023Q3 / the period, e.g. 2023Q3
        #[arg(long, required_unless_present = "bundle")]
        period: Option<Period>,
        /// 格式 / format
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// 输出文件（默认标准输出）/ output file (default: standard output)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// 将全部公开版本导出为公开数据包（zip，可离线核验）/ write every publication as the open-data bundle (a zip that can be checked offline)
        #[arg(long, conflicts_with_all = ["period", "output"])]
        bundle: Option<PathBuf>,
    },
    /// 核查一轮调度：数据是否支持“按计划完成进度”，文字是否缺失或重复 / findings and indicator verdicts for a round
    Check {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
        /// 调度期次，如 2023Q3 / the period, e.g. 2023Q3
        #[arg(long)]
        period: Period,
        /// 输出格式 / output format
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// 公开一轮调度：冻结已审核通过的报告 / freeze a round's accepted reports as a publication
    Publish {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
        /// 调度期次，如 2023Q3 / the period, e.g. 2023Q3
        #[arg(long)]
        period: Period,
    },
    /// 重新开放已公开的一轮以更正 / reopen a published round for corrections
    Reopen {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
        /// 调度期次，如 2023Q3 / the period, e.g. 2023Q3
        #[arg(long)]
        period: Period,
    },
    /// 开启一轮调度 / open a round for every entry of the year's plan
    Open {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
        /// 调度期次，如 2023Q4 / the period, e.g. 2023Q4
        #[arg(long)]
        period: Period,
        /// 报送截止日期 / due date (YYYY-MM-DD)
        #[arg(long)]
        due: String,
    },
    /// 政府管理 / the governments this deployment holds
    Government {
        #[command(subcommand)]
        command: GovernmentCommand,
    },
    /// 年度计划 / a government's yearly plans
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// 单位简称：检索简称即可找到该单位 / unit aliases: a search for the alias finds the unit
    Alias {
        #[command(subcommand)]
        command: AliasCommand,
    },
    /// 账户管理 / accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 重新核验所有公开版本的哈希链 / recheck every publication's hash chain
    Verify {
        /// 离线核验一个公开数据包，无需数据库 / check an open-data bundle offline, with no database
        #[arg(long)]
        bundle: Option<PathBuf>,
    },
    /// 在运行中备份数据库 / a consistent copy of the database while it runs
    Backup {
        /// 备份文件（不得已存在）/ the copy to write (must not exist)
        file: PathBuf,
    },
    /// 数据库维护 / database maintenance
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

/// 催办邮件 / reminder mail.
#[derive(Debug, Clone, clap::Args)]
struct MailArgs {
    /// 发信服务器，如 smtp://mail.gov.example:25（STARTTLS 自动协商）或 smtps://…:465；不设则不发邮件 / the SMTP server that sends 催办 mail; none: nothing is mailed
    #[arg(long, env = "DUBAN_SMTP")]
    smtp: Option<String>,
    /// 发件人 / the sender
    #[arg(
        long,
        env = "DUBAN_MAIL_FROM",
        default_value = "督办系统 <duban@localhost>"
    )]
    mail_from: String,
    /// 网站对外地址，用于邮件中的链接，如 https://duban.example.gov.cn / the site's public address, for links in mail
    #[arg(long, env = "DUBAN_PUBLIC_URL")]
    public_url: Option<String>,
}

impl MailArgs {
    fn config(&self) -> Option<duban_web::mail::MailConfig> {
        self.smtp.as_deref().map(|smtp| {
            let mut c = duban_web::mail::MailConfig::new(smtp, &self.mail_from);
            c.public_url.clone_from(&self.public_url);
            c
        })
    }
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// 整库迁移到另一个（空的）数据库，如 SQLite → PostgreSQL / copy a whole deployment into another, empty database
    Copy {
        /// 源数据库 / the database to copy (sqlite://FILE or postgres://…)
        #[arg(long)]
        from: String,
        /// 目标数据库（必须为空）/ the database to fill (must be empty)
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum GovernmentCommand {
    /// 列出政府 / list them, with their ids
    List,
    /// 登记政府 / register one
    Add {
        /// 名称，与其一览表所印一致 / its name, as its tables print it
        name: String,
        /// 编码：6 位行政区划代码（GB/T 2260），缺省由名称生成 / its id: the 6-digit division code (default: a slug of its name)
        #[arg(long)]
        code: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// 以上年计划开启下一年：默认结转“长期坚持”目标 / start next year's plan from this year's: the 长期坚持 targets by default
    Rollover {
        /// 上一年度 / the year to carry over from
        #[arg(long)]
        from: i16,
        /// 新年度 / the new plan's year
        #[arg(long)]
        to: i16,
        /// 结转全部目标，而非仅“长期坚持” / carry over every target, not only the 长期坚持 ones
        #[arg(long)]
        all: bool,
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AliasCommand {
    /// 列出本政府自定义的简称（内置简称如“发改委”无需添加）/ list the office's aliases (built-in short forms such as 发改委 need none)
    List {
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
    },
    /// 添加简称 / add one
    Add {
        /// 简称，如“粮食局” / the alias, e.g. 粮食局
        alias: String,
        /// 单位全称，与一览表所印一致，如“市发展改革委” / the unit's name as the tables print it, e.g. 市发展改革委
        unit: String,
        /// 政府（编码或名称；库中仅一个政府时可省略）/ the government (its id or name; optional while the database holds one)
        #[arg(long)]
        government: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// 新建账户（密码从标准输入读取）/ add an account (the password is read from standard input)
    Add {
        /// 用户名 / user name
        name: String,
        /// 角色 / role
        #[arg(long, value_enum)]
        role: RoleArg,
        /// 责任单位（单位账户，可多次）/ the unit(s) a unit account speaks for (repeatable)
        #[arg(long = "unit")]
        units: Vec<String>,
        /// 市政府领导姓名（领导账户）/ the leader a leader account is
        #[arg(long)]
        leader: Option<String>,
        /// 所属政府（编码或名称）；管理员不填即为平台管理员 / the government the account belongs to (id or name); an admin without one acts on all
        #[arg(long)]
        government: Option<String>,
        /// 接收催办邮件的地址 / where reminder mail reaches the account
        #[arg(long)]
        email: Option<String>,
        /// 从标准输入读取密码 / read the password from standard input
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Reviewer,
    Unit,
    Leader,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Unit => Role::Unit,
            RoleArg::Leader => Role::Leader,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
    Xlsx,
    Pdf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DUBAN_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误 / error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let result = run(cli).await;
        close_opened().await;
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { bind } => demo(&bind).await,
        Command::Serve {
            bind,
            no_public_checks,
            trust_proxy,
            mail,
        } => {
            let store = open(&cli.db).await?;
            let options = ServeOptions {
                public_checks: !no_public_checks,
                trust_proxy,
                mail: mail.config(),
            };
            serve(store, &bind, None, options).await
        }
        Command::Check {
            government,
            period,
            format,
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let table = round_table(store.as_ref(), &gov, period, &cli.db).await?;
            let report = duban_checks::check_table(&table);
            match format {
                CheckFormat::Text => print!("{}", duban_checks::render_text(&report)),
                CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            }
            Ok(())
        }
        Command::Import {
            file,
            sheet,
            period,
            government,
            code,
            columns,
            dry_run,
        } => {
            let code = code
                .map(|c| duban_core::GovernmentCode::parse(&c))
                .transpose()?;
            let opts = duban_formats::ImportOptions {
                overrides: duban_formats::meta::Overrides {
                    period,
                    government,
                    columns,
                },
                sheet,
                ..Default::default()
            };
            import(&cli.db, &file, opts, code, dry_run).await
        }
        Command::Export {
            government,
            period,
            format,
            output,
            bundle,
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let Some(period) = period else {
                // Clap requires a period unless --bundle is given.
                let file = bundle.context("--period or --bundle")?;
                let bytes = duban_web::make_bundle(store.as_ref(), &gov)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                write_out(Some(&file), &bytes)?;
                println!("已导出公开数据包 / bundle written to {}", file.display());
                return Ok(());
            };
            let (table, stamp, json) = match store.latest_publication(&gov.name, period).await? {
                Some(p) => {
                    let stamp = duban_formats::Stamp {
                        published_at: p.summary.published_at.clone(),
                        sha256: p.summary.sha256.clone(),
                    };
                    let table = serde_json::from_str(&p.content)
                        .context("a stored publication does not read")?;
                    (table, Some(stamp), Some(p.content))
                }
                None => (
                    round_table(store.as_ref(), &gov, period, &cli.db).await?,
                    None,
                    None,
                ),
            };
            let bytes = match format {
                ExportFormat::Json => json
                    .unwrap_or_else(|| table.to_canonical_json())
                    .into_bytes(),
                ExportFormat::Csv => duban_formats::export::csv(&table),
                ExportFormat::Xlsx => {
                    binary(&output)?;
                    duban_formats::export::xlsx(&table, stamp.as_ref())?
                }
                ExportFormat::Pdf => {
                    binary(&output)?;
                    let fonts = duban_formats::export::system_fonts();
                    // The first page the site's download has: the counts and the status charts.
                    let checks = duban_checks::check_table(&table);
                    let front = duban_web::view::overview::front_page(&table, Some(&checks));
                    duban_formats::export::pdf_with_fonts(
                        &table,
                        stamp.as_ref(),
                        &fonts,
                        Some(&front),
                    )?
                }
            };
            write_out(output.as_deref(), &bytes)
        }
        Command::Publish { government, period } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let p = store.publish(&gov.name, period, &cli_actor()).await?;
            println!("已公开 / published {} sha256 {}", p.period, p.sha256);
            // What the web pages ask to confirm, said here after the fact.
            let reports = store.reports(&gov.name, period).await?;
            let not_accepted = reports
                .iter()
                .filter(|r| r.state != duban_core::ReportState::Accepted)
                .count();
            if not_accepted > 0 {
                println!(
                    "其中 {not_accepted} 项未审核通过，公开为未报送 / {not_accepted} entries not accepted went public as not reported"
                );
            }
            Ok(())
        }
        Command::Reopen { government, period } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let r = store.reopen_round(&gov.name, period, &cli_actor()).await?;
            println!(
                "已重新开放 / reopened {} for corrections; 再次公开即为更正 / publishing again makes a correction",
                r.period
            );
            Ok(())
        }
        Command::Open {
            government,
            period,
            due,
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let due: jiff::civil::Date = due
                .parse()
                .with_context(|| format!("“{due}” is not a date (YYYY-MM-DD)"))?;
            let r = store
                .open_round(&gov.name, period, due, &cli_actor())
                .await?;
            println!(
                "已开启 / opened {} ({} 个报告 / reports), 截止 / due {due}",
                r.period, r.reports
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    units,
                    leader,
                    government,
                    email,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            // The same cap as a login takes, so every password set here can be typed there.
            duban_core::text::Password::parse(password.as_str())?;
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let store = open(&cli.db).await?;
            let government = match government {
                Some(g) => Some(government_of(store.as_ref(), Some(&g)).await?.name),
                None => None,
            };
            let account = Account {
                name: &name,
                role: role.into(),
                units,
                leader,
                government,
                email,
            };
            add_user(store.as_ref(), account, &password).await?;
            println!("已创建账户 / added {name}");
            Ok(())
        }
        Command::Government {
            command: GovernmentCommand::List,
        } => {
            let store = open(&cli.db).await?;
            for g in store.governments().await? {
                println!("{:<12} {}", g.code, g.name);
            }
            Ok(())
        }
        Command::Government {
            command: GovernmentCommand::Add { name, code },
        } => {
            let store = open(&cli.db).await?;
            let code = code
                .map(|c| duban_core::GovernmentCode::parse(&c))
                .transpose()?;
            let g = store
                .register_government(&name, code.as_ref(), &cli_actor())
                .await?;
            println!("已登记 / registered {} as {}", g.name, g.code);
            Ok(())
        }
        Command::Plan {
            command:
                PlanCommand::Rollover {
                    from,
                    to,
                    all,
                    government,
                },
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            let targets = store.plan_targets(&gov.name, from).await?;
            let pick: Vec<u32> = targets
                .iter()
                .filter(|t| all || t.deadline == duban_core::Deadline::Ongoing.to_string())
                .filter_map(|t| u32::try_from(t.no).ok())
                .collect();
            if pick.is_empty() {
                anyhow::bail!(
                    "{} 的 {from} 年计划没有可结转的目标（{}）/ nothing to carry over from the {from} plan",
                    gov.name,
                    if all {
                        "计划为空"
                    } else {
                        "无“长期坚持”目标，可加 --all"
                    }
                );
            }
            let out = store
                .rollover(&gov.name, from, to, &pick, &cli_actor())
                .await?;
            println!(
                "已建立 {} {to} 年计划：结转 {from} 年 {} 项目标 / made the {to} plan from {} targets of {from}",
                out.government,
                out.targets.len(),
                out.targets.len()
            );
            for (old, new) in &out.targets {
                println!("  {from} 第{old}项 → {to} 第{new}项");
            }
            Ok(())
        }
        Command::Alias {
            command: AliasCommand::List { government },
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            for (alias, unit) in store.aliases(&gov.name).await? {
                println!("{alias}\t{unit}");
            }
            Ok(())
        }
        Command::Alias {
            command:
                AliasCommand::Add {
                    alias,
                    unit,
                    government,
                },
        } => {
            let store = open(&cli.db).await?;
            let gov = government_of(store.as_ref(), government.as_deref()).await?;
            store
                .add_alias(&gov.name, &alias, &unit, &cli_actor())
                .await?;
            println!("已添加 / added: {alias} → {unit}");
            Ok(())
        }
        Command::Verify { bundle: Some(file) } => verify_bundle(&file),
        Command::Verify { bundle: None } => {
            let store = open(&cli.db).await?;
            let report = store.verify().await?;
            for p in &report.problems {
                eprintln!("✗ {p}");
            }
            if report.problems.is_empty() {
                println!(
                    "✓ {} 个公开版本核验无误 / {} publications verified",
                    report.checked, report.checked
                );
                Ok(())
            } else {
                bail!(
                    "{} of {} publications failed verification",
                    report.problems.len(),
                    report.checked
                )
            }
        }
        Command::Backup { file } => {
            let store = open(&cli.db).await?;
            store.backup(&file).await?;
            println!("已备份到 / backed up to {}", file.display());
            Ok(())
        }
        Command::Db {
            command: DbCommand::Copy { from, to },
        } => copy_database(&from, &to).await,
    }
}

/// `duban db copy`: every row into an empty database, with a progress bar per table (on a
/// terminal), then the target's chain verified.
async fn copy_database(from: &str, to: &str) -> Result<()> {
    use duban_store::copy::{CopyProgress, Database, copy};
    let source = Database::open(from)
        .await
        .with_context(|| format!("cannot open the database {}", redacted(from)))?;
    let target = Database::open(to)
        .await
        .with_context(|| format!("cannot open the database {}", redacted(to)))?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{msg:>16} {bar:40} {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut progress = |p: CopyProgress| {
        bar.set_message(p.table);
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    let result = copy(&source, &target, "duban db copy", &mut progress).await;
    bar.finish_and_clear();
    source.close().await;
    target.close().await;
    let report = result?;
    for (table, n) in &report.rows {
        println!("{table:>16} {n}");
    }
    for p in &report.verify.problems {
        eprintln!("✗ {p}");
    }
    if !report.verify.problems.is_empty() {
        bail!(
            "the copy does not verify: {} problems",
            report.verify.problems.len()
        );
    }
    println!(
        "✓ 已复制，{} 个公开版本核验无误 / copied; {} publications verified",
        report.verify.checked, report.verify.checked
    );
    Ok(())
}

/// A database URL fit for a message: a password in it is replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

/// The government a command names (`--government`, by id or name), or the only one the
/// database holds.
async fn government_of(store: &dyn Store, wanted: Option<&str>) -> Result<duban_core::Government> {
    let all = store.governments().await?;
    let choices = || {
        all.iter()
            .map(|g| format!("{} ({})", g.code, g.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(w) => all
            .iter()
            .find(|g| g.code.as_str() == w || g.name == w)
            .cloned()
            .ok_or_else(|| match all.is_empty() {
                true => anyhow::anyhow!("no government “{w}” here: none is registered yet"),
                false => anyhow::anyhow!("no government “{w}” here; choose one of: {}", choices()),
            }),
        None => match all.as_slice() {
            [only] => Ok(only.clone()),
            [] => bail!("no government is registered here yet: import a table first"),
            _ => bail!(
                "this database holds several governments; name one with --government: {}",
                choices()
            ),
        },
    }
}

/// A round's table: its latest publication, or (with a note) the round as it stands.
async fn round_table(
    store: &dyn Store,
    gov: &duban_core::Government,
    period: Period,
    db: &str,
) -> Result<duban_core::Table> {
    if let Some(p) = store.latest_publication(&gov.name, period).await? {
        return serde_json::from_str(&p.content).context("a stored publication does not read");
    }
    match store.round_table(&gov.name, period).await? {
        Some(t) => {
            eprintln!(
                "注意 / note: {period} 尚未公开，使用当前状态 / not published; using the round as it stands"
            );
            Ok(t)
        }
        None => bail!("no round for {period} in {db}"),
    }
}

fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// An account to add.
#[derive(Debug)]
struct Account<'a> {
    name: &'a str,
    role: Role,
    units: Vec<String>,
    leader: Option<String>,
    /// The government's name; `None` for a platform account.
    government: Option<String>,
    email: Option<String>,
}

async fn add_user(store: &dyn Store, account: Account<'_>, password: &str) -> Result<()> {
    let pw = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || duban_web::auth::hash_password(&pw))
        .await?
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    let user = NewUser {
        username: account.name.to_owned(),
        role: account.role,
        password_hash,
        units: account.units,
        leader: account.leader,
        government: account.government,
        email: account.email,
    };
    store.add_user(&user, &cli_actor()).await?;
    Ok(())
}

/// Every database this command opened, to be closed before the process exits.
static OPENED: std::sync::Mutex<Vec<Arc<dyn Store>>> = std::sync::Mutex::new(Vec::new());

async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let store = duban_store::open(url)
        .await
        .with_context(|| format!("cannot open the database {}", redacted(url)))?;
    if let Ok(mut opened) = OPENED.lock() {
        opened.push(store.clone());
    }
    Ok(store)
}

/// Closes what [`open`] opened, so each database is complete on disk when the command ends
/// (successful or not) rather than whenever the exit lets background threads finish.
async fn close_opened() {
    let opened = OPENED
        .lock()
        .map(|mut o| std::mem::take(&mut *o))
        .unwrap_or_default();
    for store in opened {
        store.close().await;
    }
}

fn write_out(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(p) => {
            // Write beside the target and rename, so a reader never sees half a file.
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            tmp.write_all(bytes)?;
            tmp.persist(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            Ok(())
        }
        None => {
            std::io::stdout().write_all(bytes)?;
            Ok(())
        }
    }
}

/// Binary formats go to a file, never to a terminal.
/// `duban verify --bundle`: the bundle's own check, with no database.
fn verify_bundle(file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = duban_formats::bundle::verify(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    for p in &report.problems {
        eprintln!("✗ {p}");
    }
    if !report.problems.is_empty() {
        bail!(
            "{}: {} problem(s) in {} publications of {}",
            file.display(),
            report.problems.len(),
            report.checked,
            report.government
        );
    }
    println!(
        "✓ {}: {} 个公开版本核验无误 / {} publications verified",
        report.government, report.checked, report.checked
    );
    if let Some(head) = &report.head {
        println!("  最新版本 / newest sha256 {head}");
        println!("  请与网站上显示的哈希比对 / compare it with the hash the site shows");
    }
    Ok(())
}

fn binary(output: &Option<PathBuf>) -> Result<()> {
    use std::io::IsTerminal;
    if output.is_none() && std::io::stdout().is_terminal() {
        bail!("this format is binary: write it to a file with -o FILE");
    }
    Ok(())
}

async fn import(
    db: &str,
    file: &Path,
    mut opts: duban_formats::ImportOptions,
    code: Option<duban_core::GovernmentCode>,
    dry_run: bool,
) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str());
    // `--government` may name a registered government by its id.
    let store = if dry_run { None } else { Some(open(db).await?) };
    if let (Some(store), Some(wanted)) = (&store, opts.overrides.government.as_deref())
        && let Some(g) = store
            .governments()
            .await?
            .into_iter()
            .find(|g| g.code.as_str() == wanted)
    {
        opts.overrides.government = Some(g.name);
    }
    let imported = duban_formats::import(&bytes, name, &opts)
        .with_context(|| format!("{}", file.display()))?;
    for m in &imported.mapping {
        match (&m.role, &m.note) {
            (Some(role), None) => {
                println!(
                    "  列 / column {} “{}” → {}",
                    m.letter,
                    m.header,
                    role.official()
                );
            }
            (_, Some(note)) => {
                println!(
                    "  列 / column {} “{}” 忽略 / ignored: {note}",
                    m.letter, m.header
                );
            }
            (None, None) => println!(
                "  列 / column {} “{}” 未识别，忽略 / not recognised, ignored",
                m.letter, m.header
            ),
        }
    }
    for w in &imported.warnings {
        eprintln!("注意 / warning: {w}");
    }
    let table = imported.table;
    let counts = table.schedule_counts();
    println!(
        "{}：{} {}，{} 项目标（文件称共 {} 项），{} 个承办条目；是 {}，否 {}，未报送 {}",
        file.display(),
        table.government,
        table.period,
        table.targets.len(),
        table
            .declared_total
            .map_or("—".to_owned(), |d| d.to_string()),
        table.entry_count(),
        counts.yes,
        counts.no,
        counts.missing,
    );
    if dry_run {
        for t in &table.targets {
            let content: String = t.content.chars().take(30).collect();
            println!(
                "  {:>3}  {}  [{}]  {} 个条目 / entries",
                t.no,
                content,
                t.deadline,
                t.entries.len()
            );
        }
        println!("试运行，未写入 / dry run: nothing written");
        return Ok(());
    }
    let Some(store) = store else {
        return Ok(());
    };
    let known = store
        .governments()
        .await?
        .iter()
        .any(|g| g.name == table.government);
    if let Some(code) = &code {
        // Registered first with the id the office gives; an import alone would make a slug.
        store
            .register_government(&table.government, Some(code), &cli_actor())
            .await?;
    }
    let outcome = store.import_table(&table, &cli_actor()).await?;
    if !known {
        println!(
            "已登记新政府 / registered a new government: {} (编码 / id {})",
            outcome.government.name, outcome.government.code
        );
    }
    println!(
        "已导入 / imported: 新增目标 {}，修改目标 {}，更新报告 {}",
        outcome.targets_added, outcome.targets_changed, outcome.reports_changed
    );
    match outcome.published {
        Some(p) => println!("已公开 / published {} sha256 {}", p.period, p.sha256),
        None => println!("内容未变，未产生新的公开版本 / unchanged: no new publication"),
    }
    Ok(())
}

/// How `serve` and `demo` set up the site.
#[derive(Debug, Clone)]
struct ServeOptions {
    public_checks: bool,
    trust_proxy: bool,
    /// 催办 mail, when an SMTP server is configured.
    mail: Option<duban_web::mail::MailConfig>,
}

async fn serve(
    store: Arc<dyn Store>,
    bind: &str,
    banner: Option<String>,
    options: ServeOptions,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("督办 duban 已启动 / serving on http://{addr}/  (Ctrl-C 停止 / to stop)");
    let mut state = duban_web::AppState::new(store);
    state.public_checks = options.public_checks;
    state.trust_proxy = options.trust_proxy;
    if let Some(mail) = options.mail {
        let smtp = redacted(&mail.smtp);
        state = state.with_mail(mail).map_err(|e| anyhow::anyhow!(e))?;
        println!("催办邮件经由 / reminder mail goes through {smtp}");
    }
    duban_web::serve(listener, state).await?;
    Ok(())
}

async fn demo(bind: &str) -> Result<()> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = open(&url).await?;
    let table = twoup::read(HEZE_2023_Q3, &twoup::ReadOptions::default())
        .context("the bundled table does not read")?;
    // Registered with its division code, as an office would.
    let gov = store
        .register_government(
            &table.government,
            Some(&duban_core::GovernmentCode::parse("371700")?),
            "demo",
        )
        .await?;
    store.import_table(&table, "demo").await?;
    let period = table.period;
    // The next round, open, so a newcomer can walk the whole cycle.
    let next: Period = format!("{}Q4", table.year).parse()?;
    // Due in two days (China time), so the dashboard shows the yellow "due soon" state and a
    // newcomer's submissions are on time; a fixed date in 2024 would make everything late.
    let due = duban_core::time::date_in_china(jiff::Timestamp::now())
        .checked_add(jiff::Span::new().days(2))?;
    store.open_round(&gov.name, next, due, "demo").await?;
    let mut accounts = String::new();
    for (name, role, units, leader) in DEMO_ACCOUNTS {
        let account = Account {
            name,
            role: *role,
            units: units.iter().map(|u| (*u).to_owned()).collect(),
            leader: leader.map(str::to_owned),
            government: Some(gov.name.clone()),
            email: None,
        };
        add_user(store.as_ref(), account, DEMO_PASSWORD).await?;
        accounts.push_str(&format!(
            "\n  {name:<10} {:<16} {}",
            role.label_zh(),
            units.join(" ")
        ));
    }
    // Something waiting for the office and the reviewer, so each role has a next step: 市发展改革委
    // asks for more time on target 39 (市级储备粮, 1.71 of 8.6 万吨 at Q3) and its leader
    // comments for the reviewers. Demo content, marked as such in the reason.
    let reports = store.reports(&gov.name, next).await?;
    if let Some(r39) = reports.iter().find(|r| r.target_no == 39 && r.entry == 0) {
        let user = |name: &'static str| {
            let store = store.clone();
            async move {
                store
                    .credentials(name)
                    .await?
                    .map(|c| c.user_id)
                    .ok_or_else(|| anyhow::anyhow!("demo account {name} is missing"))
            }
        };
        store
            .request_extension(
                r39.id,
                jiff::civil::Date::new(table.year + 1, 6, 30)?,
                &duban_core::text::ExtensionReason::parse(
                    "（演示）收储计划调整，需待省级下达下一年度收储指标后完成",
                )?,
                user("fgw").await?,
                "user:fgw",
            )
            .await?;
        store
            .add_comment(
                r39.id,
                &duban_core::text::CommentBody::parse(
                    "（演示）前三季度仅完成1.71万吨，请审核时重点核实全年能否完成。",
                )?,
                user("nieyk").await?,
                "user:nieyk",
            )
            .await?;
    }
    let banner = format!(
        "演示数据库 / demo database: {} (退出后删除 / deleted on exit)\n已载入并公开 / loaded and published: {}\n  一览表 / the table:  http://{bind}/tables/{period}\n  English:            http://{bind}/tables/{period}?lang=en\n  JSON:               http://{bind}/api/v1/tables/{period}\n  工作台 / work pages: http://{bind}/login  (密码均为 / every password: {DEMO_PASSWORD}){accounts}\n已开启 / open: {next}, 截止 / due {due}\n  待办 / waiting: fgw 为第 39 项申请延期（admin 在 /work/extensions 审批），nieyk 对第 39 项留有意见（reviewer 可见）",
        dir.path().display(),
        table.title,
    );
    let options = ServeOptions {
        public_checks: true,
        trust_proxy: false,
        mail: None,
    };
    serve(store, bind, Some(banner), options).await
}
