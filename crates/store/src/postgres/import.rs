//! Importing a published table on PostgreSQL: the plan's targets and entries registered or
//! updated, the round's reports recorded as accepted, and the round published when its content
//! changed. One transaction: on any error nothing is written. What each row of the table
//! changes, and what the audit log says of it, is `logic::import`'s, as on SQLite.
//!
//! An import reads the plan's structure and then writes it, so it takes the `STRUCTURE`
//! advisory lock first: two imports (or an import and a round opening) take turns instead of
//! both inserting what neither saw. It takes `CHAIN` right after, before it writes any row, so
//! that it never holds a round's row while waiting for a publisher that wants the same row.

use super::governments::register_in;
use super::names::{entry_names, replace_entry_names};
use super::publications::publish_round;
use super::{PgStore, audit, lock, locks, now};
use crate::logic::details;
use crate::logic::import::{
    Counts, ReportChange, STORED_REPORT_SQL, STORED_TARGET_SQL, StoredReport, StoredTarget,
    TargetChange, details_value, entries_removed, entry_details_change, entry_subject,
    names_changed, report_change, report_subject, round_imported, target_change, target_subject,
    wanted_names,
};
use crate::logic::table::ApprovedExtensions;
use crate::{ImportOutcome, StoreError};
use duban_core::Table;

pub(super) async fn import_table(
    store: &PgStore,
    table: &Table,
    actor: &str,
) -> Result<ImportOutcome, StoreError> {
    table
        .validate()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut tx = store.write().await?;
    let conn = &mut *tx;
    lock(conn, locks::STRUCTURE).await?;
    lock(conn, locks::CHAIN).await?;
    let gov = table.government.as_str();
    let (government, registered) = register_in(conn, gov, None, actor).await?;
    let plan: i64 = sqlx::query_scalar(
        "INSERT INTO plans (government, year, declared_total) VALUES ($1, $2, $3)
         ON CONFLICT (government, year) DO UPDATE
             SET declared_total = COALESCE(excluded.declared_total, plans.declared_total)
         RETURNING id",
    )
    .bind(gov)
    .bind(table.year)
    .bind(table.declared_total.map(i64::from))
    .fetch_one(&mut *conn)
    .await?;

    let period = table.period.to_string();
    let round: i64 = sqlx::query_scalar(
        "INSERT INTO rounds (plan_id, period, title, intro, state, created_at)
         VALUES ($1, $2, $3, $4, 'closed', $5)
         ON CONFLICT (plan_id, period) DO UPDATE SET title = excluded.title, intro = excluded.intro
         RETURNING id",
    )
    .bind(plan)
    .bind(&period)
    .bind(&table.title)
    .bind(&table.intro)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;

    let mut counts = Counts::default();
    for t in &table.targets {
        let no = i64::from(t.no.get());
        let subject = target_subject(table, t);
        let old: Option<StoredTarget> = sqlx::query_as(STORED_TARGET_SQL)
            .bind(plan)
            .bind(no)
            .fetch_optional(&mut *conn)
            .await?;
        let change = target_change(old.as_ref(), t);
        counts.target(&change);
        let target = match change {
            TargetChange::Create { after } => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO targets (plan_id, no, content, deadline, groups)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(plan)
                .bind(no)
                .bind(&t.content)
                .bind(t.deadline.to_string())
                .bind(details::groups_text(&t.group))
                .fetch_one(&mut *conn)
                .await?;
                audit(
                    conn,
                    Some(gov),
                    actor,
                    "target.create",
                    &subject,
                    None,
                    Some(after),
                )
                .await?;
                id
            }
            TargetChange::Update { id, before, after } => {
                sqlx::query(
                    "UPDATE targets SET content = $1, deadline = $2, groups = $3 WHERE id = $4",
                )
                .bind(&t.content)
                .bind(t.deadline.to_string())
                .bind(details::groups_text(&t.group))
                .bind(id)
                .execute(&mut *conn)
                .await?;
                audit(
                    conn,
                    Some(gov),
                    actor,
                    "target.update",
                    &subject,
                    Some(before),
                    Some(after),
                )
                .await?;
                id
            }
            TargetChange::Same { id } => id,
        };

        for (pos, e) in t.entries.iter().enumerate() {
            let entry: i64 = sqlx::query_scalar(
                "INSERT INTO entries (target_id, position) VALUES ($1, $2)
                 ON CONFLICT (target_id, position) DO UPDATE SET position = excluded.position
                 RETURNING id",
            )
            .bind(target)
            .bind(pos as i64)
            .fetch_one(&mut *conn)
            .await?;
            let entry_subject = entry_subject(&subject, pos);
            for (kind, wanted) in wanted_names(e) {
                let before = entry_names(conn, kind, entry).await?;
                if before != wanted {
                    replace_entry_names(conn, gov, entry, kind, &wanted).await?;
                    let (before, after) = names_changed(&before, &wanted);
                    audit(
                        conn,
                        Some(gov),
                        actor,
                        &kind.action(),
                        &entry_subject,
                        Some(before),
                        Some(after),
                    )
                    .await?;
                }
            }
            let stored: Option<Option<String>> =
                sqlx::query_scalar("SELECT details FROM entries WHERE id = $1")
                    .bind(entry)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some((before, after)) = entry_details_change(stored.flatten(), e) {
                sqlx::query("UPDATE entries SET details = $1 WHERE id = $2")
                    .bind(&after)
                    .bind(entry)
                    .execute(&mut *conn)
                    .await?;
                audit(
                    conn,
                    Some(gov),
                    actor,
                    "entry.details",
                    &entry_subject,
                    Some(details_value(before.as_deref())),
                    Some(details_value(after.as_deref())),
                )
                .await?;
            }
            let old: Option<StoredReport> = sqlx::query_as(STORED_REPORT_SQL)
                .bind(round)
                .bind(entry)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(ReportChange {
                before,
                after,
                details,
            }) = report_change(old, e)
            {
                counts.reports_changed += 1;
                sqlx::query(
                    "INSERT INTO reports (round_id, entry_id, progress, on_schedule, state, updated_at, details)
                     VALUES ($1, $2, $3, $4, 'accepted', $5, $6)
                     ON CONFLICT (round_id, entry_id) DO UPDATE SET progress = excluded.progress,
                         on_schedule = excluded.on_schedule, state = 'accepted',
                         version = reports.version + 1, updated_at = excluded.updated_at,
                         details = excluded.details",
                )
                .bind(round)
                .bind(entry)
                .bind(&e.progress)
                .bind(e.answer())
                .bind(now())
                .bind(details)
                .execute(&mut *conn)
                .await?;
                audit(
                    conn,
                    Some(gov),
                    actor,
                    "report.import",
                    &report_subject(&entry_subject, table),
                    before,
                    Some(after),
                )
                .await?;
            }
        }
        let dropped = sqlx::query("DELETE FROM entries WHERE target_id = $1 AND position >= $2")
            .bind(target)
            .bind(t.entries.len() as i64)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if dropped > 0 {
            audit(
                conn,
                Some(gov),
                actor,
                "entry.delete",
                &subject,
                Some(entries_removed(dropped)),
                None,
            )
            .await?;
        }
    }
    let (subject, after) = round_imported(table);
    audit(
        conn,
        Some(gov),
        actor,
        "round.import",
        &subject,
        None,
        Some(after),
    )
    .await?;
    let published = publish_round(conn, round, ApprovedExtensions::Omitted, actor).await?;
    tx.commit().await?;
    Ok(counts.outcome(government, registered, plan, round, published))
}
