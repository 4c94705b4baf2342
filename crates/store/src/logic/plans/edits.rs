//! A plan edited target by target (add, rewrite, retire), on every backend. Reports belong
//! to entries, and who reports an entry is read from its units whenever it is asked, so a new
//! lead unit's clerks see its open reports at once. An entry added gets reports in the plan's
//! rounds still collecting; an entry dropped or a target retired keeps its rows (published
//! tables and the audit log cite them) and loses only its reports in rounds never published,
//! which the audit record keeps.

use super::PlannedTarget;
use crate::StoreError;
use crate::logic::details::{self, EntryDetails};
use duban_core::{EntryDraft, TargetNo};
use serde::Serialize;

pub(crate) const NEXT_NO_SQL: &str =
    "SELECT COALESCE(MAX(no), 0) + 1 FROM targets WHERE plan_id = $1";

pub(crate) const TARGET_TAKEN_SQL: &str = "SELECT id FROM targets WHERE plan_id = $1 AND no = $2";

pub(crate) const ADD_TARGET_SQL: &str =
    "INSERT INTO targets (plan_id, no, content, deadline, groups) VALUES ($1, $2, $3, $4, $5)
     RETURNING id";

pub(crate) const UPDATE_TARGET_SQL: &str =
    "UPDATE targets SET content = $2, deadline = $3, groups = $4 WHERE id = $1";

pub(crate) const NEXT_POSITION_SQL: &str =
    "SELECT COALESCE(MAX(position) + 1, 0) FROM entries WHERE target_id = $1";

pub(crate) const ADD_ENTRY_SQL: &str =
    "INSERT INTO entries (target_id, position, details) VALUES ($1, $2, $3) RETURNING id";

pub(crate) const ENTRY_DETAILS_SQL: &str = "UPDATE entries SET details = $2 WHERE id = $1";

/// A report for a new entry in each round of its plan still collecting: open, or closed and
/// not yet published. A round reopened to correct a publication is open, and its correction is
/// the next publication, so it gets one too.
pub(crate) const REPORTS_FOR_ENTRY_SQL: &str =
    "INSERT INTO reports (round_id, entry_id, progress, state, updated_at)
     SELECT r.id, $1, '', 'draft', $2 FROM rounds r WHERE r.plan_id = $3 AND r.state <> 'published'";

/// The reports of an entry in rounds of its plan never published, which a retirement withdraws.
pub(crate) const UNPUBLISHED_REPORTS_SQL: &str =
    "SELECT rd.period, r.state, r.progress FROM reports r JOIN rounds rd ON rd.id = r.round_id
     WHERE r.entry_id = $1 AND rd.state <> 'published'
       AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.round_id = rd.id)
     ORDER BY rd.period_rank";

pub(crate) const WITHDRAW_REPORTS_SQL: &str = "DELETE FROM reports WHERE entry_id = $1
       AND round_id IN (SELECT rd.id FROM rounds rd WHERE rd.state <> 'published'
           AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.round_id = rd.id))";

/// `$3` marks an entry retired with its whole target, which restoring the target brings back.
pub(crate) const RETIRE_ENTRY_SQL: &str =
    "UPDATE entries SET retired_at = $2, retired_with_target = $3 WHERE id = $1";

/// The entries retired with their target, made live again (not those an edit retired before).
pub(crate) const RESTORE_ENTRIES_SQL: &str =
    "UPDATE entries SET retired_at = NULL, retired_with_target = NULL
     WHERE target_id = $1 AND retired_at IS NOT NULL AND retired_with_target RETURNING id";

pub(crate) const RESTORE_TARGET_SQL: &str = "UPDATE targets SET retired_at = NULL WHERE id = $1";

/// A restored entry's reports in the rounds still collecting, where it has none: a round
/// reopened for a correction kept the reports it had when the target was retired.
pub(crate) const MISSING_REPORTS_SQL: &str =
    "INSERT INTO reports (round_id, entry_id, progress, state, updated_at)
     SELECT r.id, $1, '', 'draft', $2 FROM rounds r WHERE r.plan_id = $3 AND r.state <> 'published'
       AND NOT EXISTS (SELECT 1 FROM reports x WHERE x.round_id = r.id AND x.entry_id = $1)";

