//! Governments on PostgreSQL: registering one (in the caller's transaction, under the
//! `STRUCTURE` lock the caller holds, so two instances registering the same name at once cannot
//! both insert it), listing them, and registering on open those an older database holds plans
//! of. A registration is announced, so every instance's list of governments is renewed.

use super::{PgStore, announce, audit, lock, locks, now};
use crate::changes::Change;
use crate::logic::governments::{
    ALL_SQL, CODE_OF_SQL, CODES_LIKE_SQL, INSERT_SQL, OPENING_ACTOR, Registration,
    UNREGISTERED_SQL, audit_after, governments, register, subject,
};
use crate::{Governments, StoreError};
use duban_core::{Government, GovernmentCode};
use sqlx::postgres::PgConnection;

/// Registers `name` unless it is registered; `true` when this call registered it. The caller
/// holds the `STRUCTURE` lock.
pub(crate) async fn register_in(
    conn: &mut PgConnection,
    name: &str,
    code: Option<&GovernmentCode>,
    actor: &str,
) -> Result<(Government, bool), StoreError> {
    let existing: Option<String> = sqlx::query_scalar(CODE_OF_SQL)
        .bind(name.trim())
        .fetch_optional(&mut *conn)
        .await?;
    let wanted = code
        .cloned()
        .unwrap_or_else(|| duban_core::government::slug(name));
    let taken: Vec<String> = sqlx::query_scalar(CODES_LIKE_SQL)
        .bind(wanted.as_str())
        .fetch_all(&mut *conn)
        .await?;
    match register(name, code, existing, &taken)? {
        Registration::Existing(g) => Ok((g, false)),
        Registration::New(g) => {
            sqlx::query(INSERT_SQL)
                .bind(g.code.as_str())
                .bind(&g.name)
                .bind(now())
                .execute(&mut *conn)
                .await?;
            audit(
                conn,
                Some(&g.name),
                actor,
                "government.register",
                &subject(&g),
                None,
                Some(audit_after(&g)),
            )
            .await?;
            announce(conn, &Change::Government).await?;
            Ok((g, true))
        }
    }
}

impl PgStore {
    /// Registers the governments of plans stored before governments were (see the migration
    /// `0002_governments`).
    pub(super) async fn register_unregistered(&self) -> Result<(), StoreError> {
        let names: Vec<String> = sqlx::query_scalar(UNREGISTERED_SQL)
            .fetch_all(&self.pool)
            .await?;
        if names.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        lock(&mut tx, locks::STRUCTURE).await?;
        for name in names {
            register_in(&mut tx, &name, None, OPENING_ACTOR).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Governments for PgStore {
    async fn governments(&self) -> Result<Vec<Government>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(ALL_SQL).fetch_all(&self.pool).await?;
        governments(rows)
    }

    async fn register_government(
        &self,
        name: &str,
        code: Option<&GovernmentCode>,
        actor: &str,
    ) -> Result<Government, StoreError> {
        let mut tx = self.write().await?;
        lock(&mut tx, locks::STRUCTURE).await?;
        let (g, _) = register_in(&mut tx, name, code, actor).await?;
        tx.commit().await?;
        Ok(g)
    }
}
