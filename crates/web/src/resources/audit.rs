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
    /// Whether the records are of several governments (a platform account's), so each row
    /// says whose.
    several: bool,
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
    /// The action in words, then its code.
    action_label: &'static str,
    action: String,
    subject: String,
    government: String,
    /// What changed, field by field.
    changes: Vec<FieldChange>,
}

/// One field of a record's before and after.
#[derive(Debug, PartialEq, Eq)]
struct FieldChange {
    field: String,
    /// Empty when the field is new.
    before: String,
    /// Empty when the field is gone.
    after: String,
}

/// The longest value a page shows of a field (a report's text may be 10,000 characters); the
/// CSV keeps every character.
const SHOWN_CHARS: usize = 160;

/// What an action does, in words, for the actions the log holds.
fn action_label(action: &str) -> &'static str {
    match action {
        "login" => "登录",
        "login_failed" => "登录失败",
        "user.create" => "新建账户",
        "user.password" => "修改密码",
        "government.register" => "登记政府",
        "round.open" => "开启调度",
        "round.close" => "关闭报送",
        "round.reopen" => "重新开放",
        "round.import" => "导入一览表",
        "round.republish_unchanged" => "重新公开（无更正）",
        "publication.create" => "公开",
        "report.save" => "保存草稿",
        "report.submit" => "提交",
        "report.return" => "退回",
        "report.accept" => "审核通过",
        "report.import" => "导入报告",
        "target.create" => "新增目标",
        "target.update" => "修改目标",
        "entry.delete" => "删除条目",
        "entry.units" => "修改责任单位",
        "entry.leaders" => "修改责任领导",
        "extension.request" => "申请延期",
        "extension.approve" => "批准延期",
        "extension.reject" => "驳回延期",
        "comment.add" => "领导意见",
        "database.copy" => "整库迁移",
        _ => "",
    }
}

/// A field's name in words, then as stored.
fn field_label(field: &str) -> String {
    let zh = match field {
        "progress" => "完成情况",
        "on_schedule" => "是否按计划",
        "state" => "状态",
        "version" => "版本",
        "late" => "迟报",
        "return_reason" => "退回原因",
        "due" => "截止日期",
        "reports" => "报告数",
        "title" => "名称",
        "content" => "目标内容",
        "deadline" => "完成时限",
        "role" => "角色",
        "units" => "责任单位",
        "leader" | "leaders" => "领导",
        "government" => "政府",
        "code" => "编码",
        "name" => "名称",
        "reason" => "理由",
        "note" => "意见",
        "body" => "内容",
        "address" => "地址",
        "sha256" => "公开哈希",
        "previous_sha256" => "上一版哈希",
        "content_sha256" => "内容哈希",
        _ => "",
    };
    if zh.is_empty() {
        field.to_owned()
    } else {
        format!("{zh} {field}")
    }
}

/// A value as a person reads it: text without quotes, nothing as empty, long text cut.
fn shown(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    let text = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "是".to_owned(),
        Some(Value::Bool(false)) => "否".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| shown(Some(i)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > SHOWN_CHARS {
        let cut: String = text.chars().take(SHOWN_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The fields that differ between a record's before and after (both objects, as every record
/// the store writes is), in the order they first appear; a value that is not an object is one
/// field, `value`.
fn field_changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<FieldChange> {
    use serde_json::{Map, Value};
    let as_map = |v: Option<&Value>| -> Map<String, Value> {
        match v {
            Some(Value::Object(m)) => m.clone(),
            Some(other) => Map::from_iter([("value".to_owned(), other.clone())]),
            None => Map::new(),
        }
    };
    let (b, a) = (as_map(before), as_map(after));
    let mut fields: Vec<&String> = b.keys().collect();
    fields.extend(a.keys().filter(|k| !b.contains_key(*k)));
    fields
        .into_iter()
        .filter(|f| b.get(*f) != a.get(*f))
        .map(|f| FieldChange {
            field: field_label(f),
            before: shown(b.get(f)),
            after: shown(a.get(f)),
        })
        .collect()
}

fn audit_rows(records: Vec<duban_store::AuditRecord>) -> Vec<AuditRow> {
    records
        .into_iter()
        .map(|r| AuditRow {
            changes: field_changes(r.before.as_ref(), r.after.as_ref()),
            at: shown_time(&r.at, Lang::Zh),
            actor: r.actor,
            action_label: action_label(&r.action),
            action: r.action,
            subject: r.subject,
            government: r.government.unwrap_or_default(),
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
    // The page is read by people: Beijing time, each change field by field. The CSV keeps the
    // exact UTC instant and the records as stored.
    let rows = audit_rows(state.store.audit_filtered(&filter, AUDIT_LIMIT).await?);
    let csv_href = format!(
        "/work/audit.csv?actor={}&action={}&subject={}&from={}&to={}",
        urlencoding(&filter.actor),
        urlencoding(&filter.action),
        urlencoding(&filter.subject),
        urlencoding(&filter.from),
        urlencoding(&filter.to)
    );
    html(&AuditPage {
        several: actor.government.is_none(),
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
    let records = state.store.audit_filtered(&filter, AUDIT_LIMIT).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| PageError(ApiError::internal(&e));
    w.write_record(["at", "actor", "action", "subject", "before", "after"])
        .map_err(io)?;
    // The records as stored: the exact instant in UTC, before and after as JSON.
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in records {
        // Formula-looking cells are quoted so a spreadsheet shows them as text.
        let cells = [
            r.at,
            r.actor,
            r.action,
            r.subject,
            json(r.before),
            json(r.after),
        ]
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_is_shown_field_by_field() {
        let before = json!({"progress": "", "state": "draft", "version": 1, "late": false});
        let after = json!({"progress": "完成", "state": "submitted", "version": 2, "late": false});
        let changes = field_changes(Some(&before), Some(&after));
        assert_eq!(
            changes,
            [
                FieldChange {
                    field: "完成情况 progress".into(),
                    before: "".into(),
                    after: "完成".into()
                },
                FieldChange {
                    field: "状态 state".into(),
                    before: "draft".into(),
                    after: "submitted".into()
                },
                FieldChange {
                    field: "版本 version".into(),
                    before: "1".into(),
                    after: "2".into()
                },
            ]
        );
        // A record with no before (a creation) lists what it made; long text is cut.
        let made = field_changes(
            None,
            Some(&json!({"units": ["市财政局", "市税务局"], "body": "长".repeat(500)})),
        );
        assert_eq!(made[0].after, "市财政局 市税务局");
        assert_eq!(made[1].after.chars().count(), SHOWN_CHARS + 1);
    }
}
