//! Internal comments: appended with their attachment links and notifications in one
//! transaction, soft-deleted with an audit event in another. A comment never changes
//! the conversation's preview, activity or search document: it is not the contact's.

use super::conversation::insert_entry;
use super::notification::{notify, EntryRef};
use super::{placeholders, SqlStore};
use crate::{CommentDeletion, NewComment, NewEntry, StoreError, StoreResult, WrittenEntry};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeSet;
use switchboard_domain::*;

/// The account and inbox of a conversation, or `NotFound`.
async fn conversation_place(
    tx: &mut Transaction<'static, Any>,
    id: ConversationId,
) -> StoreResult<(AccountId, InboxId)> {
    let row = sqlx::query("SELECT account_id, inbox_id FROM conversations WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((
        AccountId(row.try_get("account_id")?),
        InboxId(row.try_get("inbox_id")?),
    ))
}

/// Fails with `InvalidReference` unless every id is a file `uploader` put in the account.
async fn ensure_own_attachments(
    tx: &mut Transaction<'static, Any>,
    account: AccountId,
    uploader: UserId,
    ids: &BTreeSet<i64>,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM attachments WHERE account_id = $1 AND uploaded_by = $2 AND id IN ({})",
        placeholders(3, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(account.0).bind(uploader.0);
    for id in ids {
        q = q.bind(*id);
    }
    let n: i64 = q.fetch_one(&mut **tx).await?.try_get("n")?;
    if n as usize != ids.len() {
        return Err(StoreError::InvalidReference("attachment_ids"));
    }
    Ok(())
}

impl SqlStore {
    pub(crate) async fn add_comment(&self, new: NewComment) -> StoreResult<WrittenEntry> {
        let mut tx = self.write.begin().await?;
        let (account, inbox) = conversation_place(&mut tx, new.conversation_id).await?;
        let attachments: BTreeSet<i64> = new.attachment_ids.iter().map(|a| a.0).collect();
        ensure_own_attachments(&mut tx, account, new.author, &attachments).await?;
        let entry = insert_entry(
            &mut tx,
            &NewEntry {
                conversation_id: new.conversation_id,
                kind: EntryKind::Comment,
                direction: None,
                author_user_id: Some(new.author),
                author_contact_id: None,
                body: new.body,
                meta: new.meta,
                now: new.now,
            },
        )
        .await?;
        for attachment in &attachments {
            sqlx::query(
                "INSERT INTO comment_attachments (entry_id, attachment_id) VALUES ($1, $2)",
            )
            .bind(entry.id.0)
            .bind(*attachment)
            .execute(&mut *tx)
            .await?;
        }
        let at = EntryRef {
            account,
            inbox,
            conversation: new.conversation_id,
            entry: entry.id,
        };
        let notifications = notify(&mut tx, &at, &new.notify, new.now).await?;
        tx.commit().await?;
        Ok(WrittenEntry {
            entry,
            inbox_id: inbox,
            notifications,
        })
    }

    pub(crate) async fn delete_comment(
        &self,
        deletion: CommentDeletion,
    ) -> StoreResult<WrittenEntry> {
        let mut tx = self.write.begin().await?;
        let (_, inbox) = conversation_place(&mut tx, deletion.conversation_id).await?;
        let comment = sqlx::query(
            "SELECT author_user_id FROM timeline_entries \
             WHERE id = $1 AND conversation_id = $2 AND kind = 'comment' AND deleted_at IS NULL",
        )
        .bind(deletion.comment_id.0)
        .bind(deletion.conversation_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let author = comment
            .try_get::<Option<i64>, _>("author_user_id")?
            .map(UserId);
        sqlx::query("UPDATE timeline_entries SET deleted_at = $1 WHERE id = $2")
            .bind(deletion.now)
            .bind(deletion.comment_id.0)
            .execute(&mut *tx)
            .await?;
        let entry = insert_entry(
            &mut tx,
            &NewEntry {
                conversation_id: deletion.conversation_id,
                kind: EntryKind::Event,
                direction: None,
                author_user_id: Some(deletion.actor),
                author_contact_id: None,
                body: deletion.event_text,
                meta: serde_json::json!({
                    "event": "comment_deleted",
                    "comment_id": deletion.comment_id,
                    "author_id": author,
                }),
                now: deletion.now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WrittenEntry {
            entry,
            inbox_id: inbox,
            notifications: Vec::new(),
        })
    }
}