pub(crate) const RETIRE_TARGET_SQL: &str = "UPDATE targets SET retired_at = $2 WHERE id = $1";

/// A report a retirement withdraws, as its audit record keeps it.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct WithdrawnReport {
    pub period: String,
    pub state: String,
    pub progress: String,
}

/// `entries.details` for an entry as the office writes it. `stored` is what an existing entry
/// has (`None` for a new one): an entry without leaders keeps saying whether its table had no
/// such column at all, and a new one without leaders says so.
pub(crate) fn entry_details(
    draft: &EntryDraft,
    stored: Option<Option<&str>>,
) -> Result<Option<String>, StoreError> {
    let unstated = match stored {
        None => true,
        Some(s) => details::entry_of(s)?.leaders_unstated,
    };
    Ok(details::entry_details_text(&EntryDetails {
        assisting_units: draft
            .assisting_units
            .iter()
            .map(ToString::to_string)
            .collect(),
        leaders_unstated: draft.leaders.is_empty() && unstated,
    }))
}

/// Refuses a restoration of a live target.
pub(crate) fn not_retired(year: i16, no: TargetNo) -> StoreError {
    StoreError::conflict(
        "target_not_retired",
        format!(
            "{year} 年计划第 {no} 项目标未撤销 / target {no} of the {year} plan is not retired"
        ),
    )
}

/// Refuses an edit of a retired target.
pub(crate) fn retired(year: i16, no: TargetNo) -> StoreError {
    StoreError::conflict(
        "target_retired",
        format!("{year} 年计划第 {no} 项目标已撤销 / target {no} of the {year} plan is retired"),
    )
}

/// The audit record of a target before an edit or retirement: the target, and the reports the
/// change withdrew (their text is gone from the database otherwise).
pub(crate) fn edit_record(
    before: &PlannedTarget,
    withdrawn: &[WithdrawnReport],
) -> serde_json::Value {
    let mut v = serde_json::to_value(before).unwrap_or_default();
    if !withdrawn.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        o.insert(
            "withdrawn_reports".into(),
            serde_json::to_value(withdrawn).unwrap_or_default(),
        );
    }
    v
}

