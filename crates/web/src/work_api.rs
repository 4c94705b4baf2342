//! The work API of INTERFACES.md: login, rounds, reports and their review, publishing.
//! Every handler asks `duban_core::access::may` before touching anything.

use crate::AppState;
use crate::auth::{self, ApiActor, ClientAddr};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use duban_core::Period;
use duban_core::access::{Action, Actor, EntryPeople, may};
use duban_store::{PublicationSummary, ReportEdit, ReportView, Review, RoundSummary, TokenKind};
use serde::Deserialize;
use serde_json::{Value, json};

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

/// `Json<T>` whose rejections (bad JSON, wrong fields) answer in the API's error format.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(|e| unprocessable("invalid_json", e.body_text()))
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<Value>, ApiError> {
    let user = auth::login(&state, &body.username, &body.password, &addr.0).await?;
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
    Ok(Json(json!({
        "token": secret,
        "expires_in": auth::API_TOKEN_TTL.as_secs(),
        "user": {"username": actor.username, "role": actor.role, "units": actor.units, "leader": actor.leader},
    })))
}

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
        state
            .store
            .delete_token(&auth::secret_hash(token.trim()))
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct OpenRound {
    period: String,
    due: String,
}

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

pub async fn save_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(edit): ApiJson<ReportEdit>,
) -> Result<Json<ReportView>, ApiError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::WriteReport(people(&r)))?;
    Ok(Json(
        state.store.save_report(id, &edit, &who(&actor)).await?,
    ))
}

pub async fn submit_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, Action::WriteReport(people(&r)))?;
    Ok(Json(state.store.submit_report(id, &who(&actor)).await?))
}

#[derive(Debug, Deserialize)]
pub struct ReturnBody {
    reason: String,
}

pub async fn return_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
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

pub async fn accept_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
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
