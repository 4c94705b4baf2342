//! Leaders' comments (批示意见) on reports, for the reviewers: a leader writes on the reports of
//! their own targets; reviewers, the office and those leaders read them; units and the public
//! do not (`duban_core::access::Action::ReadComments`).

use crate::AppState;
use crate::error::ErrorBody;
use crate::error::{ApiError, PageError};
use crate::extract::ApiActor;
use crate::extract::PageActor;
use crate::extract::{ApiJson, ApiPath, PageForm, PagePath};
use crate::policy::{people, readable, require, who};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use duban_core::access::{Action, Actor};
use duban_core::text::CommentBody;
use duban_store::{CommentView, ReportView};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewComment {
    /// What the leader says to the reviewers.
    body: CommentBody,
}

async fn add(
    state: &AppState,
    actor: &Actor,
    id: i64,
    body: &CommentBody,
) -> Result<(ReportView, CommentView), ApiError> {
    let r = readable(state, actor, id).await?;
    require(actor, &r.government, Action::CommentReport(people(&r)))?;
    let c = state
        .store
        .add_comment(id, body, actor.user_id, &who(actor))
        .await?;
    Ok((r, c))
}

/// The leaders' comments on a report, oldest first (reviewers, the office and the report's
/// leaders).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/comments",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    responses(
        (status = 200, description = "The comments", body = Vec<CommentView>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to read (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
    ),
)]
pub async fn api_list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    let r = readable(&state, &actor, id).await?;
    require(&actor, &r.government, Action::ReadComments(people(&r)))?;
    Ok(Json(state.store.comments(&[id]).await?))
}

/// Comments on a report for the reviewers (a leader of the entry, or the office).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/comments",
    tag = "work",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report id")),
    request_body = NewComment,
    responses(
        (status = 201, description = "Added", body = CommentView),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such report, or not one you may see (`not_found`)", body = ErrorBody),
        (status = 422, description = "Empty or too long (`invalid`), or bad JSON (`invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_add(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<(StatusCode, Json<CommentView>), ApiError> {
    let (_, c) = add(&state, &actor, id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    body: CommentBody,
}

pub async fn page_add(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<CommentForm>,
) -> Result<Redirect, PageError> {
    let (r, _) = add(&state, &actor, id, &f.body).await?;
    let base = crate::government::base_named(&state, &r.government).await?;
    Ok(Redirect::to(&format!("{base}/work/{}#r{id}", r.period)))
}
