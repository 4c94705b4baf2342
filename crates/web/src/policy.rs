//! Who may do what, as handlers ask it: the one policy is `duban_core::access::may`; these are
//! the few steps every handler repeats around it (refuse with 403, read a report only if the
//! caller may, name the caller in the audit log).

use crate::AppState;
use crate::error::ApiError;
use axum::http::StatusCode;
use duban_core::access::{Action, Actor, EntryPeople, may};
use duban_store::ReportView;

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "这不是你的权限范围 / not yours to do",
    )
}

/// Refuses with 403 what the actor may not do on `government`'s data.
pub(crate) fn require(actor: &Actor, government: &str, action: Action<'_>) -> Result<(), ApiError> {
    if may(actor, government, action) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Refuses with 403 what the actor's role may not do at all, for the few decisions that are
/// about no one government (whether the audit page or the import page is theirs; what they
/// then see or import is checked against their government).
pub(crate) fn require_role(actor: &Actor, action: Action<'_>) -> Result<(), ApiError> {
    if duban_core::access::role_may(actor, action) {
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

/// The actor's name as the audit log records it.
pub(crate) fn who(actor: &Actor) -> String {
    format!("user:{}", actor.username)
}

/// Loads a report the caller may read; 404 (not 403) for one they may not (another unit's, or
/// another government's), so ids do not say what exists.
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
    if may(actor, &r.government, Action::ReadReport(people(&r))) {
        Ok(r)
    } else {
        Err(ApiError::not_found("report"))
    }
}
