//! Renders pages to HTML strings (askama templates in `templates/`). No I/O here: handlers
//! fetch, this module formats.

use crate::view::chart;
use crate::view::filter::{Answer, TableFilter};
use crate::view::i18n::{Labels, Lang, progress_header};
use crate::view::shown_time;
use askama::Template;
use duban_checks::{CheckReport, Severity, Verdict};
use duban_core::Table;
use duban_store::PublicationSummary;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    l: Labels,
    items: Vec<HomeItem<'a>>,
    /// The latest round at a glance, when something is published.
    overview: Option<crate::view::overview::Overview>,
}

struct HomeItem<'a> {
    period: String,
    period_label: String,
    title: &'a str,
    published_at: String,
    sha_short: &'a str,
}

/// A government's home page: every published round, newest first. `base` is where its links
/// start (see `crate::government::Gov::base`).
pub fn home(
    lang: Lang,
    base: &str,
    published: &[PublicationSummary],
    overview: Option<crate::view::overview::Overview>,
) -> Result<String, askama::Error> {
    let home = if base.is_empty() { "/" } else { base };
    Home {
        overview,
        l: Labels::new(lang, home).under(base).with_publications_feed(),
        items: published
            .iter()
            .map(|p| HomeItem {
                period: p.period.to_string(),
                period_label: lang.period_label(p.period),
                title: &p.title,
                published_at: shown_time(&p.published_at, lang),
                sha_short: p.sha256.get(..16).unwrap_or(&p.sha256),
            })
            .collect(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "governments.html")]
struct GovernmentsHome<'a> {
    l: Labels,
    items: Vec<GovernmentRow<'a>>,
}

/// A government on the home page of a deployment holding several.
#[derive(Debug)]
pub struct GovernmentItem<'a> {
    pub name: &'a str,
    /// Its home page, `/g/{code}`.
    pub href: String,
    /// Its newest publication, if any.
    pub latest: Option<&'a PublicationSummary>,
}

struct GovernmentRow<'a> {
    name: &'a str,
    href: &'a str,
    latest: Option<String>,
}

/// The home page of a deployment holding several governments: each, with its newest round.
pub fn governments_home(
    lang: Lang,
    governments: &[GovernmentItem<'_>],
) -> Result<String, askama::Error> {
    let mut l = Labels::new(lang, "/");
    l.search_nav = false;
    GovernmentsHome {
        l,
        items: governments
            .iter()
            .map(|g| GovernmentRow {
                name: g.name,
                href: &g.href,
                latest: g.latest.map(|p| {
                    format!(
                        "{} · {}",
                        lang.period_label(p.period),
                        shown_time(&p.published_at, lang)
                    )
                }),
            })
            .collect(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "table.html")]
struct TablePage<'a> {
    l: Labels,
    t: &'a Table,
    period: String,
    facts: String,
    progress_header: String,
    rows: Vec<Row<'a>>,
    published_at: String,
    sha256: &'a str,
    previous: Option<&'a str>,
    superseded: bool,
    json_href: String,
    /// The round's 自动核查 summary, when checks are shown.
    checks_summary: Option<String>,
    /// The filter form and what it found (not on a permalink, which shows one publication
    /// whole).
    filter: Option<FilterView>,
    /// What the download links add: the filter, so they offer the rows shown.
    download_query: String,
    cols: Columns,
}

/// Which of the optional columns the table has (a 民生实事 table may have no leaders, deadline
/// or 是否按计划), decided on the whole publication so that filtering never moves a column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns {
    pub leaders: bool,
    pub deadline: bool,
    pub answer: bool,
}

impl Columns {
    /// The columns an export of the table writes, so page and files agree.
    pub(crate) fn of(layout: &duban_formats::export::Layout) -> Columns {
        use duban_formats::columns::Role;
        Columns {
            leaders: layout.has(Role::Leaders),
            deadline: layout.has(Role::Deadline),
            answer: layout.has(Role::OnSchedule),
        }
    }

    /// How many columns a row spans.
    pub(crate) fn count(self) -> usize {
        4 + usize::from(self.leaders) + usize::from(self.deadline) + usize::from(self.answer)
    }
}

