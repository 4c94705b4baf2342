//! Publications: a round's table assembled from its rows, frozen and hashed into the chain, and
//! read back by period, by hash and for verification.

use super::*;
use crate::Publications;

/// Whether a table carries the deadline extensions approved so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovedExtensions {
    /// A round collected here: its publication shows every extension approved by then.
    Shown,
    /// A table imported as another system published it: exactly as published, nothing added.
    Omitted,
}

/// Reads a round's table as it stands: reports not accepted show as not reported.
pub(crate) async fn load_round_table(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
) -> Result<Table, StoreError> {
    let head = sqlx::query(
        "SELECT p.government, p.year, p.declared_total, r.period, r.title, r.intro
         FROM rounds r JOIN plans p ON p.id = r.plan_id WHERE r.id = $1",
    )
    .bind(round)
    .fetch_one(&mut *conn)
    .await?;
    let period: String = head.get("period");
    let period = Period::from_str(&period).map_err(|e| StoreError::Corrupt(e.to_string()))?;

    let mut names: HashMap<(i64, NameKindKey), Vec<String>> = HashMap::new();
    for (kind, key) in [
        (NameKind::Units, NameKindKey::Units),
        (NameKind::Leaders, NameKindKey::Leaders),
    ] {
        let (link, table, col) = kind.tables();
        let sql = format!(
            "SELECT l.entry_id, n.name FROM {link} l JOIN {table} n ON n.id = l.{col}
             JOIN reports r ON r.entry_id = l.entry_id AND r.round_id = $1
             ORDER BY l.entry_id, l.position"
        );
        for row in sqlx::query(AssertSqlSafe(sql))
            .bind(round)
            .fetch_all(&mut *conn)
            .await?
        {
            names
                .entry((row.get::<i64, _>(0), key))
                .or_default()
                .push(row.get(1));
        }
    }

    // The latest approval per entry is the one in force: each must go past the one before.
    let mut granted: HashMap<i64, Extension> = HashMap::new();
    if extensions == ApprovedExtensions::Shown {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT x.entry_id, x.new_deadline, x.reason, x.decided_at FROM extensions x
             JOIN reports r ON r.entry_id = x.entry_id AND r.round_id = $1
             WHERE x.state = 'approved' ORDER BY x.decided_at, x.id",
        )
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
        for (entry, deadline, reason, approved_at) in rows {
            let deadline = deadline
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("extension date {deadline}")))?;
            granted.insert(
                entry,
                Extension {
                    deadline,
                    reason,
                    approved_at,
                },
            );
        }
    }

    let rows = sqlx::query(
        "SELECT t.no, t.content, t.deadline, e.id AS entry_id, r.progress, r.on_schedule, r.state
         FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
         WHERE r.round_id = $1 ORDER BY t.no, e.position",
    )
    .bind(round)
    .fetch_all(&mut *conn)
    .await?;
    let mut targets: Vec<TableTarget> = Vec::new();
    for row in rows {
        let no = target_no(&row)?;
        let entry_id: i64 = row.get("entry_id");
        let accepted = row.get::<String, _>("state") == "accepted";
        let take = |key| names.get(&(entry_id, key)).cloned().unwrap_or_default();
        let entry = TableEntry {
            leaders: take(NameKindKey::Leaders)
                .iter()
                .filter_map(|n| Leader::parse(n).ok())
                .collect(),
            units: take(NameKindKey::Units)
                .iter()
                .filter_map(|n| Unit::parse(n).ok())
                .collect(),
            progress: if accepted {
                row.get("progress")
            } else {
                String::new()
            },
            on_schedule: if accepted {
                row.get::<Option<i64>, _>("on_schedule").map(|v| v != 0)
            } else {
                None
            },
            extension: granted.remove(&entry_id),
        };
        match targets.last_mut() {
            Some(t) if t.no == no => t.entries.push(entry),
            _ => {
                let deadline: String = row.get("deadline");
                targets.push(TableTarget {
                    no,
                    content: row.get("content"),
                    deadline: Deadline::from_json_text(&deadline)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    entries: vec![entry],
                });
            }
        }
    }
    Ok(Table {
        government: head.get("government"),
        title: head.get("title"),
        year: head.get("year"),
        period,
        declared_total: head
            .get::<Option<i64>, _>("declared_total")
            .and_then(|n| u32::try_from(n).ok()),
        intro: head.get("intro"),
        targets,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameKindKey {
    Units,
    Leaders,
}

pub(crate) fn target_no(row: &SqliteRow) -> Result<TargetNo, StoreError> {
    let no: i64 = row.get("no");
    u32::try_from(no)
        .ok()
        .and_then(|n| TargetNo::new(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("target number {no}")))
}

const SUMMARY_COLUMNS: &str =
    "p.period, pl.government, r.title, p.sha256, p.content_sha256, p.previous_sha256,
    p.published_at, (SELECT s.sha256 FROM publications s WHERE s.id = p.supersedes) AS supersedes,
    EXISTS (SELECT 1 FROM publications n WHERE n.supersedes = p.id) AS superseded";
const SUMMARY_FROM: &str =
    "FROM publications p JOIN rounds r ON r.id = p.round_id JOIN plans pl ON pl.id = r.plan_id";

pub(crate) fn summary(row: &SqliteRow) -> Result<PublicationSummary, StoreError> {
    let period: String = row.get("period");
    Ok(PublicationSummary {
        period: period
            .parse()
            .map_err(|e: duban_core::period::PeriodError| StoreError::Corrupt(e.to_string()))?,
        government: row.get("government"),
        title: row.get("title"),
        sha256: row.get("sha256"),
        content_sha256: row.get("content_sha256"),
        previous_sha256: row.get("previous_sha256"),
        published_at: row.get("published_at"),
        supersedes: row.get("supersedes"),
        superseded: row.get::<i64, _>("superseded") != 0,
    })
}

/// Freezes a round's current table as a new publication, unless the newest one of the round
/// already holds exactly these bytes. Runs inside the caller's transaction.
pub(crate) async fn publish_round(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
    actor: &str,
) -> Result<Option<PublicationSummary>, StoreError> {
    let table = load_round_table(conn, round, extensions).await?;
    let content = table.to_canonical_json();
    let content_hash = content_sha256(&content);
    let last_of_round: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, content_sha256 FROM publications WHERE round_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(round)
    .fetch_optional(&mut *conn)
    .await?;
    if last_of_round
        .as_ref()
        .is_some_and(|(_, h)| *h == content_hash)
    {
        return Ok(None);
    }
    let head: Option<(i64, String)> = sqlx::query_as(
        "SELECT chain_position, sha256 FROM publications ORDER BY chain_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let period = table.period.to_string();
    let published_at = now();
    let previous = head.as_ref().map(|(_, h)| h.as_str());
    let sha = publication_sha256(&period, &published_at, previous, &content_hash);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (round_id, period, chain_position, sha256, content_sha256,
             previous_sha256, published_at, supersedes, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(round)
    .bind(&period)
    .bind(head.as_ref().map_or(0, |(p, _)| p + 1))
    .bind(&sha)
    .bind(&content_hash)
    .bind(previous)
    .bind(&published_at)
    .bind(last_of_round.as_ref().map(|(id, _)| *id))
    .bind(&content)
    .fetch_one(&mut *conn)
    .await?;
    search::index_publication(conn, round, id, &table).await?;
    sqlx::query("UPDATE rounds SET state = 'published' WHERE id = $1")
        .bind(round)
        .execute(&mut *conn)
        .await?;
    audit(
        conn,
        actor,
        "publication.create",
        &format!("round:{period}"),
        None,
        Some(json!({"sha256": sha, "previous_sha256": previous, "content_sha256": content_hash})),
    )
    .await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    summary(&row).map(Some)
}

#[async_trait::async_trait]
impl Publications for SqliteStore {
    async fn import_table(&self, table: &Table, actor: &str) -> Result<ImportOutcome, StoreError> {
        super::import::import_table(self, table, actor).await
    }

    async fn published(&self) -> Result<Vec<PublicationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
             WHERE p.id IN (SELECT MAX(id) FROM publications GROUP BY round_id)"
        );
        let mut v = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary)
            .collect::<Result<Vec<_>, _>>()?;
        v.sort_by(|a, b| {
            b.period
                .cmp(&a.period)
                .then_with(|| a.government.cmp(&b.government))
        });
        Ok(v)
    }

    async fn latest_publication(&self, period: Period) -> Result<Option<Publication>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM} WHERE p.period = $1 ORDER BY p.id DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Publication {
                summary: summary(&r)?,
                content: r.get("content"),
            })
        })
        .transpose()
    }

    async fn latest_sha256(&self, period: Period) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT sha256 FROM publications WHERE period = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn publication(&self, sha256: &str) -> Result<Option<Publication>, StoreError> {
        let sql = format!("SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM} WHERE p.sha256 = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Publication {
                summary: summary(&r)?,
                content: r.get("content"),
            })
        })
        .transpose()
    }

    async fn publications_of(&self, period: Period) -> Result<Vec<PublicationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE p.period = $1 ORDER BY p.id DESC"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(period.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary)
            .collect()
    }

    async fn round_table(&self, period: Period) -> Result<Option<Table>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let round: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rounds WHERE period = $1 ORDER BY id DESC LIMIT 1")
                .bind(period.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        match round {
            Some(r) => Ok(Some(
                load_round_table(&mut conn, r, ApprovedExtensions::Shown).await?,
            )),
            None => Ok(None),
        }
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let rows = sqlx::query(
            "SELECT chain_position, period, sha256, content_sha256, previous_sha256, published_at, content
             FROM publications ORDER BY chain_position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut report = VerifyReport::default();
        let mut previous: Option<String> = None;
        for (i, row) in rows.iter().enumerate() {
            report.checked += 1;
            let (period, sha, stored_content_sha, prev, at, content): (
                String,
                String,
                String,
                Option<String>,
                String,
                String,
            ) = (
                row.get("period"),
                row.get("sha256"),
                row.get("content_sha256"),
                row.get("previous_sha256"),
                row.get("published_at"),
                row.get("content"),
            );
            let name = format!("publication {period} {}…", sha.get(..12).unwrap_or(&sha));
            let mut wrong = Vec::new();
            if row.get::<i64, _>("chain_position") != i as i64 {
                wrong.push("the chain has a gap before it");
            }
            let actual_content_sha = content_sha256(&content);
            if actual_content_sha != stored_content_sha {
                wrong.push("its content no longer matches its hash");
            }
            if prev != previous {
                wrong.push("it does not link to the publication before it");
            }
            if publication_sha256(&period, &at, prev.as_deref(), &actual_content_sha) != sha {
                wrong.push("its hash does not match its period, date, link and content");
            }
            if !wrong.is_empty() {
                report
                    .problems
                    .push(format!("{name}: {}", wrong.join("; ")));
            }
            previous = Some(sha);
        }
        Ok(report)
    }
}
