//! Governments on SQLite: registering one (in the caller's transaction, so an import that
//! registers its government is one transaction), listing them, and registering on open those an
//! older database holds plans of.

use super::{SqliteStore, audit, now};
use crate::logic::governments::{
    ALL_SQL, CODE_OF_SQL, CODES_LIKE_SQL, INSERT_SQL, OPENING_ACTOR, Registration,
    UNREGISTERED_SQL, audit_after, governments, register, subject,
};
use crate::{Governments, StoreError};
use duban_core::{Government, GovernmentCode};
use sqlx::sqlite::SqliteConnection;

/// Registers `name` unless it is registered; `true` when this call registered it.
pub(crate) async fn register_in(
    conn: &mut SqliteConnection,
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
            Ok((g, true))
        }
    }
}

impl SqliteStore {
    /// Registers the governments of plans stored before governments were (see the migration
    /// `0007_governments`).
    pub(super) async fn register_unregistered(&self) -> Result<(), StoreError> {
        let names: Vec<String> = sqlx::query_scalar(UNREGISTERED_SQL)
            .fetch_all(&self.pool)
            .await?;
        if names.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for name in names {
            register_in(&mut tx, &name, None, OPENING_ACTOR).await?;
        }
        tx.commit().await
    }
}

#[async_trait::async_trait]
impl Governments for SqliteStore {
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
        let (g, _) = register_in(&mut tx, name, code, actor).await?;
        tx.commit().await?;
        Ok(g)
    }
}
