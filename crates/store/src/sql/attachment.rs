//! Uploaded files' rows (the bytes live in the server's attachment directory) and where
//! each file is used, which decides who may read it.

use super::SqlStore;
use crate::{AttachmentUses, NewAttachment, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

const ATTACHMENT_COLUMNS: &str =
    "id, account_id, uploaded_by, filename, content_type, size, sha256, created_at";

fn attachment_row(row: &AnyRow) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: AttachmentId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        uploaded_by: UserId(row.try_get("uploaded_by")?),
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        created_at: row.try_get("created_at")?,
    })
}

impl SqlStore {
    pub(crate) async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment> {
        let mut tx = self.write.begin().await?;
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE id = $1 AND account_id = $2")
                .bind(new.uploaded_by.0)
                .bind(new.account_id.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if n == 0 {
            return Err(StoreError::InvalidReference("uploaded_by"));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO attachments (account_id, uploaded_by, filename, content_type, size, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ATTACHMENT_COLUMNS}"
        ))
        .bind(new.account_id.0)
        .bind(new.uploaded_by.0)
        .bind(&new.filename)
        .bind(&new.content_type)
        .bind(new.size)
        .bind(&new.sha256)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        attachment_row(&row)
    }

    pub(crate) async fn attachment(
        &self,
        account: AccountId,
        id: AttachmentId,
    ) -> StoreResult<Attachment> {
        let row = sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        attachment_row(&row)
    }

    pub(crate) async fn attachment_uses(
        &self,
        account: AccountId,
        id: AttachmentId,
    ) -> StoreResult<AttachmentUses> {
        let inboxes = sqlx::query(
            "SELECT DISTINCT c.inbox_id FROM comment_attachments ca \
             JOIN timeline_entries e ON e.id = ca.entry_id \
             JOIN conversations c ON c.id = e.conversation_id \
             WHERE ca.attachment_id = $1 AND c.account_id = $2 AND e.deleted_at IS NULL \
             ORDER BY c.inbox_id",
        )
        .bind(id.0)
        .bind(account.0)
        .fetch_all(&self.read)
        .await?;
        let library: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM library_items WHERE attachment_id = $1 AND account_id = $2",
        )
        .bind(id.0)
        .bind(account.0)
        .fetch_one(&self.read)
        .await?
        .try_get("n")?;
        Ok(AttachmentUses {
            inbox_ids: inboxes
                .iter()
                .map(|r| Ok(InboxId(r.try_get("inbox_id")?)))
                .collect::<StoreResult<_>>()?,
            in_library: library > 0,
        })
    }
}