/// The edits as inherent methods of a store with `structure_write()` and an `audit` in scope;
/// `plans_impl` calls them from `Plans::add_target`, `edit_target` and `retire_target`.
macro_rules! edits_impl {
    ($store:ty, $conn:ty) => {
        impl $store {
            /// Writes a target's entries as drafted over its live ones (`existing`, matched by
            /// order): names and details rewritten, new entries added with reports in the
            /// plan's rounds still collecting, entries left over retired with their reports
            /// there withdrawn. Returns the withdrawn reports.
            #[allow(clippy::too_many_arguments)]
            async fn write_plan_entries(
                conn: &mut $conn,
                government: &str,
                plan: i64,
                target: i64,
                drafts: &[duban_core::EntryDraft],
                existing: &[(i64, Option<String>)],
                at: &str,
            ) -> Result<Vec<crate::logic::plans::edits::WithdrawnReport>, crate::StoreError> {
                use crate::logic::import::{NameKind, strings};
                use crate::logic::plans::edits::*;
                let mut next: i64 = sqlx::query_scalar(NEXT_POSITION_SQL)
                    .bind(target)
                    .fetch_one(&mut *conn)
                    .await?;
                for (i, draft) in drafts.iter().enumerate() {
                    let entry = match existing.get(i) {
                        Some((id, stored)) => {
                            let wanted = entry_details(draft, Some(stored.as_deref()))?;
                            if &wanted != stored {
                                sqlx::query(ENTRY_DETAILS_SQL)
                                    .bind(id)
                                    .bind(wanted)
                                    .execute(&mut *conn)
                                    .await?;
                            }
                            *id
                        }
                        None => {
                            let id: i64 = sqlx::query_scalar(ADD_ENTRY_SQL)
                                .bind(target)
                                .bind(next)
                                .bind(entry_details(draft, None)?)
                                .fetch_one(&mut *conn)
                                .await?;
                            next += 1;
                            sqlx::query(REPORTS_FOR_ENTRY_SQL)
                                .bind(id)
                                .bind(at)
                                .bind(plan)
                                .execute(&mut *conn)
                                .await?;
                            id
                        }
                    };
                    for (kind, wanted) in [
                        (NameKind::Units, strings(&draft.units)),
                        (NameKind::Leaders, strings(&draft.leaders)),
                    ] {
                        if names::entry_names(&mut *conn, kind, entry).await? != wanted {
                            names::replace_entry_names(&mut *conn, government, entry, kind, &wanted)
                                .await?;
                        }
                    }
                }
                let mut withdrawn = Vec::new();
                for (id, _) in existing.iter().skip(drafts.len()) {
                    Self::retire_entry(&mut *conn, *id, at, false, &mut withdrawn).await?;
                }
                Ok(withdrawn)
            }

            /// Retires an entry and withdraws its reports in rounds never published.
            async fn retire_entry(
                conn: &mut $conn,
                entry: i64,
                at: &str,
                with_target: bool,
                withdrawn: &mut Vec<crate::logic::plans::edits::WithdrawnReport>,
            ) -> Result<(), crate::StoreError> {
                use crate::logic::plans::edits::*;
                let reports: Vec<WithdrawnReport> = sqlx::query_as(UNPUBLISHED_REPORTS_SQL)
                    .bind(entry)
                    .fetch_all(&mut *conn)
                    .await?;
                withdrawn.extend(reports);
                sqlx::query(WITHDRAW_REPORTS_SQL)
                    .bind(entry)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(RETIRE_ENTRY_SQL)
                    .bind(entry)
                    .bind(at)
                    .bind(with_target.then_some(true))
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }

            /// Adds a target to plan `year` (made if it is not there yet).
            async fn add_planned_target(
                &self,
                government: &str,
                year: i16,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::{edits::*, *};
                let deadline = draft.check_new(year).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
                let mut tx = self.structure_write().await?;
                let plan: i64 = sqlx::query_scalar(NEW_PLAN_SQL)
                    .bind(government)
                    .bind(year)
                    .fetch_one(&mut *tx)
                    .await?;
                let no: i64 = match draft.no {
                    Some(no) => {
                        let no = i64::from(no.get());
                        let taken: Option<i64> = sqlx::query_scalar(TARGET_TAKEN_SQL)
                            .bind(plan)
                            .bind(no)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if taken.is_some() {
                            return Err(crate::StoreError::conflict(
                                "target_exists",
                                format!("{year} 年计划已有第 {no} 项目标 / the {year} plan already has a target {no}"),
                            ));
                        }
                        no
                    }
                    None => sqlx::query_scalar(NEXT_NO_SQL)
                        .bind(plan)
                        .fetch_one(&mut *tx)
                        .await?,
                };
                let group: Vec<String> = draft.group.iter().map(|g| g.as_str().trim().to_owned()).collect();
                let target: i64 = sqlx::query_scalar(ADD_TARGET_SQL)
                    .bind(plan)
                    .bind(no)
                    .bind(draft.content.as_str().trim())
                    .bind(deadline.to_string())
                    .bind(crate::logic::details::groups_text(&group))
                    .fetch_one(&mut *tx)
                    .await?;
                let at = crate::logic::now();
                Self::write_plan_entries(&mut tx, government, plan, target, &draft.entries, &[], &at)
                    .await?;
                let made = Self::plan_rows(&mut tx, government, year, Some(no))
                    .await?
                    .pop()
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("target {no} just added")))?;
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "target.create",
                    &format!("target:{government}/{year}/{no}"),
                    None,
                    Some(serde_json::to_value(&made.view).unwrap_or_default()),
                )
                .await?;
                tx.commit().await?;
                Ok(made.view)
            }

            /// Rewrites target `no` of plan `year` as drafted.
            async fn edit_planned_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::{edits::*, *};
                let deadline = draft.check(year).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
                if draft.no.is_some_and(|n| n != no) {
                    return Err(crate::StoreError::Invalid(format!(
                        "no: a target keeps its number ({no}): published tables cite it"
                    )));
                }
                let mut tx = self.structure_write().await?;
                let before = Self::plan_target_row(&mut tx, government, year, no).await?;
                if before.view.retired_at.is_some() {
                    return Err(retired(year, no));
                }
                let plan: i64 = sqlx::query_scalar(PLAN_ID_SQL)
                    .bind(government)
                    .bind(year)
                    .fetch_one(&mut *tx)
                    .await?;
                let group: Vec<String> = draft.group.iter().map(|g| g.as_str().trim().to_owned()).collect();
                sqlx::query(UPDATE_TARGET_SQL)
                    .bind(before.id)
                    .bind(draft.content.as_str().trim())
                    .bind(deadline.to_string())
                    .bind(crate::logic::details::groups_text(&group))
                    .execute(&mut *tx)
                    .await?;
                let at = crate::logic::now();
                let withdrawn = Self::write_plan_entries(
                    &mut tx,
                    government,
                    plan,
                    before.id,
                    &draft.entries,
                    &before.entries,
                    &at,
                )
                .await?;
                let after = Self::plan_target_row(&mut tx, government, year, no).await?;
                if after.view == before.view {
                    // Nothing changed: no audit record, and nothing to commit.
                    return Ok(after.view);
                }
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "target.update",
                    &format!("target:{government}/{year}/{no}"),
                    Some(edit_record(&before.view, &withdrawn)),
                    Some(serde_json::to_value(&after.view).unwrap_or_default()),
                )
                .await?;
                tx.commit().await?;
                Ok(after.view)
            }

            /// Retires target `no` of plan `year`.
            async fn retire_planned_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::edits::*;
                let mut tx = self.structure_write().await?;
                let before = Self::plan_target_row(&mut tx, government, year, no).await?;
                if before.view.retired_at.is_some() {
                    return Err(retired(year, no));
                }
                let at = crate::logic::now();
                let mut withdrawn = Vec::new();
                for (id, _) in &before.entries {
                    Self::retire_entry(&mut tx, *id, &at, true, &mut withdrawn).await?;
                }
                sqlx::query(RETIRE_TARGET_SQL)
                    .bind(before.id)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                let after = Self::plan_target_row(&mut tx, government, year, no).await?;
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "target.retire",
                    &format!("target:{government}/{year}/{no}"),
                    Some(edit_record(&before.view, &withdrawn)),
                    Some(serde_json::json!({"retired_at": at})),
                )
                .await?;
                tx.commit().await?;
                Ok(after.view)
            }

            /// Brings target `no` of plan `year` back with the entries retired with it.
            async fn restore_planned_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::{edits::*, *};
                let mut tx = self.structure_write().await?;
                let before = Self::plan_target_row(&mut tx, government, year, no).await?;
                let Some(retired_at) = before.view.retired_at.clone() else {
                    return Err(not_retired(year, no));
                };
                let plan: i64 = sqlx::query_scalar(PLAN_ID_SQL)
                    .bind(government)
                    .bind(year)
                    .fetch_one(&mut *tx)
                    .await?;
                let entries: Vec<i64> = sqlx::query_scalar(RESTORE_ENTRIES_SQL)
                    .bind(before.id)
                    .fetch_all(&mut *tx)
                    .await?;
                sqlx::query(RESTORE_TARGET_SQL)
                    .bind(before.id)
                    .execute(&mut *tx)
                    .await?;
                let at = crate::logic::now();
                for entry in entries {
                    sqlx::query(MISSING_REPORTS_SQL)
                        .bind(entry)
                        .bind(&at)
                        .bind(plan)
                        .execute(&mut *tx)
                        .await?;
                }
                let after = Self::plan_target_row(&mut tx, government, year, no).await?;
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "target.restore",
                    &format!("target:{government}/{year}/{no}"),
                    Some(serde_json::json!({"retired_at": retired_at})),
                    Some(serde_json::to_value(&after.view).unwrap_or_default()),
                )
                .await?;
                tx.commit().await?;
                Ok(after.view)
            }
        }
    };
}

pub(crate) use edits_impl;
