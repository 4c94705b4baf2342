//! A government's plans across years on every backend: the targets of a plan as the office
//! picks from them and edits them (add, rewrite, retire), and the next year's plan made from
//! this year's (`duban plan rollover`). The statements read the same in both dialects, so there
//! is one implementation ([`plans_impl`]).
//!
//! Plan edits never touch a publication: a published table is frozen JSON, so a change shows
//! in the next publication only. Reports belong to entries, and who reports an entry is read
//! from its units whenever it is asked, so a new lead unit's clerks see its open reports at
//! once. An entry added gets reports in the plan's rounds still collecting; an entry dropped
//! or a target retired keeps its rows (published tables and the audit log cite them) and loses
//! only its reports in rounds never published, which the audit record keeps.

use crate::StoreError;
use crate::logic::details::{self, EntryDetails};
use crate::logic::target_no;
use duban_core::{EntryDraft, Leader, TargetNo, Unit};
use serde::Serialize;
use std::collections::HashMap;

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

pub(crate) const PLAN_ID_SQL: &str = "SELECT id FROM plans WHERE government = $1 AND year = $2";

pub(crate) const NEW_PLAN_SQL: &str = "INSERT INTO plans (government, year) VALUES ($1, $2)
     ON CONFLICT (government, year) DO UPDATE SET year = excluded.year RETURNING id";

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

pub(crate) const RETIRE_ENTRY_SQL: &str = "UPDATE entries SET retired_at = $2 WHERE id = $1";

pub(crate) const RETIRE_TARGET_SQL: &str = "UPDATE targets SET retired_at = $2 WHERE id = $1";

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

/// A report a retirement withdraws, as its audit record keeps it.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct WithdrawnReport {
    pub period: String,
    pub state: String,
    pub progress: String,
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

/// The [`crate::Plans`] implementation for a store with `pool`, `write()` and an `audit` in
/// scope (a macro for the reason `logic::messages::messages_impl` is one).
macro_rules! plans_impl {
    ($store:ty, $conn:ty) => {
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
            ) -> Result<Vec<crate::logic::plans::WithdrawnReport>, crate::StoreError> {
                use crate::logic::import::{NameKind, strings};
                use crate::logic::plans::*;
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
                    Self::retire_entry(&mut *conn, *id, at, &mut withdrawn).await?;
                }
                Ok(withdrawn)
            }

            /// Retires an entry and withdraws its reports in rounds never published.
            async fn retire_entry(
                conn: &mut $conn,
                entry: i64,
                at: &str,
                withdrawn: &mut Vec<crate::logic::plans::WithdrawnReport>,
            ) -> Result<(), crate::StoreError> {
                use crate::logic::plans::*;
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
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl crate::Plans for $store {
            async fn plan_targets(
                &self,
                government: &str,
                year: i16,
            ) -> Result<Vec<crate::PlanTarget>, crate::StoreError> {
                Ok(sqlx::query_as(crate::logic::plans::PLAN_TARGETS_SQL)
                    .bind(government)
                    .bind(year)
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
                use crate::logic::plans::*;
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
                Ok(Self::plan_rows(&mut conn, government, year, Some(i64::from(no.get())))
                    .await?
                    .pop()
                    .map(|l| l.view))
            }

            async fn add_target(
                &self,
                government: &str,
                year: i16,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::*;
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

            async fn edit_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                draft: &duban_core::TargetDraft,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::*;
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

            async fn retire_target(
                &self,
                government: &str,
                year: i16,
                no: duban_core::TargetNo,
                actor: &str,
            ) -> Result<crate::PlannedTarget, crate::StoreError> {
                use crate::logic::plans::*;
                let mut tx = self.structure_write().await?;
                let before = Self::plan_target_row(&mut tx, government, year, no).await?;
                if before.view.retired_at.is_some() {
                    return Err(retired(year, no));
                }
                let at = crate::logic::now();
                let mut withdrawn = Vec::new();
                for (id, _) in &before.entries {
                    Self::retire_entry(&mut tx, *id, &at, &mut withdrawn).await?;
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
        }
    };
}

pub(crate) use plans_impl;
