//! 群众监督 messages on every backend: the statements (they read the same in both dialects) and
//! how rows become [`MessageView`]s. A message waits as `pending` until the office publishes it
//! (with a reply or without) or rejects it; nothing else changes it, and nothing deletes it.

use crate::logic::u32_or_zero;
use crate::{MessageState, MessageView, StoreError};
use duban_core::{Leader, Unit};

/// The columns of a [`MessageRow`].
pub(crate) const COLUMNS: &str = "id, government, year, target_no, body, name, contact, state,
    reply, note, created_at, decided_at";

/// How many targets of this number a government's plan of a year has (0 or 1).
pub(crate) const TARGET_EXISTS_SQL: &str =
    "SELECT COUNT(*) FROM targets t JOIN plans pl ON pl.id = t.plan_id
    WHERE pl.government = $1 AND pl.year = $2 AND t.no = $3";

pub(crate) const INSERT_SQL: &str = "INSERT INTO messages
    (government, year, target_no, body, name, contact, address, state, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id";

/// Messages sent from an address since an instant, for the rate limit.
pub(crate) const FROM_ADDRESS_SQL: &str =
    "SELECT COUNT(*) FROM messages WHERE address = $1 AND created_at > $2";

/// Decides a pending message; no row when it is not pending (then [`STATE_SQL`] says why).
pub(crate) const DECIDE_SQL: &str = "UPDATE messages
    SET state = $2, reply = $3, note = $4, decided_at = $5, decided_by = $6
    WHERE id = $1 AND state = 'pending' RETURNING id";

pub(crate) const STATE_SQL: &str = "SELECT state, government FROM messages WHERE id = $1";

/// The messages a filter asks for (binds: government, state, year, target number, each
/// optional; then the limit), newest first.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM messages
         WHERE ($1 IS NULL OR government = $1) AND ($2 IS NULL OR state = $2)
           AND ($3 IS NULL OR year = $3) AND ($4 IS NULL OR target_no = $4)
         ORDER BY id DESC LIMIT $5"
    )
}

/// The leaders and units of a government's targets of a year (binds: government, year): who
/// may read the messages on each.
pub(crate) const PEOPLE_SQL: &str =
    "SELECT CAST(t.no AS BIGINT) AS target_no, 'unit' AS kind, u.name AS name
      FROM plans pl JOIN targets t ON t.plan_id = pl.id JOIN entries e ON e.target_id = t.id
      JOIN entry_units eu ON eu.entry_id = e.id JOIN units u ON u.id = eu.unit_id
     WHERE pl.government = $1 AND pl.year = $2
    UNION ALL
    SELECT CAST(t.no AS BIGINT), 'leader', l.name
      FROM plans pl JOIN targets t ON t.plan_id = pl.id JOIN entries e ON e.target_id = t.id
      JOIN entry_leaders el ON el.entry_id = e.id JOIN leaders l ON l.id = el.leader_id
     WHERE pl.government = $1 AND pl.year = $2";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub government: String,
    pub year: i64,
    pub target_no: i64,
    pub body: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub state: String,
    pub reply: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub target_no: i64,
    pub kind: String,
    pub name: String,
}

/// Views of `rows`, each with its target's leaders and units from `people` (the rows of
/// [`PEOPLE_SQL`] for its government and year, keyed by them).
pub(crate) fn views(
    rows: Vec<MessageRow>,
    people: &std::collections::HashMap<(String, i64), Vec<PersonRow>>,
) -> Result<Vec<MessageView>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let mut leaders: Vec<Leader> = Vec::new();
            let mut units: Vec<Unit> = Vec::new();
            let of_target = people
                .get(&(r.government.clone(), r.year))
                .into_iter()
                .flatten()
                .filter(|p| p.target_no == r.target_no);
            for p in of_target {
                match p.kind.as_str() {
                    "unit" => {
                        if let Ok(u) = Unit::parse(&p.name)
                            && !units.contains(&u)
                        {
                            units.push(u);
                        }
                    }
                    _ => {
                        if let Ok(l) = Leader::parse(&p.name)
                            && !leaders.contains(&l)
                        {
                            leaders.push(l);
                        }
                    }
                }
            }
            Ok(MessageView {
                id: r.id,
                government: r.government,
                year: i16::try_from(r.year)
                    .map_err(|_| StoreError::Corrupt(format!("message {} year", r.id)))?,
                target_no: u32_or_zero(r.target_no),
                body: r.body,
                name: r.name,
                contact: r.contact,
                state: MessageState::parse(&r.state)
                    .ok_or_else(|| StoreError::Corrupt(format!("message {} state", r.id)))?,
                reply: r.reply,
                note: r.note,
                created_at: r.created_at,
                decided_at: r.decided_at,
                leaders,
                units,
            })
        })
        .collect()
}

/// Why a message could not be decided: it is not there, or no longer pending.
pub(crate) fn not_pending(id: i64, state: Option<String>) -> StoreError {
    match state {
        None => StoreError::NotFound(format!("message {id}")),
        Some(s) => StoreError::Conflict {
            code: "not_pending",
            message: format!("message {id} is {s}: only a pending message can be decided"),
        },
    }
}
