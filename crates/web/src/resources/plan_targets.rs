//! A year's plan edited target by target: the forms under `/work/plan/{year}/targets/…` and
//! the same through `/api/v1/plans/{year}/targets`. Add a target, rewrite its text, deadline,
//! group and entries, or retire it. What a change does to rounds and publications is the
//! store's rule (`duban_store::Plans`).

use crate::AppState;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, ApiPath, PageActor, PageForm, PagePath};
use crate::government::Gov;
use crate::policy::{require, who};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor};
use duban_core::{TargetDraft, TargetNo};
use duban_store::{PlanRef, PlannedTarget, StoreError};
use serde::Deserialize;

/// `/api/v1/plans/{year}/targets`.
#[derive(Debug, Deserialize)]
pub struct YearPath {
    year: i16,
}

/// `/api/v1/plans/{year}/targets/{no}`.
#[derive(Debug, Deserialize)]
pub struct PlanTargetPath {
    year: i16,
    no: u32,
}

impl PlanTargetPath {
    fn no(&self) -> Result<TargetNo, ApiError> {
        TargetNo::new(self.no).map_err(|e| ApiError::not_found(e.to_string()))
    }
}

/// A year's plan: every target, retired ones too (with `retired_at`), and the entries that
/// answer for each (office).
#[utoipa::path(
    get,
    path = "/api/v1/plans/{year}/targets",
    tag = "work",
    security(("bearer" = [])),
    params(("year" = i16, Path, description = "The plan's year")),
    responses(
        (status = 200, description = "The plan's targets by number; empty when the year has no plan", body = Vec<PlannedTarget>),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 422, description = "A path parameter is not a number (`invalid_path`)", body = ErrorBody),
    ),
)]
pub async fn api_plan(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<YearPath>,
) -> Result<Json<Vec<PlannedTarget>>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    Ok(Json(state.store.plan(gov.name(), p.year).await?))
}

/// One target of a year's plan (office).
#[utoipa::path(
    get,
    path = "/api/v1/plans/{year}/targets/{no}",
    tag = "work",
    security(("bearer" = [])),
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number"),
    ),
    responses(
        (status = 200, description = "The target", body = PlannedTarget),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 422, description = "A path parameter is not a number (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No such target (`not_found`)", body = ErrorBody),
    ),
)]
pub async fn api_target(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<PlanTargetPath>,
) -> Result<Json<PlannedTarget>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    Ok(Json(planned(&state, &gov, &p).await?))
}

/// Adds a target to a year's plan (making the plan when the year has none): numbered as `no`
/// says, or next after the highest. Every round of the plan still collecting gets a draft
/// report for each of its entries at once. Audited as `target.create` (office).
#[utoipa::path(
    post,
    path = "/api/v1/plans/{year}/targets",
    tag = "work",
    security(("bearer" = [])),
    params(("year" = i16, Path, description = "The plan's year")),
    request_body = TargetDraft,
    responses(
        (status = 201, description = "The target as added", body = PlannedTarget),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 409, description = "The number is taken (`target_exists`)", body = ErrorBody),
        (status = 422, description = "A field is wrong; the message names it (`invalid`, `invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_add(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<YearPath>,
    ApiJson(draft): ApiJson<TargetDraft>,
) -> Result<(StatusCode, Json<PlannedTarget>), ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let made = state
        .store
        .add_target(gov.name(), p.year, &draft, &who(&actor))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Rewrites a target: text, deadline, group and entries (matched by their order). Its open
/// reports follow their entries, so a new lead unit's clerks see them at once; an entry added
/// gets draft reports in the rounds still collecting; an entry left out is retired. The
/// published tables stay as they are: the change shows in the next publication. Audited as
/// `target.update` with before and after (office).
#[utoipa::path(
    put,
    path = "/api/v1/plans/{year}/targets/{no}",
    tag = "work",
    security(("bearer" = [])),
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number"),
    ),
    request_body = TargetDraft,
    responses(
        (status = 200, description = "The target as it now is", body = PlannedTarget),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such target (`not_found`)", body = ErrorBody),
        (status = 409, description = "The target is retired (`target_retired`)", body = ErrorBody),
        (status = 422, description = "A field is wrong; the message names it (`invalid`, `invalid_json`)", body = ErrorBody),
    ),
)]
pub async fn api_edit(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<PlanTargetPath>,
    ApiJson(draft): ApiJson<TargetDraft>,
) -> Result<Json<PlannedTarget>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let no = p.no()?;
    let edited = state
        .store
        .edit_target(gov.name(), p.year, no, &draft, &who(&actor))
        .await?;
    Ok(Json(edited))
}

