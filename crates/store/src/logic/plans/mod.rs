//! A government's plans across years on every backend: the targets of a plan as the office
//! picks from them and edits them, and where a target came from and went to. The statements
//! read the same in both dialects, so there is one implementation ([`plans_impl`]), in three
//! parts: reading a plan (here), editing it ([`edits`]: add, rewrite, retire) and making the
//! next year's plan from this year's ([`rollover`], `duban plan rollover`).
//!
//! Plan edits never touch a publication: a published table is frozen JSON, so a change shows
//! in the next publication only.

pub(crate) mod edits;
pub(crate) mod rollover;

use crate::StoreError;
use crate::logic::details;
use crate::logic::target_no;
use duban_core::{EntryDraft, Leader, TargetNo, Unit};
use serde::Serialize;
use std::collections::HashMap;

pub use rollover::{PlanTarget, RolloverOutcome};

pub(crate) const PLAN_ID_SQL: &str = "SELECT id FROM plans WHERE government = $1 AND year = $2";

pub(crate) const NEW_PLAN_SQL: &str = "INSERT INTO plans (government, year) VALUES ($1, $2)
     ON CONFLICT (government, year) DO UPDATE SET year = excluded.year RETURNING id";

/// A target of an earlier year's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRef {
    pub year: i16,
    pub no: TargetNo,
}

/// A target of a plan with the entries that answer for it, as the plan page and
/// `GET /api/v1/plans/{year}/targets` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedTarget {
    pub no: TargetNo,
    pub content: String,
    /// As a table's JSON writes it: 年底, 长期坚持, an ISO date, or empty when none is given.
    pub deadline: String,
    /// The group headings above it, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<String>,
    /// Its live entries in order; the first unit of each leads.
    pub entries: Vec<EntryDraft>,
    /// When the office retired it (UTC, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// The target of an earlier plan it was carried over from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<PlanRef>,
}

/// Where a target came from and went to across years: the target it was carried over from,
/// and the live targets of later plans carried over from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Lineage {
    pub predecessor: Option<PlanRef>,
    pub successors: Vec<PlanRef>,
}

pub(crate) const PREDECESSOR_SQL: &str = "SELECT pp.year, pt.no FROM targets t
     JOIN plans p ON p.id = t.plan_id JOIN targets pt ON pt.id = t.predecessor_id
     JOIN plans pp ON pp.id = pt.plan_id
     WHERE p.government = $1 AND p.year = $2 AND t.no = $3";

pub(crate) const SUCCESSORS_SQL: &str = "SELECT sp.year, st.no FROM targets t
     JOIN plans p ON p.id = t.plan_id JOIN targets st ON st.predecessor_id = t.id
     JOIN plans sp ON sp.id = st.plan_id
     WHERE p.government = $1 AND p.year = $2 AND t.no = $3 AND st.retired_at IS NULL
     ORDER BY sp.year, st.no";

/// (year, number) rows into references; a number that is not one is left out.
pub(crate) fn refs(rows: Vec<(i16, i64)>) -> Vec<PlanRef> {
    rows.into_iter()
        .filter_map(|(year, no)| {
            Some(PlanRef {
                year,
                no: target_no(no).ok()?,
            })
        })
        .collect()
}

/// A plan's targets, or one of them (`$3`, NULL for all), retired ones too.
/// A government's years with a plan that has targets, newest first.
pub(crate) const PLAN_YEARS_SQL: &str = "SELECT p.year FROM plans p WHERE p.government = $1
       AND EXISTS (SELECT 1 FROM targets t WHERE t.plan_id = p.id)
     ORDER BY p.year DESC";

pub(crate) const PLANNED_TARGETS_SQL: &str =
    "SELECT t.id, t.no, t.content, t.deadline, t.groups, t.retired_at,
            pp.year AS predecessor_year, pt.no AS predecessor_no
     FROM targets t JOIN plans p ON p.id = t.plan_id
     LEFT JOIN targets pt ON pt.id = t.predecessor_id
     LEFT JOIN plans pp ON pp.id = pt.plan_id
     WHERE p.government = $1 AND p.year = $2 AND ($3 IS NULL OR t.no = $3)
     ORDER BY t.no";

/// The live entries of those targets, in order.
pub(crate) const PLANNED_ENTRIES_SQL: &str = "SELECT e.id, e.target_id, e.position, e.details
     FROM entries e JOIN targets t ON t.id = e.target_id JOIN plans p ON p.id = t.plan_id
     WHERE p.government = $1 AND p.year = $2 AND ($3 IS NULL OR t.no = $3)
       AND e.retired_at IS NULL
     ORDER BY t.no, e.position";

