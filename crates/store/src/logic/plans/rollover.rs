//! Next year's plan made from this year's (结转, `duban plan rollover`): the targets the office
//! picks are copied with their entries, leaders, units and groups, renumbered from 1, and
//! linked to where they came from (`targets.predecessor_id`), all in one transaction.

use serde::Serialize;

/// A target of a plan as the rollover page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PlanTarget {
    /// 序号.
    pub no: i64,
    pub content: String,
    /// 年底, 长期坚持, a date, or empty when the table gave none.
    pub deadline: String,
    /// The lead unit of its first entry.
    pub lead_unit: Option<String>,
    /// Whether a later year's plan was already made from it.
    pub rolled_over: bool,
}

/// What a rollover made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloverOutcome {
    pub government: String,
    pub from: i16,
    pub to: i16,
    /// (number last year, number in the new plan), in the new plan's order.
    pub targets: Vec<(u32, u32)>,
}

pub(crate) const PLAN_TARGETS_SQL: &str = "SELECT t.no, t.content, t.deadline,
        (SELECT n.name FROM entries e JOIN entry_units l ON l.entry_id = e.id
            JOIN units n ON n.id = l.unit_id
         WHERE e.target_id = t.id ORDER BY e.position, l.position LIMIT 1) AS lead_unit,
        EXISTS (SELECT 1 FROM targets s WHERE s.predecessor_id = t.id) AS rolled_over
     FROM targets t JOIN plans p ON p.id = t.plan_id
     WHERE p.government = $1 AND p.year = $2 AND t.retired_at IS NULL ORDER BY t.no";

pub(crate) const TARGET_COUNT_SQL: &str = "SELECT COUNT(*) FROM targets WHERE plan_id = $1";

pub(crate) const OLD_TARGET_SQL: &str = "SELECT id, content, deadline, groups FROM targets
     WHERE plan_id = $1 AND no = $2 AND retired_at IS NULL";

pub(crate) const NEW_TARGET_SQL: &str =
    "INSERT INTO targets (plan_id, no, content, deadline, groups, predecessor_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

pub(crate) const OLD_ENTRIES_SQL: &str =
    "SELECT id, position, details FROM entries WHERE target_id = $1 AND retired_at IS NULL
     ORDER BY position";

pub(crate) const NEW_ENTRY_SQL: &str =
    "INSERT INTO entries (target_id, position, details) VALUES ($1, $2, $3) RETURNING id";

pub(crate) const COPY_UNITS_SQL: &str = "INSERT INTO entry_units (entry_id, position, unit_id)
     SELECT $1, position, unit_id FROM entry_units WHERE entry_id = $2";

pub(crate) const COPY_LEADERS_SQL: &str =
    "INSERT INTO entry_leaders (entry_id, position, leader_id)
     SELECT $1, position, leader_id FROM entry_leaders WHERE entry_id = $2";

/// A target of the year before, as copied.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OldTarget {
    pub id: i64,
    pub content: String,
    pub deadline: String,
    pub groups: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OldEntry {
    pub id: i64,
    pub position: i64,
    pub details: Option<String>,
}

/// The targets to carry over, checked: some, none twice, and a new year after the old one.
pub(crate) fn check_pick(from: i16, to: i16, pick: &[u32]) -> Result<Vec<u32>, crate::StoreError> {
    if to <= from {
        return Err(crate::StoreError::Invalid(format!(
            "to: the new plan's year ({to}) must come after {from}"
        )));
    }
    let mut pick = pick.to_vec();
    pick.sort_unstable();
    pick.dedup();
    if pick.is_empty() {
        return Err(crate::StoreError::Invalid(
            "targets: pick at least one target to carry over".into(),
        ));
    }
    Ok(pick)
}

/// The rollover as an inherent `carry_over` of a store with `structure_write()` and an
/// `audit` in scope; `plans_impl` calls it from `Plans::rollover`.
macro_rules! rollover_impl {
    ($store:ty) => {
        impl $store {
            /// Makes plan `to` from the targets `pick` of plan `from`.
            async fn carry_over(
                &self,
                government: &str,
                from: i16,
                to: i16,
                pick: &[u32],
                actor: &str,
            ) -> Result<crate::RolloverOutcome, crate::StoreError> {
                use crate::logic::plans::{rollover::*, *};
                let pick = check_pick(from, to, pick)?;
                let mut tx = self.structure_write().await?;
                let old_plan: i64 = sqlx::query_scalar(PLAN_ID_SQL)
                    .bind(government)
                    .bind(from)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| {
                        crate::StoreError::NotFound(format!("the {from} plan of {government}"))
                    })?;
                let plan: i64 = sqlx::query_scalar(NEW_PLAN_SQL)
                    .bind(government)
                    .bind(to)
                    .fetch_one(&mut *tx)
                    .await?;
                let held: i64 = sqlx::query_scalar(TARGET_COUNT_SQL)
                    .bind(plan)
                    .fetch_one(&mut *tx)
                    .await?;
                if held > 0 {
                    return Err(crate::StoreError::conflict(
                        "plan_not_empty",
                        format!(
                            "{government} 的 {to} 年计划已有 {held} 项目标 / the {to} plan already has {held} targets"
                        ),
                    ));
                }
                let mut made = Vec::with_capacity(pick.len());
                for (i, old_no) in pick.iter().enumerate() {
                    let old: OldTarget = sqlx::query_as(OLD_TARGET_SQL)
                        .bind(old_plan)
                        .bind(i64::from(*old_no))
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| {
                            crate::StoreError::NotFound(format!(
                                "target {old_no} of the {from} plan"
                            ))
                        })?;
                    let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    let id: i64 = sqlx::query_scalar(NEW_TARGET_SQL)
                        .bind(plan)
                        .bind(i64::from(no))
                        .bind(&old.content)
                        .bind(&old.deadline)
                        .bind(&old.groups)
                        .bind(old.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let entries: Vec<OldEntry> = sqlx::query_as(OLD_ENTRIES_SQL)
                        .bind(old.id)
                        .fetch_all(&mut *tx)
                        .await?;
                    for e in entries {
                        let entry: i64 = sqlx::query_scalar(NEW_ENTRY_SQL)
                            .bind(id)
                            .bind(e.position)
                            .bind(&e.details)
                            .fetch_one(&mut *tx)
                            .await?;
                        for sql in [COPY_UNITS_SQL, COPY_LEADERS_SQL] {
                            sqlx::query(sql)
                                .bind(entry)
                                .bind(e.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    audit(
                        &mut tx,
                        Some(government),
                        actor,
                        "target.create",
                        &format!("target:{government}/{to}/{no}"),
                        None,
                        Some(serde_json::json!({
                            "content": old.content,
                            "deadline": old.deadline,
                            "predecessor": format!("target:{government}/{from}/{old_no}"),
                        })),
                    )
                    .await?;
                    made.push((*old_no, no));
                }
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "plan.rollover",
                    &format!("plan:{government}/{to}"),
                    None,
                    Some(serde_json::json!({"from": from, "targets": made.len()})),
                )
                .await?;
                tx.commit().await?;
                Ok(crate::RolloverOutcome {
                    government: government.to_owned(),
                    from,
                    to,
                    targets: made,
                })
            }
        }
    };
}

pub(crate) use rollover_impl;
