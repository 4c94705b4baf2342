//! The office's hold on accounts on every backend ([`crate::AccountAdmin`]): the statements,
//! which read the same in both dialects but for how an account's units are gathered (passed in),
//! and the one implementation ([`account_admin_impl`]).

use crate::{StoreError, UserView};

/// The longest e-mail address SMTP carries (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// An e-mail address as stored: trimmed, `None` when blank. Only the shape is checked here
/// (one `@`, something either side, no spaces); whether it reaches anyone is the mail server's
/// business.
pub(crate) fn email_of(email: Option<&str>) -> Result<Option<String>, StoreError> {
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let ok = email.chars().count() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(Some(email.to_owned()))
    } else {
        Err(StoreError::Invalid(format!(
            "email: {email} is not an e-mail address / 邮箱格式不正确"
        )))
    }
}

/// The columns of a [`UserRow`], after the backend's expression for `units`.
pub(crate) const COLUMNS: &str = "u.id, u.username, u.role, u.leader_name, u.government, u.email,
    u.disabled_at, u.must_change_password, u.created_at";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub leader_name: Option<String>,
    pub government: Option<String>,
    pub email: Option<String>,
    pub disabled_at: Option<String>,
    pub must_change_password: i64,
    pub created_at: String,
    /// A JSON array of unit names.
    pub units: String,
}

impl UserRow {
    pub(crate) fn view(self) -> Result<UserView, StoreError> {
        let units: Vec<String> = serde_json::from_str(&self.units)
            .map_err(|e| StoreError::Corrupt(format!("units of user {}: {e}", self.id)))?;
        Ok(UserView {
            id: self.id,
            username: self.username,
            role: self.role,
            units,
            leader: self.leader_name,
            government: self.government,
            email: self.email,
            disabled_at: self.disabled_at,
            must_change_password: self.must_change_password != 0,
            created_at: self.created_at,
        })
    }
}

