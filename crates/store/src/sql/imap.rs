//! IMAP sources: an inbox's IMAP configuration and the poller's progress through the
//! folder (UIDVALIDITY and the last UID filed).
//!
//! Progress survives a change of port, TLS mode, password file or CA file, which
//! reach the same folder; a change of host, user or folder names another mailbox, so
//! progress starts over there. Writes of the poller carry the revision the poll
//! started with and change nothing once the configuration moved on.

use super::{enum_col, SqlStore};
use crate::{ImapSource, NewImapSource, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

const COLUMNS: &str = "inbox_id, account_id, host, port, tls, username, password_file, folder, \
     ca_file, uid_validity, last_uid, last_error, last_polled_at, revision, created_at, updated_at";

/// Reads a column holding a 32-bit unsigned IMAP number (port, UID, UIDVALIDITY).
fn u32_col(row: &AnyRow, col: &str) -> StoreResult<u32> {
    let value: i64 = row.try_get(col)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{col} = {value}")))
}

fn source_row(row: &AnyRow) -> StoreResult<ImapSource> {
    let port = u32_col(row, "port")?;
    let uid_validity: Option<i64> = row.try_get("uid_validity")?;
    Ok(ImapSource {
        inbox_id: InboxId(row.try_get("inbox_id")?),
        account_id: AccountId(row.try_get("account_id")?),
        host: row.try_get("host")?,
        port: u16::try_from(port).map_err(|_| StoreError::Corrupt(format!("port = {port}")))?,
        tls: enum_col(row, "tls")?,
        username: row.try_get("username")?,
        password_file: row.try_get("password_file")?,
        folder: row.try_get("folder")?,
        ca_file: row.try_get("ca_file")?,
        uid_validity: uid_validity
            .map(|v| {
                u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("uid_validity = {v}")))
            })
            .transpose()?,
        last_uid: u32_col(row, "last_uid")?,
        last_error: row.try_get("last_error")?,
        last_polled_at: row.try_get("last_polled_at")?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl SqlStore {
    pub(crate) async fn set_imap_source(&self, new: NewImapSource) -> StoreResult<ImapSource> {
        let mut tx = self.write.begin().await?;
        let account: i64 = sqlx::query("SELECT account_id FROM inboxes WHERE id = $1")
            .bind(new.inbox_id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get("account_id")?;
        // One statement on both backends: a replaced row keeps its progress only when
        // it still names the same mailbox (host, user, folder).
        let same =
            "imap_sources.host = excluded.host AND imap_sources.username = excluded.username \
                    AND imap_sources.folder = excluded.folder";
        let sql = format!(
            "INSERT INTO imap_sources (inbox_id, account_id, host, port, tls, username, \
             password_file, folder, ca_file, uid_validity, last_uid, last_error, last_polled_at, \
             revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0, NULL, NULL, $10, $10, $10) \
             ON CONFLICT (inbox_id) DO UPDATE SET \
             uid_validity = CASE WHEN {same} THEN imap_sources.uid_validity ELSE NULL END, \
             last_uid = CASE WHEN {same} THEN imap_sources.last_uid ELSE 0 END, \
             last_polled_at = CASE WHEN {same} THEN imap_sources.last_polled_at ELSE NULL END, \
             host = excluded.host, port = excluded.port, tls = excluded.tls, \
             username = excluded.username, password_file = excluded.password_file, \
             folder = excluded.folder, ca_file = excluded.ca_file, last_error = NULL, \
             revision = imap_sources.revision + 1, updated_at = excluded.updated_at"
        );
        sqlx::query(&sql)
            .bind(new.inbox_id.0)
            .bind(account)
            .bind(&new.host)
            .bind(i64::from(new.port))
            .bind(new.tls.as_str())
            .bind(&new.username)
            .bind(&new.password_file)
            .bind(&new.folder)
            .bind(new.ca_file.as_deref())
            .bind(new.now)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM imap_sources WHERE inbox_id = $1"
        ))
        .bind(new.inbox_id.0)
        .fetch_one(&mut *tx)
        .await?;
        let source = source_row(&row)?;
        tx.commit().await?;
        Ok(source)
    }

    pub(crate) async fn remove_imap_source(&self, inbox: InboxId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM imap_sources WHERE inbox_id = $1")
            .bind(inbox.0)
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(crate) async fn imap_sources(&self) -> StoreResult<Vec<ImapSource>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM imap_sources ORDER BY inbox_id"
        ))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(source_row).collect()
    }

    pub(crate) async fn imap_source(&self, inbox: InboxId) -> StoreResult<ImapSource> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM imap_sources WHERE inbox_id = $1"
        ))
        .bind(inbox.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        source_row(&row)
    }

    pub(crate) async fn record_imap_progress(
        &self,
        inbox: InboxId,
        revision: i64,
        uid_validity: u32,
        last_uid: u32,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE imap_sources SET uid_validity = $1, last_uid = $2 \
             WHERE inbox_id = $3 AND revision = $4",
        )
        .bind(i64::from(uid_validity))
        .bind(i64::from(last_uid))
        .bind(inbox.0)
        .bind(revision)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn record_imap_poll(
        &self,
        inbox: InboxId,
        revision: i64,
        error: Option<&str>,
        now: Millis,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE imap_sources SET last_error = $1, last_polled_at = $2 \
             WHERE inbox_id = $3 AND revision = $4",
        )
        .bind(error)
        .bind(now)
        .bind(inbox.0)
        .bind(revision)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