/// Retires a target (撤销): it keeps its number, no later round asks for it, and its reports
/// in rounds never published are withdrawn (their text stays in the audit record). Published
/// tables keep it. Audited as `target.retire` (office).
#[utoipa::path(
    delete,
    path = "/api/v1/plans/{year}/targets/{no}",
    tag = "work",
    security(("bearer" = [])),
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number"),
    ),
    responses(
        (status = 200, description = "The target, retired", body = PlannedTarget),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 422, description = "A path parameter is not a number (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No such target (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already retired (`target_retired`)", body = ErrorBody),
    ),
)]
pub async fn api_retire(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<PlanTargetPath>,
) -> Result<Json<PlannedTarget>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let no = p.no()?;
    let retired = state
        .store
        .retire_target(gov.name(), p.year, no, &who(&actor))
        .await?;
    Ok(Json(retired))
}

/// Restores a retired target (恢复): it and the entries retired with it are live again, with
/// draft reports in the rounds still collecting. Reports the retirement withdrew stay in its
/// audit record. Audited as `target.restore` (office).
#[utoipa::path(
    post,
    path = "/api/v1/plans/{year}/targets/{no}/restore",
    tag = "work",
    security(("bearer" = [])),
    params(
        ("year" = i16, Path, description = "The plan's year"),
        ("no" = u32, Path, description = "The target's number"),
    ),
    responses(
        (status = 200, description = "The target, live again", body = PlannedTarget),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yours to do (`forbidden`)", body = ErrorBody),
        (status = 422, description = "A path parameter is not a number (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No such target (`not_found`)", body = ErrorBody),
        (status = 409, description = "The target is not retired (`target_not_retired`)", body = ErrorBody),
    ),
)]
pub async fn api_restore(
    State(state): State<AppState>,
    gov: Gov,
    ApiActor(actor): ApiActor,
    ApiPath(p): ApiPath<PlanTargetPath>,
) -> Result<Json<PlannedTarget>, ApiError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let no = p.no()?;
    let restored = state
        .store
        .restore_target(gov.name(), p.year, no, &who(&actor))
        .await?;
    Ok(Json(restored))
}

/// One entry's fields on the target form: names as typed, separated by spaces or 、.
struct EntryFields {
    units: String,
    leaders: String,
    assisting: String,
    /// The blank entry offered for adding one.
    is_new: bool,
}

impl EntryFields {
    fn blank() -> EntryFields {
        EntryFields {
            units: String::new(),
            leaders: String::new(),
            assisting: String::new(),
            is_new: true,
        }
    }
}

#[derive(Template)]
#[template(path = "work_plan_target.html")]
struct TargetPage {
    l: Labels,
    who: String,
    government: String,
    year: i16,
    /// None for a new target.
    no: Option<u32>,
    /// Where the form posts: the target's path, or the plan's targets for a new one.
    action: String,
    plan_href: String,
    content: String,
    deadline: String,
    /// One heading a line.
    group: String,
    entries: Vec<EntryFields>,
    retired_at: Option<String>,
    predecessor: Option<PlanRef>,
    error: Option<String>,
}

/// The plan page of a government's year, where a saved form returns.
fn plan_href(government: &str, year: i16, notice: Option<(&str, u32)>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("government", government)
        .append_pair("year", &year.to_string());
    if let Some((k, no)) = notice {
        q.append_pair(k, &no.to_string());
    }
    format!("/work/plan?{}", q.finish())
}

