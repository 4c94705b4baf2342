//! The office's unit aliases on every backend (the built-in short forms are
//! `duban_core::aliases`): the statements, which read the same in both dialects, and the one
//! implementation ([`aliases_impl`]).

/// A unit of a government, by name: an alias must name one.
pub(crate) const UNIT_EXISTS_SQL: &str =
    "SELECT COUNT(*) FROM units WHERE government = $1 AND name = $2";

/// Adding an alias twice is adding it once.
pub(crate) const INSERT_SQL: &str = "INSERT INTO unit_aliases (government, alias, unit, created_at)
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

pub(crate) const LIST_SQL: &str =
    "SELECT alias, unit FROM unit_aliases WHERE government = $1 ORDER BY alias, unit";

pub(crate) const UNIT_NAMES_SQL: &str = "SELECT name FROM units WHERE government = $1 ORDER BY id";

/// The longest alias: a short name, not a sentence.
pub(crate) const MAX_ALIAS: usize = 50;

/// The [`crate::Aliases`] implementation for a store with `pool`, `write()` and an `audit` in
/// scope (a macro for the reason `logic::messages::messages_impl` is one).
macro_rules! aliases_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::Aliases for $store {
            async fn add_alias(
                &self,
                government: &str,
                alias: &str,
                unit: &str,
                actor: &str,
            ) -> Result<(), crate::StoreError> {
                use crate::logic::aliases::{INSERT_SQL, MAX_ALIAS, UNIT_EXISTS_SQL};
                let alias = alias.trim();
                if alias.is_empty() || alias.chars().count() > MAX_ALIAS {
                    return Err(crate::StoreError::Invalid(format!(
                        "alias: 1 to {MAX_ALIAS} characters"
                    )));
                }
                let mut tx = self.write().await?;
                let n: i64 = sqlx::query_scalar(UNIT_EXISTS_SQL)
                    .bind(government)
                    .bind(unit)
                    .fetch_one(&mut *tx)
                    .await?;
                if n == 0 {
                    return Err(crate::StoreError::NotFound(format!(
                        "unit {unit} of {government}"
                    )));
                }
                sqlx::query(INSERT_SQL)
                    .bind(government)
                    .bind(alias)
                    .bind(unit)
                    .bind(crate::logic::now())
                    .execute(&mut *tx)
                    .await?;
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "alias.add",
                    &format!("unit:{unit}"),
                    None,
                    Some(serde_json::json!({"alias": alias})),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn aliases(
                &self,
                government: &str,
            ) -> Result<Vec<(String, String)>, crate::StoreError> {
                Ok(sqlx::query_as(crate::logic::aliases::LIST_SQL)
                    .bind(government)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn rename_unit(
                &self,
                government: &str,
                from: &str,
                to: &str,
                actor: &str,
            ) -> Result<(), crate::StoreError> {
                use crate::logic::aliases::{INSERT_SQL, UNIT_EXISTS_SQL};
                let to = duban_core::Unit::parse(to.trim())
                    .map_err(|e| crate::StoreError::Invalid(format!("to: {e}")))?;
                let to = to.as_str();
                if to == from {
                    return Ok(());
                }
                let mut tx = self.write().await?;
                let exists = |name: &str| {
                    sqlx::query_scalar::<_, i64>(UNIT_EXISTS_SQL)
                        .bind(government.to_owned())
                        .bind(name.to_owned())
                };
                if exists(from).fetch_one(&mut *tx).await? == 0 {
                    return Err(crate::StoreError::NotFound(format!(
                        "unit {from} of {government}"
                    )));
                }
                if exists(to).fetch_one(&mut *tx).await? > 0 {
                    return Err(crate::StoreError::conflict(
                        "unit_exists",
                        format!("{to} 已是本政府的责任单位，不能改名为它 / {to} is already a unit of {government}"),
                    ));
                }
                // The plan's rows (so the open and future rounds carry the new name); what was
                // published keeps the name it was published with.
                sqlx::query("UPDATE units SET name = $1 WHERE government = $2 AND name = $3")
                    .bind(to)
                    .bind(government)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                // The accounts that spoke for it speak for it under its new name.
                sqlx::query(
                    "UPDATE user_units SET unit_name = $1 WHERE unit_name = $2
                     AND user_id IN (SELECT id FROM users WHERE government = $3)",
                )
                .bind(to)
                .bind(from)
                .bind(government)
                .execute(&mut *tx)
                .await?;
                // The office's short names follow the unit; each name then finds the other,
                // so a search for either finds the rounds published under both.
                sqlx::query("UPDATE unit_aliases SET unit = $1 WHERE government = $2 AND unit = $3")
                    .bind(to)
                    .bind(government)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                let now = crate::logic::now();
                for (alias, unit) in [(from, to), (to, from)] {
                    sqlx::query(INSERT_SQL)
                        .bind(government)
                        .bind(alias)
                        .bind(unit)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                }
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "unit.rename",
                    &format!("unit:{from}"),
                    Some(serde_json::json!({"name": from})),
                    Some(serde_json::json!({"name": to})),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn unit_names(&self, government: &str) -> Result<Vec<String>, crate::StoreError> {
                Ok(sqlx::query_scalar(crate::logic::aliases::UNIT_NAMES_SQL)
                    .bind(government)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}
pub(crate) use aliases_impl;