/// What an entry says beyond its progress text, each with its column's name: 存在问题, 下步打算,
/// 备注 and the table's own columns, shown under the progress text.
pub(crate) fn said_beyond_progress(lang: Lang, e: &duban_core::TableEntry) -> Vec<(String, &str)> {
    use duban_formats::columns::Role;
    let label = |r: Role| match lang {
        Lang::Zh => r.official().to_owned(),
        Lang::En => r.label_en().to_owned(),
    };
    [
        (Role::Problems, &e.problems),
        (Role::NextSteps, &e.next_steps),
        (Role::Remarks, &e.remarks),
    ]
    .into_iter()
    .filter_map(|(r, text)| Some((label(r), text.as_deref()?)))
    .chain(e.extra.iter().map(|(h, v)| (h.clone(), v.as_str())))
    .collect()
}

/// The words of the filter form.
#[derive(Debug)]
pub struct FilterWords {
    leader: &'static str,
    unit: &'static str,
    answer: &'static str,
    deadline: &'static str,
    verdict: &'static str,
    flagged: &'static str,
    all: &'static str,
    apply: &'static str,
    clear: &'static str,
}

/// A table page's filter form, with the choices the table offers, and the count it found.
#[derive(Debug)]
pub struct FilterView {
    active: bool,
    /// "显示 5 / 39 项目标" when a filter is active.
    shown_line: String,
    leaders: Vec<(String, bool)>,
    units: Vec<(String, bool)>,
    deadlines: Vec<(String, bool)>,
    answers: Vec<(&'static str, &'static str, bool)>,
    verdicts: Vec<(&'static str, &'static str, bool)>,
    flagged: bool,
    has_checks: bool,
    w: FilterWords,
}

impl FilterView {
    /// The form for `full` (every choice it offers), with `filter` selected, having shown
    /// `shown` of its targets.
    pub fn new(
        lang: Lang,
        full: &Table,
        filter: &TableFilter,
        has_checks: bool,
        shown: usize,
    ) -> FilterView {
        let mut leaders: Vec<&str> = Vec::new();
        let mut units: Vec<&str> = Vec::new();
        let mut deadlines: Vec<String> = Vec::new();
        for t in &full.targets {
            let d = t.deadline.to_string();
            if !d.is_empty() && !deadlines.contains(&d) {
                deadlines.push(d);
            }
            for e in &t.entries {
                for l in e.leaders() {
                    if !leaders.contains(&l.as_str()) {
                        leaders.push(l.as_str());
                    }
                }
                for u in e.all_units() {
                    if !units.contains(&u.as_str()) {
                        units.push(u.as_str());
                    }
                }
            }
        }
        let chosen = |all: Vec<String>, picked: &[String]| -> Vec<(String, bool)> {
            all.into_iter()
                .map(|v| {
                    let on = picked.contains(&v);
                    (v, on)
                })
                .collect()
        };
        let zh = lang == Lang::Zh;
        // "Not asked" is a choice only where the table has entries it does not ask, and the
        // question is none where it asks no entry (the form then has no answer choice).
        let entries = || full.targets.iter().flat_map(|t| &t.entries);
        let (asked, not_asked) = (
            entries().any(|e| e.is_asked()),
            entries().any(|e| !e.is_asked()),
        );
        let answers = Answer::ALL
            .into_iter()
            .filter(|a| asked && (*a != Answer::NotAsked || not_asked))
            .map(|a| {
                let label = match (a, zh) {
                    (Answer::Yes, true) => "是",
                    (Answer::No, true) => "否",
                    (Answer::Missing, true) => "未报送",
                    (Answer::Yes, false) => "yes (是)",
                    (Answer::No, false) => "no (否)",
                    (Answer::Missing, false) => "not reported",
                    (Answer::NotAsked, true) => "未设此项",
                    (Answer::NotAsked, false) => "not asked",
                };
                (a.as_str(), label, filter.answers.contains(&a))
            })
            .collect();
        let verdicts = Verdict::ALL
            .into_iter()
            .map(|v| {
                let label = if zh { v.label_zh() } else { v.as_str() };
                (v.as_str(), label, filter.verdicts.contains(&v))
            })
            .collect();
        let total = full.targets.len();
        FilterView {
            active: !filter.is_empty(),
            shown_line: if zh {
                format!("筛选结果：显示 {shown} / {total} 项目标（合并的目标整项显示）。")
            } else {
                format!("Filtered: {shown} of {total} targets (a merged target is shown whole).")
            },
            leaders: chosen(
                leaders.into_iter().map(str::to_owned).collect(),
                &filter.leaders,
            ),
            units: chosen(
                units.into_iter().map(str::to_owned).collect(),
                &filter.units,
            ),
            deadlines: chosen(deadlines, &filter.deadlines),
            answers,
            verdicts,
            flagged: filter.flagged,
            has_checks,
            w: if zh {
                FilterWords {
                    leader: "分管领导",
                    unit: "责任单位",
                    answer: "是否按计划",
                    deadline: "完成时限",
                    verdict: "核查结论",
                    flagged: "仅看核查提示",
                    all: "全部",
                    apply: "筛选",
                    clear: "清除筛选",
                }
            } else {
                FilterWords {
                    leader: "Leader",
                    unit: "Unit",
                    answer: "On schedule",
                    deadline: "Deadline",
                    verdict: "Checks' verdict",
                    flagged: "Flagged by the checks only",
                    all: "all",
                    apply: "Filter",
                    clear: "Clear",
                }
            },
        }
    }
}

