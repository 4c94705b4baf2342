//! Reports (完成情况): a unit's save and submit through the API, a reviewer's return and accept
//! from the round page and through the API. (The unit's form lives with the round page it
//! comes back to on a refusal, in `rounds`.)

use crate::AppState;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, ApiPath, PageActor, PageForm, PagePath};
use crate::policy::{people, readable, require, who};
use axum::Json;
use axum::extract::State;
use axum::response::Redirect;
use duban_core::access::Action;
use duban_core::text::ReturnReason;
use duban_store::{ReportEdit, ReportView, Review};
use serde::Deserialize;

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
    require(&actor, &r.government, Action::ReviewReport)?;
    // An unknown action is refused, never taken for the destructive one.
    let review = match f.action.as_str() {
        "accept" => Review::Accept,
        "return" => Review::Return {
            reason: f.reason.unwrap_or_default(),
        },
        other => return Err(ApiError::unknown_choice("action", other).into()),
    };
    let reviewed = state.store.review_report(id, &review, &who(&actor)).await?;
    crate::mail::report_changed(&state, &reviewed).await;
    let base = crate::government::base_named(&state, &r.government).await?;
    Ok(Redirect::to(&format!("{base}/work/{}#r{id}", r.period)))
}

// ---- the API ----

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
    require(&actor, &r.government, Action::WriteReport(people(&r)))?;
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
    require(&actor, &r.government, Action::WriteReport(people(&r)))?;
    let submitted = state.store.submit_report(id, &who(&actor)).await?;
    crate::mail::report_changed(&state, &submitted).await;
    Ok(Json(submitted))
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
    let r = readable(&state, &actor, id).await?;
    require(&actor, &r.government, Action::ReviewReport)?;
    let review = Review::Return {
        reason: body.reason,
    };
    let returned = state.store.review_report(id, &review, &who(&actor)).await?;
    crate::mail::report_changed(&state, &returned).await;
    Ok(Json(returned))
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
    let r = readable(&state, &actor, id).await?;
    require(&actor, &r.government, Action::ReviewReport)?;
    Ok(Json(
        state
            .store
            .review_report(id, &Review::Accept, &who(&actor))
            .await?,
    ))
}
