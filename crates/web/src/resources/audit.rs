//! The audit log for the office: a filtered page and its CSV.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::PageActor;
use crate::policy::require_role;
use crate::view::i18n::Lang;
use crate::view::{html, nav_who, shown_time, urlencoding};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use duban_core::access::Action;

// ---- the audit log ----

/// How many audit rows a page or a CSV shows at most.
const AUDIT_LIMIT: u32 = 5_000;

#[derive(Template)]
#[template(path = "work_audit.html")]
struct AuditPage {
    l: crate::view::i18n::Labels,
    who: String,
    filter: duban_store::AuditFilter,
    rows: Vec<AuditRow>,
    limit: u32,
    csv_href: String,
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
}

fn audit_rows(records: Vec<duban_store::AuditRecord>) -> Vec<AuditRow> {
    let text = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    records
        .into_iter()
        .map(|r| AuditRow {
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            before: text(r.before),
            after: text(r.after),
        })
        .collect()
}

pub async fn audit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(mut filter): Query<duban_store::AuditFilter>,
) -> Result<Html<String>, PageError> {
    require_role(&actor, Action::ReadAudit)?;
    // A government's own office sees its government's records; a platform account, all.
    filter.government = actor.government.clone();
    let mut rows = audit_rows(state.store.audit_filtered(&filter, AUDIT_LIMIT).await?);
    // The page is read by people: Beijing time. The CSV keeps the exact UTC instant.
    for r in &mut rows {
        r.at = shown_time(&r.at, Lang::Zh);
    }
    let csv_href = format!(
        "/work/audit.csv?actor={}&action={}&subject={}",
        urlencoding(&filter.actor),
        urlencoding(&filter.action),
        urlencoding(&filter.subject)
    );
    html(&AuditPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/audit"),
        who: nav_who(&actor),
        filter,
        rows,
        limit: AUDIT_LIMIT,
        csv_href,
    })
}

pub async fn audit_csv(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(mut filter): Query<duban_store::AuditFilter>,
) -> Result<Response, PageError> {
    require_role(&actor, Action::ReadAudit)?;
    filter.government = actor.government.clone();
    let rows = audit_rows(state.store.audit_filtered(&filter, AUDIT_LIMIT).await?);
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| PageError(ApiError::internal(&e));
    w.write_record(["at", "actor", "action", "subject", "before", "after"])
        .map_err(io)?;
    for r in rows {
        // Formula-looking cells are quoted so a spreadsheet shows them as text.
        let cells = [r.at, r.actor, r.action, r.subject, r.before, r.after]
            .map(|c| duban_formats::neutralise::escape(&c).into_owned());
        w.write_record(&cells).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