/// What an account's role needs of a change: a unit account speaks for a unit, a leader
/// account is a leader.
pub(crate) fn check_change(role: &str, change: &crate::UserChange) -> Result<(), StoreError> {
    match role {
        "unit" if change.units.iter().all(|u| u.trim().is_empty()) => Err(StoreError::Invalid(
            "units: a unit account needs at least one unit / 单位账户须绑定责任单位".into(),
        )),
        "leader" if change.leader.as_deref().is_none_or(|l| l.trim().is_empty()) => {
            Err(StoreError::Invalid(
                "leader: a leader account needs a leader's name / 领导账户须填写领导姓名".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// The [`crate::AccountAdmin`] implementation, over `$units` (the backend's expression for an
/// account's units as a JSON array, in `u`'s scope), `$tokens_ended(&mut tx, user_id)`, run in
/// the transaction that changes whom an account's tokens speak for (PostgreSQL tells every
/// instance), and `$end_tokens(&mut tx, user_id)`, which deletes them and tells as much. Each
/// backend invokes it with `audit` and its write transaction in scope; a macro for the reason
/// `logic::messages::messages_impl` is one.
macro_rules! account_admin_impl {
    ($store:ty, $units:expr, $tokens_ended:path, $end_tokens:path) => {
        impl $store {
            async fn user_rows(
                &self,
                filter: &str,
                bind: Option<&str>,
                id: Option<i64>,
            ) -> Result<Vec<UserView>, StoreError> {
                use crate::logic::accounts::{COLUMNS, UserRow};
                let sql = format!(
                    "SELECT {COLUMNS}, {} AS units FROM users u WHERE {filter} ORDER BY u.id",
                    $units
                );
                let mut q = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql));
                if let Some(b) = bind {
                    q = q.bind(b.to_owned());
                }
                if let Some(id) = id {
                    q = q.bind(id);
                }
                q.fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(UserRow::view)
                    .collect()
            }

            async fn written_user(&self, user_id: i64) -> Result<UserView, StoreError> {
                crate::AccountAdmin::user(self, user_id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
            }
        }

        #[async_trait::async_trait]
        impl crate::AccountAdmin for $store {
            async fn users(&self, government: Option<&str>) -> Result<Vec<UserView>, StoreError> {
                // A government's office sees its own accounts, never the platform's.
                match government {
                    Some(g) => self.user_rows("u.government = $1", Some(g), None).await,
                    None => self.user_rows("TRUE", None, None).await,
                }
            }

            async fn user(&self, user_id: i64) -> Result<Option<UserView>, StoreError> {
                Ok(self.user_rows("u.id = $1", None, Some(user_id)).await?.pop())
            }

            async fn change_user(
                &self,
                user_id: i64,
                change: &UserChange,
                actor: &str,
            ) -> Result<UserView, StoreError> {
                let before = self.written_user(user_id).await?;
                crate::logic::accounts::check_change(&before.role, change)?;
                let email = crate::logic::accounts::email_of(change.email.as_deref())?;
                let mut units: Vec<String> = change
                    .units
                    .iter()
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect();
                units.sort();
                units.dedup();
                let leader = change
                    .leader
                    .as_deref()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned);
                let mut tx = self.write().await?;
                sqlx::query("UPDATE users SET leader_name = $1, email = $2 WHERE id = $3")
                    .bind(&leader)
                    .bind(&email)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM user_units WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                for unit in &units {
                    sqlx::query("INSERT INTO user_units (user_id, unit_name) VALUES ($1, $2)")
                        .bind(user_id)
                        .bind(unit)
                        .execute(&mut *tx)
                        .await?;
                }
                // Whom a token speaks for changed: cached actors must be read again.
                $tokens_ended(&mut tx, user_id).await?;
                audit(
                    &mut tx,
                    before.government.as_deref(),
                    actor,
                    "user.update",
                    &format!("user:{}", before.username),
                    Some(serde_json::json!({"units": before.units, "leader": before.leader, "email": before.email})),
                    Some(serde_json::json!({"units": units, "leader": leader, "email": email})),
                )
                .await?;
                tx.commit().await?;
                self.written_user(user_id).await
            }

            async fn set_disabled(
                &self,
                user_id: i64,
                disabled: bool,
                actor: &str,
            ) -> Result<UserView, StoreError> {
                let before = self.written_user(user_id).await?;
                if before.disabled_at.is_some() == disabled {
                    return Ok(before);
                }
                let mut tx = self.write().await?;
                let at = disabled.then(crate::logic::now);
                sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                    .bind(&at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if disabled {
                    $end_tokens(&mut tx, user_id).await?;
                } else {
                    $tokens_ended(&mut tx, user_id).await?;
                }
                audit(
                    &mut tx,
                    before.government.as_deref(),
                    actor,
                    if disabled { "user.disable" } else { "user.enable" },
                    &format!("user:{}", before.username),
                    Some(serde_json::json!({"disabled_at": before.disabled_at})),
                    Some(serde_json::json!({"disabled_at": at})),
                )
                .await?;
                tx.commit().await?;
                self.written_user(user_id).await
            }

            async fn reset_password(
                &self,
                user_id: i64,
                password_hash: &str,
                actor: &str,
            ) -> Result<UserView, StoreError> {
                let before = self.written_user(user_id).await?;
                let mut tx = self.write().await?;
                sqlx::query(
                    "UPDATE users SET password_hash = $1, must_change_password = 1 WHERE id = $2",
                )
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                $end_tokens(&mut tx, user_id).await?;
                // Never the hash: the log is read by people who must not get it.
                audit(
                    &mut tx,
                    before.government.as_deref(),
                    actor,
                    "user.reset_password",
                    &format!("user:{}", before.username),
                    None,
                    Some(serde_json::json!({"must_change_password": true})),
                )
                .await?;
                tx.commit().await?;
                self.written_user(user_id).await
            }
        }
    };
}
pub(crate) use account_admin_impl;
