//! Outbound email: replies and forwards queued with the entry that records them, and
//! the outbox worker's side of the outbox (lease due rows, record each attempt,
//! requeue a failed mail). An entry's `meta.delivery` mirrors its mail's state in the
//! same transaction, so the timeline always shows what the outbox knows.

use super::outbox::{outbox_row, OUTBOX_COLUMNS};
use super::{json_col, placeholders, SqlStore};
use crate::{
    DeliveredEntry, DeliveryOutcome, LeasedMail, NewEntry, OutboundMail, StoreError, StoreResult,
    ThreadMessageId,
};
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::*;

impl SqlStore {
    pub(crate) async fn append_outbound_email(
        &self,
        new: NewEntry,
        mail: OutboundMail,
    ) -> StoreResult<TimelineEntry> {
        let mut tx = self.write.begin().await?;
        let account: i64 = sqlx::query("SELECT account_id FROM conversations WHERE id = $1")
            .bind(new.conversation_id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get("account_id")?;
        let entry = self.append_entry_in(&mut tx, &new).await?;
        sqlx::query(
            "INSERT INTO email_messages (account_id, message_id, conversation_id, entry_id, direction, created_at) \
             VALUES ($1, $2, $3, $4, 'outbound', $5)",
        )
        .bind(account)
        .bind(&mail.message_id)
        .bind(new.conversation_id.0)
        .bind(entry.id.0)
        .bind(new.now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "message_id"))?;
        let recipients = serde_json::to_string(&mail.recipients)
            .map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))?;
        sqlx::query(
            "INSERT INTO outbox (account_id, kind, recipient, subject, body_text, state, attempts, \
                                 next_attempt_at, entry_id, created_at, raw, envelope_from, recipients) \
             VALUES ($1, $2, $3, $4, '', 'queued', 0, $5, $6, $5, $7, $8, $9)",
        )
        .bind(account)
        .bind(mail.kind.as_str())
        .bind(mail.recipients.join(", "))
        .bind(&mail.subject)
        .bind(new.now)
        .bind(entry.id.0)
        .bind(mail.raw)
        .bind(&mail.envelope_from)
        .bind(recipients)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub(crate) async fn thread_message_ids(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ThreadMessageId>> {
        let rows = sqlx::query(
            "SELECT message_id, direction, entry_id FROM email_messages \
             WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(conversation.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ThreadMessageId {
                    message_id: r.try_get("message_id")?,
                    direction: super::enum_col(r, "direction")?,
                    entry_id: r.try_get::<Option<i64>, _>("entry_id")?.map(EntryId),
                })
            })
            .collect()
    }

    pub(crate) async fn lease_outbox(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<LeasedMail>> {
        let mut tx = self.write.begin().await?;
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS}, raw, envelope_from, recipients FROM outbox \
             WHERE state = 'queued' AND next_attempt_at <= $1 \
               AND (locked_until IS NULL OR locked_until < $1) \
             ORDER BY next_attempt_at, id LIMIT $2{}",
            self.lock_rows_skip_locked()
        ))
        .bind(now)
        .bind(i64::from(limit.clamp(1, 100)))
        .fetch_all(&mut *tx)
        .await?;
        let mut leased = Vec::with_capacity(rows.len());
        for row in &rows {
            let recipients: Option<String> = row.try_get("recipients")?;
            let recipients = match recipients {
                Some(text) => serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))?,
                None => Vec::new(),
            };
            leased.push(LeasedMail {
                message: outbox_row(row)?,
                raw: row.try_get("raw")?,
                envelope_from: row.try_get("envelope_from")?,
                recipients,
            });
        }
        if !leased.is_empty() {
            let sql = format!(
                "UPDATE outbox SET locked_until = $1 WHERE id IN ({})",
                placeholders(2, leased.len())
            );
            let mut update = sqlx::query(&sql).bind(lease_until);
            for mail in &leased {
                update = update.bind(mail.message.id.0);
            }
            update.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(leased)
    }

    pub(crate) async fn finish_delivery(
        &self,
        id: OutboxId,
        outcome: DeliveryOutcome,
        now: Millis,
    ) -> StoreResult<Option<DeliveredEntry>> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT kind, attempts, entry_id FROM outbox WHERE id = $1{}",
            self.lock_rows()
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let attempts = row.try_get::<i64, _>("attempts")? + 1;
        let (state, error, next_attempt_at, sent_at) = match &outcome {
            DeliveryOutcome::Sent => (OutboxState::Sent, None, None, Some(now)),
            DeliveryOutcome::Retry {
                error,
                next_attempt_at,
            } => (
                OutboxState::Queued,
                Some(error),
                Some(*next_attempt_at),
                None,
            ),
            DeliveryOutcome::Failed { error } => (OutboxState::Failed, Some(error), None, None),
        };
        sqlx::query(
            "UPDATE outbox SET state = $1, attempts = $2, last_error = $3, \
                    next_attempt_at = COALESCE($4, next_attempt_at), sent_at = $5, locked_until = NULL \
             WHERE id = $6",
        )
        .bind(state.as_str())
        .bind(attempts)
        .bind(error)
        .bind(next_attempt_at)
        .bind(sent_at)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let kind: OutboxKind = super::enum_col(&row, "kind")?;
        let entry = row.try_get::<Option<i64>, _>("entry_id")?.map(EntryId);
        // A notification's entry is the comment or event it is about, not a mail.
        let delivered = match entry {
            Some(entry) if kind != OutboxKind::Notification => {
                let mut delivery = json!({"state": state, "attempts": attempts});
                if let Some(error) = error {
                    delivery["error"] = json!(error);
                }
                if let Some(at) = sent_at {
                    delivery["sent_at"] = json!(at);
                }
                if let Some(at) = next_attempt_at {
                    delivery["next_attempt_at"] = json!(at);
                }
                Some(self.set_delivery(&mut tx, entry, delivery).await?)
            }
            _ => None,
        };
        tx.commit().await?;
        Ok(delivered)
    }

    pub(crate) async fn retry_delivery(
        &self,
        conversation: ConversationId,
        entry: EntryId,
        now: Millis,
    ) -> StoreResult<TimelineEntry> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT o.id, o.state FROM outbox o \
             JOIN timeline_entries e ON e.id = o.entry_id \
             WHERE o.entry_id = $1 AND e.conversation_id = $2 AND o.kind <> 'notification' \
             ORDER BY o.id DESC LIMIT 1{}",
            self.lock_rows()
        ))
        .bind(entry.0)
        .bind(conversation.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let state: OutboxState = super::enum_col(&row, "state")?;
        if state != OutboxState::Failed {
            // Release the row lock now: a dropped transaction rolls back only when its
            // connection is next used, and until then workers would skip the row.
            tx.rollback().await?;
            return Err(StoreError::Conflict("mail is not failed"));
        }
        sqlx::query(
            "UPDATE outbox SET state = 'queued', attempts = 0, last_error = NULL, \
                    next_attempt_at = $1, locked_until = NULL WHERE id = $2",
        )
        .bind(now)
        .bind(row.try_get::<i64, _>("id")?)
        .execute(&mut *tx)
        .await?;
        self.set_delivery(&mut tx, entry, json!({"state": "queued", "attempts": 0}))
            .await?;
        let entry = sqlx::query(&format!(
            "SELECT {} FROM timeline_entries WHERE id = $1",
            super::conversation::ENTRY_COLUMNS
        ))
        .bind(entry.0)
        .fetch_one(&mut *tx)
        .await?;
        let entry = super::conversation::entry_row(&entry)?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Replaces `meta.delivery` of an entry and answers where the entry is.
    async fn set_delivery(
        &self,
        tx: &mut Transaction<'static, Any>,
        entry: EntryId,
        delivery: serde_json::Value,
    ) -> StoreResult<DeliveredEntry> {
        let row = sqlx::query(&format!(
            "SELECT e.meta, e.conversation_id, c.inbox_id FROM timeline_entries e \
             JOIN conversations c ON c.id = e.conversation_id WHERE e.id = $1{}",
            self.lock_rows()
        ))
        .bind(entry.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut meta = json_col(&row, "meta")?;
        if !meta.is_object() {
            meta = json!({});
        }
        meta["delivery"] = delivery;
        sqlx::query("UPDATE timeline_entries SET meta = $1 WHERE id = $2")
            .bind(meta.to_string())
            .bind(entry.0)
            .execute(&mut **tx)
            .await?;
        Ok(DeliveredEntry {
            conversation_id: ConversationId(row.try_get("conversation_id")?),
            inbox_id: InboxId(row.try_get("inbox_id")?),
            entry_id: entry,
        })
    }
}