/// The names of a kind linked to those entries: `{link}`, `{names}`, `{key}` from
/// `NameKind::tables`.
pub(crate) fn planned_names_sql(kind: crate::logic::import::NameKind) -> String {
    let (link, names, key) = kind.tables();
    format!(
        "SELECT l.entry_id, n.name FROM {link} l JOIN {names} n ON n.id = l.{key}
         JOIN entries e ON e.id = l.entry_id JOIN targets t ON t.id = e.target_id
         JOIN plans p ON p.id = t.plan_id
         WHERE p.government = $1 AND p.year = $2 AND ($3 IS NULL OR t.no = $3)
         ORDER BY l.entry_id, l.position"
    )
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PlannedTargetRow {
    pub id: i64,
    pub no: i64,
    pub content: String,
    pub deadline: String,
    pub groups: Option<String>,
    pub retired_at: Option<String>,
    pub predecessor_year: Option<i16>,
    pub predecessor_no: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PlannedEntryRow {
    pub id: i64,
    pub target_id: i64,
    pub position: i64,
    pub details: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct NameRow {
    pub entry_id: i64,
    pub name: String,
}

/// A target's rows as read, with its live entries' ids, for an edit to compare against.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub id: i64,
    pub view: PlannedTarget,
    /// (entry id, details as stored), in the order of `view.entries`.
    pub entries: Vec<(i64, Option<String>)>,
}

/// Puts the rows together, targets in number order.
pub(crate) fn assemble(
    targets: Vec<PlannedTargetRow>,
    entries: Vec<PlannedEntryRow>,
    units: Vec<NameRow>,
    leaders: Vec<NameRow>,
) -> Result<Vec<Loaded>, StoreError> {
    let by_entry = |rows: Vec<NameRow>| {
        let mut m: HashMap<i64, Vec<String>> = HashMap::new();
        for r in rows {
            m.entry(r.entry_id).or_default().push(r.name);
        }
        m
    };
    let units = by_entry(units);
    let leaders = by_entry(leaders);
    let mut of_target: HashMap<i64, Vec<PlannedEntryRow>> = HashMap::new();
    for e in entries {
        of_target.entry(e.target_id).or_default().push(e);
    }
    targets
        .into_iter()
        .map(|t| {
            let mut rows = of_target.remove(&t.id).unwrap_or_default();
            rows.sort_by_key(|e| e.position);
            let mut drafts = Vec::with_capacity(rows.len());
            let mut ids = Vec::with_capacity(rows.len());
            for e in rows {
                let names =
                    |m: &HashMap<i64, Vec<String>>| m.get(&e.id).cloned().unwrap_or_default();
                let d = details::entry_of(e.details.as_deref())?;
                drafts.push(EntryDraft {
                    units: names(&units)
                        .iter()
                        .filter_map(|n| Unit::parse(n).ok())
                        .collect(),
                    leaders: names(&leaders)
                        .iter()
                        .filter_map(|n| Leader::parse(n).ok())
                        .collect(),
                    assisting_units: d.assisting(),
                });
                ids.push((e.id, e.details));
            }
            let predecessor = match (t.predecessor_year, t.predecessor_no) {
                (Some(year), Some(no)) => Some(PlanRef {
                    year,
                    no: target_no(no)?,
                }),
                _ => None,
            };
            Ok(Loaded {
                id: t.id,
                view: PlannedTarget {
                    no: target_no(t.no)?,
                    content: t.content,
                    deadline: t.deadline,
                    group: details::groups_of(t.groups.as_deref())?,
                    entries: drafts,
                    retired_at: t.retired_at,
                    predecessor,
                },
                entries: ids,
            })
        })
        .collect()
}

/// The [`crate::Plans`] implementation for a store with `pool`, `write()`,
/// `structure_write()` and an `audit` in scope (a macro for the reason
/// `logic::messages::messages_impl` is one). Writes are the inherent methods that
/// [`edits::edits_impl`] and [`rollover::rollover_impl`] make.
macro_rules! plans_impl {
    ($store:ty, $conn:ty) => {
        crate::logic::plans::edits::edits_impl!($store, $conn);
        crate::logic::plans::rollover::rollover_impl!($store);

        impl $store {
            /// A plan's targets, or the one numbered `no`, as read in `conn`.
            async fn plan_rows(
                conn: &mut $conn,
                government: &str,
                year: i16,
                no: Option<i64>,
            ) -> Result<Vec<crate::logic::plans::Loaded>, crate::StoreError> {
                use crate::logic::import::NameKind;
                use crate::logic::plans::*;
                let targets: Vec<PlannedTargetRow> = sqlx::query_as(PLANNED_TARGETS_SQL)
                    .bind(government)
                    .bind(year)
                    .bind(no)
                    .fetch_all(&mut *conn)
                    .await?;
                if targets.is_empty() {
                    return Ok(Vec::new());
                }
                let entries: Vec<PlannedEntryRow> = sqlx::query_as(PLANNED_ENTRIES_SQL)
                    .bind(government)
                    .bind(year)
                    .bind(no)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut names = Vec::with_capacity(2);
                for kind in [NameKind::Units, NameKind::Leaders] {
                    let rows: Vec<NameRow> =
                        sqlx::query_as(sqlx::AssertSqlSafe(planned_names_sql(kind)))
                            .bind(government)
                            .bind(year)
                            .bind(no)
                            .fetch_all(&mut *conn)
                            .await?;
                    names.push(rows);
                }
                let leaders = names.pop().unwrap_or_default();
                let units = names.pop().unwrap_or_default();
                assemble(targets, entries, units, leaders)
            }

            /// One target of a plan, or NotFound naming it.
            async fn plan_target_row(
                conn: &mut $conn,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
            ) -> Result<crate::logic::plans::Loaded, crate::StoreError> {
                Self::plan_rows(conn, government, year, Some(i64::from(no.get())))
                    .await?
                    .pop()
                    .ok_or_else(|| {
                        crate::StoreError::NotFound(format!(
                            "target {no} of the {year} plan of {government}"
                        ))
                    })
            }
        }

        #[async_trait::async_trait]
        impl crate::Plans for $store {
            async fn plan_targets(
                &self,
                government: &str,
                year: i16,
            ) -> Result<Vec<crate::PlanTarget>, crate::StoreError> {
                Ok(
                    sqlx::query_as(crate::logic::plans::rollover::PLAN_TARGETS_SQL)
                        .bind(government)
                        .bind(year)
                        .fetch_all(&self.pool)
                        .await?,
                )
            }

            async fn plan_years(&self, government: &str) -> Result<Vec<i16>, crate::StoreError> {
                Ok(sqlx::query_scalar(crate::logic::plans::PLAN_YEARS_SQL)
                    .bind(government)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn rollover(
                &self,
                government: &str,
                from: i16,
                to: i16,
                pick: &[u32],
                actor: &str,
            ) -> Result<crate::RolloverOutcome, crate::StoreError> {
                self.carry_over(government, from, to, pick, actor).await
            }

            async fn lineage(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
            ) -> Result<crate::Lineage, crate::StoreError> {
                use crate::logic::plans::*;
                let mut conn = self.pool.acquire().await?;
                let mut found = Vec::with_capacity(2);
                for sql in [PREDECESSOR_SQL, SUCCESSORS_SQL] {
                    let rows: Vec<(i16, i64)> = sqlx::query_as(sql)
                        .bind(government)
                        .bind(year)
                        .bind(i64::from(no.get()))
                        .fetch_all(&mut *conn)
                        .await?;
                    found.push(refs(rows));
                }
                let successors = found.pop().unwrap_or_default();
                let predecessor = found.pop().unwrap_or_default().pop();
                Ok(crate::Lineage {
                    predecessor,
                    successors,
                })
            }

            async fn plan(
                &self,
                government: &str,
                year: i16,
            ) -> Result<Vec<crate::PlannedTarget>, crate::StoreError> {
                let mut conn = self.pool.acquire().await?;
                Ok(Self::plan_rows(&mut conn, government, year, None)
                    .await?
                    .into_iter()
                    .map(|l| l.view)
                    .collect())
            }

            async fn plan_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
            ) -> Result<Option<crate::PlannedTarget>, crate::StoreError> {
                let mut conn = self.pool.acquire().await?;
                Ok(
                    Self::plan_rows(&mut conn, government, year, Some(i64::from(no.get())))
                        .await?
                        .pop()
                        .map(|l| l.view),
                )
            }

            async fn add_target(
                &self,
                government: &str,
                year: i16,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                self.add_planned_target(government, year, draft, actor)
                    .await
            }

            async fn edit_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                self.edit_planned_target(government, year, no, draft, actor)
                    .await
            }

            async fn retire_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                self.retire_planned_target(government, year, no, actor)
                    .await
            }

            async fn restore_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                self.restore_planned_target(government, year, no, actor)
                    .await
            }
        }
    };
}

pub(crate) use plans_impl;
