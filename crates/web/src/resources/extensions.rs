//! 延期申请 over HTTP: the lead unit of an entry asks for a later deadline with a reason, the
//! office approves or rejects it, as API calls and as work pages. Who may do what is
//! `duban_core::access::may`'s answer (asking is writing the entry's report; deciding is
//! `DecideExtension`); the rules of a valid request are `duban_core::extension`'s.

use crate::AppState;
use crate::error::ErrorBody;
use crate::error::{ApiError, PageError};
use crate::extract::PageActor;
use crate::extract::{ApiJson, ApiPath, PageForm, PagePath};
use crate::policy::{people, readable, require, who};
use crate::view::i18n::Lang;
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, Redirect};
use duban_core::ExtensionState;
use duban_core::access::{Action, Actor, EntryPeople, may, role_may};
use duban_core::text::{DecisionNote, ExtensionReason};
use duban_store::{Decision, ExtensionView, ReportView};
use serde::Deserialize;

fn entry_people(x: &ExtensionView) -> EntryPeople<'_> {
    EntryPeople {
        leaders: &x.leaders,
        units: &x.units,
    }
}

/// The requests an actor may see: those on entries whose reports they may read.
fn visible(actor: &Actor, all: Vec<ExtensionView>) -> Vec<ExtensionView> {
    all.into_iter()
        .filter(|x| may(actor, &x.government, Action::ReadReport(entry_people(x))))
        .collect()
}

fn date(s: &str) -> Result<jiff::civil::Date, ApiError> {
    s.trim().parse().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_deadline",
            format!("deadline: “{s}” is not a date (YYYY-MM-DD)"),
        )
    })
}

/// Asks for an extension on behalf of the actor, after the same checks as writing the report.
async fn request(
    state: &AppState,
    actor: &Actor,
    report: i64,
    deadline: &str,
    reason: &ExtensionReason,
) -> Result<(ReportView, ExtensionView), ApiError> {
    let r = readable(state, actor, report).await?;
    require(actor, &r.government, Action::WriteReport(people(&r)))?;
    let x = state
        .store
        .request_extension(report, date(deadline)?, reason, actor.user_id, &who(actor))
        .await?;
    Ok((r, x))
}

/// Decides after checking the actor may (an unknown id is the store's 404).
async fn decide(
    state: &AppState,
    actor: &Actor,
    id: i64,
    decision: &Decision,
) -> Result<ExtensionView, ApiError> {
    // The request's government decides who may decide it; one the actor cannot reach is
    // not found, as if it did not exist.
    let x = state
        .store
        .extensions(None)
        .await?
        .into_iter()
        .find(|x| x.id == id && actor.reaches(&x.government))
        .ok_or_else(|| ApiError::not_found(format!("extension request {id}")))?;
    require(actor, &x.government, Action::DecideExtension)?;
    Ok(state
        .store
        .decide_extension(id, decision, actor.user_id, &who(actor))
        .await?)
}

// ---- the API ----

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtensionBody {
    /// The new deadline, YYYY-MM-DD: later than the one in force.
    #[schema(example = "2024-06-30", format = Date)]
    deadline: String,
    /// Why the work needs more time.
    reason: ExtensionReason,
}

/// Asks for a later deadline for the entry of a report (the lead unit of the entry).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/extensions",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "A report of the entry")),
    request_body = ExtensionBody,
    responses(
        (status = 201, description = "Asked; waits for the office", body = ExtensionView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 409, description = "Another request for the entry waits (`extension_pending`)", body = ErrorBody),
        (status = 422, description = "Not a date, not later than the deadline in force, no reason, or 长期坚持 (`invalid_deadline`, `invalid`)", body = ErrorBody),
    ),
)]
pub async fn api_request(
    State(state): State<AppState>,
    crate::extract::ApiActor(actor): crate::extract::ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ExtensionBody>,
) -> Result<(StatusCode, Json<ExtensionView>), ApiError> {
    let (_, x) = request(&state, &actor, id, &body.deadline, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(x)))
}

