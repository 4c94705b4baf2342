//! The work pages (工作台): login, a round's reports for units and reviewers, the office
//! dashboard and the 催办 list. Server-rendered forms that work without JavaScript; every
//! action goes through the same policy (`duban_core::access::may`) and storage calls as the API.

use crate::AppState;
use crate::auth::{self, ClientAddr};
use crate::error::{ApiError, PageError};
use crate::extract::{PageForm, PagePath};
use crate::work_api::{people, readable, require, who};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor, Role, may};
use duban_core::text::{Password, Progress, ReturnReason, UserName};
use duban_core::{Period, ReportState, RoundState, Table, TableEntry, TableTarget, TargetNo};
use duban_store::{ReportEdit, ReportView, Review, RoundSummary, TokenKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A logged-in browser user; anyone else is sent to the login page.
#[derive(Debug, Clone)]
pub struct PageActor(pub Actor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match auth::actor_of(parts, state).await {
            Ok(Some(a)) => Ok(PageActor(a)),
            Ok(None) => {
                let next = parts.uri.path_and_query().map_or("/work", |p| p.as_str());
                let to = format!("/login?next={}", urlencoding(next));
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// Percent-encodes a path for a query parameter. Hand-written: four characters matter here and
/// a crate for them would be heavier than the function.
fn urlencoding(s: &str) -> String {
    s.replace('%', "%25")
        .replace('&', "%26")
        .replace('?', "%3F")
        .replace('#', "%23")
        .replace(' ', "%20")
}

/// Only local paths may be redirected to after login, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/work".to_owned(),
    }
}

pub(crate) fn html<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(ApiError::internal(&e)))
}

