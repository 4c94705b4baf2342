//! The office's plan page (`/work/plan`): a year's targets, and next year's plan made from them
//! (结转), as `duban plan rollover` does — the 长期坚持 targets ticked to start with, the office
//! ticking others or unticking these. Each carried target keeps its entries, leaders, units and
//! group, is renumbered from 1 in the new plan, and is linked to where it came from.
//!
//! The plan is edited here too, target by target (`/work/plan/{year}/targets/…`, and the same
//! through `/api/v1/plans/{year}/targets`): add one, rewrite its text, deadline, group and
//! entries, or retire it. What a change does to rounds and publications is the store's rule
//! (`duban_store::Plans`).

use crate::AppState;
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, ApiPath, PageActor, PageForm, PagePath};
use crate::government::Gov;
use crate::policy::{require, who};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who, shown_time};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor};
use duban_core::{TargetDraft, TargetNo};
use duban_store::{PlanRef, PlanTarget, PlannedTarget, StoreError};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_plan.html")]
struct PlanPage {
    l: Labels,
    who: String,
    government: String,
    year: i16,
    /// The years the government has a plan for, newest first.
    years: Vec<i16>,
    targets: Vec<PlanTarget>,
    /// What the rollover form starts with: the year to make, and the numbers ticked.
    to: i16,
    ticked: Vec<i64>,
    /// Why a rollover was refused.
    error: Option<String>,
    /// The plan just made: (year, how many targets).
    made: Option<(i16, usize)>,
    /// What the office just did to a target: ("saved" or "retired", its number).
    done: Option<(&'static str, u32)>,
    /// Where the government's target forms live (its prefix when the site holds several).
    base: String,
    /// The numbers of the year's retired targets.
    retired: Vec<u32>,
}

/// The caller's government (the platform's office must name one, as on the units page).
async fn government_of(
    state: &AppState,
    actor: &Actor,
    asked: Option<&str>,
) -> Result<String, ApiError> {
    let (name, _) = super::units::government_of(state, actor, asked, Action::ManageRounds).await?;
    if name.is_empty() {
        return Err(ApiError::not_found(
            "government: name one with ?government=",
        ));
    }
    Ok(name)
}

/// The years with a plan, newest first: those with rounds, and those made by a rollover.
async fn years_of(state: &AppState, government: &str) -> Result<Vec<i16>, ApiError> {
    let mut years: Vec<i16> = state
        .store
        .rounds()
        .await?
        .iter()
        .filter(|r| r.government == government)
        .map(|r| r.period.year())
        .collect();
    // A plan made by a rollover has no round yet; the year after the newest may be one.
    if let Some(next) = years.iter().max().map(|y| y + 1)
        && !state.store.plan_targets(government, next).await?.is_empty()
    {
        years.push(next);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

#[derive(Default)]
struct Shown {
    year: Option<i16>,
    error: Option<String>,
    ticked: Option<Vec<i64>>,
    to: Option<i16>,
    made: Option<(i16, usize)>,
    done: Option<(&'static str, u32)>,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    government: String,
    shown: Shown,
) -> Result<Html<String>, PageError> {
    let years = years_of(state, &government).await?;
    let year = shown
        .year
        .or_else(|| years.first().copied())
        .ok_or_else(|| ApiError::not_found("plan: import a table or open a round first"))?;
    let targets = state.store.plan_targets(&government, year).await?;
    let retired = state
        .store
        .plan(&government, year)
        .await?
        .iter()
        .filter(|t| t.retired_at.is_some())
        .map(|t| t.no.get())
        .collect();
    let base = crate::government::base_named(state, &government).await?;
    let ongoing = duban_core::Deadline::Ongoing.to_string();
    let ticked = shown.ticked.unwrap_or_else(|| {
        targets
            .iter()
            .filter(|t| t.deadline == ongoing)
            .map(|t| t.no)
            .collect()
    });
    html(&PlanPage {
        l: Labels::new(Lang::Zh, "/work/plan"),
        who: nav_who(actor),
        government,
        year,
        years,
        to: shown.to.unwrap_or(year + 1),
        targets,
        ticked,
        error: shown.error,
        made: shown.made,
        done: shown.done,
        base,
        retired,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    government: Option<String>,
    #[serde(default)]
    year: Option<i16>,
    /// Set after a rollover: how many targets the new plan got.
    #[serde(default)]
    made: Option<usize>,
    /// Set after a target's form was saved: its number.
    #[serde(default)]
    saved: Option<u32>,
    /// Set after a target was retired: its number.
    #[serde(default)]
    retired: Option<u32>,
}

pub async fn page_plan(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PlanQuery>,
) -> Result<Html<String>, PageError> {
    let government = government_of(&state, &actor, q.government.as_deref()).await?;
    let made = q.made.zip(q.year).map(|(n, y)| (y, n));
    let done = q
        .saved
        .map(|n| ("saved", n))
        .or(q.retired.map(|n| ("retired", n)));
    let shown = Shown {
        year: q.year,
        made,
        done,
        ..Shown::default()
    };
    page(&state, &actor, government, shown).await
}

/// The rollover form: `government`, `from`, `to`, and a `pick` per ticked target. A refusal
/// comes back on the page with the ticks kept.
pub async fn page_rollover(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let government = government_of(&state, &actor, field("government")).await?;
    let year = |k: &str| -> Result<i16, ApiError> {
        field(k).and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_form",
                format!("{k}: a year such as 2024"),
            )
        })
    };
    let (from, to) = (year("from")?, year("to")?);
    let mut pick = Vec::new();
    for (k, v) in fields.iter().filter(|(k, _)| k == "pick") {
        let no: u32 = v.parse().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_form",
                format!("{k}: “{v}” is not a target number"),
            )
        })?;
        pick.push(no);
    }
    let refused = |status: StatusCode, message: String| {
        let (state, actor, government) = (&state, &actor, government.clone());
        let shown = Shown {
            year: Some(from),
            error: Some(message),
            ticked: Some(pick.iter().map(|n| i64::from(*n)).collect()),
            to: Some(to),
            ..Shown::default()
        };
        async move {
            let html = page(state, actor, government, shown).await?;
            Ok::<Response, PageError>((status, html).into_response())
        }
    };
    match state
        .store
        .rollover(&government, from, to, &pick, &who(&actor))
        .await
    {
        Ok(out) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("government", &government)
                .append_pair("year", &to.to_string())
                .append_pair("made", &out.targets.len().to_string())
                .finish();
            Ok(Redirect::to(&format!("/work/plan?{query}")).into_response())
        }
        Err(StoreError::Invalid(m)) => refused(StatusCode::UNPROCESSABLE_ENTITY, m).await,
        Err(e @ (StoreError::Conflict { .. } | StoreError::NotFound(_))) => {
            let status = if matches!(e, StoreError::NotFound(_)) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::CONFLICT
            };
            refused(status, e.to_string()).await
        }
        Err(e) => Err(PageError(ApiError::from(e))),
    }
}

// ---------------------------------------------------------------------------------------------
// Editing a plan: the API, then the pages.

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
