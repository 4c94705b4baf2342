//! The office's unit directory (单位名录): every unit of the government's plans, the names it
//! also answers to, the accounts that speak for it, and renaming a unit after a reorganisation
//! (机构改革) with its history kept: what was published keeps the old name, each name finds the
//! other in search, and the audit log says who renamed what, when.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::{PageActor, PageForm};
use crate::policy::{require, require_role, who};
use crate::view::i18n::{Labels, Lang};
use crate::view::{html, nav_who};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::{Action, Actor};
use duban_store::StoreError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_units.html")]
struct UnitsPage {
    l: Labels,
    who: String,
    /// The government whose units these are.
    government: String,
    /// For the platform's office: every government, to choose from.
    governments: Vec<(String, String)>,
    rows: Vec<Row>,
    error: Option<(String, String)>,
    /// A refusal about a unit with no row here (a name typed by hand): shown above the table.
    error_above: Option<String>,
    renamed: Option<String>,
}

struct Row {
    name: String,
    /// The names it also answers to (short names, former names).
    aliases: Vec<String>,
    accounts: Vec<String>,
}

/// Whose page an office page is: the caller's government; for the platform's office, the one
/// asked for (by name or id), or the only one (empty when it must choose), with every
/// government to choose from. The caller must be allowed `action` there.
pub(crate) async fn government_of(
    state: &AppState,
    actor: &Actor,
    asked: Option<&str>,
    action: Action<'static>,
) -> Result<(String, Vec<(String, String)>), ApiError> {
    require_role(actor, action)?;
    let all = state.governments.get(state, false).await?;
    let choices: Vec<(String, String)> = if actor.government.is_none() {
        all.iter()
            .map(|g| (g.code.as_str().to_owned(), g.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let name = match (&actor.government, asked.filter(|a| !a.is_empty())) {
        (Some(g), _) => g.clone(),
        (None, Some(a)) => all
            .iter()
            .find(|g| g.name == a || g.code.as_str() == a)
            .map(|g| g.name.clone())
            .ok_or_else(|| ApiError::not_found("government"))?,
        (None, None) => match all.as_slice() {
            [only] => only.name.clone(),
            _ => String::new(),
        },
    };
    if !name.is_empty() {
        require(actor, &name, action)?;
    }
    Ok((name, choices))
}

async fn page(
    state: &AppState,
    actor: &Actor,
    (government, governments): (String, Vec<(String, String)>),
    error: Option<(String, String)>,
    renamed: Option<String>,
) -> Result<Html<String>, PageError> {
    let aliases = state.store.aliases(&government).await?;
    let users = state.store.users(Some(&government)).await?;
    let rows: Vec<Row> = state
        .store
        .unit_names(&government)
        .await?
        .into_iter()
        .map(|name| Row {
            aliases: aliases
                .iter()
                .filter(|(_, unit)| *unit == name)
                .map(|(alias, _)| alias.clone())
                .collect(),
            accounts: users
                .iter()
                .filter(|u| u.units.contains(&name))
                .map(|u| u.username.clone())
                .collect(),
            name,
        })
        .collect();
    let error_above = error
        .as_ref()
        .filter(|(unit, _)| !rows.iter().any(|r: &Row| &r.name == unit))
        .map(|(_, message)| message.clone());
    html(&UnitsPage {
        error_above,
        l: Labels::new(Lang::Zh, "/work/units"),
        who: nav_who(actor),
        government,
        governments,
        rows,
        error,
        renamed,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    government: Option<String>,
    #[serde(default)]
    renamed: Option<String>,
}

pub async fn page_list(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    axum::extract::Query(q): axum::extract::Query<DirectoryQuery>,
) -> Result<Html<String>, PageError> {
    let of = government_of(
        &state,
        &actor,
        q.government.as_deref(),
        Action::ManageAccounts,
    )
    .await?;
    page(&state, &actor, of, None, q.renamed).await
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    government: String,
    from: String,
    #[serde(default)]
    to: String,
}

/// Renames a unit; a refusal comes back on the page, next to the unit, with the name typed.
pub async fn page_rename(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<RenameForm>,
) -> Result<Response, PageError> {
    let of = government_of(&state, &actor, Some(&f.government), Action::ManageAccounts).await?;
    if of.0.is_empty() {
        return Err(ApiError::not_found("government").into());
    }
    let government = of.0.clone();
    let refused = |status: StatusCode, message: String| {
        let (state, actor) = (&state, &actor);
        let at = (f.from.clone(), message);
        async move {
            let html = page(state, actor, of, Some(at), None).await?;
            Ok::<Response, PageError>((status, html).into_response())
        }
    };
    match state
        .store
        .rename_unit(&government, &f.from, &f.to, &who(&actor))
        .await
    {
        Ok(()) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("government", &government)
                .append_pair("renamed", f.to.trim())
                .finish();
            Ok(Redirect::to(&format!("/work/units?{query}")).into_response())
        }
        Err(StoreError::Invalid(m)) => {
            refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("新名称 New name: {m}"),
            )
            .await
        }
        Err(e @ StoreError::Conflict { .. }) => refused(StatusCode::CONFLICT, e.to_string()).await,
        Err(e) => Err(PageError(ApiError::from(e))),
    }
}

#[derive(Debug, Deserialize)]
pub struct AliasForm {
    #[serde(default)]
    government: String,
    unit: String,
    #[serde(default)]
    alias: String,
}

/// Adds a short name the public may search a unit by (发改委 → 市发展改革委), as `duban alias
/// add` does; a refusal comes back on the page, next to the unit.
pub async fn page_alias(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<AliasForm>,
) -> Result<Response, PageError> {
    let of = government_of(&state, &actor, Some(&f.government), Action::ManageAccounts).await?;
    if of.0.is_empty() {
        return Err(ApiError::not_found("government").into());
    }
    let government = of.0.clone();
    match state
        .store
        .add_alias(&government, &f.alias, &f.unit, &who(&actor))
        .await
    {
        Ok(()) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("government", &government)
                .finish();
            Ok(Redirect::to(&format!("/work/units?{query}#aliases")).into_response())
        }
        Err(
            e @ (StoreError::Invalid(_) | StoreError::NotFound(_) | StoreError::Conflict { .. }),
        ) => {
            let status = match e {
                StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                StoreError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            let html = page(
                &state,
                &actor,
                of,
                Some((f.unit.clone(), format!("简称 Short name: {e}"))),
                None,
            )
            .await?;
            Ok((status, html).into_response())
        }
        Err(e) => Err(PageError(ApiError::from(e))),
    }
}