/// The extension requests the caller may see: pending first, then newest first.
#[utoipa::path(
    get,
    path = "/api/v1/extensions",
    tag = "work",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Requests on entries the caller may read", body = Vec<ExtensionView>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
    ),
)]
pub async fn api_list(
    State(state): State<AppState>,
    crate::extract::ApiActor(actor): crate::extract::ApiActor,
) -> Result<Json<Vec<ExtensionView>>, ApiError> {
    Ok(Json(visible(&actor, state.store.extensions(None).await?)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    /// The office's note: optional to approve, required to reject.
    #[serde(default)]
    note: Option<DecisionNote>,
}

/// Approves a pending request (admin). The next publication shows the new deadline and the
/// reason beside the original one.
#[utoipa::path(
    post,
    path = "/api/v1/extensions/{id}/approve",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body(content = DecisionBody, description = "Optional"),
    responses(
        (status = 200, description = "Approved", body = ExtensionView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such request (`not_found`)", body = ErrorBody),
        (status = 409, description = "Decided already (`extension_decided`)", body = ErrorBody),
    ),
)]
pub async fn api_approve(
    State(state): State<AppState>,
    crate::extract::ApiActor(actor): crate::extract::ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<Json<ExtensionView>, ApiError> {
    // The body is optional: `accept`-style calls send none.
    let body: DecisionBody = if body.iter().all(u8::is_ascii_whitespace) {
        DecisionBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                e.to_string(),
            )
        })?
    };
    let x = decide(&state, &actor, id, &Decision::Approve { note: body.note }).await?;
    Ok(Json(x))
}

/// Rejects a pending request with a note saying why (admin).
#[utoipa::path(
    post,
    path = "/api/v1/extensions/{id}/reject",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "Rejected", body = ExtensionView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such request (`not_found`)", body = ErrorBody),
        (status = 409, description = "Decided already (`extension_decided`)", body = ErrorBody),
        (status = 422, description = "No note (`invalid`) or bad JSON (`invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_reject(
    State(state): State<AppState>,
    crate::extract::ApiActor(actor): crate::extract::ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<ExtensionView>, ApiError> {
    let note = body.note.unwrap_or_default();
    Ok(Json(
        decide(&state, &actor, id, &Decision::Reject { note }).await?,
    ))
}

// ---- the pages ----

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    deadline: String,
    reason: ExtensionReason,
}

pub async fn page_request(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RequestForm>,
) -> Result<Redirect, PageError> {
    let (r, _) = request(&state, &actor, id, &f.deadline, &f.reason).await?;
    let base = crate::government::base_named(&state, &r.government).await?;
    Ok(Redirect::to(&format!("{base}/work/{}#r{id}", r.period)))
}

#[derive(Template)]
#[template(path = "work_extensions.html")]
struct ListPage {
    l: crate::view::i18n::Labels,
    who: String,
    can_decide: bool,
    rows: Vec<Row>,
}

struct Row {
    x: ExtensionView,
    /// When it was asked and decided, in Beijing time.
    requested_at: String,
    decided_at: Option<String>,
    state_label: &'static str,
    units: String,
    pending: bool,
}

/// Every request the actor may see; the office decides here.
pub async fn page_list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    let rows = visible(&actor, state.store.extensions(None).await?)
        .into_iter()
        .map(|x| Row {
            state_label: x.state.label_zh(),
            units: x
                .units
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            pending: x.state == ExtensionState::Pending,
            requested_at: shown_time(&x.requested_at, Lang::Zh),
            decided_at: x.decided_at.as_deref().map(|at| shown_time(at, Lang::Zh)),
            x,
        })
        .collect();
    html(&ListPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/extensions"),
        who: nav_who(&actor),
        can_decide: role_may(&actor, Action::DecideExtension),
        rows,
    })
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    action: String,
    note: Option<DecisionNote>,
}

pub async fn page_decide(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Result<Redirect, PageError> {
    // An unknown action is refused, never taken for the destructive one.
    let decision = match f.action.as_str() {
        "approve" => Decision::Approve { note: f.note },
        "reject" => Decision::Reject {
            note: f.note.unwrap_or_default(),
        },
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    decide(&state, &actor, id, &decision).await?;
    Ok(Redirect::to(&format!("/work/extensions#x{id}")))
}