fn names_text<T: std::fmt::Display>(names: &[T]) -> String {
    names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl TargetPage {
    fn of(
        gov: &Gov,
        actor: &Actor,
        year: i16,
        target: Option<&PlannedTarget>,
        error: Option<String>,
    ) -> TargetPage {
        let mut entries: Vec<EntryFields> = target
            .map(|t| {
                t.entries
                    .iter()
                    .map(|e| EntryFields {
                        units: names_text(&e.units),
                        leaders: names_text(&e.leaders),
                        assisting: names_text(&e.assisting_units),
                        is_new: false,
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.push(EntryFields::blank());
        let no = target.map(|t| t.no.get());
        TargetPage {
            l: Labels::new(Lang::Zh, "/work/plan"),
            who: nav_who(actor),
            government: gov.name().to_owned(),
            year,
            no,
            action: gov.link(&match no {
                Some(n) => format!("/work/plan/{year}/targets/{n}"),
                None => format!("/work/plan/{year}/targets"),
            }),
            plan_href: plan_href(gov.name(), year, None),
            content: target.map(|t| t.content.clone()).unwrap_or_default(),
            deadline: target.map(|t| t.deadline.clone()).unwrap_or_default(),
            group: target.map(|t| t.group.join("\n")).unwrap_or_default(),
            entries,
            retired_at: target
                .and_then(|t| t.retired_at.as_deref().map(|at| shown_time(at, Lang::Zh))),
            predecessor: target.and_then(|t| t.predecessor),
            error,
        }
    }

    /// The page again with what was typed, after a refusal.
    fn refill(mut self, form: &[(String, String)]) -> TargetPage {
        let field = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        self.content = field("content");
        self.deadline = field("deadline");
        self.group = field("group");
        let mut entries: Vec<EntryFields> = typed_entries(form)
            .into_iter()
            .map(|[units, leaders, assisting]| EntryFields {
                units,
                leaders,
                assisting,
                is_new: false,
            })
            .collect();
        entries.push(EntryFields::blank());
        self.entries = entries;
        self
    }
}

/// The entries' fields as typed (`units.N`, `leaders.N`, `assisting.N`), in their order;
/// entries left wholly blank are dropped.
fn typed_entries(form: &[(String, String)]) -> Vec<[String; 3]> {
    let mut by_index: std::collections::BTreeMap<usize, [String; 3]> = Default::default();
    for (k, v) in form {
        let Some((kind, i)) = k.split_once('.') else {
            continue;
        };
        let slot = match kind {
            "units" => 0,
            "leaders" => 1,
            "assisting" => 2,
            _ => continue,
        };
        if let Ok(i) = i.parse::<usize>() {
            by_index.entry(i).or_default()[slot] = v.clone();
        }
    }
    by_index
        .into_values()
        .filter(|e| e.iter().any(|f| !f.trim().is_empty()))
        .collect()
}

/// Names typed into one field. Names never hold white space or 、，,;； (the 一览表 separates
/// units with them), so any of those separates.
fn typed_names(field: &str) -> Vec<&str> {
    field
        .split(|c: char| c.is_whitespace() || "、，,;；".contains(c))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The draft a target form says. Going through the draft's own deserialisation applies the
/// API's caps and messages to the form too.
fn draft_of(form: &[(String, String)]) -> Result<TargetDraft, String> {
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let group: Vec<&str> = field("group")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let entries: Vec<serde_json::Value> = typed_entries(form)
        .iter()
        .map(|[units, leaders, assisting]| {
            serde_json::json!({
                "units": typed_names(units),
                "leaders": typed_names(leaders),
                "assisting_units": typed_names(assisting),
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "content": field("content").trim(),
        "deadline": field("deadline").trim(),
        "group": group,
        "entries": entries,
    }))
    .map_err(|e| e.to_string())
}

/// What a refused save shows: the store's message, with the HTTP status it maps to.
fn refusal(e: StoreError) -> Result<(StatusCode, String), PageError> {
    match e {
        StoreError::Invalid(m) => Ok((StatusCode::UNPROCESSABLE_ENTITY, m)),
        e @ StoreError::Conflict { .. } => Ok((StatusCode::CONFLICT, e.to_string())),
        e => Err(PageError(ApiError::from(e))),
    }
}

async fn planned(
    state: &AppState,
    gov: &Gov,
    p: &PlanTargetPath,
) -> Result<PlannedTarget, ApiError> {
    let no = p.no()?;
    state
        .store
        .plan_target(gov.name(), p.year, no)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target {no} of the {} plan", p.year)))
}

/// Saves a target form: a new target when `current` is `None`, else that target rewritten.
/// Saved, back to the plan page; refused, the form again with the field named and what was
/// typed kept.
async fn save_form(
    state: &AppState,
    gov: &Gov,
    actor: &Actor,
    year: i16,
    current: Option<&PlannedTarget>,
    form: &[(String, String)],
) -> Result<Response, PageError> {
    let refused = |status: StatusCode, message: String| -> Result<Response, PageError> {
        let page = TargetPage::of(gov, actor, year, current, Some(message)).refill(form);
        Ok((status, html(&page)?).into_response())
    };
    let draft = match draft_of(form) {
        Ok(d) => d,
        Err(m) => return refused(StatusCode::UNPROCESSABLE_ENTITY, m),
    };
    let saved = match current {
        None => {
            state
                .store
                .add_target(gov.name(), year, &draft, &who(actor))
                .await
        }
        Some(t) => {
            state
                .store
                .edit_target(gov.name(), year, t.no, &draft, &who(actor))
                .await
        }
    };
    match saved {
        Ok(t) => Ok(
            Redirect::to(&plan_href(gov.name(), year, Some(("saved", t.no.get())))).into_response(),
        ),
        Err(e) => {
            let (status, m) = refusal(e)?;
            refused(status, m)
        }
    }
}

/// `GET /work/plan/{year}/targets/new`: an empty target form.
pub async fn page_new_target(
    State(_state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<YearPath>,
) -> Result<Html<String>, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    html(&TargetPage::of(&gov, &actor, p.year, None, None))
}

/// `GET /work/plan/{year}/targets/{no}`: a target's form, filled in.
pub async fn page_target(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<PlanTargetPath>,
) -> Result<Html<String>, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let t = planned(&state, &gov, &p).await?;
    html(&TargetPage::of(&gov, &actor, p.year, Some(&t), None))
}

/// `POST /work/plan/{year}/targets`: adds the target the form says; a refusal comes back on
/// the form with what was typed.
pub async fn page_add_target(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<YearPath>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    save_form(&state, &gov, &actor, p.year, None, &form).await
}

/// `POST /work/plan/{year}/targets/{no}`: rewrites the target as the form says.
pub async fn page_save_target(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<PlanTargetPath>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let current = planned(&state, &gov, &p).await?;
    save_form(&state, &gov, &actor, p.year, Some(&current), &form).await
}

/// `POST /work/plan/{year}/targets/{no}/retire`: retires the target once the box is ticked.
pub async fn page_retire_target(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<PlanTargetPath>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let current = planned(&state, &gov, &p).await?;
    if !form.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        let page = TargetPage::of(
            &gov,
            &actor,
            p.year,
            Some(&current),
            Some("请勾选确认后再撤销 Tick the box to confirm the retirement".into()),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    }
    match state
        .store
        .retire_target(gov.name(), p.year, current.no, &who(&actor))
        .await
    {
        Ok(t) => Ok(Redirect::to(&plan_href(
            gov.name(),
            p.year,
            Some(("retired", t.no.get())),
        ))
        .into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            let page = TargetPage::of(&gov, &actor, p.year, Some(&current), Some(m));
            Ok((status, html(&page)?).into_response())
        }
    }
}

/// `POST /work/plan/{year}/targets/{no}/restore`: brings a retired target back.
pub async fn page_restore_target(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    PagePath(p): PagePath<PlanTargetPath>,
) -> Result<Response, PageError> {
    require(&actor, gov.name(), Action::ManageRounds)?;
    let current = planned(&state, &gov, &p).await?;
    match state
        .store
        .restore_target(gov.name(), p.year, current.no, &who(&actor))
        .await
    {
        Ok(t) => Ok(Redirect::to(&plan_href(
            gov.name(),
            p.year,
            Some(("restored", t.no.get())),
        ))
        .into_response()),
        Err(e) => {
            let (status, m) = refusal(e)?;
            let page = TargetPage::of(&gov, &actor, p.year, Some(&current), Some(m));
            Ok((status, html(&page)?).into_response())
        }
    }
}