/// One 自动核查 note under a target.
struct Note<'a> {
    class: &'static str,
    label: &'static str,
    message: &'a str,
}

/// One `<tr>`: an entry; the first entry of a target also carries the target's cells.
struct Row<'a> {
    no: u32,
    entry: usize,
    first: bool,
    span: usize,
    content: &'a str,
    deadline: String,
    leaders: Vec<&'a str>,
    units: Vec<&'a str>,
    progress: &'a str,
    on_schedule: &'static str,
    on_schedule_class: &'static str,
    /// Set on a target's last entry: the 自动核查 notes shown under the target.
    notes: Vec<Note<'a>>,
    /// Set on a target's first row, whose deadline cell spans the entries: the approved
    /// extensions, one line each, beside the original deadline.
    extensions: Vec<String>,
    /// Set on a target's first row: the group headings it opens (一、民生实事 …).
    headings: Vec<&'a str>,
    /// 配合单位.
    assisting: Vec<&'a str>,
    /// 存在问题, 下步打算, 备注 and the table's own columns, with their names.
    said: Vec<(String, &'a str)>,
}

/// "延期至 2024-06-30（理由：…）", naming the lead unit when the target has several entries.
fn extension_lines(lang: Lang, t: &duban_core::TableTarget) -> Vec<String> {
    let several = t.entries.len() > 1;
    t.entries
        .iter()
        .filter_map(|e| {
            let x = e.extension.as_ref()?;
            let who = match e.units.first() {
                Some(u) if several => format!("{u}："),
                _ => String::new(),
            };
            Some(match lang {
                Lang::Zh => format!("{who}延期至 {}（理由：{}）", x.deadline, x.reason),
                Lang::En => format!("{who}extended to {} (reason: {})", x.deadline, x.reason),
            })
        })
        .collect()
}

