//! Fixtures and helpers every contract test uses.

pub use crate::harness::{Backend, Db};
pub use duban_core::access::Role;
pub use duban_core::{Period, ReportState, RoundState, Table};
pub use duban_store::{
    Accounts, Audit, AuditFilter, Comments, Decision, Extensions, MessageDecision, MessageFilter,
    MessageState, Messages, NewMessage, NewUser, Plans, PublicationSummary, Publications,
    ReportEdit, ReportView, Review, Search, SearchQuery, Store, StoreError, TokenKind, Uploads,
    Workflow,
};

use duban_formats::twoup::{ReadOptions, read};
use std::fmt::Debug;

const HEZE: &str = include_str!("../../../../fixtures/heze-2023-q3.txt");
const LAYOUTS: &str = include_str!("../../../../fixtures/layouts-2024-h1.txt");

/// The government of the 菏泽 table.
pub const GOV: &str = "菏泽市人民政府";

/// The government of the county's table ([`layouts`]).
pub const COUNTY: &str = "某某县人民政府";

/// 菏泽's 2023 third-quarter table: 39 targets, 40 entries.
pub fn heze() -> Table {
    read(HEZE, &ReadOptions::default()).unwrap()
}

/// A county's 2024 first-half table (another government, year and layout): 7 targets.
pub fn layouts() -> Table {
    read(LAYOUTS, &ReadOptions::default()).unwrap()
}

/// A table that is not the 菏泽 layout (INTERFACES.md, "Any table"), read as the import page
/// reads it: `minsheng.csv` (no leaders, deadline or answer; 形象进度, 备注, groups) or
/// `renwu.csv` (配合单位, 存在问题, 下步打算, a column of its own, nested groups).
pub fn any_table(name: &str) -> Table {
    let bytes: &[u8] = match name {
        "minsheng" => include_bytes!("../../../formats/tests/data/minsheng.csv"),
        "renwu" => include_bytes!("../../../formats/tests/data/renwu.csv"),
        other => panic!("no fixture {other}"),
    };
    duban_formats::import(
        bytes,
        Some("t.csv"),
        &duban_formats::ImportOptions::default(),
    )
    .unwrap()
    .table
}

pub fn period(s: &str) -> Period {
    s.parse().unwrap()
}

pub fn date(s: &str) -> jiff::civil::Date {
    s.parse().unwrap()
}

pub fn edit(text: &str, version: Option<i64>) -> ReportEdit {
    ReportEdit {
        progress: duban_core::text::Progress::parse(text).unwrap(),
        on_schedule: Some(true),
        problems: None,
        next_steps: None,
        version,
    }
}

pub fn new_user(name: &str, role: Role, units: &[&str], leader: Option<&str>) -> NewUser {
    NewUser {
        username: name.to_owned(),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${name}"),
        units: units.iter().map(|u| (*u).to_owned()).collect(),
        leader: leader.map(str::to_owned),
        government: None,
        email: None,
    }
}

/// A token's stored hash, from its secret.
pub fn token(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Imports the 菏泽 table (publishing 2023Q3) and opens 2023Q4, due far in the future; its 40
/// reports, by target and entry.
pub async fn round_q4(store: &dyn Store) -> Vec<ReportView> {
    store.import_table(&heze(), "test").await.unwrap();
    store
        .open_round(GOV, period("2023Q4"), date("2099-01-10"), "user:office")
        .await
        .unwrap();
    store.reports(GOV, period("2023Q4")).await.unwrap()
}

/// Saves, submits and accepts a report.
pub async fn accept(store: &dyn Store, base: &ReportView, text: &str) -> ReportView {
    let saved = store
        .save_report(base, &edit(text, Some(base.version)), "user:clerk")
        .await
        .unwrap();
    store.submit_report(saved.id, "user:clerk").await.unwrap();
    store
        .review_report(saved.id, &Review::Accept, "user:reviewer")
        .await
        .unwrap()
}

#[track_caller]
pub fn assert_conflict<T: Debug>(result: Result<T, StoreError>, code: &str) {
    match &result {
        Err(StoreError::Conflict { code: c, .. }) if *c == code => {}
        _ => panic!("expected a conflict {code:?}, got {result:?}"),
    }
}

#[track_caller]
pub fn assert_invalid<T: Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::Invalid(_))),
        "expected Invalid, got {result:?}"
    );
}

#[track_caller]
pub fn assert_not_found<T: Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "expected NotFound, got {result:?}"
    );
}

/// The actions of audit records, newest first.
pub fn actions(records: &[duban_store::AuditRecord]) -> Vec<&str> {
    records.iter().map(|r| r.action.as_str()).collect()
}

/// The audit subject of a report.
pub fn subject(r: &ReportView) -> String {
    format!("report:{}/{}/{}", r.period, r.target_no, r.entry)
}

/// Audit records about one subject, newest first.
pub async fn trail(store: &dyn Store, subject: &str) -> Vec<duban_store::AuditRecord> {
    let filter = AuditFilter {
        subject: subject.to_owned(),
        ..AuditFilter::default()
    };
    store.audit_filtered(&filter, 1000).await.unwrap()
}
