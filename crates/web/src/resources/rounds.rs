//! Rounds (调度): opening, closing, publishing and reopening one, and a round's page of reports
//! (the unit's forms, the reviewer's cards); the same through the API. (The list of rounds is
//! the work home's, in `home`.)

use crate::AppState;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{
    ApiActor, ApiJson, PageActor, PageForm, PagePath, PeriodPath, api_period, page_period,
};
use crate::government::{Gov, base_of};
use crate::policy::{people, readable, require, who};
use crate::view::findings::{FindingNote, findings_of};
use crate::view::i18n::Lang;
use crate::view::{html, nav_who, report_state_zh, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::{FromRequest, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect};
use duban_core::access::{Action, Role, may};
use duban_core::{Period, ReportState, RoundState};
use duban_store::{PublicationSummary, ReportView, RoundSummary};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    period: String,
    due: String,
}

pub async fn open_round_page(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<OpenForm>,
) -> Result<Redirect, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
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
    state
        .store
        .open_round(gov.name(), period, due, &who(&actor))
        .await?;
    crate::mail::round_opened(&state);
    Ok(Redirect::to(&gov.link(&format!("/work/{period}"))))
}

pub async fn close_round_page(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Redirect, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let p = page_period(&p)?;
    state.store.close_round(gov.name(), p, &who(&actor)).await?;
    Ok(Redirect::to(&gov.link(&format!("/work/{p}"))))
}

/// What publishing a round now would leave out, when the office must confirm it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gaps {
    /// Still open: units may still be writing.
    open: bool,
    /// Entries not submitted (drafts, and returned reports not resubmitted): they go public
    /// as 未报送.
    missing: usize,
    /// Submitted, not yet reviewed (待审核): they go public as 未报送 too.
    pending: usize,
}

/// Whether a request carries a body to read. Publishing takes an optional one (the
/// confirmation): no body, or an empty one, is "not confirmed", never an error.
fn has_body(request: &axum::extract::Request) -> bool {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    let headers = request.headers();
    headers.contains_key(CONTENT_TYPE) && headers.get(CONTENT_LENGTH).is_none_or(|v| v != "0")
}

/// `Some` when publishing `period` now needs the office's explicit confirmation: the round is
/// still open, or has entries not yet accepted.
async fn gaps(state: &AppState, gov: &Gov, period: Period) -> Result<Option<Gaps>, ApiError> {
    let round = state
        .store
        .round(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("round {period} not found")))?;
    if round.state == RoundState::Published {
        return Ok(None);
    }
    let reports = state.store.reports(gov.name(), period).await?;
    let count =
        |wanted: &[ReportState]| reports.iter().filter(|r| wanted.contains(&r.state)).count();
    let gaps = Gaps {
        open: round.state == RoundState::Open,
        missing: count(&[ReportState::Draft, ReportState::Returned]),
        pending: count(&[ReportState::Submitted]),
    };
    Ok((gaps.open || gaps.missing + gaps.pending > 0).then_some(gaps))
}

