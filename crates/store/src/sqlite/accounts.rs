//! Accounts, tokens and login throttling on SQLite.

use super::{SqliteStore, audit, now, ts_string};
use crate::{Accounts, Credentials, NewUser, StoreError, TokenKind, UserChange, UserView};
use duban_core::access::{Actor, Role};
use duban_core::{Leader, Unit};
use serde_json::json;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

/// An account with its units in one row: the units as a JSON array, so that knowing who is
/// asking costs one statement, not one per table.
const ACTOR_SELECT: &str = "SELECT u.id, u.username, u.role, u.leader_name, u.government,
        (SELECT json_group_array(unit_name ORDER BY unit_name) FROM user_units
            WHERE user_id = u.id) AS units
    FROM users u";

fn actor_of_row(row: &SqliteRow) -> Result<Actor, StoreError> {
    let role: String = row.get("role");
    let units: Vec<String> = serde_json::from_str(&row.get::<String, _>("units"))
        .map_err(|e| StoreError::Corrupt(format!("units of a user: {e}")))?;
    Ok(Actor {
        user_id: row.get("id"),
        username: row.get("username"),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        units: units.iter().filter_map(|u| Unit::parse(u).ok()).collect(),
        leader: row
            .get::<Option<String>, _>("leader_name")
            .and_then(|l| Leader::parse(&l).ok()),
        government: row.get("government"),
    })
}

#[async_trait::async_trait]
impl Accounts for SqliteStore {
    async fn add_user(&self, user: &NewUser, actor: &str) -> Result<i64, StoreError> {
        if user.username.trim().is_empty() {
            return Err(StoreError::Invalid("the user name is empty".into()));
        }
        match user.role {
            Role::Unit if user.units.is_empty() => {
                return Err(StoreError::Invalid(
                    "units: a unit account needs at least one unit (--unit) / 单位账户须绑定责任单位".into(),
                ));
            }
            Role::Leader if user.leader.is_none() => {
                return Err(StoreError::Invalid(
                    "leader: a leader account needs a leader's name (--leader) / 领导账户须填写领导姓名".into(),
                ));
            }
            _ => {}
        }
        let mut tx = self.write().await?;
        if let Some(g) = &user.government {
            let known: Option<String> = sqlx::query_scalar(crate::logic::governments::CODE_OF_SQL)
                .bind(g)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "no government {g} is registered here"
                )));
            }
        }
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&user.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::conflict(
                "user_exists",
                format!("the user {} already exists", user.username),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users
                (username, role, password_hash, leader_name, created_at, government, email)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&user.username)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(&user.leader)
        .bind(now())
        .bind(&user.government)
        .bind(crate::logic::accounts::email_of(user.email.as_deref())?)
        .fetch_one(&mut *tx)
        .await?;
        for unit in &user.units {
            sqlx::query("INSERT OR IGNORE INTO user_units (user_id, unit_name) VALUES ($1, $2)")
                .bind(id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
        }
        audit(
            &mut tx,
            user.government.as_deref(),
            actor,
            "user.create",
            &format!("user:{}", user.username),
            None,
            Some(
                json!({"role": user.role.as_str(), "units": user.units, "leader": user.leader, "government": user.government}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        let row = sqlx::query("SELECT id, password_hash, disabled_at, must_change_password FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Credentials {
            user_id: r.get("id"),
            password_hash: r.get("password_hash"),
            disabled: r.get::<Option<String>, _>("disabled_at").is_some(),
            must_change_password: r.get::<i64, _>("must_change_password") != 0,
        }))
    }

    async fn actor(&self, user_id: i64) -> Result<Option<Actor>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{ACTOR_SELECT} WHERE u.id = $1")))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| actor_of_row(&r)).transpose()
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT username, government FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (name, government) = user.ok_or_else(|| StoreError::NotFound("user".into()))?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // A new password ends every other session and token.
        end_tokens(&mut tx, user_id).await?;
        audit(
            &mut tx,
            government.as_deref(),
            actor,
            "user.password",
            &format!("user:{name}"),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_token(
        &self,
        user_id: i64,
        token_sha256: &str,
        kind: TokenKind,
        ttl: std::time::Duration,
    ) -> Result<(), StoreError> {
        let now_ts = jiff::Timestamp::now();
        let expires = now_ts
            .checked_add(
                jiff::SignedDuration::try_from(ttl).unwrap_or(jiff::SignedDuration::from_hours(12)),
            )
            .unwrap_or(now_ts);
        sqlx::query("INSERT INTO tokens (token_sha256, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_sha256)
            .bind(user_id)
            .bind(kind.as_str())
            .bind(ts_string(now_ts))
            .bind(ts_string(expires))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn actor_by_token(
        &self,
        token_sha256: &str,
        kind: TokenKind,
    ) -> Result<Option<Actor>, StoreError> {
        // One statement: this runs on every API call and work page.
        let row = sqlx::query(AssertSqlSafe(format!(
            "{ACTOR_SELECT} JOIN tokens t ON t.user_id = u.id
             WHERE t.token_sha256 = $1 AND t.kind = $2 AND t.expires_at > $3
               AND u.disabled_at IS NULL"
        )))
        .bind(token_sha256)
        .bind(kind.as_str())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| actor_of_row(&r)).transpose()
    }

    async fn delete_token(&self, token_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM tokens WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_login_failure(&self, username: &str, address: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO login_failures (at, username, address) VALUES ($1, $2, $3)")
            .bind(now())
            .bind(username)
            .bind(address)
            .execute(&mut *tx)
            .await?;
        // Nobody is logged in yet: the audit names the address that tried.
        audit(
            &mut tx,
            None,
            &format!("address:{address}"),
            "login_failed",
            &format!("user:{username}"),
            None,
            Some(json!({ "address": address })),
        )
        .await?;
        tx.commit().await
    }

    async fn record_login(&self, username: &str, address: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let who = format!("user:{username}");
        audit(
            &mut tx,
            None,
            &who,
            "login",
            &who,
            None,
            Some(json!({ "address": address })),
        )
        .await?;
        tx.commit().await
    }

    async fn login_failures_within(
        &self,
        username: &str,
        address: &str,
        window: std::time::Duration,
    ) -> Result<(u32, u32), StoreError> {
        let now_ts = jiff::Timestamp::now();
        let since = ts_string(
            now_ts
                .checked_sub(jiff::SignedDuration::try_from(window).unwrap_or_default())
                .unwrap_or(now_ts),
        );
        let by_name: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $2",
        )
        .bind(username)
        .bind(&since)
        .fetch_one(&self.pool)
        .await?;
        let by_addr: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE address = $1 AND at > $2",
        )
        .bind(address)
        .bind(&since)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            u32::try_from(by_name).unwrap_or(u32::MAX),
            u32::try_from(by_addr).unwrap_or(u32::MAX),
        ))
    }
}

/// Nothing to tell: SQLite has no channel to the other processes sharing the file, and this
/// process's actor cache is told by the web layer (see [`crate::changes`]).
async fn tokens_ended(_: &mut super::WriteTx, _: i64) -> Result<(), StoreError> {
    Ok(())
}

/// Ends every token and session of an account (a new password, a reset, a disabled account).
async fn end_tokens(tx: &mut super::WriteTx, user_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

crate::logic::accounts::account_admin_impl!(
    SqliteStore,
    "(SELECT json_group_array(unit_name ORDER BY unit_name) FROM user_units WHERE user_id = u.id)",
    tokens_ended,
    end_tokens
);
