//! The office's plan page (`/work/plan`): a year's targets, and next year's plan made from them
//! (结转), as `duban plan rollover` does — the 长期坚持 targets ticked to start with, the office
//! ticking others or unticking these. Each carried target keeps its entries, leaders, units and
//! group, is renumbered from 1 in the new plan, and is linked to where it came from.
//!
//! The plan's targets are edited one by one in [`super::plan_targets`].

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::{PageActor, PageForm};
use crate::policy::who;
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor};
use duban_store::{PlanTarget, StoreError};
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
    /// What the office just did to a target: ("saved", "retired" or "restored", its number).
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
    let years = state.store.plan_years(&government).await?;
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
    /// Set after a retired target was restored: its number.
    #[serde(default)]
    restored: Option<u32>,
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
        .or(q.retired.map(|n| ("retired", n)))
        .or(q.restored.map(|n| ("restored", n)));
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
