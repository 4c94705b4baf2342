//! Accounts, tokens and login throttling on PostgreSQL.
//!
//! Two instances adding the same name at once meet the unique constraint on `users.username`
//! (the second waits for the first to commit, then fails): that failure is reported as the same
//! `user_exists` conflict the check before it gives. Ending tokens (a logout, a new password)
//! announces the change in the same transaction, so every instance drops the sessions it
//! holds the moment the change commits.

use super::rows::{col, names};
use super::{PgStore, announce, audit, now, ts_string};
use crate::{Accounts, Change, Credentials, NewUser, StoreError, TokenKind, UserChange, UserView};
use duban_core::access::{Actor, Role};
use duban_core::{Leader, Unit};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;

/// An account with its units in one row: the units as a JSON array, so that knowing who is
/// asking costs one statement, not one per table. `COLLATE "C"` orders them by bytes, as
/// SQLite's default collation does, whatever the database's locale.
const ACTOR_SELECT: &str = "SELECT u.id, u.username, u.role, u.leader_name, u.government,
        (SELECT COALESCE(json_agg(unit_name ORDER BY unit_name COLLATE \"C\"), '[]'::json)::text
            FROM user_units WHERE user_id = u.id) AS units
    FROM users u";

fn actor_of_row(row: &PgRow) -> Result<Actor, StoreError> {
    let role: String = col(row, "role")?;
    let leader: Option<String> = col(row, "leader_name")?;
    Ok(Actor {
        user_id: col(row, "id")?,
        username: col(row, "username")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        units: names(row, "units", |u| Unit::parse(u).ok())?,
        leader: leader.and_then(|l| Leader::parse(&l).ok()),
        government: col(row, "government")?,
    })
}

fn user_exists(username: &str) -> StoreError {
    StoreError::conflict("user_exists", format!("the user {username} already exists"))
}

#[async_trait::async_trait]
impl Accounts for PgStore {
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
            return Err(user_exists(&user.username));
        }
        // The check above cannot see a name another instance is adding right now: the unique
        // constraint catches that one.
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
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { code: "exists", .. } => user_exists(&user.username),
            e => e,
        })?;
        for unit in &user.units {
            sqlx::query(
                "INSERT INTO user_units (user_id, unit_name) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
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
        row.map(|r| {
            Ok(Credentials {
                user_id: col(&r, "id")?,
                password_hash: col(&r, "password_hash")?,
                disabled: col::<Option<String>>(&r, "disabled_at")?.is_some(),
                must_change_password: col::<i64>(&r, "must_change_password")? != 0,
            })
        })
        .transpose()
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
        let user: Option<(String, Option<String>)> = sqlx::query_as(
            "UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2 RETURNING username, government",
        )
        .bind(password_hash)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (name, government) = user.ok_or_else(|| StoreError::NotFound("user".into()))?;
        // A new password ends every other session and token, on every instance.
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
        sqlx::query(
            "INSERT INTO tokens (token_sha256, user_id, kind, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
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
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM tokens WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(&mut *tx)
            .await?;
        // Other instances may hold the session in a cache: it must stop working there too.
        announce(
            &mut tx,
            &Change::TokenEnded {
                token_sha256: token_sha256.to_owned(),
            },
        )
        .await?;
        tx.commit().await?;
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
        tx.commit().await?;
        Ok(())
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
        tx.commit().await?;
        Ok(())
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

/// Every instance forgets what it cached of the account's tokens when the change commits.
async fn tokens_ended(tx: &mut sqlx::PgConnection, user_id: i64) -> Result<(), StoreError> {
    announce(tx, &Change::UserTokensEnded { user_id }).await
}

/// Ends every token and session of an account (a new password, a reset, a disabled account),
/// on every instance.
async fn end_tokens(tx: &mut sqlx::PgConnection, user_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tokens_ended(tx, user_id).await
}

crate::logic::accounts::account_admin_impl!(
    PgStore,
    "(SELECT COALESCE(json_agg(unit_name ORDER BY unit_name COLLATE \"C\"), '[]'::json)::text
        FROM user_units WHERE user_id = u.id)",
    tokens_ended,
    end_tokens
);