pub(crate) fn nav_who(a: &Actor) -> String {
    let mut s = format!("{}（{}", a.username, a.role.label_zh());
    if !a.units.is_empty() {
        s.push('：');
        s.push_str(
            &a.units
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    if let Some(l) = &a.leader {
        s.push('：');
        s.push_str(l.as_str());
    }
    s.push('）');
    s
}

fn page_period(s: &str) -> Result<Period, PageError> {
    s.parse()
        .map_err(|_| PageError(ApiError::not_found("period")))
}

// ---- login ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: crate::i18n::Labels,
    error: Option<String>,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(Query(q): Query<NextQuery>) -> Result<Html<String>, PageError> {
    html(&LoginPage {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/login"),
        error: None,
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: UserName,
    password: Password,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next.as_deref());
    match auth::login(&state, f.username.as_str(), f.password.as_str(), &addr.0).await {
        Ok(user) => {
            let (secret, hash) = auth::new_secret()?;
            state
                .store
                .create_token(user, &hash, TokenKind::Session, auth::SESSION_TTL)
                .await?;
            let cookie = auth::session_set_cookie(&secret, auth::is_tls(&headers));
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e) if e.status.is_client_error() => {
            let page = html(&LoginPage {
                l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/login"),
                error: Some(e.message),
                next,
            })?;
            Ok((e.status, page).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let (parts, _) = req.into_parts();
    if let Some(cookie) = auth::session_cookie(&parts) {
        let hash = auth::secret_hash(cookie);
        state.store.delete_token(&hash).await?;
        state.actors.forget_token(&hash);
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_clear_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---- the list of rounds ----

#[derive(Template)]
#[template(path = "work_home.html")]
struct WorkHome {
    l: crate::i18n::Labels,
    who: String,
    rounds: Vec<RoundRow>,
    is_admin: bool,
}

struct RoundRow {
    period: String,
    title: String,
    state: &'static str,
    due: String,
    reports: usize,
}

pub async fn work_home(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    let rounds = state.store.rounds().await?;
    html(&WorkHome {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work"),
        who: nav_who(&actor),
        rounds: rounds
            .into_iter()
            .map(|r| RoundRow {
                period: r.period.to_string(),
                title: r.title,
                state: round_state_zh(r.state),
                due: r.due.unwrap_or_default(),
                reports: r.reports,
            })
            .collect(),
        is_admin: actor.role == Role::Admin,
    })
}

fn round_state_zh(s: RoundState) -> &'static str {
    match s {
        RoundState::Open => "报送中 open",
        RoundState::Closed => "已关闭 closed",
        RoundState::Published => "已公开 published",
    }
}

fn report_state_zh(s: ReportState) -> &'static str {
    match s {
        ReportState::Draft => "未提交",
        ReportState::Submitted => "待审核",
        ReportState::Returned => "已退回",
        ReportState::Accepted => "已通过",
    }
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    period: String,
    due: String,
}

pub async fn open_round(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<OpenForm>,
) -> Result<Redirect, PageError> {
    require(&actor, Action::ManageRounds)?;
    let period: Period =
        f.period
            .trim()
            .parse()
            .map_err(|e: duban_core::period::PeriodError| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_period",
                    e.to_string(),
                )
            })?;
    let due: jiff::civil::Date = f.due.parse().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_due",
            format!("“{}” is not a date", f.due),
        )
    })?;
    state.store.open_round(period, due, &who(&actor)).await?;
    Ok(Redirect::to(&format!("/work/{period}")))
}

pub async fn close_round(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(p): Path<String>,
) -> Result<Redirect, PageError> {
    require(&actor, Action::ManageRounds)?;
    let p = page_period(&p)?;
    state.store.close_round(p, &who(&actor)).await?;
    Ok(Redirect::to(&format!("/work/{p}")))
}

pub async fn publish_round(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(p): Path<String>,
) -> Result<Redirect, PageError> {
    require(&actor, Action::ManageRounds)?;
    let p = page_period(&p)?;
    state.store.publish(p, &who(&actor)).await?;
    state.cache.forget_period(&p.to_string());
    Ok(Redirect::to(&format!("/tables/{p}")))
}

// ---- a round's reports ----

#[derive(Template)]
#[template(path = "work_round.html")]
struct RoundPage {
    l: crate::i18n::Labels,
    who: String,
    round: RoundSummary,
    round_state: &'static str,
    is_admin: bool,
    can_dashboard: bool,
    show_filters: bool,
    units: Vec<String>,
    states: Vec<(&'static str, &'static str)>,
    filter_unit: String,
    filter_state: String,
    filter_late: bool,
    progress_header: String,
    cards: Vec<Card>,
}

struct Card {
    id: i64,
    no: u32,
    entry: u32,
    content: String,
    deadline: String,
    leaders: String,
    units: String,
    state: &'static str,
    state_label: &'static str,
    late: bool,
    version: i64,
    progress: String,
    on_schedule: Option<bool>,
    on_schedule_label: &'static str,
    return_reason: Option<String>,
    previous: Option<String>,
    /// What the form's text area starts with.
    draft: String,
    can_write: bool,
    can_review: bool,
    diff: Option<String>,
    findings: Vec<FindingNote>,
    /// The entry's latest request for a later deadline, if any.
    extension: Option<ExtensionNote>,
    /// Whether the form to ask for one is shown (the lead unit, a real deadline, none pending).
    can_extend: bool,
    /// The leaders' comments, when the actor may read them.
    comments: Option<Vec<CommentNote>>,
    can_comment: bool,
}

struct ExtensionNote {
    state: &'static str,
    state_label: &'static str,
    deadline: String,
    reason: String,
    note: Option<String>,
}

struct CommentNote {
    author: String,
    at: String,
    body: String,
}

/// A finding beside a report: CSS class, rule label, message.
type FindingNote = (&'static str, &'static str, String);

#[derive(Debug, Deserialize, Default)]
pub struct RoundQuery {
    unit: Option<String>,
    state: Option<String>,
    late: Option<String>,
    start: Option<i64>,
}

/// The round as a table (current texts, not only accepted ones), for the checks.
fn table_of(round: &RoundSummary, reports: &[ReportView]) -> Table {
    let mut targets: Vec<TableTarget> = Vec::new();
    for r in reports {
        let entry = TableEntry {
            leaders: r.leaders.clone(),
            units: r.units.clone(),
            progress: r.progress.clone(),
            on_schedule: r.on_schedule,
            extension: None,
        };
        match targets.last_mut() {
            Some(t) if t.no.get() == r.target_no => t.entries.push(entry),
            _ => {
                let Ok(no) = TargetNo::new(r.target_no) else {
                    continue;
                };
                let Ok(deadline) = duban_core::Deadline::from_json_text(&r.deadline) else {
                    continue;
                };
                targets.push(TableTarget {
                    no,
                    content: r.target_content.clone(),
                    deadline,
                    entries: vec![entry],
                });
            }
        }
    }
    Table {
        government: round.government.clone(),
        title: round.title.clone(),
        year: round.period.year(),
        period: round.period,
        declared_total: None,
        intro: None,
        targets,
    }
}

/// A character-level diff (Chinese has no spaces to split words on) as `<del>`/`<ins>` HTML.
fn diff_html(old: &str, new: &str) -> String {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_chars(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        // The diff interleaves our own tags with user text, so it cannot go through the
        // template's automatic escaping.
        let text = crate::view::escape_html(change.value());
        match change.tag() {
            ChangeTag::Equal => out.push_str(&text),
            ChangeTag::Delete => {
                out.push_str("<del>");
                out.push_str(&text);
                out.push_str("</del>");
            }
            ChangeTag::Insert => {
                out.push_str("<ins>");
                out.push_str(&text);
                out.push_str("</ins>");
            }
        }
    }
    out.replace("</del><del>", "").replace("</ins><ins>", "")
}

pub async fn round_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(p): Path<String>,
    Query(q): Query<RoundQuery>,
) -> Result<Html<String>, PageError> {
    let period = page_period(&p)?;
    let round = state
        .store
        .round(period)
        .await?
        .ok_or_else(|| ApiError::not_found("round"))?;
    let all = state.store.reports(period).await?;
    let checks = duban_checks::check_table(&table_of(&round, &all));
    let mut findings: BTreeMap<(u32, Option<usize>), Vec<FindingNote>> = BTreeMap::new();
    for f in checks
        .findings
        .iter()
        .filter(|f| f.severity != duban_checks::Severity::Info)
    {
        let class = if f.severity == duban_checks::Severity::Error {
            "error"
        } else {
            "warning"
        };
        findings.entry((f.target_no, f.entry)).or_default().push((
            class,
            f.rule.label_zh(),
            f.message.clone(),
        ));
    }
    let mut units: Vec<String> = all
        .iter()
        .filter_map(|r| r.units.first())
        .map(|u| u.to_string())
        .collect();
    units.sort();
    units.dedup();
    // The latest request per entry (the list comes pending first, then newest first).
    let mut extensions: BTreeMap<(u32, u32), ExtensionNote> = BTreeMap::new();
    for x in state
        .store
        .extensions(Some((&round.government, period.year())))
        .await?
    {
        extensions
            .entry((x.target_no, x.entry))
            .or_insert_with(|| ExtensionNote {
                state: x.state.as_str(),
                state_label: x.state.label_zh(),
                deadline: x.deadline,
                reason: x.reason,
                note: x.note,
            });
    }
    let commented: Vec<i64> = all
        .iter()
        .filter(|r| may(&actor, Action::ReadComments(people(r))))
        .map(|r| r.id)
        .collect();
    let mut comments: BTreeMap<i64, Vec<CommentNote>> = BTreeMap::new();
    for c in state.store.comments(&commented).await? {
        comments.entry(c.report_id).or_default().push(CommentNote {
            author: match c.leader {
                Some(l) => format!("{l}（{}）", c.author),
                None => c.author,
            },
            at: c.at,
            body: c.body,
        });
    }
    let filter_unit = q.unit.clone().unwrap_or_default();
    let filter_state = q.state.clone().unwrap_or_default();
    let filter_late = q.late.as_deref() == Some("1");
    let cards = all
        .iter()
        .filter(|r| may(&actor, Action::ReadReport(people(r))))
        .filter(|r| {
            filter_unit.is_empty() || r.units.first().is_some_and(|u| u.as_str() == filter_unit)
        })
        .filter(|r| filter_state.is_empty() || r.state.as_str() == filter_state)
        .filter(|r| !filter_late || r.late)
        .map(|r| {
            let can_write = may(&actor, Action::WriteReport(people(r)))
                && duban_core::access::check_writable(r.round_state, r.state).is_ok();
            let can_review = may(&actor, Action::ReviewReport)
                && duban_core::access::check_reviewable(r.round_state, r.state).is_ok();
            let mut f = findings
                .get(&(r.target_no, Some(r.entry as usize)))
                .cloned()
                .unwrap_or_default();
            if r.entry == 0 {
                f.extend(
                    findings
                        .get(&(r.target_no, None))
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            let show_findings = r.state != ReportState::Draft || !r.progress.is_empty();
            let extension = extensions.remove(&(r.target_no, r.entry));
            let can_extend = may(&actor, Action::WriteReport(people(r)))
                && r.deadline != duban_core::Deadline::Ongoing.to_string()
                && extension.as_ref().is_none_or(|x| x.state != "pending");
            let read_comments = may(&actor, Action::ReadComments(people(r)));
            Card {
                id: r.id,
                no: r.target_no,
                entry: r.entry,
                content: r.target_content.clone(),
                deadline: r.deadline.clone(),
                leaders: r
                    .leaders
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                units: r
                    .units
                    .iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                state: r.state.as_str(),
                state_label: report_state_zh(r.state),
                late: r.late,
                version: r.version,
                progress: r.progress.clone(),
                on_schedule: r.on_schedule,
                on_schedule_label: match r.on_schedule {
                    Some(true) => "是",
                    Some(false) => "否",
                    None => "未答",
                },
                return_reason: r.return_reason.clone(),
                previous: r.previous_progress.clone(),
                draft: if q.start == Some(r.id) {
                    r.previous_progress.clone().unwrap_or_default()
                } else {
                    r.progress.clone()
                },
                can_write,
                can_review,
                diff: if can_review {
                    r.previous_progress
                        .as_deref()
                        .map(|old| diff_html(old, &r.progress))
                } else {
                    None
                },
                findings: if show_findings { f } else { Vec::new() },
                extension,
                can_extend,
                comments: read_comments.then(|| comments.remove(&r.id).unwrap_or_default()),
                can_comment: may(&actor, Action::CommentReport(people(r))),
            }
        })
        .collect();
    html(&RoundPage {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work"),
        who: nav_who(&actor),
        round_state: round.state.as_str(),
        is_admin: may(&actor, Action::ManageRounds),
        can_dashboard: may(&actor, Action::SeeDashboard),
        show_filters: actor.role != Role::Unit,
        units,
        states: [
            ReportState::Draft,
            ReportState::Submitted,
            ReportState::Returned,
            ReportState::Accepted,
        ]
        .into_iter()
        .map(|s| (s.as_str(), report_state_zh(s)))
        .collect(),
        filter_unit,
        filter_state,
        filter_late,
        progress_header: crate::i18n::progress_header(crate::i18n::Lang::Zh, period),
        cards,
        round,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    progress: Progress,
    on_schedule: Option<String>,
    version: Option<i64>,
    action: String,
}

pub async fn report_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReportForm>,
) -> Result<Redirect, PageError> {
    // Unknown choices are refused before anything is written.
    let submit = match f.action.as_str() {
        "save" => false,
        "submit" => true,
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    let on_schedule = match f.on_schedule.as_deref() {
        None | Some("") => None,
        Some("是") => Some(true),
        Some("否") => Some(false),
        Some(other) => return Err(ApiError::unknown_choice("on_schedule", other).into()),
    };
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::WriteReport(people(&r)))?;
    let edit = ReportEdit {
        progress: f.progress,
        on_schedule,
        version: f.version,
    };
    state.store.save_report(&r, &edit, &who(&actor)).await?;
    if submit {
        state.store.submit_report(id, &who(&actor)).await?;
    }
    Ok(Redirect::to(&format!("/work/{}#r{id}", r.period)))
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    action: String,
    reason: Option<ReturnReason>,
}

pub async fn review_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReviewForm>,
) -> Result<Redirect, PageError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::ReviewReport)?;
    // An unknown action is refused, never taken for the destructive one.
    let review = match f.action.as_str() {
        "accept" => Review::Accept,
        "return" => Review::Return {
            reason: f.reason.unwrap_or_default(),
        },
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    state.store.review_report(id, &review, &who(&actor)).await?;
    Ok(Redirect::to(&format!("/work/{}#r{id}", r.period)))
}

// ---- the dashboard and the 催办 list ----

#[derive(Template)]
#[template(path = "work_dashboard.html")]
struct Dashboard {
    l: crate::i18n::Labels,
    who: String,
    round: RoundSummary,
    units: Vec<UnitRow>,
    reminder: String,
}

/// One lead unit's reports in a round.
#[derive(Debug, Default)]
struct UnitRow {
    name: String,
    assigned: usize,
    submitted: usize,
    returned: usize,
    accepted: usize,
    /// Not submitted: drafts and returned reports.
    missing: usize,
    late: usize,
    color: &'static str,
    owed: Vec<u32>,
}

fn unit_rows(round: &RoundSummary, reports: &[ReportView]) -> Vec<UnitRow> {
    let mut by: BTreeMap<String, UnitRow> = BTreeMap::new();
    for r in reports {
        let Some(lead) = r.units.first() else {
            continue;
        };
        let row = by.entry(lead.to_string()).or_insert_with(|| UnitRow {
            name: lead.to_string(),
            ..UnitRow::default()
        });
        row.assigned += 1;
        match r.state {
            ReportState::Submitted => row.submitted += 1,
            ReportState::Accepted => row.accepted += 1,
            ReportState::Returned => row.returned += 1,
            ReportState::Draft => {}
        }
        if matches!(r.state, ReportState::Draft | ReportState::Returned) {
            row.missing += 1;
            row.owed.push(r.target_no);
        }
        if r.late {
            row.late += 1;
        }
    }
    let due = round
        .due
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let today = jiff::tz::Offset::constant(8)
        .to_datetime(jiff::Timestamp::now())
        .date();
    let mut rows: Vec<UnitRow> = by.into_values().collect();
    for row in &mut rows {
        row.color = match due {
            _ if row.missing == 0 => "green",
            Some(d) if today > d => "red",
            Some(d) if (d - today).get_days() <= 3 => "yellow",
            _ => "",
        };
    }
    // Who owes most comes first.
    rows.sort_by(|a, b| b.missing.cmp(&a.missing).then_with(|| a.name.cmp(&b.name)));
    rows
}

pub async fn dashboard(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(p): Path<String>,
) -> Result<Html<String>, PageError> {
    require(&actor, Action::SeeDashboard)?;
    let period = page_period(&p)?;
    let round = state
        .store
        .round(period)
        .await?
        .ok_or_else(|| ApiError::not_found("round"))?;
    let reports = state.store.reports(period).await?;
    let units = unit_rows(&round, &reports);
    let owing: Vec<&UnitRow> = units.iter().filter(|u| u.missing > 0).collect();
    let reminder = if owing.is_empty() {
        String::new()
    } else {
        let mut s = format!(
            "【催办】{}报送截止日期为{}。以下单位尚有未提交（或被退回待修改）的事项，请抓紧报送：\n",
            round.title,
            round.due.as_deref().unwrap_or("（未设定）")
        );
        for u in &owing {
            let nos: Vec<String> = u.owed.iter().map(|n| format!("第{n}项")).collect();
            s.push_str(&format!(
                "{}：{} 项（{}）\n",
                u.name,
                u.missing,
                nos.join("、")
            ));
        }
        s
    };
    html(&Dashboard {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work"),
        who: nav_who(&actor),
        round,
        units,
        reminder,
    })
}

/// The 催办 list as CSV (UTF-8 with a BOM, so Excel shows the Chinese).
pub async fn chase_csv(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(p): Path<String>,
) -> Result<Response, PageError> {
    require(&actor, Action::SeeDashboard)?;
    let period = page_period(&p)?;
    let reports = state.store.reports(period).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| PageError(ApiError::internal(&e));
    w.write_record(["责任单位", "序号", "条目", "状态", "退回原因", "迟报"])
        .map_err(io)?;
    for r in reports
        .iter()
        .filter(|r| matches!(r.state, ReportState::Draft | ReportState::Returned))
    {
        w.write_record([
            r.units.first().map(|u| u.as_str()).unwrap_or(""),
            &r.target_no.to_string(),
            &(r.entry + 1).to_string(),
            report_state_zh(r.state),
            // The reason is a reviewer's free text: neutralised against formula injection.
            &duban_formats::neutralise::escape(r.return_reason.as_deref().unwrap_or("")),
            if r.late { "是" } else { "否" },
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chase-{period}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---- the audit log ----

/// How many audit rows a page or a CSV shows at most.
const AUDIT_LIMIT: u32 = 5_000;

#[derive(Template)]
#[template(path = "work_audit.html")]
struct AuditPage {
    l: crate::i18n::Labels,
    who: String,
    filter: duban_store::AuditFilter,
    rows: Vec<AuditRow>,
    limit: u32,
    csv_href: String,
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
}

fn audit_rows(records: Vec<duban_store::AuditRecord>) -> Vec<AuditRow> {
    let text = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    records
        .into_iter()
        .map(|r| AuditRow {
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            before: text(r.before),
            after: text(r.after),
        })
        .collect()
}

pub async fn audit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(filter): Query<duban_store::AuditFilter>,
) -> Result<Html<String>, PageError> {
    require(&actor, Action::ReadAudit)?;
    let rows = audit_rows(state.store.audit_filtered(&filter, AUDIT_LIMIT).await?);
    let csv_href = format!(
        "/work/audit.csv?actor={}&action={}&subject={}",
        urlencoding(&filter.actor),
        urlencoding(&filter.action),
        urlencoding(&filter.subject)
    );
    html(&AuditPage {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work/audit"),
        who: nav_who(&actor),
        filter,
        rows,
        limit: AUDIT_LIMIT,
        csv_href,
    })
}

pub async fn audit_csv(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(filter): Query<duban_store::AuditFilter>,
) -> Result<Response, PageError> {
    require(&actor, Action::ReadAudit)?;
    let rows = audit_rows(state.store.audit_filtered(&filter, AUDIT_LIMIT).await?);
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| PageError(ApiError::internal(&e));
    w.write_record(["at", "actor", "action", "subject", "before", "after"])
        .map_err(io)?;
    for r in rows {
        // Formula-looking cells are quoted so a spreadsheet shows them as text.
        let cells = [r.at, r.actor, r.action, r.subject, r.before, r.after]
            .map(|c| duban_formats::neutralise::escape(&c).into_owned());
        w.write_record(&cells).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---- password change ----

#[derive(Template)]
#[template(path = "work_password.html")]
struct PasswordPage {
    l: crate::i18n::Labels,
    who: String,
    error: Option<String>,
}

pub async fn password_page(PageActor(actor): PageActor) -> Result<Html<String>, PageError> {
    html(&PasswordPage {
        l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work/password"),
        who: nav_who(&actor),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: Password,
    new: Password,
}

/// Changes the caller's own password after checking the current one (throttled like a login);
/// every session and token of the account ends, so the user logs in again.
pub async fn password_change(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    addr: ClientAddr,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let again = |status: StatusCode, message: String| -> Result<Response, PageError> {
        let page = html(&PasswordPage {
            l: crate::i18n::Labels::new(crate::i18n::Lang::Zh, "/work/password"),
            who: nav_who(&actor),
            error: Some(message),
        })?;
        Ok((status, page).into_response())
    };
    if f.new.as_str().chars().count() < 8 {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "新密码至少 8 位 / the new password needs 8 or more characters".into(),
        );
    }
    if let Err(e) = auth::login(&state, &actor.username, f.current.as_str(), &addr.0).await {
        return again(e.status, e.message);
    }
    let new = f.new.into_string();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| PageError(ApiError::internal(&e)))?
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    state
        .store
        .set_password(actor.user_id, &hash, &who(&actor))
        .await?;
    state.actors.forget_user(actor.user_id);
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_clear_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}
