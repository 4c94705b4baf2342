//! 催办 by mail, as the office sees it: the list of every mail queued, sent or given up (with
//! the server's answer), and the "催办" press, for one unit or every unit that still owes
//! reports in a round. Sending itself is the background task's (`crate::mail`); without SMTP
//! configured nothing is queued, and both the page and the API say so.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, PageActor, PageForm, PeriodPath, api_period, page_period};
use crate::government::Gov;
use crate::policy::{require, require_role};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect};
use duban_core::Period;
use duban_core::access::{Action, Actor};
use duban_store::{MailState, MailView};
use serde::{Deserialize, Serialize};

/// The most mails a list shows.
const LIST_LIMIT: u32 = 500;

#[derive(Template)]
#[template(path = "work_mail.html")]
struct MailPage {
    l: Labels,
    who: String,
    configured: bool,
    rows: Vec<Row>,
}

struct Row {
    m: MailView,
    state_label: &'static str,
    created_at: String,
    sent_at: Option<String>,
    next_attempt_at: String,
}

fn state_label(state: MailState) -> &'static str {
    match state {
        MailState::Queued => "待发送 Queued",
        MailState::Sent => "已发送 Sent",
        MailState::Failed => "发送失败 Failed",
    }
}

/// Every mail of the caller's government (of all, for the platform's office), newest first.
pub async fn page_list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    require_role(&actor, Action::SeeDashboard)?;
    let rows = state
        .store
        .mails(actor.government.as_deref(), LIST_LIMIT)
        .await?
        .into_iter()
        .map(|m| Row {
            state_label: state_label(m.state),
            created_at: shown_time(&m.created_at, Lang::Zh),
            sent_at: m.sent_at.as_deref().map(|t| shown_time(t, Lang::Zh)),
            next_attempt_at: shown_time(&m.next_attempt_at, Lang::Zh),
            m,
        })
        .collect();
    html(&MailPage {
        l: Labels::new(Lang::Zh, "/work/mail"),
        who: nav_who(&actor),
        configured: state.mail.is_some(),
        rows,
    })
}

/// The mail list as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/mail",
    tag = "work",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Mail queued, sent or given up, newest first", body = Vec<MailView>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to see (`forbidden`)", body = ErrorBody),
    ),
)]
pub async fn api_list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<MailView>>, ApiError> {
    require_role(&actor, Action::SeeDashboard)?;
    Ok(Json(
        state
            .store
            .mails(actor.government.as_deref(), LIST_LIMIT)
            .await?,
    ))
}

/// Whom a 催办 press reaches.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ChaseBody {
    /// One unit (by name, as the plan has it); every unit that still owes reports when absent.
    #[serde(default)]
    #[schema(max_length = 100)]
    unit: Option<String>,
}

/// The longest unit name a 催办 press takes (as the search's unit filter).
const MAX_UNIT: usize = 100;

/// What a 催办 press did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Chased {
    /// Mails queued: one per account (with an e-mail) of each unit that still owes reports.
    queued: u64,
}

/// Queues a 催办 mail to each account of the units that still owe reports in a round.
async fn chase(
    state: &AppState,
    actor: &Actor,
    gov: &Gov,
    period: Period,
    unit: Option<&str>,
) -> Result<u64, ApiError> {
    require(actor, gov.name(), Action::SeeDashboard)?;
    let Some(service) = &state.mail else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "mail_not_configured",
            "未配置邮件服务器（duban serve --smtp），无法发送催办邮件 / no SMTP server is configured: nothing can be mailed",
        ));
    };
    let round = state
        .store
        .round(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found("round"))?;
    let reports = state.store.reports(gov.name(), period).await?;
    let users = state.store.users(Some(gov.name())).await?;
    // Each press mails once: its instant (and who pressed) tells it from the last.
    let press = format!(
        "{}:{}",
        jiff::Timestamp::now().as_millisecond(),
        actor.user_id
    );
    let unit = unit.map(str::trim).filter(|u| !u.is_empty());
    if unit.is_some_and(|u| u.chars().count() > MAX_UNIT) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_unit",
            format!("unit: at most {MAX_UNIT} characters"),
        ));
    }
    let mails = crate::mail::plan::chase(&service.config, &round, &reports, &users, unit, &press);
    Ok(crate::mail::queue(state, mails).await)
}

#[utoipa::path(
    post,
    path = "/api/v1/rounds/{period}/chase",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    request_body = ChaseBody,
    responses(
        (status = 202, description = "Queued; the mail goes out in the background", body = Chased),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such round (`not_found`)", body = ErrorBody),
        (status = 409, description = "No SMTP server is configured (`mail_not_configured`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, `invalid_unit`)", body = ErrorBody),
    ),
)]
pub async fn api_chase(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    Path(PeriodPath { period }): Path<PeriodPath>,
    ApiJson(body): ApiJson<ChaseBody>,
) -> Result<(StatusCode, Json<Chased>), ApiError> {
    let period = api_period(&period)?;
    let queued = chase(&state, &actor, &gov, period, body.unit.as_deref()).await?;
    Ok((StatusCode::ACCEPTED, Json(Chased { queued })))
}

#[derive(Debug, Deserialize)]
pub struct ChaseForm {
    #[serde(default)]
    unit: Option<String>,
}

/// The dashboard's 催办 buttons: back to the dashboard, which says how many mails went out.
pub async fn page_chase(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period }): Path<PeriodPath>,
    PageForm(f): PageForm<ChaseForm>,
) -> Result<Redirect, PageError> {
    let period = page_period(&period)?;
    let queued = chase(&state, &actor, &gov, period, f.unit.as_deref()).await?;
    Ok(Redirect::to(&gov.link(&format!(
        "/work/{period}/dashboard?chased={queued}"
    ))))
}
