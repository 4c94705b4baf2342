//! The work API of INTERFACES.md: login, rounds, reports and their review, publishing.
//! Every handler asks `duban_core::access::may` before touching anything.

use crate::AppState;
use crate::auth::{self, ApiActor, ClientAddr};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::ErrorBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use duban_core::Period;
use duban_core::access::{Action, Actor, EntryPeople, may};
use duban_core::text::{Password, ReturnReason, UserName};
use duban_core::{Leader, Unit, access::Role};
use duban_store::{PublicationSummary, ReportEdit, ReportView, Review, RoundSummary, TokenKind};
use serde::{Deserialize, Serialize};

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "这不是你的权限范围 / not yours to do",
    )
}

pub(crate) fn require(actor: &Actor, action: Action<'_>) -> Result<(), ApiError> {
    if may(actor, action) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

pub(crate) fn people(r: &ReportView) -> EntryPeople<'_> {
    EntryPeople {
        leaders: &r.leaders,
        units: &r.units,
    }
}

fn period(s: &str) -> Result<Period, ApiError> {
    s.parse().map_err(|e: duban_core::period::PeriodError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
            e.to_string(),
        )
    })
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The actor's name as the audit log records it.
pub(crate) fn who(actor: &Actor) -> String {
    format!("user:{}", actor.username)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    username: UserName,
    password: Password,
}

/// What a login answers: the bearer token (shown once) and who it speaks for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    /// Send as `Authorization: Bearer TOKEN`.
    token: String,
    /// Seconds until the token expires.
    expires_in: u64,
    user: LoginUser,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginUser {
    username: String,
    role: Role,
    /// For a unit account: the 责任单位 it speaks for.
    units: Vec<Unit>,
    /// For a leader account: the 市政府领导 it is.
    leader: Option<Leader>,
}

/// Exchanges a name and password for a bearer token. Failed logins are throttled per name and
/// per address.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "work",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 401, description = "Wrong user name or password (`bad_credentials`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
        (status = 429, description = "Too many failed logins (`too_many_attempts`)", body = ErrorBody),
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let user = auth::login(
        &state,
        body.username.as_str(),
        body.password.as_str(),
        &addr.0,
    )
    .await?;
    let (secret, hash) = auth::new_secret()?;
    state
        .store
        .create_token(user, &hash, TokenKind::Api, auth::API_TOKEN_TTL)
        .await?;
    let actor = state
        .store
        .actor(user)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(LoginAnswer {
        token: secret,
        expires_in: auth::API_TOKEN_TTL.as_secs(),
        user: LoginUser {
            username: actor.username,
            role: actor.role,
            units: actor.units,
            leader: actor.leader,
        },
    }))
}

/// Revokes the token the request was sent with.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "work",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    ApiActor(_): ApiActor,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let hash = auth::secret_hash(token.trim());
        state.store.delete_token(&hash).await?;
        state.actors.forget_token(&hash);
    }
    Ok(StatusCode::NO_CONTENT)
}

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
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<OpenRound>,
) -> Result<(StatusCode, Json<RoundSummary>), ApiError> {
    require(&actor, Action::ManageRounds)?;
    let p = period(&body.period)?;
    let due: jiff::civil::Date = body.due.parse().map_err(|_| {
        unprocessable(
            "invalid_due",
            format!("“{}” is not a date (YYYY-MM-DD)", body.due),
        )
    })?;
    let r = state.store.open_round(p, due, &who(&actor)).await?;
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
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<Json<RoundSummary>, ApiError> {
    require(&actor, Action::ManageRounds)?;
    Ok(Json(
        state.store.close_round(period(&p)?, &who(&actor)).await?,
    ))
}

/// Freezes the round's accepted reports as a publication and returns its hash (admin).
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{period}/publish",
    tag = "work",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q4")),
    responses(
        (status = 200, description = "Published", body = PublicationSummary),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such round (`not_found`)", body = ErrorBody),
        (status = 409, description = "The round cannot be published in its state, or has nothing accepted", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<Json<PublicationSummary>, ApiError> {
    require(&actor, Action::ManageRounds)?;
    let p = period(&p)?;
    let publication = state.store.publish(p, &who(&actor)).await?;
    state.cache.forget_period(&p.to_string());
    Ok(Json(publication))
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
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    let all = state.store.reports(period(&p)?).await?;
    Ok(Json(
        all.into_iter()
            .filter(|r| may(&actor, Action::ReadReport(people(r))))
            .collect(),
    ))
}

/// Loads a report the caller may read; 404 (not 403) for one they may not, so ids do not say
/// what exists.
pub(crate) async fn readable(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<ReportView, ApiError> {
    let r = state
        .store
        .report(id)
        .await?
        .ok_or_else(|| ApiError::not_found("report"))?;
    if may(actor, Action::ReadReport(people(&r))) {
        Ok(r)
    } else {
        Err(ApiError::not_found("report"))
    }
}

/// Saves a draft or a correction (the lead unit of the entry). Send the `version` you read to
/// be refused (409 `stale_version`) rather than overwrite someone else's save.
#[utoipa::path(
    put,
    path = "/api/v1/reports/{id}",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    request_body = ReportEdit,
    responses(
        (status = 200, description = "Saved", body = ReportView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 409, description = "The report is submitted or accepted, the round is not open (`wrong_report_state`, `wrong_round_state`), or `version` is stale (`stale_version`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn save_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<ReportEdit>,
) -> Result<Json<ReportView>, ApiError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::WriteReport(people(&r)))?;
    Ok(Json(
        state.store.save_report(&r, &edit, &who(&actor)).await?,
    ))
}

/// Submits a report for review (the lead unit of the entry).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/submit",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    responses(
        (status = 200, description = "Submitted", body = ReportView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not submittable in its state, or the round is closed", body = ErrorBody),
    ),
)]
pub async fn submit_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::WriteReport(people(&r)))?;
    Ok(Json(state.store.submit_report(id, &who(&actor)).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReturnBody {
    /// Why, for the unit to correct.
    reason: ReturnReason,
}

/// Returns a submitted report to its unit with a reason (reviewer or admin).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/return",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    request_body = ReturnBody,
    responses(
        (status = 200, description = "Returned", body = ReportView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not submitted, so nothing to return", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
    ),
)]
pub async fn return_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReturnBody>,
) -> Result<Json<ReportView>, ApiError> {
    readable(&state, &actor, id).await?;
    require(&actor, Action::ReviewReport)?;
    let review = Review::Return {
        reason: body.reason,
    };
    Ok(Json(
        state.store.review_report(id, &review, &who(&actor)).await?,
    ))
}

/// Accepts a submitted report (reviewer or admin).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/accept",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    responses(
        (status = 200, description = "Accepted", body = ReportView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not submitted, so nothing to accept", body = ErrorBody),
    ),
)]
pub async fn accept_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReportView>, ApiError> {
    readable(&state, &actor, id).await?;
    require(&actor, Action::ReviewReport)?;
    Ok(Json(
        state
            .store
            .review_report(id, &Review::Accept, &who(&actor))
            .await?,
    ))
}