/// A published table as the 一览表 page. `path` is the page's own path (for language links).
/// `table` holds the targets shown, `full` the whole publication (what the summary counts);
/// with `filter`, the page carries the filter form and says how many targets it shows.
#[allow(clippy::too_many_arguments)]
pub fn table_page<'a>(
    lang: Lang,
    base: &str,
    path: &str,
    table: &'a Table,
    full: &Table,
    publication: &'a PublicationSummary,
    checks: Option<&'a CheckReport>,
    filter: Option<(FilterView, String)>,
) -> Result<String, askama::Error> {
    let mut l = Labels::new(lang, path).under(base).with_publications_feed();
    // The other language shows the same rows.
    if let Some((_, q)) = filter.as_ref().filter(|(_, q)| !q.is_empty()) {
        l.other_lang_href = match lang {
            Lang::Zh => format!("{path}?{q}&lang=en"),
            Lang::En => format!("{path}?{q}"),
        };
    }
    // Errors and warnings only: notes (severity info) are too weak to print beside a
    // government's table.
    let mut notes: BTreeMap<u32, Vec<Note<'a>>> = BTreeMap::new();
    for f in checks.iter().flat_map(|c| &c.findings) {
        if f.severity == Severity::Info {
            continue;
        }
        notes.entry(f.target_no).or_default().push(Note {
            class: if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            },
            label: match lang {
                Lang::Zh => f.rule.label_zh(),
                Lang::En => f.rule.as_str(),
            },
            message: match lang {
                Lang::Zh => &f.message,
                Lang::En => f.message_en(),
            },
        });
    }
    let mut rows = Vec::with_capacity(table.entry_count());
    let mut groups: &[String] = &[];
    for t in &table.targets {
        let headings = duban_formats::export::headings_before(groups, &t.group);
        groups = &t.group;
        for (i, e) in t.entries.iter().enumerate() {
            let (on_schedule, class) = answer_cell(&l, e.on_schedule);
            rows.push(Row {
                no: t.no.get(),
                entry: i,
                first: i == 0,
                span: t.entries.len(),
                content: &t.content,
                deadline: match lang {
                    Lang::Zh => t.deadline.to_string(),
                    Lang::En => t.deadline.label_en(),
                },
                leaders: e.leaders().iter().map(|n| n.as_str()).collect(),
                units: e.units.iter().map(|n| n.as_str()).collect(),
                progress: &e.progress,
                on_schedule,
                on_schedule_class: class,
                extensions: if i == 0 {
                    extension_lines(lang, t)
                } else {
                    Vec::new()
                },
                notes: if i + 1 == t.entries.len() {
                    notes.remove(&t.no.get()).unwrap_or_default()
                } else {
                    Vec::new()
                },
                headings: if i == 0 {
                    headings.iter().map(String::as_str).collect()
                } else {
                    Vec::new()
                },
                assisting: e.assisting_units.iter().map(|n| n.as_str()).collect(),
                said: said_beyond_progress(lang, e),
            });
        }
    }
    // Decided on the whole publication, so that filtering never moves a column.
    let layout = duban_formats::export::Layout::of(full);
    let c = full.schedule_counts();
    let (present, entries) = (full.targets.len(), full.entry_count());
    let mut facts = match (lang, full.declared_total) {
        (Lang::Zh, Some(d)) => format!(
            "本表列出 {present} 项目标（文件称共 {d} 项），{entries} 个承办条目；填报“是” {} 条，“否” {} 条，未报送 {} 条。",
            c.yes, c.no, c.missing
        ),
        (Lang::Zh, None) => format!(
            "本表列出 {present} 项目标，{entries} 个承办条目；填报“是” {} 条，“否” {} 条，未报送 {} 条。",
            c.yes, c.no, c.missing
        ),
        (Lang::En, d) => format!(
            "{present} targets listed{}, {entries} entries: {} on schedule (是), {} not (否), {} not reported.",
            d.map(|d| format!(" (the document declares {d})"))
                .unwrap_or_default(),
            c.yes,
            c.no,
            c.missing
        ),
    };
    // A table that asks no 是否按计划 (a 民生实事 table) says so, instead of counting zeros.
    if c.not_asked == entries {
        facts = match lang {
            Lang::Zh => format!(
                "本表列出 {present} 项目标，{entries} 个承办条目；本表未设“是否按计划完成进度”一栏。"
            ),
            Lang::En => format!(
                "{present} targets listed, {entries} entries; this table has no on-schedule column."
            ),
        };
    } else if c.not_asked > 0 {
        facts.push_str(&match lang {
            Lang::Zh => format!("（另有 {} 条未设此项。）", c.not_asked),
            Lang::En => format!(" ({} more not asked.)", c.not_asked),
        });
    }
    let checks_summary = checks.map(|c| {
        let s = &c.summary;
        match lang {
            Lang::Zh => format!(
                "自动核查：{} 个填报“是”的条目与其自身数据不符；{} 个条目的文字缺失、重复、复述目标或答非所问。",
                s.claims_not_supported, s.damaged_or_copied
            ),
            Lang::En => format!(
                "Automatic checks: {} entries marked on schedule are contradicted by their own figures; {} entries have missing, copied, restated or off-topic text.",
                s.claims_not_supported, s.damaged_or_copied
            ),
        }
    });
    TablePage {
        checks_summary,
        period: table.period.to_string(),
        // A 形象进度 table's column says so, as its export's header does.
        progress_header: match lang {
            Lang::Zh if layout.gives_percent() => {
                format!("{}当前进度", full.period.progress_word())
            }
            _ => progress_header(lang, table.period),
        },
        facts,
        rows,
        published_at: shown_time(&publication.published_at, lang),
        sha256: &publication.sha256,
        previous: publication.previous_sha256.as_deref(),
        superseded: publication.superseded,
        json_href: format!("/api/v1{base}/tables/{}", table.period),
        download_query: filter
            .as_ref()
            .map(|(_, q)| q.clone())
            .filter(|q| !q.is_empty())
            .map(|q| format!("?{q}"))
            .unwrap_or_default(),
        filter: filter.map(|(f, _)| f),
        cols: Columns::of(&layout),
        t: table,
        l,
    }
    .render()
}