#[derive(Template)]
#[template(path = "work_publish_confirm.html")]
struct PublishConfirm {
    l: crate::view::i18n::Labels,
    who: String,
    period: String,
    title: String,
    gaps: Gaps,
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// The 公开 button: when the round is still open or has entries not yet accepted, first a page
/// saying what would go public as 未报送, with the button that confirms it.
pub async fn publish_round(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
    request: axum::extract::Request,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    require(&actor, gov.name(), Action::ManageRounds)?;
    let p = page_period(&p)?;
    let f = if has_body(&request) {
        PageForm::<PublishForm>::from_request(request, &state)
            .await?
            .0
    } else {
        PublishForm::default()
    };
    let confirmed = match f.confirm.as_deref() {
        None | Some("") => false,
        Some("yes") => true,
        Some(other) => return Err(ApiError::unknown_choice("confirm", other).into()),
    };
    if !confirmed && let Some(gaps) = gaps(&state, &gov, p).await? {
        let round = state.store.round(gov.name(), p).await?;
        return Ok(html(&PublishConfirm {
            l: crate::view::i18n::Labels::new(Lang::Zh, &gov.link(&format!("/work/{p}")))
                .under(&gov.base),
            who: nav_who(&actor),
            period: p.to_string(),
            title: round.map(|r| r.title).unwrap_or_default(),
            gaps,
        })?
        .into_response());
    }
    state.store.publish(gov.name(), p, &who(&actor)).await?;
    state.cache.forget_period(&p.to_string());
    Ok(Redirect::to(&gov.link(&format!("/tables/{p}"))).into_response())
}

/// Reopens a published round for corrections (the button on the round's page).
pub async fn reopen_round_page(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Redirect, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let p = page_period(&p)?;
    state
        .store
        .reopen_round(gov.name(), p, &who(&actor))
        .await?;
    Ok(Redirect::to(&gov.link(&format!("/work/{p}"))))
}

// ---- a round's reports ----

#[derive(Template)]
#[template(path = "work_round.html")]
struct RoundPage {
    l: crate::view::i18n::Labels,
    who: String,
    /// The report whose form came back refused: a notice at the top links to it.
    refused: Option<i64>,
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
    on_schedule_label: &'static str,
    return_reason: Option<String>,
    previous: Option<String>,
    /// What the form's text area starts with.
    draft: String,
    /// What the form's 是/否 starts with.
    chosen: Option<bool>,
    /// What the form's 存在问题 and 下步打算 start with.
    said: (String, String),
    /// Why the form was refused, when it comes back.
    problem: Option<String>,
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

#[derive(Debug, Deserialize, Default)]
pub struct RoundQuery {
    unit: Option<String>,
    state: Option<String>,
    late: Option<String>,
    start: Option<i64>,
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
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
    Query(q): Query<RoundQuery>,
) -> Result<Html<String>, PageError> {
    gov.reached_by(&actor)?;
    let period = page_period(&p)?;
    render_round(&state, &gov, &actor, period, q, None).await
}

/// A unit's form the round refused, shown again on the round page: the text as typed, the
/// answer as chosen, and the problem beside them.
struct Kept {
    report: i64,
    draft: String,
    on_schedule: Option<bool>,
    said: (String, String),
    problem: String,
}

async fn render_round(
    state: &AppState,
    gov: &Gov,
    actor: &duban_core::access::Actor,
    period: Period,
    q: RoundQuery,
    kept: Option<Kept>,
) -> Result<Html<String>, PageError> {
    let actor = actor.clone();
    let round = state
        .store
        .round(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found("round"))?;
    let all = state.store.reports(gov.name(), period).await?;
    let findings = findings_of(&round, &all);
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
        .filter(|r| may(&actor, &r.government, Action::ReadComments(people(r))))
        .map(|r| r.id)
        .collect();
    let mut comments: BTreeMap<i64, Vec<CommentNote>> = BTreeMap::new();
    for c in state.store.comments(&commented).await? {
        comments.entry(c.report_id).or_default().push(CommentNote {
            author: match c.leader {
                Some(l) => format!("{l}（{}）", c.author),
                None => c.author,
            },
            at: shown_time(&c.at, Lang::Zh),
            body: c.body,
        });
    }
    let filter_unit = q.unit.clone().unwrap_or_default();
    let filter_state = q.state.clone().unwrap_or_default();
    let filter_late = q.late.as_deref() == Some("1");
    let cards = all
        .iter()
        .filter(|r| may(&actor, &r.government, Action::ReadReport(people(r))))
        .filter(|r| {
            filter_unit.is_empty() || r.units.first().is_some_and(|u| u.as_str() == filter_unit)
        })
        .filter(|r| filter_state.is_empty() || r.state.as_str() == filter_state)
        .filter(|r| !filter_late || r.late)
        .map(|r| {
            let can_write = may(&actor, &r.government, Action::WriteReport(people(r)))
                && duban_core::access::check_writable(r.round_state, r.state).is_ok();
            let can_review = may(&actor, &r.government, Action::ReviewReport)
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
            let can_extend = may(&actor, &r.government, Action::WriteReport(people(r)))
                && duban_core::access::check_extension_round(r.round_state).is_ok()
                && r.deadline != duban_core::Deadline::Ongoing.to_string()
                && extension.as_ref().is_none_or(|x| x.state != "pending");
            let read_comments = may(&actor, &r.government, Action::ReadComments(people(r)));
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
                on_schedule_label: match r.on_schedule {
                    Some(true) => "是",
                    Some(false) => "否",
                    None => "未答",
                },
                return_reason: r.return_reason.clone(),
                previous: r.previous_progress.clone(),
                draft: match &kept {
                    Some(k) if k.report == r.id => k.draft.clone(),
                    _ if q.start == Some(r.id) => r.previous_progress.clone().unwrap_or_default(),
                    _ => r.progress.clone(),
                },
                chosen: match &kept {
                    Some(k) if k.report == r.id => k.on_schedule,
                    _ => r.on_schedule,
                },
                said: match &kept {
                    Some(k) if k.report == r.id => k.said.clone(),
                    _ => (
                        r.problems.clone().unwrap_or_default(),
                        r.next_steps.clone().unwrap_or_default(),
                    ),
                },
                problem: kept
                    .as_ref()
                    .filter(|k| k.report == r.id)
                    .map(|k| k.problem.clone()),
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
                can_comment: may(&actor, &r.government, Action::CommentReport(people(r))),
            }
        })
        .collect();
    html(&RoundPage {
        refused: kept.as_ref().map(|k| k.report),
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work").under(&gov.base),
        who: nav_who(&actor),
        round_state: round.state.as_str(),
        is_admin: may(&actor, gov.name(), Action::ManageRounds),
        can_dashboard: may(&actor, gov.name(), Action::SeeDashboard),
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
        progress_header: crate::view::i18n::progress_header(crate::view::i18n::Lang::Zh, period),
        cards,
        round,
    })
}

/// The unit's form on the round page: save a draft, or save and submit. A refusal (no 是/否,
/// no text, a stale version, a closed round) comes back on the round page with what was typed
/// kept and the problem beside it.
#[derive(Debug, Deserialize)]
pub struct ReportForm {
    progress: duban_core::text::Progress,
    on_schedule: Option<String>,
    #[serde(default)]
    problems: Option<duban_core::text::Said>,
    #[serde(default)]
    next_steps: Option<duban_core::text::Said>,
    version: Option<i64>,
    action: String,
}

pub async fn report_form(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReportForm>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
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
    require(&actor, &r.government, Action::WriteReport(people(&r)))?;
    let edit = duban_store::ReportEdit {
        progress: f.progress,
        on_schedule,
        problems: f.problems,
        next_steps: f.next_steps,
        version: f.version,
    };
    let done: Result<(), ApiError> = async {
        state.store.save_report(&r, &edit, &who(&actor)).await?;
        if submit {
            let submitted = state.store.submit_report(id, &who(&actor)).await?;
            crate::mail::report_changed(&state, &submitted).await;
        }
        Ok(())
    }
    .await;
    let governments = state.governments.get(&state, false).await?;
    let government = governments
        .iter()
        .find(|g| g.name == r.government)
        .cloned()
        .ok_or_else(|| ApiError::not_found("government"))?;
    let gov = Gov {
        base: base_of(&government, &governments),
        government,
    };
    match done {
        Ok(()) => Ok(Redirect::to(&gov.link(&format!("/work/{}#r{id}", r.period))).into_response()),
        Err(e) if e.status.is_client_error() => {
            let kept = Kept {
                report: id,
                draft: edit.progress.as_str().to_owned(),
                on_schedule,
                said: (
                    edit.problems
                        .as_ref()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    edit.next_steps
                        .as_ref()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                ),
                problem: form_problem(&e),
            };
            let page = render_round(
                &state,
                &gov,
                &actor,
                r.period,
                RoundQuery::default(),
                Some(kept),
            )
            .await?;
            Ok((e.status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A refusal of the unit's form, Chinese first, with the system's own words beside it.
fn form_problem(e: &ApiError) -> String {
    let zh = if e.message.contains("是否按计划") {
        "请选择“是否按计划完成进度”（是/否）后再提交"
    } else if e.message.contains("完成情况") {
        "请先填写完成情况再提交"
    } else if e.code == "stale_version" {
        "该报告已被他人修改：您填写的内容仍在下方，请核对后再保存"
    } else if e.status == StatusCode::CONFLICT {
        "当前状态不允许此操作"
    } else {
        "无法保存"
    };
    format!("{zh} · {}", e.message)
}

// ---- the API ----

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenRound {
    /// 2023Q3, 2023M09, 2023H1 or 2023.
    #[schema(example = "2023Q4", value_type = Period)]
    period: String,
    /// The date reports are due, YYYY-MM-DD.
    #[schema(example = "2024-01-10", format = Date)]
    due: String,
}

/// Opens a round for a period: one draft report for every entry of that year's plan (admin).
#[utoipa::path(
    post,
    path = "/api/v1/rounds",
    tag = "work",
    security(("bearer" = [])),
    request_body = OpenRound,
    responses(
        (status = 201, description = "The round is open", body = RoundSummary),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No plan for that year (`not_found`)", body = ErrorBody),
        (status = 409, description = "A round for that period exists already", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn open_round(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<OpenRound>,
) -> Result<(StatusCode, Json<RoundSummary>), ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let p = api_period(&body.period)?;
    let due: jiff::civil::Date = body.due.parse().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_due",
            format!("“{}” is not a date (YYYY-MM-DD)", body.due),
        )
    })?;
    let r = state
        .store
        .open_round(gov.name(), p, due, &who(&actor))
        .await?;
    crate::mail::round_opened(&state);
    Ok((StatusCode::CREATED, Json(r)))
}

/// Closes a round: no more submissions (admin).
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{period}/close",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    responses(
        (status = 200, description = "The round is closed", body = RoundSummary),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such round (`not_found`)", body = ErrorBody),
        (status = 409, description = "The round is not open", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn close_round(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Json<RoundSummary>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    Ok(Json(
        state
            .store
            .close_round(gov.name(), api_period(&p)?, &who(&actor))
            .await?,
    ))
}

/// The body of a publish request; empty or `{}` means not confirmed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PublishRequest {
    /// Publish even though the round is still open or has entries not yet accepted: they go
    /// public as 未报送.
    #[serde(default)]
    confirm: bool,
}

/// The 409 asking for confirmation: what would go public as 未报送.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NeedsConfirmation {
    /// `needs_confirmation`
    error: &'static str,
    message: String,
    /// Entries not submitted (drafts, and returned reports not resubmitted).
    missing: usize,
    /// Entries submitted and not yet reviewed.
    pending: usize,
}

/// Freezes the round's accepted reports as a publication and returns its hash (admin). A
/// round that is still open, or has entries not yet accepted, needs `{"confirm": true}`.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{period}/publish",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    request_body(content = PublishRequest, description = "Optional (no body is `{\"confirm\": false}`): `{\"confirm\": true}` publishes a round that is open or has entries not accepted"),
    responses(
        (status = 200, description = "Published (or, with nothing changed, the standing publication)", body = PublicationSummary),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such round (`not_found`)", body = ErrorBody),
        (status = 409, description = "`needs_confirmation`: the round is open or has entries not accepted; the counts say what would go public as 未报送", body = NeedsConfirmation),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Body not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn publish(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
    request: axum::extract::Request,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    require(&actor, gov.name(), Action::ManageRounds)?;
    let p = api_period(&p)?;
    let body = if has_body(&request) {
        ApiJson::<PublishRequest>::from_request(request, &state)
            .await?
            .0
    } else {
        PublishRequest::default()
    };
    if !body.confirm
        && let Some(gaps) = gaps(&state, &gov, p).await?
    {
        let message = format!(
            "{p} {}：{} 项未报送、{} 项待审核，公开后均显示为未报送；确认请发送 {{\"confirm\": true}}. \
             {}{} entries not submitted and {} awaiting review would go public as not reported; \
             send {{\"confirm\": true}} to publish anyway",
            if gaps.open {
                "仍在报送中"
            } else {
                "尚未全部审核"
            },
            gaps.missing,
            gaps.pending,
            if gaps.open {
                "The round is still open; "
            } else {
                ""
            },
            gaps.missing,
            gaps.pending,
        );
        let refusal = NeedsConfirmation {
            error: "needs_confirmation",
            message,
            missing: gaps.missing,
            pending: gaps.pending,
        };
        return Ok((StatusCode::CONFLICT, Json(refusal)).into_response());
    }
    let publication = state.store.publish(gov.name(), p, &who(&actor)).await?;
    state.cache.forget_period(&p.to_string());
    Ok(Json(publication).into_response())
}

/// Reopens a published round for corrections (admin): units correct returned or missing
/// entries, reviewers accept, and publishing again supersedes the standing publication.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{period}/reopen",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    responses(
        (status = 200, description = "The round is open again", body = RoundSummary),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such round (`not_found`)", body = ErrorBody),
        (status = 409, description = "The round is not published (`wrong_round_state`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_period`)", body = ErrorBody),
    ),
)]
pub async fn reopen_round(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Json<RoundSummary>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    Ok(Json(
        state
            .store
            .reopen_round(gov.name(), api_period(&p)?, &who(&actor))
            .await?,
    ))
}

/// Reports of a round that the caller may read; a unit sees its own, a leader theirs.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{period}/reports",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    responses(
        (status = 200, description = "The reports the caller may see, by target and entry", body = Vec<ReportView>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn round_reports(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    gov.reached_by(&actor)?;
    let all = state.store.reports(gov.name(), api_period(&p)?).await?;
    Ok(Json(
        all.into_iter()
            .filter(|r| may(&actor, &r.government, Action::ReadReport(people(r))))
            .collect(),
    ))
}
