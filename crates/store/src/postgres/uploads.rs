//! Uploaded files held between the import page's preview and its confirmation, on PostgreSQL,
//! so any instance sharing the database can finish an import. The bytes are a `BYTEA` column.

use super::rows::col;
use super::{PgStore, now, ts_string};
use crate::{StoreError, Uploads};

#[async_trait::async_trait]
impl Uploads for PgStore {
    async fn stash_upload(
        &self,
        user_id: i64,
        file_name: &str,
        options: &str,
        bytes: &[u8],
    ) -> Result<i64, StoreError> {
        // Uploads older than a day were never confirmed: drop them while here.
        let day_ago = ts_string(
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(24))
                .unwrap_or_else(|_| jiff::Timestamp::now()),
        );
        sqlx::query("DELETE FROM uploads WHERE created_at < $1")
            .bind(day_ago)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO uploads (user_id, file_name, options, bytes, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(file_name)
        .bind(options)
        .bind(bytes)
        .bind(now())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn upload(
        &self,
        id: i64,
        user_id: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT file_name, options, bytes FROM uploads WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                col(&r, "file_name")?,
                col(&r, "options")?,
                col(&r, "bytes")?,
            ))
        })
        .transpose()
    }

    async fn drop_upload(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