#[derive(Template)]
#[template(path = "target.html")]
struct TargetPage<'a> {
    l: Labels,
    /// The same target in other years (结转): (what the link says, where it goes).
    across: Vec<(String, String)>,
    year: i16,
    no: u32,
    government: &'a str,
    content: &'a str,
    deadline: String,
    extensions: Vec<String>,
    /// Each figure the checks read, against its target across the rounds (SVG).
    charts: Vec<String>,
    rounds: Vec<TargetRound<'a>>,
    /// Published 群众监督 messages, oldest first, and where the form posts.
    messages: Vec<TargetMessage<'a>>,
    action: String,
}

struct TargetMessage<'a> {
    m: &'a duban_store::MessageView,
    created_at: String,
    replied_at: Option<String>,
}

struct TargetRound<'a> {
    period_label: String,
    sha256: &'a str,
    published_at: String,
    entries: Vec<TargetRoundEntry<'a>>,
}

struct TargetRoundEntry<'a> {
    /// Each leader and unit with the link to their page.
    leaders: Vec<(&'a str, String)>,
    units: Vec<(&'a str, String)>,
    /// 配合单位, each with the link to its page.
    assisting: Vec<(&'a str, String)>,
    /// 存在问题, 下步打算, 备注 and the table's own columns.
    said: Vec<(String, &'a str)>,
    progress: &'a str,
    on_schedule: &'static str,
    on_schedule_class: &'static str,
    /// What changed since the same entry's text in the round before (HTML, see
    /// [`crate::view::diff`]).
    diff: Option<String>,
    /// The figures the checks read in this entry.
    indicators: Vec<IndicatorLine>,
}

/// One figure of an entry against its target, as the checks judged it.
struct IndicatorLine {
    /// The target's clause that holds the figure (增加市级储备粮8.6万吨).
    clause: String,
    /// "目标 8.6万吨 · 实际 1.71万吨 · 完成 19.9% · 按时间应达 75%".
    figures: String,
    verdict: &'static str,
    class: &'static str,
    /// The bar: share done and the share of the year elapsed, in percent (0–100).
    done: Option<u32>,
    due: Option<u32>,
}

fn percent_of(d: rust_decimal::Decimal) -> (String, u32) {
    let hundred = rust_decimal::Decimal::from(100);
    let bar = (d * hundred)
        .round()
        .clamp(rust_decimal::Decimal::ZERO, hundred)
        .to_string()
        .parse()
        .unwrap_or(0);
    (crate::view::percent(d), bar)
}

fn indicator_line(lang: Lang, v: &duban_checks::IndicatorVerdict) -> IndicatorLine {
    let zh = lang == Lang::Zh;
    let mut parts = vec![
        format!("{} {}", if zh { "目标" } else { "target" }, v.target_text),
        format!(
            "{} {}",
            if zh { "实际" } else { "reported" },
            v.actual_text
                .as_deref()
                .unwrap_or(if zh { "未读出" } else { "none read" })
        ),
    ];
    let done = v.share.map(percent_of);
    let due = v.expected_share.map(percent_of);
    if let Some((text, _)) = &done {
        parts.push(format!("{} {text}", if zh { "完成" } else { "done" }));
    }
    if let Some((text, _)) = &due {
        parts.push(format!(
            "{} {text}",
            if zh {
                "按时间应达"
            } else {
                "of the year elapsed"
            }
        ));
    }
    IndicatorLine {
        clause: v.target_clause.clone(),
        figures: parts.join(" · "),
        verdict: if zh {
            v.verdict.label_zh()
        } else {
            v.verdict.as_str()
        },
        class: v.verdict.as_str(),
        done: done.map(|(_, b)| b),
        due: due.map(|(_, b)| b),
    }
}

/// A chart per figure the checks read (an entry's clause of the target), across the rounds
/// (`labels`, oldest first, and each round's verdicts): the share done against the share of the
/// year elapsed where the figure adds up over the year, else the reported level against the
/// target's. None for a figure no round reported.
fn figure_charts(
    lang: Lang,
    labels: &[String],
    indicators: &[Vec<duban_checks::IndicatorVerdict>],
) -> Vec<String> {
    use rust_decimal::prelude::ToPrimitive;
    let zh = lang == Lang::Zh;
    // The figures in the order they first appear: (entry, clause).
    let mut figures: Vec<(usize, &str)> = Vec::new();
    for v in indicators.iter().flatten() {
        if !figures.contains(&(v.entry, v.target_clause.as_str())) {
            figures.push((v.entry, v.target_clause.as_str()));
        }
    }
    let mut charts = Vec::new();
    for (entry, clause) in figures {
        let of_round: Vec<Option<&duban_checks::IndicatorVerdict>> = (0..labels.len())
            .map(|r| {
                indicators.get(r).and_then(|vs| {
                    vs.iter()
                        .find(|v| v.entry == entry && v.target_clause == clause)
                })
            })
            .collect();
        let by_share = of_round.iter().flatten().any(|v| v.share.is_some());
        let Some(first) = of_round.iter().flatten().next() else {
            continue;
        };
        let hundred = |d: rust_decimal::Decimal| (d * rust_decimal::Decimal::from(100)).to_f64();
        let points: Vec<chart::Point> = labels
            .iter()
            .zip(&of_round)
            .map(|(label, v)| chart::Point {
                label: label.clone(),
                value: v.and_then(|v| {
                    if by_share {
                        v.share.and_then(hundred)
                    } else if v.actual_is_share_of_plan {
                        None
                    } else {
                        v.actual.and_then(|a| a.to_f64())
                    }
                }),
                due: v
                    .and_then(|v| v.expected_share)
                    .and_then(hundred)
                    .filter(|_| by_share),
            })
            .collect();
        if points.iter().all(|p| p.value.is_none()) {
            continue;
        }
        let title = format!(
            "{}{clause}",
            if zh {
                "指标进度："
            } else {
                "Figure across rounds: "
            }
        );
        let target_label = format!(
            "{} {}",
            if zh { "目标" } else { "target" },
            first.target_text
        );
        charts.push(if by_share {
            chart::across_rounds(&title, 100.0, &target_label, &points, |v| {
                format!("{}%", (v * 10.0).round() / 10.0)
            })
        } else {
            let unit = first.unit;
            chart::across_rounds(
                &title,
                first.target.to_f64().unwrap_or(0.0),
                &target_label,
                &points,
                |v| amount(v, unit),
            )
        });
    }
    charts
}

/// An amount as Chinese tables write it: "1.71万吨", "3.2亿元", "5.5%".
fn amount(v: f64, unit: &str) -> String {
    let (v, scale) = if v.abs() >= 1e8 {
        (v / 1e8, "亿")
    } else if v.abs() >= 1e4 {
        (v / 1e4, "万")
    } else {
        (v, "")
    };
    format!("{}{scale}{unit}", (v * 100.0).round() / 100.0)
}

/// One target followed across the year's published rounds, oldest first: what each round
/// said, linked to the publication it comes from. `rounds` holds each round's newest
/// publication and the target as it printed it.
/// The same target in other years' plans, where those years have a published table.
#[derive(Debug, Default)]
pub struct Across {
    pub predecessor: Option<duban_store::PlanRef>,
    pub successors: Vec<duban_store::PlanRef>,
}

impl Across {
    /// (what the link says, where it goes), the year before first.
    fn links(&self, lang: Lang, base: &str) -> Vec<(String, String)> {
        let href = |r: &duban_store::PlanRef| {
            format!(
                "{base}/targets/{}/{}{}",
                r.year,
                r.no,
                if lang == Lang::En { "?lang=en" } else { "" }
            )
        };
        let from = self.predecessor.iter().map(|r| {
            let label = match lang {
                Lang::Zh => format!("由 {} 年第 {} 项结转而来", r.year, r.no),
                Lang::En => format!("Carried over from No. {} of {}", r.no, r.year),
            };
            (label, href(r))
        });
        let into = self.successors.iter().map(|r| {
            let label = match lang {
                Lang::Zh => format!("结转为 {} 年第 {} 项", r.year, r.no),
                Lang::En => format!("Carried over into No. {} of {}", r.no, r.year),
            };
            (label, href(r))
        });
        from.chain(into).collect()
    }
}

pub fn target_page<'a>(
    lang: Lang,
    base: &str,
    year: i16,
    rounds: &[(&'a PublicationSummary, &'a duban_core::TableTarget)],
    indicators: &[Vec<duban_checks::IndicatorVerdict>],
    messages: &'a [duban_store::MessageView],
    across: &Across,
) -> Result<String, askama::Error> {
    let Some((newest_pub, newest)) = rounds.last() else {
        return Err(askama::Error::custom("a target page needs a round"));
    };
    let no = newest.no.get();
    let mut l = Labels::new(lang, &format!("{base}/targets/{year}/{no}"))
        .under(base)
        .with_feed(
            match lang {
                Lang::Zh => format!("第{no}项的各轮进展"),
                Lang::En => format!("No. {no} across the rounds"),
            },
            format!("{base}/feeds/targets/{year}/{no}.atom"),
        );
    // A leader's or unit's page, at this year.
    let page_of = |kind: &str, name: &str| {
        format!(
            "{base}/{kind}/{}?year={year}{}",
            crate::view::feed::encoded(name),
            if lang == Lang::En { "&lang=en" } else { "" }
        )
    };
    let mut units: Vec<&str> = Vec::new();
    for u in newest.entries.iter().flat_map(|e| &e.units) {
        if !units.contains(&u.as_str()) {
            units.push(u.as_str());
        }
    }
    for unit in units {
        l = l.with_feed(
            match lang {
                Lang::Zh => format!("{unit}承担的目标"),
                Lang::En => format!("Targets of {unit}"),
            },
            format!(
                "{base}/feeds/units/{}.atom",
                crate::view::feed::encoded(unit)
            ),
        );
    }
    TargetPage {
        across: across.links(lang, base),
        messages: messages
            .iter()
            .map(|m| TargetMessage {
                m,
                created_at: shown_time(&m.created_at, lang),
                replied_at: m.decided_at.as_deref().map(|at| shown_time(at, lang)),
            })
            .collect(),
        action: format!("{base}/targets/{year}/{no}/messages"),
        year,
        no,
        government: &newest_pub.government,
        content: &newest.content,
        deadline: match lang {
            Lang::Zh => newest.deadline.to_string(),
            Lang::En => newest.deadline.label_en(),
        },
        extensions: extension_lines(lang, newest),
        charts: figure_charts(
            lang,
            &rounds
                .iter()
                .map(|(p, _)| lang.period_label(p.period))
                .collect::<Vec<_>>(),
            indicators,
        ),
        rounds: rounds
            .iter()
            .enumerate()
            .map(|(round, (p, t))| TargetRound {
                period_label: lang.period_label(p.period),
                sha256: &p.sha256,
                published_at: shown_time(&p.published_at, lang),
                entries: t
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let before = round
                            .checked_sub(1)
                            .and_then(|r| rounds.get(r))
                            .and_then(|(_, t)| t.entries.get(i))
                            .map(|e| e.progress.as_str());
                        let (on_schedule, class) = answer_cell(&l, e.on_schedule);
                        TargetRoundEntry {
                            leaders: e
                                .leaders()
                                .iter()
                                .map(|n| (n.as_str(), page_of("leaders", n.as_str())))
                                .collect(),
                            units: e
                                .units
                                .iter()
                                .map(|n| (n.as_str(), page_of("units", n.as_str())))
                                .collect(),
                            assisting: e
                                .assisting_units
                                .iter()
                                .map(|n| (n.as_str(), page_of("units", n.as_str())))
                                .collect(),
                            said: said_beyond_progress(lang, e),
                            progress: &e.progress,
                            on_schedule,
                            on_schedule_class: class,
                            diff: before
                                .filter(|b| !b.is_empty() && !e.progress.is_empty())
                                .and_then(|b| crate::view::diff::clauses_html(b, &e.progress)),
                            indicators: indicators
                                .get(round)
                                .into_iter()
                                .flatten()
                                .filter(|v| v.entry == i)
                                .map(|v| indicator_line(lang, v))
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect(),
        l,
    }
    .render()
}

/// The answer cell of the table and target pages: its words and its CSS class.
fn answer_cell(l: &Labels, on_schedule: Option<Option<bool>>) -> (&'static str, &'static str) {
    match on_schedule {
        Some(Some(true)) => (l.yes, ""),
        Some(Some(false)) => (l.no, "behind"),
        Some(None) => (l.not_reported, "no-answer"),
        None => (l.not_asked, ""),
    }
}

/// Names (leaders, units) as one line, separated by spaces as the tables print them.
pub fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().collect::<Vec<_>>().join(" ")
}
