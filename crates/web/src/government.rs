//! Which government a request is about: the `{gov}` of `/g/{gov}/…`, or, on a path without
//! it, the one government a deployment holds.
//!
//! Every path that names a period, a target, a round or a search is served twice: under
//! `/g/{gov}` (the canonical form once a deployment holds several governments) and without the
//! prefix, as before governments were, so links already given out keep working while a
//! deployment holds one. With several, an unprefixed path cannot be resolved and answers 404
//! naming the choices. Handlers take [`Gov`] and hand its name to storage; pages build their
//! links on [`Gov::base`], so a one-government deployment keeps today's URLs.
//!
//! The list of governments is held in memory: it changes only when one is registered, which
//! storage announces (PostgreSQL) or which this process re-reads at most once per
//! revalidation interval (SQLite, where another process may register one), and at once when a
//! `{gov}` is not found in it.

use crate::AppState;
use crate::error::{ApiError, PageError};
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use duban_core::Government;
use duban_core::access::Actor;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The governments a deployment holds, as last read from storage.
#[derive(Debug)]
pub struct GovernmentList {
    held: RwLock<Option<(Instant, Arc<Vec<Government>>)>>,
    revalidate_after: Duration,
}

impl GovernmentList {
    pub fn new(revalidate_after: Duration) -> GovernmentList {
        GovernmentList {
            held: RwLock::default(),
            revalidate_after,
        }
    }

    /// Forgets the list: a government was registered.
    pub fn forget(&self) {
        if let Ok(mut h) = self.held.write() {
            *h = None;
        }
    }

    /// The list, read again from storage when it is older than the revalidation interval or
    /// `fresh` is asked for.
    pub async fn get(
        &self,
        state: &AppState,
        fresh: bool,
    ) -> Result<Arc<Vec<Government>>, ApiError> {
        if !fresh
            && let Ok(h) = self.held.read()
            && let Some((at, list)) = h.as_ref()
            && at.elapsed() < self.revalidate_after
        {
            return Ok(Arc::clone(list));
        }
        let list = Arc::new(state.store.governments().await?);
        if let Ok(mut h) = self.held.write() {
            *h = Some((Instant::now(), Arc::clone(&list)));
        }
        Ok(list)
    }
}

/// The government a request is about.
#[derive(Debug, Clone)]
pub struct Gov {
    pub government: Government,
    /// What this government's links start with: empty while the deployment holds only it (its
    /// URLs stay as they were), `/g/{code}` once there are several.
    pub base: String,
}

impl Gov {
    /// The government's name, as storage keys it.
    pub fn name(&self) -> &str {
        &self.government.name
    }

    /// A path of this government's: `path` under [`Gov::base`].
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Refuses an account of another government, as if the thing did not exist (403 would
    /// confirm it does).
    pub fn reached_by(&self, actor: &Actor) -> Result<(), ApiError> {
        if actor.reaches(self.name()) {
            Ok(())
        } else {
            Err(ApiError::not_found("government"))
        }
    }
}

/// The `base` of a government among `all`.
pub fn base_of(government: &Government, all: &[Government]) -> String {
    if all.len() > 1 {
        format!("/g/{}", government.code)
    } else {
        String::new()
    }
}

/// The `base` of the government named `name` among `all` (empty for a name not among them).
pub fn base_in(all: &[Government], name: &str) -> String {
    all.iter()
        .find(|g| g.name == name)
        .map(|g| base_of(g, all))
        .unwrap_or_default()
}

/// Where a government's pages start (its [`Gov::base`]), by its name: for the pages that are
/// found by id (a report, a request) and lead back to their government's round.
pub async fn base_named(state: &AppState, name: &str) -> Result<String, ApiError> {
    let all = state.governments.get(state, false).await?;
    Ok(base_in(&all, name))
}

/// Finds the government a `{gov}` names: its code, or its name as written.
fn named<'a>(all: &'a [Government], wanted: &str) -> Option<&'a Government> {
    all.iter()
        .find(|g| g.code.as_str() == wanted)
        .or_else(|| all.iter().find(|g| g.name == wanted))
}

/// The 404 for a government that cannot be found, naming the choices.
fn unresolved(all: &[Government], wanted: Option<&str>) -> ApiError {
    let choices = all
        .iter()
        .map(|g| format!("/g/{} ({})", g.code, g.name))
        .collect::<Vec<_>>()
        .join(", ");
    let message = match (wanted, all.is_empty()) {
        (_, true) => "no government is registered here yet: import a table first".to_owned(),
        (Some(w), false) => format!("no government “{w}” here; choose one of: {choices}"),
        (None, false) => {
            format!("this deployment holds several governments; put one in the path: {choices}")
        }
    };
    ApiError::new(StatusCode::NOT_FOUND, "unknown_government", message)
}

/// The 404 page of a path whose government cannot be found: the governments, as links.
fn choices_page(all: &[Government], message: &str) -> Response {
    use crate::view::escape_html;
    let items: String = all
        .iter()
        .map(|g| {
            format!(
                "<li><a href=\"/g/{}\">{}</a></li>",
                escape_html(g.code.as_str()),
                escape_html(&g.name)
            )
        })
        .collect();
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>请选择政府 · Choose a government</title><link rel=\"stylesheet\" href=\"/static/duban.css\"><body class=\"error\"><h1>404 请选择政府 · Choose a government</h1><p class=\"detail\">{}</p><ul>{items}</ul><p><a href=\"/\">返回首页 · Home</a></p></body></html>",
        escape_html(message)
    );
    (StatusCode::NOT_FOUND, axum::response::Html(body)).into_response()
}

impl FromRequestParts<AppState> for Gov {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let is_api = parts.uri.path().starts_with("/api/");
        let refuse = |e: ApiError| {
            if is_api {
                e.into_response()
            } else {
                PageError(e).into_response()
            }
        };
        // A path whose parameters do not decode (bad percent-encoding) names no government
        // that exists; it must not fall back to the only one.
        let wanted = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params
                .iter()
                .find(|(k, _)| *k == "gov")
                .map(|(_, v)| v.to_owned()),
            Err(_) => Some(String::new()),
        };
        let mut all = state.governments.get(state, false).await.map_err(refuse)?;
        let found = match &wanted {
            Some(w) => {
                if named(&all, w).is_none() {
                    // Perhaps registered a moment ago by another process.
                    all = state.governments.get(state, true).await.map_err(refuse)?;
                }
                named(&all, w).cloned()
            }
            None if all.len() == 1 => all.first().cloned(),
            None => None,
        };
        let government = found.ok_or_else(|| {
            let e = unresolved(&all, wanted.as_deref());
            if is_api || all.is_empty() {
                refuse(e)
            } else {
                choices_page(&all, &e.message)
            }
        })?;
        Ok(Gov {
            base: base_of(&government, &all),
            government,
        })
    }
}
